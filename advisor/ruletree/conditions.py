"""Evaluate rule conditions over facts: data in, True/False/unknown out, never eval.

A fact that is null makes a comparison unknown (None) rather than false, so
the walker can say it assumed an answer instead of silently taking a branch.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from advisor.ruletree.model import Condition


def evaluate(cond: Condition, facts: Mapping[str, Any]) -> bool | None:
    """True, False, or None when a fact it needs is unknown (null)."""
    if cond.all is not None:
        return _combine([evaluate(c, facts) for c in cond.all], stop=False)
    if cond.any is not None:
        return _combine([evaluate(c, facts) for c in cond.any], stop=True)
    if cond.not_ is not None:
        inner = evaluate(cond.not_, facts)
        return None if inner is None else not inner
    return _test(cond, facts.get(cond.fact or ""))


def _combine(results: list[bool | None], stop: bool) -> bool | None:
    """all (stop=False) or any (stop=True) with unknowns: a decisive result wins over unknown."""
    if any(r is stop for r in results):
        return stop
    return None if any(r is None for r in results) else not stop


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "in": lambda value, target: value in target,
    "not_in": lambda value, target: value not in target,
}


def _test(cond: Condition, value: Any) -> bool | None:
    if cond.op == "is_null":
        return value is None
    if cond.op == "not_null":
        return value is not None
    if value is None or cond.op not in _COMPARE:
        return None
    try:
        return bool(_COMPARE[cond.op](value, cond.value))
    except TypeError:  # a caller passed a fact of the wrong type: treat it as unknown
        return None


def condition_facts(cond: Condition) -> list[str]:
    """The facts a condition reads, in order, without repeats."""
    subs = [*(cond.all or []), *(cond.any or []), *([cond.not_] if cond.not_ else [])]
    names = [cond.fact] if cond.fact else []
    for sub in subs:
        names += [n for n in condition_facts(sub) if n not in names]
    return names
