"""Modal screens: an error message, a choice from a list, a one-line prompt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class ErrorModal(ModalScreen[None]):
    """One failure, in one line of plain words; Enter or Escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error") as box:
            box.border_title = self.title_text
            yield Static(Content(self.message), id="error-message")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="error", id="ok")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)


class ChoiceModal(ModalScreen["str | None"]):
    """Pick one value from a list; Escape keeps things as they are (returns None).

    Labels and the note are Content markup: escape any text that came from the data.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str | None = None,
                 note: str = "") -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.choices = list(choices)
        self.current = current
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self.title_text
            if self.note:
                yield Label(Content.from_markup(self.note), classes="note")
            yield OptionList(*[Option(Content.from_markup(label), id=value) for value, label in self.choices], id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [v for v, _ in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class PromptModal(ModalScreen["str | None"]):
    """Ask for one line of text; Enter accepts, Escape cancels (returns None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, title: str, prompt: str, value: str = "", placeholder: str = "") -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self.title_text
            yield Label(Content.from_markup(self.prompt), classes="note")
            yield Input(self.value, placeholder=self.placeholder, id="prompt")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)
