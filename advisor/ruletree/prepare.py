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
