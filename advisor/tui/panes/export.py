"""Export: save the report as Markdown, JSON or HTML; the app writes it and says where."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from advisor.tui.messages import ExportRequested
from advisor.tui.panes.base import Pane
from advisor.tui.panes.open import tilde
from advisor.tui.session import EXPORT_FORMATS, default_export_stem

if TYPE_CHECKING:
    from advisor.report.model import Report

KEYS = {"md": "m", "json": "j", "html": "h"}


class ExportPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [Binding(key, f"export('{fmt}')", EXPORT_FORMATS[fmt][0]) for fmt, key in KEYS.items()]

    def __init__(self, export_dir: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.export_dir = export_dir
        self.source: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.from_markup(
            "Save the report — profile, findings, the path through the map and the candidates — "
            "to paste into a design doc ([b]Markdown[/b]), feed a script ([b]JSON[/b]) or share as one page "
            "([b]HTML[/b]). The extension is added for you."), id="export-intro")
        yield Label("Save as", id="stem-label")
        yield Input(id="stem")
        with Horizontal(id="export-buttons"):
            for fmt, key in KEYS.items():
                yield Button(Content.from_markup(f"{EXPORT_FORMATS[fmt][0]} [dim]{key}[/]"), id=f"export-{fmt}")
        yield Static(id="saved")

    def focus_default(self) -> None:
        self.query_one("#export-md", Button).focus()

    def show_report(self, report: Report | None) -> None:
        self.report = report
        if report is None or report.source.path == self.source:
            return
        self.source = report.source.path
        self.query_one("#stem", Input).value = tilde(default_export_stem(report, self.export_dir))

    def show_saved(self, fmt: str, path: str) -> None:
        self.query_one("#saved", Static).update(Content.from_markup(
            "Saved $fmt to [b]$path[/b]", fmt=EXPORT_FORMATS[fmt][0], path=tilde(path)))

    def action_export(self, fmt: str) -> None:
        self.post_message(ExportRequested(fmt, self.query_one("#stem", Input).value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id:
            self.action_export(event.button.id.removeprefix("export-"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export("md")
