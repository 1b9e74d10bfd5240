"""Export: save the report as Markdown, JSON or HTML, and the recommended model; the app says where."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from advisor.tui.messages import ExportRequested, ModelSaved
from advisor.tui.panes.base import Field, Pane
from advisor.tui.panes.open import tilde
from advisor.tui.session import (
    EXPORT_FORMATS,
    default_export_stem,
    default_model_path,
    fit_pick,
    save_pick,
)

if TYPE_CHECKING:
    from advisor.leaderboard import Leaderboard
    from advisor.load import Table
    from advisor.report.model import Report

KEYS = {"md": "m", "json": "j", "html": "h"}
GROUP = "save"


class ExportPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"export('{fmt}')", EXPORT_FORMATS[fmt][0]) for fmt, key in KEYS.items()),
        Binding("w", "save_model", "Save the model"),
    ]

    def __init__(self, export_dir: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.export_dir = export_dir
        self.source: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.from_markup(
            "The report — profile, findings, the path through the map, the candidates and, once run, the "
            "leaderboard and the explanation — for a design doc ([b]Markdown[/b]), a script ([b]JSON[/b]) or "
            "as one page ([b]HTML[/b]); the extension is added for you."), id="export-intro")
        yield Label("Save the report as", id="stem-label")
        with Horizontal(classes="export-row"):
            yield Field(id="stem", compact=True)
            for fmt, key in KEYS.items():
                yield Button(Content.from_markup(f"{EXPORT_FORMATS[fmt][0]} [dim]{key}[/]"), id=f"export-{fmt}",
                             compact=True)
        yield Static(id="saved")
        yield Label("Save the model as", id="model-label")
        with Horizontal(classes="export-row"):
            yield Field(id="model-path", compact=True)
            yield Button(Content.from_markup("Save model [dim]w[/]"), id="save-model", compact=True)
        yield Static(id="model-saved")

    def focus_default(self) -> None:
        self.query_one("#export-md", Button).focus()

    def show_report(self, report: Report | None) -> None:
        self.report = report
        if report is None:
            return
        board = report.leaderboard
        pick = board.pick.name if board is not None and board.pick is not None else None
        self.query_one("#save-model", Button).disabled = pick is None or report.profile.target is None
        saved = report.saved_model
        note = self.query_one("#model-saved", Static)
        if saved is not None:
            note.update(Content.from_markup("Saved [b]$name[/b] to [b]$path[/b]", name=saved.candidate,
                                            path=tilde(saved.path)))
        elif pick is not None:
            fitted = "refitted on every row" if self.advisor.fitted_pick() is not None else "refitted when saved"
            note.update(Content.from_markup("The pick, [b]$name[/b] ($fitted), with what it needs to be checked "
                                            "later: the columns, the metric and a fingerprint of the rows.",
                                            name=pick, fitted=fitted))
        else:
            note.update(Content.styled("Run the benchmark (press b) to save the recommended model.", "dim"))
        if report.source.path == self.source:
            return
        self.source = report.source.path
        self.query_one("#stem", Input).value = tilde(default_export_stem(report, self.export_dir))
        self.query_one("#model-path", Input).value = tilde(default_model_path(report, self.export_dir))

    def show_saved(self, fmt: str, path: str) -> None:
        self.query_one("#saved", Static).update(Content.from_markup(
            "Saved $fmt to [b]$path[/b]", fmt=EXPORT_FORMATS[fmt][0], path=tilde(path)))

    def action_export(self, fmt: str) -> None:
        self.post_message(ExportRequested(fmt, self.query_one("#stem", Input).value))

    @on(Button.Pressed, ".export-row Button")
    def _button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save-model":
            self.action_save_model()
        elif event.button.id:
            self.action_export(event.button.id.removeprefix("export-"))

    @on(Input.Submitted, "#stem")
    def _stem_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export("md")

    @on(Input.Submitted, "#model-path")
    def _model_path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save_model()

    # ------------------------------------------------------------ the model

    def action_save_model(self) -> None:
        report, table = self.report, self.table
        board = report.leaderboard if report is not None else None
        if report is None or table is None or board is None or board.pick is None:
            self.notify("There is no model to save yet: run the benchmark first (press b).", severity="warning")
            return
        path = self.query_one("#model-path", Input).value
        if self.start_job(GROUP, f"Saving {board.pick.name}"):
            self.save_worker(report, table, board, self.advisor.fitted_pick(), path)

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def save_worker(self, report: Report, table: Table, board: Leaderboard, fitted: Any, path: str) -> None:
        """Refit the pick unless the benchmark did, and write it with its metadata."""
        with self.job(GROUP) as job:
            if fitted is None:
                job.progress("Refitting the pick on every row", 0.3)
                fitted = fit_pick(report, table)
            job.progress(f"Writing {Path(path).name}", 0.8)
            saved = save_pick(report, table, fitted, path)
            self.post_message(ModelSaved(board, saved, fitted))
