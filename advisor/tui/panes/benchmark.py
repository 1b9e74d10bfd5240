"""Benchmark: cross-validate the candidates within a time budget; a leaderboard that fills in as it runs.

The run is :func:`advisor.tui.session.run_benchmark` in a thread worker. The
core reports progress as ``"<candidate>: fold 3/5 · 12 s left"``: the status
bar shows it as is, and the row of the candidate it names shows what it is
doing (when the text does not start with a candidate's name, only the status
bar moves). Scores, ranks and ties arrive when the run ends, finished or
stopped with Escape: what was measured before the stop stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.validation import Number
from textual.widgets import Button, DataTable, Input, Label, Static

from advisor.report._format import (
    STATUS_TEXT,
    baseline_text,
    duration,
    leakage_caution,
    metric_label,
    no_pick_text,
    score_text,
    short_name,
)
from advisor.tui.messages import BenchmarkDone, JobFinished, JobProgress, RowFinished, WorkFailed
from advisor.tui.panes.base import Field, Pane
from advisor.tui.session import (
    DEFAULT_BUDGET,
    metric_choices,
    parse_seconds,
    planned_rows,
    run_benchmark,
    start_process_helpers,
)

if TYPE_CHECKING:
    from advisor.leaderboard import CandidateResult, Leaderboard
    from advisor.load import Table
    from advisor.report.model import Report

GROUP = "benchmark"
PICK_MARK, TIED_MARK = "✔", "≈"
STATUS_STYLE = {"ok": "$success", "failed": "$error", "timeout": "$warning", "skipped": "dim",
                "cancelled": "$warning", "queued": "dim", "running": "b $accent", "done": ""}
COLUMNS = (("#", "rank"), ("candidate", "name"), ("from", "origin"), ("status", "status"), ("score", "score"),
           ("", "mark"), ("fit", "fit"), ("reason", "reason"))


def seconds(value: float | None) -> str:
    """A measured time for the screen; tests replace it with a fixed text to keep snapshots stable."""
    return duration(value)


class BenchmarkPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run the benchmark"),
        Binding("m", "choose_metric", "Metric"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.live: list[CandidateResult] = []  # the rows of the run in progress
        self.live_state: dict[str, str] = {}  # candidate -> what the progress says it is doing
        self.live_rows: dict[str, CandidateResult] = {}  # candidate -> its final row, as soon as it finishes
        self.bench_task: str | None = None
        self.metric: str | None = None  # None: the task's default

    def compose(self) -> ComposeResult:
        with Horizontal(id="bench-controls", classes="controls"):
            yield Label("Budget", classes="field-label")
            yield Field(str(int(DEFAULT_BUDGET)), id="budget", type="number", compact=True,
                        validators=[Number(minimum=0.001, failure_description="a positive number of seconds")],
                        tooltip="Seconds of wall time for the whole run; a candidate still running then is stopped")
            yield Label("s", classes="field-unit")
            yield Label("Metric", classes="field-label")
            yield Button("balanced accuracy ▾", id="metric", compact=True,
                         tooltip="The score that ranks the candidates (m)")
            yield Button(Content.from_markup("Run [dim]r[/]"), id="run", variant="primary", compact=True)
        with VerticalScroll(id="pick-box"):
            yield Static(id="pick")
        table: DataTable[object] = DataTable(id="leaderboard", cursor_type="row", zebra_stripes=True)
        table.border_title = "Leaderboard"
        yield table
        yield Static(id="bench-detail")

    def focus_default(self) -> None:
        run = self.query_one("#run", Button)
        if self.report is not None and self.report.leaderboard is None and not run.disabled and not self.running:
            run.focus()
        else:  # the table takes the keys even when empty (Run may be disabled)
            self.query_one("#leaderboard", DataTable).focus()

    @property
    def running(self) -> bool:
        return GROUP in self.jobs

    # ------------------------------------------------------------ drawing

    def show_report(self, report: Report | None) -> None:
        self.report = report
        if report is None:
            return
        self.set_metrics(report.profile.task)
        runnable = bool(metric_choices(report.profile.task)) and report.advice is not None
        self.query_one("#run", Button).disabled = not runnable
        if self.running and self.live:
            self.draw_live()
        elif report.leaderboard is not None:
            self.draw_board(report.leaderboard)
        else:
            self.live_state = {}
            self.draw_live(planned_rows(report) if runnable else [])
            self.query_one("#pick", Static).update(self.intro(report, runnable))
            self.query_one("#bench-detail", Static).update("")

    def intro(self, report: Report, runnable: bool) -> Content:
        if not runnable:
            return Content.from_markup(
                "Cross-validating needs a target to predict (a [b]classification[/b] or [b]regression[/b] task); "
                "this one is [b]$task[/b]. Choose a target on the Profile tab ([b]p[/b], then [b]t[/b]).",
                task=report.profile.task.replace("_", " "))
        n = len(planned_rows(report))
        return Content.from_markup(
            "Cross-validate the [b]$n[/b] candidates (the Dummy baseline included) within the budget, "
            "cheapest first, and pick the best — among statistically tied ones, the more interpretable. "
            "Press [b]r[/b] to run; [b]Escape[/b] stops and keeps what was measured.", n=str(n))

    def set_metrics(self, task: str) -> None:
        if task != self.bench_task:
            self.bench_task, self.metric = task, None
        choices = dict(metric_choices(task))
        button = self.query_one("#metric", Button)
        button.disabled = not choices
        if choices:
            key = self.metric or next(iter(choices))
            button.label = f"{choices[key].removesuffix(' (default)')} ▾"
        else:
            button.label = "– ▾"

    def action_choose_metric(self) -> None:
        from textual.markup import escape

        from advisor.tui.modals import ChoiceModal

        choices = metric_choices(self.bench_task or "")
        if not choices:
            return
        current = self.metric or choices[0][0]

        def chosen(key: str | None) -> None:
            if key is not None:
                self.metric = None if key == choices[0][0] else key
                self.set_metrics(self.bench_task or "")

        options = [(key, escape(label) + ("" if key == label else f" [dim]{key}[/]")) for key, label in choices]
        self.app.push_screen(ChoiceModal("Metric", options, current,
                                         note="The score that ranks the candidates; the others are measured too."),
                             chosen)

    @on(Button.Pressed, "#metric")
    def _metric_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose_metric()

    def fill(self, rows: list[tuple[list[Any], str]], score_label: str = "score") -> None:
        table = self.query_one("#leaderboard", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)  # columns fit the new cells ('fold 3/5' while running, 'ok' after)
        for label, key in COLUMNS:
            table.add_column(score_label if key == "score" else label, key=key)
        for cells, key in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1), animate=False)

    def status_cell(self, status: str, text: str | None = None) -> Text:
        return self.palette.text(text or STATUS_TEXT.get(status, status), STATUS_STYLE.get(status, ""))

    def name_cell(self, row: CandidateResult, pick: str | None = None) -> Text:
        name = short_name(row.name) if self.size.width < 100 else row.name
        return self.palette.text(name, "b" if row.name == pick else "dim" if row.is_baseline else "")

    def origin_cell(self, row: CandidateResult) -> Text:
        from advisor.tui.panes.decision import ORIGIN_STYLE

        return self.palette.text(row.origin, "dim" if row.is_baseline else ORIGIN_STYLE.get(row.origin, ""))

    def draw_live(self, planned: list[CandidateResult] | None = None) -> None:
        """The rows of the run in progress (or, with ``planned``, of the run to come), in running order."""
        running = planned is None
        rows = []
        for i, row in enumerate(self.live if planned is None else planned, 1):
            state = self.live_state.get(row.name)
            if not running:
                status, text = "queued", "to run"
            elif state is None:
                status, text = "queued", "queued"
            else:
                status, text = ("done", "finished") if state == "done" else ("running", state)
            done = self.live_rows.get(row.name) if running else None
            if done is not None:  # finished: its own status, score and fit time, before ranks and ties are known
                measured = done.status == "ok"
                cells = [str(i), self.name_cell(row), self.origin_cell(row), self.status_cell(done.status),
                         Text(score_text(done.score, done.score_std), justify="right") if measured else Text("–", justify="right"),
                         "", Text(seconds(done.fit_seconds), justify="right") if measured else "",
                         Text(done.reason, style="dim") if done.reason else ""]
                rows.append((cells, row.name))
                continue
            cells = [str(i), self.name_cell(row), self.origin_cell(row), self.status_cell(status, text),
                     Text("…", justify="right") if state == "done" else "", "", "", ""]
            rows.append((cells, row.name))
        self.fill(rows)
        table = self.query_one("#leaderboard", DataTable)
        table.border_title = ("Leaderboard: scores as candidates finish; ranks and ties when the run ends" if running
                              else "Candidates, in the order they will run")

    def draw_board(self, board: Leaderboard) -> None:
        pick = board.pick.name if board.pick is not None else None
        rows = []
        for row in board.rows:
            measured = row.status == "ok"
            mark = PICK_MARK if row.name == pick else TIED_MARK if row.tied_with_best else ""
            reason = row.reason or "; ".join(row.notes)
            cells = [
                str(row.rank) if row.rank is not None else "–",
                self.name_cell(row, pick),
                self.origin_cell(row),
                self.status_cell(row.status),
                Text(score_text(row.score, row.score_std), justify="right") if measured else Text("–", justify="right"),
                self.palette.text(mark, "b $success" if mark == PICK_MARK else "$success"),
                Text(seconds(row.fit_seconds), justify="right") if measured else "",
                Text(reason, style="dim") if reason else "",
            ]
            rows.append((cells, row.name))
        self.fill(rows)
        n_ok = sum(1 for r in board.rows if r.status == "ok")
        table = self.query_one("#leaderboard", DataTable)
        table.border_title = f"Leaderboard: {n_ok} of {len(board.rows)} measured · {metric_label(board)}, mean ± std"
        self.query_one("#pick", Static).update(self.pick_markup(board))
        self.show_detail(table.cursor_row)

    def pick_markup(self, board: Leaderboard) -> Content:
        lines = []
        if board.cancelled:
            lines.append(Content.from_markup("[b $warning]Stopped early.[/] [$warning]The pick is the best of what "
                                             "was measured before the stop; run again for the rest.[/]"))
        if board.pick is None:
            lines.append(Content.from_markup("[b $error]No pick:[/] $why.", why=no_pick_text(board)))
            return Content("\n").join(lines)
        versus = self.names(baseline_text(board) or "", board)
        lines.append(Content.from_markup("[b $success]$mark Pick: $name[/] [dim]— $versus[/]",
                                         mark=PICK_MARK, name=board.pick.name, versus=versus))
        lines.append(Content(self.names(board.pick.reason, board)))
        caution = leakage_caution(self.report)
        if caution:
            lines.append(Content.from_markup("[b $warning]Caution:[/] [$warning]$text[/]", text=caution))
        return Content("\n").join(lines)

    def names(self, text: str, board: Leaderboard) -> str:
        """``text`` with the candidates' short names on a narrow screen, as in the table."""
        if self.size.width >= 100:
            return text
        for row in sorted(board.rows, key=lambda r: -len(r.name)):
            text = text.replace(row.name, short_name(row.name))
        return text

    def show_detail(self, index: int) -> None:
        board = self.report.leaderboard if self.report is not None and not self.running else None
        detail = self.query_one("#bench-detail", Static)
        if board is None or not board.rows:
            detail.update("")
            return
        row = board.rows[min(index, len(board.rows) - 1)]
        words = STATUS_TEXT.get(row.status, row.status)
        what = row.reason or ("; ".join(row.notes) if row.notes else "")
        if row.status == "ok":
            extra = [f"train {score_text(row.train_score)}"]
            if row.p_value_vs_best is not None:
                extra.append(f"p = {row.p_value_vs_best:g} vs the best" + (" (tied)" if row.tied_with_best else ""))
            extra.append(f"predict {seconds(row.predict_seconds_per_1000_rows)} per 1,000 rows")
            what = " · ".join(extra) + (f" · {what}" if what else "")
        first = Content.from_markup("[b]$name[/b] $status[dim]: $what[/]", name=row.name, status=words, what=what)
        cv = board.cv
        spent = (f"{cv.strategy}, {cv.n_splits} folds, {cv.n_rows:,} rows · "
                 f"{seconds(board.elapsed_seconds)} of the {board.budget_seconds:g} s budget")
        detail.update(Content("\n").join([first, Content.styled(spent, "dim")]))

    @on(DataTable.RowHighlighted, "#leaderboard")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail(event.cursor_row)

    # ------------------------------------------------------------ running

    @on(Button.Pressed, "#run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Input.Submitted, "#budget")
    def _budget_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        from advisor.errors import OptionError

        report, table = self.report, self.table
        if report is None or table is None or not metric_choices(report.profile.task):
            self.notify("Cross-validating needs a classification or regression target.", severity="warning")
            return
        if self.advisor.busy:
            self.notify("The profile is being computed: run the benchmark when it is ready.", severity="warning")
            return
        try:
            budget = parse_seconds(self.query_one("#budget", Input).value)
        except OptionError as exc:
            self.post_message(WorkFailed("Cannot do that", str(exc)))
            return
        metric = self.metric
        if not self.start_job(GROUP, f"Benchmark: starting the worker processes · {budget:g} s budget"):
            return
        start_process_helpers()
        self.live = planned_rows(report)
        self.live_state = {}
        self.live_rows = {}
        self.query_one("#pick", Static).update(Content.from_markup(
            "Cross-validating [b]$n[/b] candidates within [b]$budget s[/b]. The status bar says what runs and the time "
            "left; [b]Escape[/b] stops and keeps what was measured.", n=str(len(self.live)), budget=f"{budget:g}"))
        self.query_one("#bench-detail", Static).update("")
        self.draw_live()
        self.query_one("#leaderboard", DataTable).focus()
        self.benchmark_worker(report, table, budget, metric)

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def benchmark_worker(self, report: Report, table: Table, budget: float, metric: str | None) -> None:
        """Cross-validate and refit the pick in a thread; a stop still returns what was measured."""
        from advisor.errors import AllCandidatesFailed

        with self.job(GROUP) as job:
            try:
                request = self.advisor.request
                new, fitted = run_benchmark(report, table, budget=budget, metric=metric, progress=job.progress,
                                            should_stop=job.should_stop, on_row=self._row_finished,
                                            groups=request.groups if request else None,
                                            time_col=request.time_col if request else None)
            except AllCandidatesFailed as exc:  # the leaderboard says why for each: show it, then the modal
                failed = getattr(exc, "report", None)
                if failed is not None and failed.leaderboard is not None:
                    self.post_message(BenchmarkDone(report, failed, None))
                raise
            self.post_message(BenchmarkDone(report, new, fitted))

    def on_job_progress(self, message: JobProgress) -> None:
        """Mark the candidate the progress names as running (the message goes on to the status bar)."""
        if not self.running or not self.live:
            return
        head = message.label.split(" · ")[0]
        name, sep, what = head.partition(": ")
        names = {row.name for row in self.live}
        if not sep or name not in names:
            return
        for other, state in self.live_state.items():
            if other != name and state != "done":
                self.live_state[other] = "done"
        self.live_state[name] = what
        self.draw_live()

    def _row_finished(self, row: CandidateResult) -> None:
        """Called in the worker thread by the core; post_message is thread-safe."""
        self.post_message(RowFinished(row))

    def on_row_finished(self, message: RowFinished) -> None:
        """A candidate finished: its score and fit time appear in the live leaderboard at once."""
        if not self.running or not self.live:
            return
        row: CandidateResult = message.row  # type: ignore[assignment]
        self.live_rows[row.name] = row  # a CandidateResult
        self.live_state[row.name] = "done"
        self.draw_live()

    def on_benchmark_done(self, message: BenchmarkDone) -> None:
        self.live, self.live_state = [], {}  # the app takes the report and draws it through show_report

    def on_job_finished(self, message: JobFinished) -> None:
        super().on_job_finished(message)
        if message.group == GROUP:
            self.live, self.live_state = [], {}
            self.show_report(self.report)
