"""What every tab's pane shares: it shows a Report, and its workers' failures become modals."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input
from textual.worker import Worker, WorkerState, get_current_worker

from advisor.tui.messages import JobFinished, JobProgress, WorkFailed

if TYPE_CHECKING:
    from advisor.load import Table
    from advisor.report.model import Report
    from advisor.tui.app import AdvisorApp


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


class Field(Input):
    """A text field that Escape leaves (letters are key bindings again), or that stops a running job."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Leave the field", show=False)]

    def action_leave(self) -> None:
        cancel = getattr(self.app, "action_cancel_job", None)
        if getattr(self.app, "working", False) and cancel is not None:
            cancel()
            return
        pane = next((node for node in self.ancestors if isinstance(node, Pane)), None)
        if pane is not None:
            pane.focus_default()

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))


class Job:
    """What a pane's worker thread hands the core: progress as messages, and the stop check."""

    def __init__(self, pane: Pane, worker: Worker[Any]) -> None:
        self.pane = pane
        self.worker = worker

    def progress(self, label: str, fraction: float) -> None:
        if not self.worker.is_cancelled:
            self.pane.post_message(JobProgress(label, fraction))

    def should_stop(self) -> bool:
        return self.worker.is_cancelled


class Pane(Vertical):
    """Base of a tab's content. Subclasses draw ``report`` in :meth:`show_report`.

    A pane that runs long work uses ``@work(thread=True, exclusive=True,
    exit_on_error=False, group=...)`` on its own methods, calls
    :meth:`start_job` before and wraps the thread's body in ``with self.job(group)``:
    progress goes to the shared status bar, a failure becomes a modal, and
    Escape (the app's Stop) ends it through :meth:`cancel_work`. A stopped
    thread still finishes its body, so what it measured can be kept.
    """

    report: Report | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs: set[str] = set()  # groups whose thread has not finished yet (stopped ones included)

    @property
    def advisor(self) -> AdvisorApp:
        """The app, typed: the session's table and fitted pick live there."""
        return self.app  # type: ignore[return-value]

    @property
    def table(self) -> Table | None:
        return getattr(self.app, "table", None)

    def start_job(self, group: str, label: str) -> bool:
        """Mark ``group`` as running and show ``label`` in the status bar; False when it is running already."""
        if group in self.jobs:
            self.notify(f"The {group} is still running or stopping; press Escape to stop it.", severity="warning")
            return False
        self.jobs.add(group)
        set_busy = getattr(self.app, "set_busy", None)
        if set_busy is not None:
            set_busy(label, 0.0)
        self.app.refresh_bindings()
        return True

    @contextlib.contextmanager
    def job(self, group: str) -> Iterator[Job]:
        """Run in the worker thread: errors become a modal, a stop a note; JobFinished is posted at the end."""
        from advisor.errors import Cancelled

        worker = get_current_worker()
        note = None
        try:
            yield Job(self, worker)
        except Exception as exc:
            if isinstance(exc, Cancelled) or worker.is_cancelled:
                note = str(exc) if isinstance(exc, Cancelled) else "Stopped."
            else:
                title, message = describe_error(exc)
                self.post_message(WorkFailed(title, message))
        finally:
            self.post_message(JobFinished(group, note))

    def on_job_finished(self, message: JobFinished) -> None:
        self.jobs.discard(message.group)  # the message goes on to the app, which hides the status bar

    def cancel_work(self) -> bool:
        """Stop this pane's running jobs (Escape); True when there was one."""
        running = [g for g in self.jobs if any(not w.is_finished for w in self.workers if w.group == g)]
        for group in running:
            self.workers.cancel_group(self, group)
        return bool(running)

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
