"""Choose the preparation steps one candidate needs, from preparation.yaml.

A step is data: which estimator families and capabilities it serves, which
columns (by kind or by profile finding) it touches, and why. This module only
matches those rules against a candidate's catalog entry and the profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from advisor.catalog import EstimatorInfo
from advisor.ruletree.conditions import evaluate
from advisor.ruletree.model import ParamValue, PreparationFile, PreparationStep, PrepRule
from advisor.text import listed


@dataclass(frozen=True)
class Finding:
    """The two parts of a profile finding that preparation rules read."""

    code: str
    columns: tuple[str, ...]


def normalize_findings(findings: Sequence[Any]) -> list[Finding]:
    """Accept finding objects (``.code``, ``.columns``) or mappings; enum codes become their value."""
    out = []
    for f in findings:
        get = (
            f.get
            if isinstance(f, Mapping)
            else lambda key, default=None, f=f: getattr(f, key, default)
        )
        code = get("code")
        code = getattr(code, "value", code)
        out.append(Finding(str(code), tuple(str(c) for c in (get("columns", None) or ()))))
    return out


def applies_to(rule: PrepRule, info: EstimatorInfo, facts: Mapping[str, Any]) -> bool:
    """Whether the rule serves this estimator under these facts (columns aside)."""
    if rule.families and info.family not in rule.families:
        return False
    if info.family in rule.exclude_families:
        return False
    if any(info.capability(flag) != wanted for flag, wanted in rule.estimator_has.items()):
        return False
    return rule.when is None or evaluate(rule.when, facts) is True


def select_columns(
    rule: PrepRule, findings: list[Finding], columns: Mapping[str, str]
) -> list[str]:
    """Columns of the rule's kinds or findings, minus excluded findings; columns order first."""
    flagged = [c for f in findings if f.code in rule.findings for c in f.columns]
    excluded = {c for f in findings if f.code in rule.exclude_findings for c in f.columns}
    chosen = [name for name, kind in columns.items() if kind in rule.kinds or name in flagged]
    chosen += [c for c in dict.fromkeys(flagged) if c not in columns]
    return [c for c in chosen if c not in excluded]


def prepare(
    preparation: PreparationFile,
    info: EstimatorInfo,
    facts: Mapping[str, Any],
    findings: list[Finding],
    columns: Mapping[str, str],
) -> list[PreparationStep]:
    """The steps this candidate needs, in the order preparation.yaml lists them."""
    codes = {f.code for f in findings}
    steps = []
    for rule in preparation.steps:
        if not applies_to(rule, info, facts):
            continue
        if rule.scope == "columns":
            chosen = select_columns(rule, findings, columns)
            if not chosen:
                continue
        elif not set(rule.findings) <= codes:
            continue
        else:
            chosen = []
        params: dict[str, ParamValue] = dict(rule.params)
        steps.append(
            PreparationStep(rule.id, rule.component, chosen, rule.reason, rule.scope, params)
        )
    return steps


# Findings a shipped rule answers without naming them: it picks their columns by kind, or by a fact.
ANSWERED_BY: dict[str, tuple[str, ...]] = {
    "missing_values": ("impute_numeric", "impute_categorical"),
    "scaling_needed": ("scale",),
    "datetime_column": ("expand_datetime",),
    "free_text": ("tfidf",),
}
# Profile advice about preparing the data that no shipped rule applies, and what the candidates do instead.
NOT_APPLIED: dict[str, str] = {
    "target_skewed": (
        "the candidates fit the target as it is (SVR a standardised one): on the development suite a log1p "
        "target cost trees and linear models R², so it is off by default; a rule with id 'log_target' in your "
        "own preparation.yaml turns it on"
    ),
    "suspicious_zeros": (
        "the zeros are used as measurements; if they stand for missing values, blank them in the table "
        "(the candidates then impute them or take them as missing) or --drop the column"
    ),
    "outliers": "the values are kept as they are; the scaled candidates use StandardScaler, which outliers stretch",
    "integer_code": "the integers are used as numbers; --kind COLUMN=categorical one-hot encodes them instead",
    "sentinel_values": (
        "the codes are used as numbers (99 children); replace them with NaN in the table, or --drop the column, "
        "and the candidates impute them"
    ),
    "near_constant_column": "the column is kept as a feature",
    "duplicate_columns": "both copies are kept; --drop one of them",
    "duplicate_rows": (
        "the repeated rows are kept, so a row can be in a training fold and its copy in the test fold; "
        "drop them before advisor reads the table"
    ),
    "long_text": "the text is TF-IDF encoded; no pretrained embedding is computed",
    "nonlinear_feature": "no binning or splines are added; tree and kernel models follow such a relation, linear ones do not",
    "target_leakage": "the column is kept: the advisor never drops a suspect on its own; rerun with --drop",
}


def coverage_notes(preparation: PreparationFile, candidates: Sequence[Any], findings: list[Finding]) -> list[str]:
    """Notes saying which profile findings the candidates' preparation applies, and which it does not (and why).

    A finding is applied by a candidate's step whose rule names it under ``findings`` (on one of its
    columns, for a column step) or that answers it by kind (:data:`ANSWERED_BY`).
    """
    if not candidates:
        return []
    rules = {r.id: r for r in preparation.steps}
    merged: dict[str, list[str]] = {}
    for f in findings:
        cols = merged.setdefault(f.code, [])
        cols += [c for c in f.columns if c not in cols]
    applied, skipped = [], []
    for code, cols in merged.items():
        users = 0
        step_ids: list[str] = []
        for c in candidates:
            ids = [s.id for s in c.preparation if _applies_finding(rules.get(s.id), s, code, cols)]
            users += bool(ids)
            step_ids += [i for i in ids if i not in step_ids]
        where = f"{code} in {listed([repr(c) for c in cols], 4)}" if cols else code
        if step_ids:
            share = "every candidate" if users == len(candidates) else f"{users} of {len(candidates)} candidates"
            applied.append(f"{where} ({', '.join(step_ids)}, for {share})")
        elif code in NOT_APPLIED:
            skipped.append(f"advisor: profile advice no candidate applies: {where}: {NOT_APPLIED[code]}")
    notes = ["advisor: profile advice the candidates apply: " + "; ".join(applied)] if applied else []
    return notes + skipped


def _applies_finding(rule: PrepRule | None, step: PreparationStep, code: str, cols: list[str]) -> bool:
    named = rule is not None and code in rule.findings
    if not named and step.id not in ANSWERED_BY.get(code, ()):
        return False
    return step.scope != "columns" or not cols or bool(set(step.columns) & set(cols))
