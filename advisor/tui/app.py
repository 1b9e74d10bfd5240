"""The Textual app: tabs from the feature registry, long work in thread workers, errors as modals.

Data flows one way: the app owns the current :class:`~advisor.report.model.Report`
and the :class:`~advisor.tui.session.ProfileRequest` that made it, hands the
report down to every pane (``Pane.show_report``), and panes post messages up
when the user wants something else (another file, target, task, kind, answer,
an export). Profiling runs in a thread worker that reports progress through
messages, so the interface never freezes; a failure becomes a modal.

The app also keeps what the session built that is not in a report: the table
read from the file (a new target, task or kind profiles it again without
reading the file) and the pick refitted by the benchmark (Explain and Export
reuse it instead of fitting it again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import var
from textual.widgets import Footer, Header, Input, Label, ProgressBar, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from advisor.tui.features import FEATURES, Feature
from advisor.tui.messages import (
    AdviceChanged,
    AnswersGiven,
    BenchmarkDone,
    ExplanationReady,
    ExportRequested,
    JobFinished,
    JobProgress,
    KindChosen,
    ModelSaved,
    OpenFile,
    ProfileReady,
    ProfileRequested,
    ReportExported,
    TargetChosen,
    TaskChosen,
    WorkFailed,
)
from advisor.tui.modals import ErrorModal
from advisor.tui.panes.base import Pane, describe_error
from advisor.tui.panes.open import tilde
from advisor.tui.session import EXPORT_FORMATS, ProfileRequest, export_report, rewalk

if TYPE_CHECKING:
    from textual.screen import Screen

    from advisor.leaderboard import Leaderboard
    from advisor.load import Table
    from advisor.report.model import Report
    from advisor.ruletree.model import RuleSet

DIALOG_BINDINGS: list[BindingType] = [
    Binding("enter", "", "Choose, or accept"),
    Binding("escape", "", "Close a dialog"),
    Binding("tab", "", "Next area of the tab"),
]


class AdvisorApp(App[int]):
    """From a file to a recommendation, without leaving the keyboard."""

    TITLE = "advisor"
    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 (declared so on App)
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(f.key, f"show_tab('{f.id}')", f.title, show=False) for f in FEATURES),
        Binding("f1", "show_tab('help')", "Help", show=False),
        Binding("s", "open_sample", "Sample"),
        Binding("escape", "cancel_job", "Stop the running job"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("q", "quit", "Quit"),
    ]

    report: var[Report | None] = var(None, init=False)

    def __init__(
        self,
        path: str | None = None,
        *,
        start_dir: str | Path | None = None,
        export_dir: str | Path | None = None,
        recent_file: str | Path | None = None,
        features: Iterable[Feature] = FEATURES,
        cursor_blink: bool = True,
        **profile_options: Any,
    ) -> None:
        """``path`` opens at once; ``profile_options`` are build_profile_report's keywords.

        ``start_dir`` roots the file tree (default: the current folder),
        ``export_dir`` is where reports are saved unless the user types
        another path, ``recent_file`` overrides the recent-files JSON;
        ``cursor_blink=False`` keeps screenshots identical from run to run.
        """
        from advisor.tui.recent import load_recent, recent_path

        super().__init__()
        self.initial = ProfileRequest.from_options(path or "", profile_options)
        self.request: ProfileRequest | None = None  # the request behind the report on screen
        self.pending: ProfileRequest | None = None  # the request being profiled now, if any
        self.start_dir = Path(start_dir or Path.cwd())
        self.export_dir = Path(export_dir or Path.cwd())
        self.recent_file = Path(recent_file) if recent_file else recent_path()
        self.recent = load_recent(self.recent_file)
        self.feature_list = [f for f in features if f.available()]
        self.table: Table | None = None  # the rows behind the report: re-profiled, cross-validated, explained
        self.fitted: Any = None  # the pick refitted on every row, for the leaderboard in fitted_board
        self.fitted_board: Leaderboard | None = None
        self._rulesets: dict[str | None, RuleSet] = {}
        self.cursor_blink = cursor_blink

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for feature in self.feature_list:
                key = self.get_key_display(Binding(feature.key, ""))
                label = Content.from_markup("$title [dim]$key[/]", title=feature.tab or feature.title, key=key)
                with TabPane(label, id=feature.id):
                    yield feature.make(self)
        with Horizontal(id="status"):
            yield Label(id="status-label")
            yield ProgressBar(total=1.0, show_eta=False, id="progress")
        yield Footer()

    def on_mount(self) -> None:
        if not self.cursor_blink:
            for field in self.query(Input):
                field.cursor_blink = False
        self.show_feature_tabs()
        if self.initial.path:
            self.start_profile(self.initial)
        else:
            self.call_after_refresh(self.focus_pane, "open")

    def panes(self) -> list[Pane]:
        return list(self.query(Pane))

    def pane(self, feature_id: str) -> Pane | None:
        """The pane inside the ``feature_id`` tab, or None when that feature is not built."""
        for pane in self.query_one("#tabs", TabbedContent).query(f"#{feature_id} > Pane").results(Pane):
            return pane
        return None

    def show_feature_tabs(self) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        shown: list[str] = []
        for feature in self.feature_list:
            if feature.needs_report or feature.needs_pick:
                if self.missing(feature) is None:
                    tabs.show_tab(feature.id)
                else:
                    if tabs.active == feature.id and shown:  # its report went away: the tab before it
                        self.set_focus(None)  # a focused widget inside would switch the tab back
                        tabs.active = shown[-1]
                        self.call_after_refresh(self.focus_pane, shown[-1])
                    tabs.hide_tab(feature.id)
                    continue
            shown.append(feature.id)

    def missing(self, feature: Feature) -> str | None:
        """Why ``feature``'s tab cannot open yet, in words; None when it can."""
        if feature.needs_report and self.report is None:
            return "Open a file first (press s for the bundled sample)."
        board = self.report.leaderboard if self.report is not None else None
        if feature.needs_pick and (board is None or board.pick is None):
            return f"{feature.title} needs a recommended model: run the benchmark first (press b)."
        return None

    def help_sections(self) -> list[tuple[str, Iterable[BindingType]]]:
        """Key bindings by area, for the Help tab: the app's own, then each tab's."""
        sections: list[tuple[str, Iterable[BindingType]]] = [("Everywhere", self.BINDINGS)]
        for feature in self.feature_list:
            pane = self.pane(feature.id)
            if pane is not None and pane.BINDINGS:
                sections.append((feature.title, pane.BINDINGS))
        sections.append(("Lists, tables and dialogs", DIALOG_BINDINGS))
        return sections

    # ------------------------------------------------------------ actions

    def action_show_tab(self, feature_id: str) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        feature = next((f for f in self.feature_list if f.id == feature_id), None)
        if feature is None:
            self.notify(f"The {feature_id} screen is not available in this installation.", severity="warning")
            return
        why = self.missing(feature)
        if why is not None:
            self.notify(why, severity="warning")
            return
        tabs.active = feature_id
        self.focus_pane(feature_id)

    def focus_pane(self, feature_id: str) -> None:
        # Focusing a widget in a hidden tab would switch back to it: only focus the active tab.
        if self.query_one("#tabs", TabbedContent).active != feature_id:
            return
        pane = self.pane(feature_id)
        if pane is not None:
            pane.focus_default()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self.call_after_refresh(self.focus_pane, event.pane.id)

    def action_open_sample(self) -> None:
        from advisor.pipeline import BUNDLED, bundled_path

        _name, target = BUNDLED["penguins"]
        self.start_profile(replace(self.initial.for_file(str(bundled_path())), target=target))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    @property
    def busy(self) -> bool:
        """A profile is being computed (tests wait on this)."""
        return any(not w.is_finished for w in self.workers if w.group == "profile")

    @property
    def working(self) -> bool:
        """A profile, a benchmark, an explanation or a save is running (Escape stops it)."""
        return self.busy or any(pane.jobs for pane in self.panes())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_job":
            return self.working  # the footer shows "Stop" only while something runs
        return True

    def action_cancel_job(self) -> None:
        if self.busy:
            self.workers.cancel_group(self, "profile")
            self.set_busy(None)
            self.notify("Stopped; the last profile stays on screen.")
        stopped = [pane for pane in self.panes() if pane.cancel_work()]
        if stopped:
            self.set_busy("Stopping… what was measured so far stays", 1.0)
        self.refresh_bindings()

    def stop_session_work(self, why: str) -> None:
        """The profile or the advice is changing: results of running jobs would be for the old one."""
        if any(pane.cancel_work() for pane in self.panes()):
            self.notify(f"Stopped the running job: {why}.", severity="warning")

    # ------------------------------------------------------------ profiling

    def start_profile(self, request: ProfileRequest) -> None:
        self.stop_session_work("the profile is changing")
        self.pending = request
        # Same file, same rows: profile the table in memory again instead of reading the file.
        table = self.table if request.reads_like(self.request) else None
        verb = "Profiling" if table is None else "Profiling again"
        self.set_busy(f"{verb} {Path(request.path).name}", 0.0)
        self.post_message(ProfileRequested(request))
        self.profile_worker(request, table)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="profile")
    def profile_worker(self, request: ProfileRequest, table: Table | None = None) -> None:
        """Load (unless ``table`` is given) and profile in a thread; progress and the result go back as messages."""
        worker = get_current_worker()

        def progress(message: str, fraction: float) -> None:
            if not worker.is_cancelled:
                self.post_message(JobProgress(message, fraction))

        table, report = request.build(progress, lambda: worker.is_cancelled, table=table)
        if not worker.is_cancelled:
            self.post_message(ProfileReady(request, report, table))

    def on_job_progress(self, message: JobProgress) -> None:
        self.set_busy(message.label, message.fraction)

    def set_busy(self, label: str | None, fraction: float = 0.0) -> None:
        """Show the status line with a progress bar, or hide it (``label`` None)."""
        status = self.query_one("#status", Horizontal)
        status.set_class(label is not None, "-busy")
        if label is not None:
            self.query_one("#status-label", Label).update(label)
            self.query_one("#progress", ProgressBar).update(progress=max(0.0, min(fraction, 1.0)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED) and event.worker.group == "profile":
            self.pending = None
            self.set_busy(None)
            self.refresh_bindings()
        if event.state == WorkerState.ERROR:
            title, message = describe_error(event.worker.error)
            self.post_message(WorkFailed(title, message))

    def on_profile_ready(self, message: ProfileReady) -> None:
        from advisor.tui.recent import remember

        new_file = self.request is None or self.request.path != message.request.path
        self.set_busy(None)
        self.pending = None
        self.request = message.request
        if message.table is not None:
            self.table = message.table
        self.report = message.report
        self.refresh_bindings()
        if new_file:
            self.recent = remember(message.request.path, self.recent_file)
            open_pane = self.pane("open")
            if open_pane is not None and hasattr(open_pane, "set_recent"):
                open_pane.set_recent(self.recent)
            self.action_show_tab("profile")

    def watch_report(self, report: Report | None) -> None:
        self.sub_title = report.source.file_name if report else ""
        if report is None or report.leaderboard is not self.fitted_board:
            self.fitted, self.fitted_board = None, None
        self.show_feature_tabs()
        for pane in self.panes():
            pane.show_report(report)

    # ------------------------------------------------------------ benchmark, explanation, saved model

    def fitted_pick(self) -> Any:
        """The pick of the report on screen, refitted on every row, when a job has fitted it already."""
        if self.report is not None and self.report.leaderboard is self.fitted_board:
            return self.fitted
        return None

    def keep_fitted(self, board: Leaderboard | None, fitted: Any) -> None:
        if fitted is not None and board is not None:
            self.fitted, self.fitted_board = fitted, board

    def on_benchmark_done(self, message: BenchmarkDone) -> None:
        current = self.report
        if current is None or current.profile is not message.source.profile or current.advice is not message.source.advice:
            self.notify("The profile changed while the benchmark ran: its results were dropped.", severity="warning")
            return
        self.keep_fitted(message.report.leaderboard, message.fitted)
        self.report = message.report  # watch_report forgets a fitted pick of another leaderboard
        board = message.report.leaderboard
        if board is not None and board.pick is not None and not board.cancelled:
            self.notify(f"Pick: {board.pick.name} (x explains it, e saves it)", title="Benchmark done")

    def on_explanation_ready(self, message: ExplanationReady) -> None:
        if self.report is None or self.report.leaderboard is not message.board:
            return
        explanation = message.explanation
        if message.row_only and self.report.explanation is not None:
            from advisor.tui.session import with_row

            explanation = with_row(self.report.explanation, message.explanation)
        self.keep_fitted(message.board, message.fitted)
        self.report = replace(self.report, explanation=explanation)

    def on_model_saved(self, message: ModelSaved) -> None:
        self.notify(f"Saved the model ({message.saved.candidate}) to {tilde(message.saved.path)}", title="Model saved")
        if self.report is None or self.report.leaderboard is not message.board:
            return
        self.keep_fitted(message.board, message.fitted)
        self.report = replace(self.report, saved_model=message.saved)

    def on_job_finished(self, message: JobFinished) -> None:
        if message.note:
            self.notify(message.note)
        if not self.working:
            self.set_busy(None)
        self.refresh_bindings()

    # ------------------------------------------------------------ requests from the panes

    @property
    def current(self) -> ProfileRequest | None:
        """What the next change builds on: the request being profiled, else the one on screen."""
        return self.pending or self.request

    def on_open_file(self, message: OpenFile) -> None:
        self.start_profile(self.initial.for_file(message.path))

    def on_target_chosen(self, message: TargetChosen) -> None:
        if self.current is not None:
            self.start_profile(self.current.with_target(message.column))

    def on_task_chosen(self, message: TaskChosen) -> None:
        if self.current is not None:
            self.start_profile(self.current.with_task(message.task))

    def on_kind_chosen(self, message: KindChosen) -> None:
        if self.current is not None:
            self.start_profile(self.current.with_kind(message.column, message.kind))

    def on_answers_given(self, message: AnswersGiven) -> None:
        """Walk the map again with the user's answers: milliseconds, so no worker."""
        from advisor.errors import AdvisorError

        if self.report is None or self.request is None:
            return
        try:
            report = rewalk(self.report, self.ruleset(self.request.rules), message.answers, message.n_clusters)
        except AdvisorError as exc:
            self.post_message(WorkFailed(*describe_error(exc)))
            return
        self.stop_session_work("the answers changed the advice")
        self.request = replace(self.request, answers=dict(message.answers), n_clusters=message.n_clusters)
        self.report = report
        self.post_message(AdviceChanged(report))

    def ruleset(self, rules: str | None) -> RuleSet:
        if rules not in self._rulesets:
            from advisor.ruletree import load_rules

            self._rulesets[rules] = load_rules(rules)
        return self._rulesets[rules]

    def on_export_requested(self, message: ExportRequested) -> None:
        from advisor.errors import AdvisorError

        if self.report is None:
            return
        try:
            path = export_report(self.report, message.fmt, message.stem or "report")
        except (AdvisorError, OSError) as exc:
            self.post_message(WorkFailed("Cannot save the report", str(exc)))
            return
        name = EXPORT_FORMATS[message.fmt][0]
        self.notify(f"Saved the {name} report to {tilde(path)}", title="Exported")
        pane = self.pane("export")
        if pane is not None and hasattr(pane, "show_saved"):
            pane.show_saved(message.fmt, str(path))
        self.post_message(ReportExported(message.fmt, str(path)))

    def on_work_failed(self, message: WorkFailed) -> None:
        self.push_screen(ErrorModal(message.title, message.message))

    # ------------------------------------------------------------ command palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Open the bundled sample", "Profile the Palmer penguins table", self.action_open_sample)
        yield SystemCommand("Toggle light/dark theme", "Switch between textual-dark and textual-light",
                            self.action_toggle_theme)
        for feature in self.feature_list:
            if feature.needs_report and self.report is None:
                continue
            yield SystemCommand(f"Show {feature.title}", feature.description,
                                partial(self.action_show_tab, feature.id))
        if self.report is None:
            return
        for title, help_text, feature_id, action in PANE_COMMANDS:
            pane = self.pane(feature_id)
            if pane is not None:
                yield SystemCommand(title, help_text, partial(self._run_pane_action, feature_id, action))

    def _run_pane_action(self, feature_id: str, action: str) -> None:
        self.action_show_tab(feature_id)
        pane = self.pane(feature_id)
        if pane is not None:
            self.call_later(pane.run_action, action)


PANE_COMMANDS: list[tuple[str, str, str, str]] = [
    ("Set the target", "Predict the highlighted column of the Profile tab", "profile", "set_target"),
    ("No target", "Unsupervised: clustering or dimensionality reduction", "profile", "no_target"),
    ("Choose the task", "Binary, multiclass, regression, clustering, ...", "profile", "set_task"),
    ("Change a column's kind", "Override the detected kind of the highlighted column", "profile", "set_kind"),
    ("Answer: few features important?", "Cycle auto / yes / no and walk the map again", "decision", "cycle_few"),
    ("Answer: number of clusters", "Say how many groups to expect", "decision", "set_clusters"),
    *((f"Export {name}", f"Save the report as {name}", "export", f"export('{fmt}')")
      for fmt, (name, _) in EXPORT_FORMATS.items()),
]


