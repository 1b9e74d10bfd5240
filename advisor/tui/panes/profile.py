"""Profile: the table's summary, a column table with mini histograms, findings, and a column's detail."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import DataTable, Sparkline, Static

from advisor.report._format import pct
from advisor.tui.messages import KindChosen, TargetChosen, TaskChosen
from advisor.tui.modals import ChoiceModal
from advisor.tui.panes.base import Pane
from advisor.tui.sketch import column_shape, quantile_histogram, sparkline

if TYPE_CHECKING:
    from advisor.profile.model import ColumnProfile, Finding, Profile
    from advisor.report.model import Report

SEVERITY_STYLE = {"critical": "$error", "warning": "$warning", "info": "$primary"}
ROLE_STYLE = {"target": "bold $accent", "dropped": "dim"}
TASK_NOTES = {
    "binary": "two classes", "multiclass": "several classes", "regression": "a quantity",
    "clustering": "groups, no target", "dimensionality_reduction": "just looking, no target",
}


def num(value: float | int | None) -> str:
    """A number in at most 4 significant digits (grouped from 10,000 up), '-' when unknown."""
    if value is None:
        return "-"
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))  # years stay 2009
    if abs(value) < 1e-3:
        return f"{value:.2g}"
    return f"{value:.4g}" if abs(value) < 10_000 else f"{value:,.0f}"  # a median year 1983.5 reads 1984, not 1,984


def value_range(col: ColumnProfile) -> str:
    if col.numeric is not None and col.numeric.min is not None:
        return f"{num(col.numeric.min)}–{num(col.numeric.max)}"
    if col.datetime_min:
        return f"{col.datetime_min[:10]}–{col.datetime_max[:10] if col.datetime_max else ''}"
    if col.top_values:
        return f"{col.top_values[0].value[:12]}…" if len(col.top_values) > 1 else col.top_values[0].value[:13]
    return "-"


def summary_markup(report: Report) -> Content:
    p, src = report.profile, report.source
    sample = f" (sample of {p.table.n_rows_in_file:,})" if p.table.is_sample else ""
    first = Content.from_markup(
        "[b]$file[/b]  $rows rows$sample × $cols columns  [dim]$fmt$comp[/]",
        file=src.file_name, rows=f"{p.table.n_rows:,}", sample=sample, cols=str(p.table.n_columns),
        fmt=src.format, comp=f", {src.compression}" if src.compression else "",
    )
    if p.target is not None:
        sure = "given" if p.target.confidence == "given" else f"inferred, {p.target.confidence} confidence"
        second = Content.from_markup(
            "target [b $accent]$target[/] ($sure) · task [b]$task[/] [dim]— $reason[/]",
            target=p.target.name, sure=sure, task=p.task, reason=p.task_reason,
        )
    else:
        second = Content.from_markup("no target · task [b]$task[/] [dim]— $reason[/]",
                                     task=p.task, reason=p.task_reason)
    return Content("\n").join([first, second])


def findings_markup(findings: list[Finding]) -> Content:
    if not findings:
        return Content.styled("Nothing to report: no findings.", "dim")
    lines = []
    for f in findings:
        style = SEVERITY_STYLE.get(f.severity, "")
        lines.append(Content.from_markup(
            f"[{style} b]●[/] [{style}]$sev[/] [b]$code[/] $msg\n  [dim]$advice[/]",
            sev=f.severity, code=f.code, msg=f.message, advice=f.advice,
        ))
    return Content("\n").join(lines)


def detail_markup(col: ColumnProfile, profile: Profile) -> Content:
    forced = " (set by you)" if col.hinted else ""
    parts = [Content.from_markup(
        "[b]$name[/b]  [dim]$dtype[/]\nkind [b]$kind[/b]$forced · role [b]$role[/b]\n[dim]$reason[/]",
        name=col.name, dtype=col.dtype, kind=col.kind, forced=forced, role=col.role, reason=col.kind_reason,
    )]
    parts.append(Content.from_markup(
        "missing $miss ($share) · distinct $dist",
        miss=f"{col.n_missing:,}", share=f"{col.missing_share:.1%}", dist=("≈" if "n_distinct" in col.approximate else "") + f"{col.n_distinct:,}",
    ))
    s = col.numeric
    if s is not None:
        parts.append(Content(
            f"min {num(s.min)} · median {num(s.median)} · max {num(s.max)}\n"
            f"mean {num(s.mean)} · std {num(s.std)} · skew {num(s.skew)}\n"
            f"outliers {s.outlier_share:.1%} · zeros {s.zero_share:.1%}"
        ))
    if col.text is not None:
        parts.append(Content(f"mean length {col.text.mean_length:.0f} chars, {col.text.mean_words:.1f} words"))
    if col.top_values:
        tops = ", ".join(f"{tv.value} ({pct(tv.share)})" for tv in col.top_values[:5])
        parts.append(Content.from_markup("top [dim]$tops[/]", tops=tops))
    codes = [f.code for f in profile.findings if col.name in f.columns]
    if codes:
        parts.append(Content.from_markup("findings [b]$codes[/]", codes=", ".join(codes)))
    return Content("\n").join(parts)


class ProfilePane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "set_target", "Target"),
        Binding("n", "no_target", "No target"),
        Binding("a", "set_task", "Task"),
        Binding("k", "set_kind", "Kind"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        table: DataTable[object] = DataTable(id="columns", cursor_type="row", zebra_stripes=True)
        table.border_title = "Columns"
        yield table
        with Horizontal(id="profile-lower"):
            with VerticalScroll(id="findings-box") as box:
                box.border_title = "Findings"
                yield Static(id="findings")
            with VerticalScroll(id="detail-box") as box:
                box.border_title = "Column"
                yield Static(id="detail")
                yield Sparkline([], id="detail-shape")

    def on_mount(self) -> None:
        table = self.query_one("#columns", DataTable)
        for label, key in (("column", "name"), ("kind", "kind"), ("role", "role"), ("miss", "missing"),
                           ("dist", "distinct"), ("range", "range"), ("shape", "shape")):
            table.add_column(label, key=key)

    def focus_default(self) -> None:
        self.query_one("#columns", DataTable).focus()

    def show_report(self, report: Report | None) -> None:
        self.report = report
        if report is None:
            return
        table = self.query_one("#columns", DataTable)
        selected = self.selected_column()
        table.clear()
        for col in report.profile.columns:
            role = self.palette.text(col.role, ROLE_STYLE.get(col.role, ""))
            name = self.palette.text(col.name, ROLE_STYLE.get(col.role, ""))
            missing = f"{col.missing_share:.0%}" if col.n_missing else "-"
            table.add_row(name, col.kind + ("*" if col.hinted else ""), role, missing,
                          ("≈" if "n_distinct" in col.approximate else "") + num(col.n_distinct),
                          value_range(col), sparkline(column_shape(col)), key=col.name)
        names = [c.name for c in report.profile.columns]
        if selected in names:
            table.move_cursor(row=names.index(selected), animate=False)
        self.query_one("#summary", Static).update(summary_markup(report))
        self.query_one("#findings", Static).update(findings_markup(report.profile.findings))
        self.show_detail(selected if selected in names else (names[0] if names else None))

    def selected_column(self) -> str | None:
        table = self.query_one("#columns", DataTable)
        if self.report is None or table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    def show_detail(self, name: str | None) -> None:
        if self.report is None or name is None:
            return
        col = self.report.profile.column(name)
        box = self.query_one("#detail-box", VerticalScroll)
        box.border_title = f"Column {col.name}"
        self.query_one("#detail", Static).update(detail_markup(col, self.report.profile))
        shape = self.query_one("#detail-shape", Sparkline)
        data = quantile_histogram(col.numeric, 24) if col.numeric is not None and col.n_distinct > 24 else []
        shape.data = data
        shape.display = bool(data)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.show_detail(str(event.row_key.value))

    # -- actions: each asks the app for a new profile

    def action_set_target(self) -> None:
        name = self.selected_column()
        if name is not None:
            self.post_message(TargetChosen(name))

    def action_no_target(self) -> None:
        self.post_message(TargetChosen(None))

    def action_set_task(self) -> None:
        from advisor.profile.facts import TASKS

        if self.report is None:
            return
        choices = [("", "infer from the target")] + [(t, f"{t} [dim]({TASK_NOTES.get(t, '')})[/]") for t in TASKS]
        current = self.report.settings.task or ""

        def chosen(task: str | None) -> None:
            if task is not None and task != current:
                self.post_message(TaskChosen(task or None))

        self.app.push_screen(ChoiceModal("Task", choices, current), chosen)

    def action_set_kind(self) -> None:
        from advisor.profile.model import KINDS

        name = self.selected_column()
        if self.report is None or name is None:
            return
        col = self.report.profile.column(name)
        choices = [("", "let the detectors decide")] + [(k, k) for k in KINDS]
        current = col.kind if col.hinted else ""

        def chosen(kind: str | None) -> None:
            if kind is not None and kind != current:
                self.post_message(KindChosen(name, kind or None))

        self.app.push_screen(ChoiceModal(f"Kind of {escape(name)}", choices, current,
                                         note=f"now [b]{col.kind}[/b]: {escape(col.kind_reason)}"), chosen)
