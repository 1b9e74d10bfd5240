"""The tabs, as data: adding a screen is one entry here plus its pane module.

A :class:`Feature` becomes a tab, a key that jumps to it, a command in the
palette and a section of the help. Tabs whose ``available()`` is false are
never built (an optional dependency or a core module that is not there yet);
tabs that ``need_report`` stay hidden until a file has been profiled, and
tabs that ``need_pick`` until the benchmark has recommended a model. So the
app never shows a placeholder.

A pane that runs long work (see Benchmark) uses a thread worker in its own
group and :meth:`~advisor.tui.panes.base.Pane.job`; Escape stops it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.tui.app import AdvisorApp
    from advisor.tui.panes.base import Pane


def _always() -> bool:
    return True


def has_module(name: str) -> Callable[[], bool]:
    """An ``available`` check: true when ``name`` can be imported (without importing it)."""

    def check() -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            return False

    return check


@dataclass(frozen=True)
class Feature:
    id: str                                    # tab id; the key binding runs show_tab('<id>')
    title: str
    key: str
    description: str                           # for the command palette
    make: Callable[[AdvisorApp], Pane]         # builds the pane; may read the app's settings
    needs_report: bool = True
    available: Callable[[], bool] = _always
    needs_pick: bool = False                   # hidden until the report's leaderboard has a pick
    tab: str | None = None                     # a shorter tab label, so every tab fits at 80 columns


def _open(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.open import OpenPane

    return OpenPane(app.start_dir, app.recent)


def _profile(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.profile import ProfilePane

    return ProfilePane()


def _decision(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.decision import DecisionPane

    return DecisionPane()


def _benchmark(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.benchmark import BenchmarkPane

    return BenchmarkPane()


def _explain(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.explain import ExplainPane

    return ExplainPane()


def _drift(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.drift import DriftPane

    return DriftPane(app.export_dir)


def _export(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.export import ExportPane

    return ExportPane(app.export_dir)


def _help(app: AdvisorApp) -> Pane:
    from advisor.tui.panes.help import HelpPane

    return HelpPane()


FEATURES: tuple[Feature, ...] = (
    Feature("open", "Open", "o", "Pick a data file", _open, needs_report=False),
    Feature("profile", "Profile", "p", "Columns, target, task and findings", _profile),
    Feature("decision", "Decision", "d", "The path through scikit-learn's map and the candidates", _decision),
    Feature("benchmark", "Benchmark", "b", "Cross-validate the candidates within a time budget and pick one",
            _benchmark, tab="Bench"),
    Feature("explain", "Explain", "x", "Which columns the pick relies on, and why it predicts a row as it does",
            _explain, needs_pick=True),
    Feature("drift", "Drift", "g", "Compare the open table with a newer file: what changed, and how much",
            _drift),
    Feature("export", "Export", "e", "Save the report as Markdown, JSON or HTML, and the model", _export),
    Feature("help", "Help", "question_mark", "Every key binding", _help, needs_report=False),
)
