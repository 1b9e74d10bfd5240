"""The stages chained for the shells: load -> profile -> (advice) -> Report.

The CLI, the TUI and Python users call these same functions; each stage is
also usable alone (``advisor.load.load_table``, ``advisor.profile.profile_table``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from advisor import __version__
from advisor.report.model import Report, RunSettings

if TYPE_CHECKING:
    from advisor.profile.model import Profile
    from advisor.ruletree.model import Advice, RuleSet

Progress = Callable[[str, float], None]

BUNDLED = {"penguins": ("penguins.csv", "species")}


def bundled_path(name: str = "penguins") -> Path:
    """Path of a dataset shipped inside the package (Palmer penguins, CC0)."""
    return Path(__file__).parent / "data" / BUNDLED[name][0]


def build_profile_report(
    path: str,
    *,
    target: str | None = None,
    no_target: bool = False,
    task: str | None = None,
    kinds: Mapping[str, str] | None = None,
    sample: int | None = None,
    seed: int = 0,
    delimiter: str | None = None,
    input_format: str | None = None,
    answers: Mapping[str, str] | None = None,
    n_clusters: int | None = None,
    rules: str | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Report:
    """Load ``path``, profile it and wrap everything in a :class:`Report`."""
    from advisor.load import load_table
    from advisor.profile import profile_table
    from advisor.profile.config import Settings
    from advisor.ruletree import load_rules, parse_answers

    parse_answers(answers)  # a mistyped --answer fails before any work is done
    ruleset = load_rules(rules)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if progress:
        progress("reading", 0.0)
    table = load_table(path, sample=sample, seed=seed, delimiter=delimiter, file_format=input_format)
    timings["load_seconds"] = round(time.perf_counter() - t0, 3)

    def sub(message: str, fraction: float) -> None:
        if progress:
            progress(message, 0.2 + 0.8 * fraction)

    t1 = time.perf_counter()
    profile = profile_table(
        table, target=target, no_target=no_target, task=task, kinds=kinds, n_clusters=n_clusters,
        answers=answers, settings=Settings(seed=seed), progress=sub, should_stop=should_stop,
    )
    timings["profile_seconds"] = round(time.perf_counter() - t1, 3)
    advice = advise_profile(profile, ruleset, answers)
    settings = RunSettings(
        command="profile", target=target, no_target=no_target, task=task, sample=sample, seed=seed,
        kinds=dict(kinds or {}), answers=dict(answers or {}), n_clusters=n_clusters, rules=rules,
    )
    return Report(advisor_version=__version__, source=table.info, settings=settings, profile=profile,
                  facts=profile.facts(), advice=advice, timings=timings)


def advise_profile(profile: Profile, ruleset: RuleSet, answers: Mapping[str, str] | None = None) -> Advice:
    """Walk the rule tree over a profile; the Advice carries a Mermaid chart of the path taken."""
    from advisor.ruletree import advise, render_mermaid

    advice = advise(ruleset, profile.facts(), profile.findings, profile.feature_kinds(), dict(answers or {}))
    advice.mermaid = render_mermaid(ruleset, advice.path)
    return advice
