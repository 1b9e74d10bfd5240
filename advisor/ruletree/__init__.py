"""The rule tree: scikit-learn's estimator map plus the advisor's additions, as validated data.

``load_rules`` reads and validates a rules directory (the shipped one by
default); ``advise`` walks it over a profile's facts; ``render_text`` and
``render_mermaid`` show it. Only the standard library and PyYAML are imported
here, so ``advisor --help`` and ``advisor rules check`` stay fast.
"""

from __future__ import annotations

from advisor.ruletree.load import default_rules_dir
from advisor.ruletree.model import (
    Advice,
    CandidateAdvice,
    PreparationStep,
    Problem,
    RuleSet,
    TraceStep,
)
from advisor.ruletree.render import render_mermaid, render_text
from advisor.ruletree.validate import check_rules, load_rules
from advisor.ruletree.walk import advise, parse_answers

__all__ = [
    "Advice",
    "CandidateAdvice",
    "PreparationStep",
    "Problem",
    "RuleSet",
    "TraceStep",
    "advise",
    "check_rules",
    "default_rules_dir",
    "load_rules",
    "parse_answers",
    "render_mermaid",
    "render_text",
]
