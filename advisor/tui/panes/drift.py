"""Drift: compare the open table (the reference) with a newer file, and optionally a saved model.

The comparison is :func:`advisor.tui.session.compare_current` in a thread
worker: the reference is the table in memory with its profile's column kinds,
so only the new file is read. The drift report stays in this pane (it is not
part of the profile's report) until another file is opened; ``m`` saves it as
Markdown next to the other exports.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, DataTable, Input, Label, Static

from advisor.tui.messages import DriftReady, WorkFailed
from advisor.tui.panes.base import Field, Pane
from advisor.tui.panes.open import tilde
from advisor.tui.session import compare_current, default_drift_path, export_drift

if TYPE_CHECKING:
    from advisor.drift import DriftReport
    from advisor.load import Table
    from advisor.report.model import Report

GROUP = "drift"
SEVERITY_STYLE = {"none": "$success", "low": "$text-muted", "medium": "$warning", "high": "$error"}
COLUMNS = (("column", "column"), ("", "mark"), ("severity", "severity"), ("check", "check"), ("effect", "effect"),
           ("detail", "detail"))


class DriftPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Compare"),
        Binding("m", "save", "Save as Markdown"),
    ]

    def __init__(self, export_dir: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.export_dir = export_dir
        self.drift: DriftReport | None = None
        self.source: str | None = None  # the reference file the drift report is for
        self.current_path: str | None = None  # the compared file, protected from being overwritten

    def compose(self) -> ComposeResult:
        with Horizontal(classes="drift-row"):
            yield Label("Compare with", classes="field-label")
            yield Field(id="drift-path", compact=True, placeholder="path of a newer file with the same columns")
            yield Button(Content.from_markup("Compare [dim]r[/]"), id="drift-run", variant="primary", compact=True)
        with Horizontal(classes="drift-row"):
            yield Label("Saved model", classes="field-label")
            yield Field(id="drift-model", compact=True, placeholder="optional: a model saved from this table")
            yield Button(Content.from_markup("Save [dim]m[/]"), id="drift-save", compact=True, disabled=True)
        with VerticalScroll(id="drift-summary-box"):
            yield Static(id="drift-summary")
        table: DataTable[object] = DataTable(id="drift-checks", cursor_type="row", zebra_stripes=True)
        table.border_title = "Checks"
        yield table
        with VerticalScroll(id="drift-detail-box"):
            yield Static(id="drift-detail")

    def focus_default(self) -> None:
        if self.drift is None:
            self.query_one("#drift-path", Input).focus()
        else:
            self.query_one("#drift-checks", DataTable).focus()

    @property
    def running(self) -> bool:
        return GROUP in self.jobs

    # ------------------------------------------------------------ drawing

    def show_report(self, report: Report | None) -> None:
        self.report = report
        if report is None:
            return
        if report.source.path != self.source:  # another reference: the old comparison does not apply
            self.source = report.source.path
            self.drift = None
        if self.drift is not None:
            self.draw(self.drift)
            return
        self.query_one("#drift-save", Button).disabled = True
        self.query_one("#drift-checks", DataTable).clear(columns=True)
        self.query_one("#drift-detail", Static).update("")
        self.query_one("#drift-summary", Static).update(Content.from_markup(
            "Is a newer file still like [b]$name[/b]? Type its path and press [b]Enter[/b]: each shared column is "
            "tested (numbers by KS and Wasserstein, categories by chi² and PSI, new categories, missing values), and "
            "a classifier tries to tell the two tables apart. With a saved model, what the drift does to it too.",
            name=report.source.file_name or "the open table"))

    def draw(self, drift: DriftReport) -> None:
        from advisor.report.drift_render import SEVERITY_MARK, drift_rows

        summary = drift.summary
        style = SEVERITY_STYLE.get(summary.severity, "")
        lines = [Content.from_markup(f"[b {style}]Drift: $severity[/] — $headline", severity=summary.severity,
                                     headline=summary.headline),
                 Content.styled(f"{drift.reference} ({drift.n_reference_rows:,} rows) vs {drift.current} "
                                f"({drift.n_current_rows:,} rows)", "dim")]
        lines += [Content.from_markup("• $line", line=line) for line in summary.advice]
        self.query_one("#drift-summary", Static).update(Content("\n").join(lines))

        table = self.query_one("#drift-checks", DataTable)
        table.clear(columns=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        for i, (column, _kind, severity, check, effect, _p, detail) in enumerate(drift_rows(drift)):
            sev_style = SEVERITY_STYLE.get(severity, "")
            table.add_row(self.palette.text(column, "b" if severity in ("medium", "high") else ""),
                          self.palette.text(SEVERITY_MARK.get(severity, ""), sev_style),
                          self.palette.text(severity, sev_style), check, effect, Text(detail, style="dim"),
                          key=str(i))
        flagged = sum(1 for c in drift.columns if c.severity != "none")
        table.border_title = f"Checks: {flagged} of {len(drift.columns)} columns flagged, worst first"
        self.query_one("#drift-detail", Static).update(self.detail(drift))
        self.query_one("#drift-save", Button).disabled = False

    def detail(self, drift: DriftReport) -> Content:
        from advisor.report.drift_render import domain_text, model_rows, schema_rows

        lines = []
        rows = schema_rows(drift)
        if rows:
            lines.append(Content.styled("Schema changes", "b"))
            lines += [Content.from_markup("  $change [b]$column[/b] ($severity): $detail", change=change,
                                          column=column, severity=severity, detail=detail)
                      for change, column, severity, detail in rows]
        else:
            lines.append(Content.from_markup("Schema: [dim]the same columns, of the same kinds[/]"))
        lines.append(Content.from_markup("[b]Domain classifier[/b] $text", text=domain_text(drift)))
        for what, ref, cur, note in model_rows(drift):
            lines.append(Content.from_markup("[b]$what[/b] $ref → $cur [dim]$note[/]", what=what, ref=ref, cur=cur,
                                             note=note))
        return Content("\n").join(lines)

    # ------------------------------------------------------------ running

    @on(Button.Pressed, "#drift-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#drift-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Input.Submitted, "#drift-path, #drift-model")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        report, table, request = self.report, self.table, self.advisor.request
        if report is None or table is None or request is None:
            self.notify("Open a file first: it is the reference the new file is compared with.", severity="warning")
            return
        if self.advisor.busy:
            self.notify("The profile is being computed: compare when it is ready.", severity="warning")
            return
        current = self.query_one("#drift-path", Input).value.strip()
        if not current:
            self.post_message(WorkFailed("Cannot do that", "Type the path of the file to compare with the open table."))
            return
        model = self.query_one("#drift-model", Input).value.strip() or None
        if not self.start_job(GROUP, f"Drift: reading {Path(current).name}"):
            return
        self.drift_worker(report, table, current, model, request.sample, request.seed)

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def drift_worker(self, report: Report, table: Table, current: str, model: str | None, sample: int | None,
                     seed: int) -> None:
        """Read the new file and compare it with the table in memory."""
        with self.job(GROUP) as job:
            drift = compare_current(report, table, current, model=model, sample=sample, seed=seed,
                                    progress=job.progress)
            if not job.should_stop():
                self.current_path = str(Path(current).expanduser())
                self.post_message(DriftReady(report, drift))

    def on_drift_ready(self, message: DriftReady) -> None:
        message.stop()
        if self.report is None or self.report.source.path != message.source.source.path:
            self.notify("Another file was opened while the comparison ran: its result was dropped.",
                        severity="warning")
            return
        self.drift = message.drift
        self.draw(message.drift)
        self.query_one("#drift-checks", DataTable).focus()

    # ------------------------------------------------------------ saving

    def action_save(self) -> None:
        from advisor.errors import AdvisorError

        drift = self.drift
        if drift is None:
            self.notify("Compare with a file first (type its path, then Enter).", severity="warning")
            return
        path = default_drift_path(drift, self.export_dir)
        protect = [p for p in (self.source, self.current_path) if p]
        try:
            export_drift(drift, path, protect)
        except (AdvisorError, OSError) as exc:
            self.post_message(WorkFailed("Cannot save the drift report", str(exc)))
            return
        self.notify(f"Saved the drift report to {tilde(path)}", title="Exported")
