"""Messages the panes and workers post up to the app ("attributes down, messages up").

Tests record them with ``App.run_test(message_hook=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from advisor.report.model import Report
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
    """A worker finished profiling: the new report and the request that made it."""

    def __init__(self, request: ProfileRequest, report: Report) -> None:
        super().__init__()
        self.request = request
        self.report = report


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
