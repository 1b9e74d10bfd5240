"""Open: a folder tree showing only data files, the recent files, and a path box."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import DirectoryTree, Input, Label, OptionList
from textual.widgets.option_list import Option

from advisor.tui.messages import OpenFile
from advisor.tui.panes.base import Pane
from advisor.tui.session import is_data_file


def tilde(path: Path | str) -> str:
    """A path with the home folder written as ``~``."""
    p = Path(path)
    try:
        return "~/" + str(p.relative_to(Path.home())) if p != Path.home() else "~"
    except ValueError:
        return str(p)


class DataFileTree(DirectoryTree):
    """A DirectoryTree that lists folders and the files the loader can read, hidden ones left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and (p.is_dir() or is_data_file(p))]

    def on_mount(self) -> None:
        self.root.label = Text(tilde(Path(self.path).resolve()))


class OpenPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [("slash", "focus_path", "Type a path")]

    def __init__(self, start_dir: Path, recent: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.start_dir = start_dir
        self.recent = recent

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Type a file path and press Enter, or pick one below", id="path-input")
        with Horizontal(id="open-body"):
            tree = DataFileTree(self.start_dir, id="files")
            tree.border_title = "Files"
            yield tree
            with Vertical(id="recent-box") as box:
                box.border_title = "Recent"
                yield OptionList(id="recent")
                yield Label(Content.from_markup("[b]s[/b] opens the bundled penguins sample"),
                            id="sample-hint")

    def on_mount(self) -> None:
        self.set_recent(self.recent)

    def set_recent(self, files: list[str]) -> None:
        self.recent = list(files)
        options = self.query_one("#recent", OptionList)
        options.clear_options()
        for file in self.recent:
            p = Path(file)
            label = Content.from_markup("$name\n[dim]$folder[/]", name=p.name, folder=tilde(p.parent))
            options.add_option(Option(label, id=file))
        if not self.recent:
            options.add_option(Option(Content.styled("No recent files yet", "dim"), disabled=True))

    def focus_default(self) -> None:
        self.query_one("#files", DataFileTree).focus()

    def action_focus_path(self) -> None:
        self.query_one("#path-input", Input).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.post_message(OpenFile(str(event.path)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(OpenFile(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.post_message(OpenFile(str(Path(text).expanduser())))
