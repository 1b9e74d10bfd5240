"""The Report: one dataclass tree that every renderer and the TUI show.

Its JSON form is a versioned contract (``schemas/report.schema.json``,
generated from these classes by ``advisor.report.schema``). Bump
``SCHEMA_VERSION``'s major number for a breaking change to the shape, the
minor number for additions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.explain import Explanation
from advisor.leaderboard import Leaderboard
from advisor.load import LoadInfo
from advisor.profile.model import Profile
from advisor.ruletree.model import Advice

SCHEMA_VERSION = "1.6"


@dataclass
class RunSettings:
    """The options that shaped the report, so it can be reproduced."""

    command: str
    target: str | None = None
    no_target: bool = False
    task: str | None = None
    sample: int | None = None
    seed: int = 0
    kinds: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    n_clusters: int | None = None
    rules: str | None = None
    budget: float | None = None
    metric: str | None = None
    drop: list[str] = field(default_factory=list)


@dataclass
class SavedModel:
    """Where the refitted pick was saved, and the fingerprint of the rows it learned from."""

    path: str
    format: str
    candidate: str
    warnings: list[str]
    fingerprint: dict[str, Any]


@dataclass
class Report:
    advisor_version: str
    source: LoadInfo
    settings: RunSettings
    profile: Profile
    facts: dict[str, Any]
    advice: Advice | None = None
    leaderboard: Leaderboard | None = None
    pipeline_code: str | None = None
    saved_model: SavedModel | None = None
    explanation: Explanation | None = None
    timings: dict[str, float] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION
