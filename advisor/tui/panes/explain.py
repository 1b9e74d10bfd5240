"""Explain: which columns the pick relies on (importance bars with their direction) and one row, in words.

The explanation is :func:`advisor.tui.session.explain_pick` in a thread
worker, on the pick the benchmark refitted (refitted here when the run was
stopped before that). A row number asks for that row's explanation: the
importances stay, only the row's contributions are computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, DataTable, Input, Label, Static

from advisor.tui.messages import ExplanationReady, WorkFailed
from advisor.tui.panes.base import Field, Pane
from advisor.tui.session import (
    DEFAULT_EXPLAIN_BUDGET,
    ROW_BUDGET,
    explain_pick,
    fit_pick,
    parse_seconds,
    row_position,
)

if TYPE_CHECKING:
    from advisor.explain import ColumnImportance, Explanation, RowExplanation
    from advisor.leaderboard import Leaderboard
    from advisor.load import Table
    from advisor.report.model import Report

GROUP = "explain"
BAR_WIDTH = 16
EIGHTHS = " ▏▎▍▌▋▊▉"
ARROW = {1: ("▲", "$success"), -1: ("▼", "$error"), 0: (" ", "")}
EXPLAINERS = {"shap": "SHAP", "permutation": "permutation importance"}


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar ``fraction`` (0..1) of ``width`` cells, in eighths of a cell."""
    eighths = round(max(0.0, min(fraction, 1.0)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def summary_markup(expl: Explanation) -> Content:
    how = EXPLAINERS.get(expl.method, expl.method)
    if expl.method == "shap":
        how += f" ({expl.explainer})"
    line = Content.from_markup("[b]$model[/b] explained with $how · [dim]$output · $n rows[/]",
                               model=expl.model, how=how, output=expl.output_label, n=f"{expl.n_explained:,}")
    agreement = expl.permutation
    if expl.fallback_reason:
        line += Content.styled(f" · {expl.fallback_reason}", "$warning")
    elif agreement is not None and agreement.spearman is not None:
        verb = "disagrees" if agreement.disagree else "agrees"
        line += Content.styled(f" · permutation importance {verb} (Spearman {agreement.spearman:.2f})",
                               "$warning" if agreement.disagree else "dim")
    return line


def row_markup(row: RowExplanation) -> Content:
    lines = [Content(row.summary)]
    for c in row.contributions:
        arrow, style = ARROW[1 if c.contribution > 0 else -1]
        lines.append(Content.assemble(
            "  ", (arrow, style), " ", (c.column, "b"), f" = {c.value}",
            (f"  {'up' if c.contribution > 0 else 'down'} by {abs(c.contribution):.3g}", "dim")))
    if row.rest:
        lines.append(Content.styled(f"    the other columns together: {row.rest:+.3g}", "dim"))
    return Content("\n").join(lines)


class ExplainPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Explain the pick"),
        Binding("slash", "pick_row", "Explain one row"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="explain-controls", classes="controls"):
            yield Label("Budget", classes="field-label")
            yield Field(str(int(DEFAULT_EXPLAIN_BUDGET)), id="explain-budget", type="number", compact=True,
                        tooltip="Seconds for SHAP values and the permutation-importance check")
            yield Label("s", classes="field-unit")
            yield Button(Content.from_markup("Explain [dim]r[/]"), id="explain-run", variant="primary", compact=True)
            yield Label("Row", classes="field-label")
            yield Field(id="row", type="integer", compact=True, placeholder="e.g. 5",
                        tooltip="A data row of the file: 1 is the first row under the header")
            yield Button(Content.from_markup("Explain row [dim]/[/]"), id="explain-row", compact=True)
        yield Static(id="explain-summary")
        table: DataTable[object] = DataTable(id="importances", cursor_type="row", zebra_stripes=True)
        table.border_title = "Importance per column"
        yield table
        yield Static(id="explain-detail")
        with VerticalScroll(id="row-box") as box:
            box.border_title = "One row"
            yield Static(id="row-explanation")

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#importances", DataTable)
        for label, key in (("#", "rank"), ("column", "column"), ("importance", "bar"), ("share", "share"),
                           ("direction", "direction")):
            table.add_column(label, key=key)
        self.query_one("#row-box").display = False

    def focus_default(self) -> None:
        if self.explanation is not None:
            self.query_one("#importances", DataTable).focus()
        else:
            self.query_one("#explain-run", Button).focus()

    @property
    def explanation(self) -> Explanation | None:
        return self.report.explanation if self.report is not None else None

    @property
    def running(self) -> bool:
        return GROUP in self.jobs

    # ------------------------------------------------------------ drawing

    def show_report(self, report: Report | None) -> None:
        self.report = report
        if report is None:
            return
        n = len(self.table.frame) if self.table is not None else report.profile.table.n_rows
        self.query_one("#row", Input).placeholder = f"1–{n:,}"
        expl = report.explanation
        board = report.leaderboard
        if expl is None:
            self.query_one("#importances", DataTable).clear()
            self.query_one("#explain-detail", Static).update("")
            self.query_one("#row-box").display = False
            pick = board.pick.name if board is not None and board.pick is not None else None
            if pick is None:
                text = Content("Explain needs a recommended model: run the benchmark first (press b).")
            else:
                text = Content.from_markup(
                    "Press [b]r[/b] to explain [b]$pick[/b]: how much each column moves its predictions, and which "
                    "way. Then type a row number for one prediction in words.", pick=pick)
            self.query_one("#explain-summary", Static).update(text)
            return
        self.query_one("#explain-summary", Static).update(summary_markup(expl))
        self.fill_importances(expl)
        box = self.query_one("#row-box")
        box.display = expl.row is not None
        # At 80x24 the row's words need the room of the highlighted column's direction (the table has it too).
        self.query_one("#explain-detail").display = expl.row is None or self.app.size.width >= 110
        if expl.row is not None:
            box.border_title = f"Data row {expl.row.row}"
            self.query_one("#row-explanation", Static).update(row_markup(expl.row))

    def fill_importances(self, expl: Explanation) -> None:
        table = self.query_one("#importances", DataTable)
        keep = table.cursor_row
        table.clear()
        top = max((i.importance for i in expl.importances), default=0.0) or 1.0
        for imp in expl.importances:
            arrow, style = ARROW.get(imp.sign, ARROW[0])
            table.add_row(
                str(imp.rank), Text(imp.column, style="b" if imp.rank == 1 else ""),
                self.palette.text(bar(imp.importance / top), "$accent"),
                Text(f"{imp.share:.0%}", justify="right"),
                Text.assemble((arrow, self.palette(style)), " ", imp.direction),
                key=imp.column)
        for name in expl.unused_columns:
            table.add_row("–", Text(name, style="dim"), "", Text("0%", justify="right"),
                          Text("not used by the model", style="dim"), key=f"unused:{name}")
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1), animate=False)
        kind = "mean |SHAP|" if expl.method == "shap" else "drop in score when shuffled"
        signs = any(imp.sign for imp in expl.importances)
        table.border_title = f"Importance per column ({kind})" + (" · ▲ higher values push it up, ▼ down" if signs else "")
        self.show_detail(table.cursor_row)

    def show_detail(self, index: int) -> None:
        expl = self.explanation
        detail = self.query_one("#explain-detail", Static)
        if expl is None or not expl.importances or index >= len(expl.importances):
            detail.update("")
            return
        imp: ColumnImportance = expl.importances[index]
        detail.update(Content.from_markup("[b]$column[/b]: $direction", column=imp.column, direction=imp.direction))

    @on(DataTable.RowHighlighted, "#importances")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail(event.cursor_row)

    # ------------------------------------------------------------ running

    @on(Button.Pressed, "#explain-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#explain-row")
    def _row_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.explain_row()

    @on(Input.Submitted, "#explain-budget")
    def _budget_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    @on(Input.Submitted, "#row")
    def _row_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.explain_row()

    def action_pick_row(self) -> None:
        self.query_one("#row", Input).focus()

    def ready(self) -> tuple[Report, Table, Leaderboard, float] | None:
        """What an explanation needs, or None after saying what is missing."""
        from advisor.errors import OptionError

        report, table = self.report, self.table
        board = report.leaderboard if report is not None else None
        if report is None or table is None or board is None or board.pick is None:
            self.notify("Explain needs a recommended model: run the benchmark first (press b).", severity="warning")
            return None
        try:
            budget = parse_seconds(self.query_one("#explain-budget", Input).value)
        except OptionError as exc:
            self.post_message(WorkFailed("Cannot do that", str(exc)))
            return None
        return report, table, board, budget

    def action_run(self) -> None:
        needs = self.ready()
        if needs is None:
            return
        report, table, board, budget = needs
        assert board.pick is not None
        if self.start_job(GROUP, f"Explaining {board.pick.name}"):
            self.query_one("#importances", DataTable).focus()
            self.explain_worker(report, table, board, self.advisor.fitted_pick(), budget, None)

    def explain_row(self) -> None:
        from advisor.errors import OptionError

        needs = self.ready()
        if needs is None:
            return
        report, table, board, budget = needs
        try:
            row, position = row_position(report, table, self.query_one("#row", Input).value)
        except OptionError as exc:
            self.post_message(WorkFailed("Cannot do that", str(exc)))
            return
        if self.start_job(GROUP, f"Explaining data row {row}"):
            self.query_one("#importances", DataTable).focus()  # letters are keys again; / comes back here
            self.explain_worker(report, table, board, self.advisor.fitted_pick(), budget, (row, position))

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def explain_worker(self, report: Report, table: Table, board: Leaderboard, fitted: Any, budget: float,
                       row: tuple[int, int] | None) -> None:
        """Refit the pick unless a job has already, then explain it (with one row when asked)."""
        with self.job(GROUP) as job:
            if fitted is None:
                job.progress("Refitting the pick on every row", 0.0)
                fitted = fit_pick(report, table)
            # With the importances already on screen, only the row is new: a short budget does.
            row_only = row is not None and report.explanation is not None
            explanation = explain_pick(report, table, fitted, budget=min(budget, ROW_BUDGET) if row_only else budget,
                                       row=row[0] if row else None, position=row[1] if row else None,
                                       progress=lambda label, fraction: job.progress(f"Explain: {label}", fraction),
                                       should_stop=job.should_stop)
            self.post_message(ExplanationReady(board, explanation, fitted, row_only=row_only))
