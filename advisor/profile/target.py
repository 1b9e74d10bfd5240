"""Which column is the target, and which task it implies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.errors import OptionError, TargetError, did_you_mean
from advisor.profile.config import TARGET_NAMES, WEAK_TARGET_NAMES, Thresholds
from advisor.profile.facts import TASKS
from advisor.profile.kinds import name_tokens
from advisor.profile.model import DROPPED_KINDS, ClassCount, ColumnProfile
from advisor.profile.stats import clean_float, format_value

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class TargetChoice:
    name: str | None
    confidence: str  # "given" | "high" | "medium" | "low" | "none"
    reason: str
    runners_up: list[str]


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def choose_target(columns: list[ColumnProfile], given: str | None, no_target: bool) -> TargetChoice:
    names = [c.name for c in columns]
    if no_target:
        return TargetChoice(None, "none", "no target: --no-target was given", [])
    if given is not None:
        if given not in names:
            raise TargetError(f"target column '{given}' not found.{did_you_mean(given, names)} Columns: {_list(names)}")
        return TargetChoice(given, "given", "given with --target", [])
    scored: list[tuple[int, int, str, str]] = []
    for col in columns:
        if col.kind in DROPPED_KINDS or col.kind in ("text", "datetime"):
            continue
        norm = _normalise(col.name)
        tokens = set(name_tokens(col.name))
        for rank, label in enumerate(TARGET_NAMES):
            weak = label in WEAK_TARGET_NAMES
            if norm == label:
                scored.append((2 if not weak else 0, -rank, col.name, f"the column is named '{col.name}', a usual name for a label"))
                break
            if label in tokens or norm.startswith(label + "_") or norm.endswith("_" + label):
                scored.append((1 if not weak else 0, -rank, col.name, f"the name '{col.name}' contains '{label}', a usual word for a label"))
                break
    scored.sort(key=lambda t: (-t[0], -t[1]))
    strong = [s for s in scored if s[0] > 0]
    if not strong:
        runners = [s[2] for s in scored][:3]
        hint = f"; columns that might be it: {', '.join(runners)}" if runners else ""
        return TargetChoice(None, "none", f"no column is named like a label{hint}; pass --target to choose one", runners)
    best = strong[0]
    runners = [s[2] for s in scored if s[2] != best[2]][:3]
    if best[0] == 2 and not (len(strong) > 1 and strong[1][0] == 2):
        confidence = "high"
    else:
        confidence = "medium"
    return TargetChoice(best[2], confidence, best[3], runners)


def _list(names: list[str], n: int = 8) -> str:
    shown = ", ".join(names[:n])
    return shown + (f", ... ({len(names)} in all)" if len(names) > n else "")


def infer_task(s: pd.Series, col: ColumnProfile, th: Thresholds, forced: str | None) -> tuple[str, str]:
    """The task for target ``s``: (task, reason). ``forced`` comes from --task."""
    present = s.dropna()
    n_classes = col.n_distinct
    if forced is not None:
        if forced not in TASKS:
            raise OptionError(f"The 'task' option must be one of {', '.join(TASKS)}. Got '{forced}' instead.{did_you_mean(forced, TASKS)}")
        if forced == "regression" and col.kind in ("categorical", "boolean") and not col.numeric:
            raise TargetError(f"target '{col.name}' holds labels, not numbers; regression needs a numeric target (use --task binary or multiclass)")
        if forced == "binary" and n_classes != 2:
            raise TargetError(f"target '{col.name}' has {n_classes} classes; --task binary needs exactly 2 (use --task multiclass)")
        if forced == "multiclass":
            _check_classes(present, col)
        if forced in ("clustering", "dimensionality_reduction"):
            raise OptionError(f"--task {forced} is unsupervised; pass --no-target instead of --target '{col.name}'")
        return forced, "set with --task"
    if len(present) == 0:
        raise TargetError(f"target column '{col.name}' is empty (every value is missing); choose another with --target")
    if n_classes < 2:
        raise TargetError(f"target column '{col.name}' has a single value '{present.iloc[0]}'; a model needs at least two classes or values")
    if n_classes == 2:
        return "binary", "the target has exactly two values"
    if col.kind in ("categorical", "boolean"):
        return "multiclass", f"the target holds {n_classes} labels"
    few = n_classes <= th.class_max_distinct and n_classes <= th.class_max_distinct_share * len(present)
    if col.numeric is not None and col.kind in ("code", "count") and few:
        return "multiclass", f"the target holds integers with only {n_classes} distinct values"
    if col.numeric is not None:
        return "regression", f"the target is numeric with {n_classes:,} distinct values"
    return "multiclass", f"the target holds {n_classes} labels"


def _check_classes(present: pd.Series, col: ColumnProfile) -> None:
    """A numeric target asked to be classes must be labels: whole numbers, most of them repeated."""
    import numpy as np
    import pandas as pd

    if col.numeric is None or not pd.api.types.is_numeric_dtype(present) or pd.api.types.is_bool_dtype(present):
        return
    values = present.to_numpy(dtype="float64")
    if np.any(np.mod(values[np.isfinite(values)], 1) != 0):
        raise TargetError(f"target '{col.name}' holds fractional numbers ({col.n_distinct:,} distinct); a classifier "
                          f"needs labels: use --task regression, or bin the target into classes first")
    if col.n_distinct > len(present) / 2:
        raise TargetError(f"target '{col.name}' has {col.n_distinct:,} distinct values in {len(present):,} rows: most "
                          f"classes would have a single row; use --task regression")


def class_counts(s: pd.Series) -> list[ClassCount]:
    counts = s.dropna().value_counts()
    total = int(counts.sum())
    # Deterministic order: by count, then by label text.
    items = sorted(((format_value(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    return [ClassCount(label, n, clean_float(n / total) or 0.0) for label, n in items]
