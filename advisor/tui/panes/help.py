"""Help: every key binding, generated from the app's and the panes' own BINDINGS (never stale)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from advisor.tui.panes.base import Pane

INTRO = (
    "[b]advisor[/b] takes you from a table to a recommendation: open a file, check the profile "
    "(set the target, the task or a column's kind), follow the path through scikit-learn's map "
    "and answer what the profile could not know, cross-validate the candidates within a time budget "
    "([b]Escape[/b] stops and keeps what was measured), see why the pick predicts what it does, then export "
    "the report and the model.\n"
    "Steps marked [b $primary]map[/] are scikit-learn's chart; [b $warning]advisor[/] marks the advisor's additions. "
    "[b]ctrl+p[/b] opens the command palette with every action."
)


def binding_lines(bindings: Iterable[BindingType], display: Callable[[Binding], str]) -> list[Content]:
    lines = []
    for binding in Binding.make_bindings(bindings):
        key = display(binding)
        lines.append(Content.assemble((f"  {key:<10}", "b $accent"), binding.description or binding.action))
    return lines


class HelpPane(Pane):
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Static(id="help-text")

    def on_mount(self) -> None:
        parts = [Content.from_markup(INTRO)]
        sections: Sequence[tuple[str, Iterable[BindingType]]] = getattr(self.app, "help_sections", list)()
        for title, bindings in sections:
            parts.append(Content.styled(f"\n{title}", "b underline"))
            parts += binding_lines(bindings, self.app.get_key_display)
        self.query_one("#help-text", Static).update(Content("\n").join(parts))

    def focus_default(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()
