"""Turn a Profile into the facts dict the rule tree reads (keys of FACTS, nothing else)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.profile.facts import FACTS
from advisor.profile.model import CATEGORY_KINDS, NUMERIC_KINDS
from advisor.profile.stats import clean_float

if TYPE_CHECKING:
    from advisor.profile.model import Profile

LONG_TEXT_CHARS = 200.0


def compute_facts(p: Profile) -> dict[str, Any]:
    feats = p.features
    target = p.target
    n_samples = p.table.n_rows_in_file
    if target is not None:
        labeled_share = 1 - target.n_missing / max(p.table.n_rows, 1)
        n_samples = round(p.table.n_rows_in_file * labeled_share)
    skews = [abs(c.numeric.skew) for c in feats if c.numeric and c.numeric.skew is not None and not c.numeric.sentinels]
    cells = sum(1 for _ in feats) * p.table.n_rows
    missing = sum(c.n_missing for c in feats)
    few = p.answers.get("few_features_important")
    facts: dict[str, Any] = {
        "n_rows": p.table.n_rows_in_file,
        "n_samples": n_samples,
        "n_columns": p.table.n_columns,
        "n_features": len(feats),
        "task": p.task,
        "has_target": target is not None,
        "target": target.name if target else None,
        "predicting_category": p.task in ("binary", "multiclass", "clustering"),
        "predicting_quantity": p.task == "regression",
        "just_looking": p.task == "dimensionality_reduction",
        "n_classes": target.n_classes if target else None,
        "imbalance_ratio": target.imbalance_ratio if target else None,
        "minority_share": target.minority_share if target else None,
        "target_skew": target.numeric.skew if target and target.numeric else None,
        "n_clusters": p.n_clusters,
        "n_clusters_known": p.n_clusters is not None,
        "few_features_important": None if few is None else few == "yes",
        "l1_zero_share": p.l1_zero_share,
        "n_numeric_features": sum(c.kind in NUMERIC_KINDS for c in feats),
        "n_categorical_features": sum(c.kind in CATEGORY_KINDS for c in feats),
        "n_text_columns": sum(c.kind == "text" for c in feats),
        "has_text_columns": any(c.kind == "text" for c in feats),
        "has_long_text": any(c.kind == "text" and c.text and c.text.mean_length > LONG_TEXT_CHARS for c in feats),
        "has_media_paths": any(c.media for c in p.columns),
        "n_datetime_columns": sum(c.kind == "datetime" for c in feats),
        "n_identifier_columns": sum(c.kind == "identifier" for c in p.columns),
        "n_high_cardinality_columns": sum(1 for f in p.findings if f.code == "high_cardinality" for _ in f.columns),
        "missing_share": clean_float(missing / cells, 4) if cells else 0.0,
        "has_missing_values": missing > 0,
        "max_abs_skew": max(skews) if skews else None,
        "n_correlated_pairs": len(p.correlations),
        "n_leakage_suspects": len(p.leakage),
        "duplicate_row_share": p.table.duplicate_row_share,
        "is_sample": p.table.is_sample,
    }
    assert set(facts) == set(FACTS), sorted(set(facts) ^ set(FACTS))
    return facts
