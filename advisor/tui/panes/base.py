"""What every tab's pane shares: it shows a Report, and its workers' failures become modals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Vertical
from textual.worker import Worker, WorkerState

from advisor.tui.messages import WorkFailed

if TYPE_CHECKING:
    from advisor.report.model import Report


def describe_error(error: BaseException | None) -> tuple[str, str]:
    """A modal's title and one-line message for an exception (an AdvisorError reads as is)."""
    from advisor.errors import AdvisorError, Cancelled

    if isinstance(error, Cancelled):
        return "Stopped", str(error)
    if isinstance(error, AdvisorError):
        return "Cannot do that", str(error)
    text = " ".join(str(error).split())[:200]
    name = type(error).__name__ if error is not None else "unknown error"
    return "Internal error", f"{name}: {text} (this is a bug in advisor; please report it)"


class Palette:
    """Rich styles with the theme's colours.

    Tree labels and DataTable cells are Rich Text, which knows nothing of the
    theme's ``$variables``; this resolves them (``"b $accent"`` -> ``"b #ffa62b"``).
    """

    def __init__(self, variables: Mapping[str, str]) -> None:
        self.variables = variables

    def __call__(self, style: str) -> str:
        return " ".join(self.variables.get(w[1:], "") if w.startswith("$") else w for w in style.split())

    def text(self, text: str, style: str = "") -> Text:
        return Text(text, style=self(style))


class Pane(Vertical):
    """Base of a tab's content. Subclasses draw ``report`` in :meth:`show_report`.

    A pane that runs long work uses ``@work(thread=True, exclusive=True,
    exit_on_error=False)`` on its own methods: a failing worker lands in
    :meth:`on_worker_state_changed` here and is shown as a modal.
    """

    report: Report | None = None

    def on_mount(self) -> None:
        # Rich Text cells carry resolved colours, so a new theme means drawing again.
        self.watch(self.app, "theme", self._redraw, init=False)

    def _redraw(self) -> None:
        if self.report is not None:
            self.show_report(self.report)

    @property
    def palette(self) -> Palette:
        return Palette(self.app.theme_variables)

    def show_report(self, report: Report | None) -> None:
        """Draw the report (None: nothing loaded yet); keep it in ``self.report``."""
        self.report = report

    def focus_default(self) -> None:
        """Focus the pane's main widget when its tab opens."""
        for widget in self.query("*"):
            if widget.focusable:
                widget.focus()
                return

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            title, message = describe_error(event.worker.error)
            self.post_message(WorkFailed(title, message))
