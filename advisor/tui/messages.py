"""Messages the panes and workers post up to the app ("attributes down, messages up").

Tests record them with ``App.run_test(message_hook=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from advisor.drift import DriftReport
    from advisor.explain import Explanation
    from advisor.leaderboard import Leaderboard
    from advisor.load import Table
    from advisor.report.model import Report, SavedModel
    from advisor.tui.session import ProfileRequest


class ProfileRequested(Message):
    """Profile this request (a file to open, or new target, task or kinds for the current one)."""

    def __init__(self, request: ProfileRequest) -> None:
        super().__init__()
        self.request = request


class JobProgress(Message):
    """Progress of long work from a worker thread: what it is doing and how far (0..1)."""

    def __init__(self, label: str, fraction: float) -> None:
        super().__init__()
        self.label = label
        self.fraction = fraction


class ProfileReady(Message):
    """A worker finished profiling: the new report, the request that made it and the table it read."""

    def __init__(self, request: ProfileRequest, report: Report, table: Table | None = None) -> None:
        super().__init__()
        self.request = request
        self.report = report
        self.table = table


class JobFinished(Message):
    """A pane's worker thread ended (done, failed or stopped): its group is free again.

    ``note`` is said in a notification (how a stopped job ended).
    """

    def __init__(self, group: str, note: str | None = None) -> None:
        super().__init__()
        self.group = group
        self.note = note


class BenchmarkDone(Message):
    """Cross-validation ended (finished or stopped): the report with the leaderboard, and the fitted pick.

    ``source`` is the report the run started from: a result for an older profile is dropped.
    ``fitted`` is None when nothing was picked or the run was stopped (refitted when needed).
    """

    def __init__(self, source: Report, report: Report, fitted: object) -> None:
        super().__init__()
        self.source = source
        self.report = report
        self.fitted = fitted


class RowFinished(Message):
    """One candidate's cross-validation ended (ok with its scores, failed or timeout): the live leaderboard shows it."""

    def __init__(self, row: object) -> None:
        super().__init__()
        self.row = row


class ExplanationReady(Message):
    """The pick was explained; ``row_only``: only ``explanation.row`` is new (a row picked afterwards)."""

    def __init__(self, board: Leaderboard, explanation: Explanation, fitted: object, row_only: bool = False) -> None:
        super().__init__()
        self.board = board
        self.explanation = explanation
        self.fitted = fitted
        self.row_only = row_only


class ModelSaved(Message):
    """The fitted pick was written to ``saved.path``."""

    def __init__(self, board: Leaderboard, saved: SavedModel, fitted: object) -> None:
        super().__init__()
        self.board = board
        self.saved = saved
        self.fitted = fitted


class DriftReady(Message):
    """The open table was compared with another file; ``source`` is the report it was the reference of."""

    def __init__(self, source: Report, drift: DriftReport) -> None:
        super().__init__()
        self.source = source
        self.drift = drift


class AnswersGiven(Message):
    """The user answered questions the profile could not: walk the map again."""

    def __init__(self, answers: dict[str, str], n_clusters: int | None) -> None:
        super().__init__()
        self.answers = answers
        self.n_clusters = n_clusters


class AdviceChanged(Message):
    """The map was walked again with the user's answers (no new profile)."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report


class ExportRequested(Message):
    def __init__(self, fmt: str, stem: str) -> None:
        super().__init__()
        self.fmt = fmt
        self.stem = stem


class ReportExported(Message):
    def __init__(self, fmt: str, path: str) -> None:
        super().__init__()
        self.fmt = fmt
        self.path = path


class WorkFailed(Message):
    """Something the user asked for failed; the app shows ``message`` in a modal."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title = title
        self.message = message


class OpenFile(Message):
    """The user picked a file to profile (from the tree, the recent list or the path box)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class TargetChosen(Message):
    """Predict this column (None: no target, an unsupervised task)."""

    def __init__(self, column: str | None) -> None:
        super().__init__()
        self.column = column


class TaskChosen(Message):
    """Use this task (None: infer it from the target again)."""

    def __init__(self, task: str | None) -> None:
        super().__init__()
        self.task = task


class KindChosen(Message):
    """Force a column's kind (None: let the detectors decide again)."""

    def __init__(self, column: str, kind: str | None) -> None:
        super().__init__()
        self.column = column
        self.kind = kind
