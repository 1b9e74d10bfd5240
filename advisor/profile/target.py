"""Which column is the target, and which task it implies."""

from __future__ import annotations

import re
import shlex
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


def choose_target(columns: list[ColumnProfile], given: str | None, no_target: bool,
                  th: Thresholds | None = None) -> TargetChoice:
    """The target: a column named like a label (high confidence for the whole name, medium for a word
    of it), else a weakly named one at the table's edge (low), else none, with the columns that might
    be it (a last or first column holding labels) listed for --target."""
    th = th or Thresholds()
    names = [c.name for c in columns]
    if no_target:
        return TargetChoice(None, "none", "no target: --no-target was given", [])
    if given is not None:
        if given not in names:
            raise TargetError(f"target column '{given}' not found.{did_you_mean(given, names)} Columns: {_list(names)}")
        return TargetChoice(given, "given", "given with --target", [])
    usable = [c for c in columns if c.kind not in DROPPED_KINDS and c.kind not in ("text", "datetime")]
    edges = {usable[-1].name: "last"} if usable else {}
    if len(usable) > 1:
        edges[usable[0].name] = "first"
    family = _families(names)
    # (score, -rank, name, reason): 3 the whole name is a label's, 2 a word of it is, 1 a weak name at the
    # edge (a low-confidence pick), 0 might be it (listed, never picked)
    scored: list[tuple[int, int, str, str]] = []
    for col in usable:
        label = _label_name(col.name)
        edge = edges.get(col.name)
        holds = _holds(col, th)
        if label is not None and label not in WEAK_TARGET_NAMES:
            whole = _normalise(col.name) == label
            how = f"named '{col.name}', a usual name for a label" if whole else \
                f"the name '{col.name}' contains '{label}', a usual word for a label"
            scored.append((3 if whole else 2, -TARGET_NAMES.index(label), col.name, f"the column is {how}"))
        elif col.name in family:
            continue
        elif label is not None and (edge == "last" or (edge == "first" and holds.startswith("holds"))):
            scored.append((1, -TARGET_NAMES.index(label), col.name,
                           f"'{col.name}' is the {edge} column, {holds} and is named like a label ('{label}'): "
                           f"a guess; pass --target {shlex.quote(col.name)} to confirm it, or --no-target"))
        elif label is not None or (edge is not None and holds.startswith("holds")):
            why = f"{'the ' + edge + ' column, ' if edge else ''}{holds}"
            scored.append((0, -len(TARGET_NAMES) - (edge != "last"), col.name, why))
    scored.sort(key=lambda t: (-t[0], -t[1]))
    picked = [s for s in scored if s[0] > 0]
    if not picked:
        hint = "; columns that might be it: " + ", ".join(f"'{s[2]}' ({s[3]})" for s in scored[:3]) if scored else ""
        unusable = [c for c in columns if c not in usable and _label_name(c.name) is not None]
        first = "no column is named like a label"
        if unusable:  # a 'target' column that holds one value: say why it was passed over
            c = unusable[0]
            first = f"'{c.name}' is named like a label, but it is {c.kind} ({c.kind_reason}), nothing to learn"
        return TargetChoice(None, "none", f"{first}{hint}; pass --target to choose one", [s[2] for s in scored][:3])
    best = picked[0]
    runners = [s[2] for s in scored if s[2] != best[2]][:3]
    if best[0] == 3 and not (len(picked) > 1 and picked[1][0] == 3):
        confidence = "high"
    elif best[0] >= 2:
        confidence = "medium"
    else:
        confidence = "low"
    return TargetChoice(best[2], confidence, best[3], runners)


def _label_name(name: str) -> str | None:
    """The label name (TARGET_NAMES) the column's name is, or holds: any word of it for a strong name
    ("is_churn"), the whole name or its last word for a weak one ("house_price", not "price_per_sqft")."""
    norm = _normalise(name)
    tokens = name_tokens(name)
    for label in TARGET_NAMES:
        if norm == label:
            return label
        if label in WEAK_TARGET_NAMES:
            if tokens and tokens[-1] == label:
                return label
        elif label in tokens or norm.startswith(label + "_") or norm.endswith("_" + label):
            return label
    return None


def _families(names: list[str]) -> set[str]:
    """Columns measured alike, which are features rather than the one label: names that differ only
    in their digits ("re74", "re75", "re78") or that share a first word with two others or more
    ("price.heinz41", "price.heinz32", "price.hunts32")."""
    from collections import Counter

    stems = {n: re.sub(r"\d+", "", _normalise(n)).strip("_") for n in names}
    firsts = {n: t[0] for n in names if len(t := name_tokens(n)) > 1}
    stem_counts, first_counts = Counter(stems.values()), Counter(firsts.values())
    return {n for n in names if stem_counts[stems[n]] > 1 or (n in firsts and first_counts[firsts[n]] > 2)}


def _holds(col: ColumnProfile, th: Thresholds) -> str:
    """'holds 2 labels' for a column that could be a class label, else what it holds."""
    if col.kind in ("boolean", "code") or (col.kind == "categorical" and col.n_distinct <= th.class_max_distinct):
        return f"holds {col.n_distinct} labels"
    return "numbers" if col.numeric is not None else f"{col.n_distinct:,} distinct values"


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
