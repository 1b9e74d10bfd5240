"""The strict data model of the rule files and of the walk result.

The rule-file dataclasses are the single source of truth: ``convert.py``
builds them from YAML (rejecting unknown keys and wrong types), and
``schema.py`` turns the same classes into the committed JSON Schema. The
walk result (:class:`Advice` and its parts) uses only JSON-friendly types
because the report layer serializes it generically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from advisor.profile.findings import CODES
from advisor.profile.model import KINDS

Scalar = str | int | float | bool
Op = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null", "not_null"]
OPS: tuple[str, ...] = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null", "not_null")
OUTCOMES = (
    "classification",
    "clustering",
    "regression",
    "dimensionality reduction",
    "get more data",
    "tough luck",
)
# The column kinds and finding codes preparation rules may name are the
# profile's own vocabulary; naming anything else is a validation error.
COLUMN_KINDS: tuple[str, ...] = tuple(KINDS)
FINDING_CODES: tuple[str, ...] = tuple(CODES)


# ---------------------------------------------------------------- rule files


@dataclass
class Condition:
    """A test on one fact (fact/op/value) or a combination (all/any/not); data, never code."""

    fact: str | None = field(default=None, metadata={"choices": "facts"})
    op: Op | None = None
    value: Scalar | list[Scalar] | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = field(default=None, metadata={"key": "not"})


@dataclass
class IfUnknown:
    """What a question assumes when its fact is null, and the sentence that says why.

    When ``evidence`` is given and can be evaluated, it decides the answer and
    ``evidence_yes`` / ``evidence_no`` explain it; ``{value}`` and ``{percent}``
    in those texts are replaced by the evidence fact's value.
    """

    assume: bool
    because: str
    evidence: Condition | None = None
    evidence_yes: str | None = None
    evidence_no: str | None = None


@dataclass
class StartNode:
    kind: Literal["start"]
    next: str
    label: str = "START"


@dataclass
class QuestionNode:
    kind: Literal["question"]
    question: str
    when: Condition
    on_yes: str
    on_no: str
    if_unknown: IfUnknown | None = None


@dataclass
class LeafNode:
    """Estimators the map recommends; ``not_working`` is the map's orange 'try next' arrow."""

    kind: Literal["leaf"]
    label: str
    outcome: str = field(metadata={"choices": "outcomes"})
    estimators: list[str] = field(metadata={"choices": "estimators"})
    why: str
    not_working: str | None = None


@dataclass
class AdviceNode:
    """A leaf that recommends no estimator ('get more data', 'tough luck')."""

    kind: Literal["advice"]
    label: str
    outcome: str = field(metadata={"choices": "outcomes"})
    advice: str


Node = StartNode | QuestionNode | LeafNode | AdviceNode


@dataclass
class Flowchart:
    version: int
    source: str
    start: str
    nodes: dict[str, Node]


@dataclass
class Addition:
    """The advisor's own rule, attached to map nodes by id and kept apart from the map."""

    id: str
    attach_to: list[str]
    why: str
    question: str | None = None
    when: Condition | None = None
    estimators: list[str] = field(default_factory=list, metadata={"choices": "estimators"})
    before: str | None = field(default=None, metadata={"choices": "estimators"})
    note: str | None = None


@dataclass
class AdditionsFile:
    version: int
    additions: list[Addition]


@dataclass
class PrepRule:
    """One preparation step and when it applies.

    ``scope: columns`` selects columns by ``kinds`` and by the columns of
    ``findings`` (minus those of ``exclude_findings``) and is skipped when none
    match; ``scope: target`` and ``scope: estimator`` apply when every code in
    ``findings`` was found. ``families`` empty means every family.
    """

    id: str
    component: str
    reason: str
    scope: Literal["columns", "target", "estimator"] = "columns"
    params: dict[str, Scalar | None] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list, metadata={"choices": "column_kinds"})
    findings: list[str] = field(default_factory=list, metadata={"choices": "finding_codes"})
    exclude_findings: list[str] = field(default_factory=list, metadata={"choices": "finding_codes"})
    families: list[str] = field(default_factory=list, metadata={"choices": "families"})
    exclude_families: list[str] = field(default_factory=list, metadata={"choices": "families"})
    estimator_has: dict[str, bool] = field(
        default_factory=dict, metadata={"choices": "capabilities"}
    )
    when: Condition | None = None


@dataclass
class PreparationFile:
    version: int
    steps: list[PrepRule]


RULE_FILES: dict[str, type] = {
    "flowchart.yaml": Flowchart,
    "additions.yaml": AdditionsFile,
    "preparation.yaml": PreparationFile,
}


@dataclass
class RuleSet:
    """The three validated rule files and where they came from."""

    flowchart: Flowchart
    additions: AdditionsFile
    preparation: PreparationFile
    source: str
    directory: str


# ---------------------------------------------------------------- problems


@dataclass
class Problem:
    """One thing wrong with a rule file, located precisely enough to fix it."""

    file: str
    line: int | None
    key_path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        path = f" {self.key_path}:" if self.key_path else ""
        hint = f"; {self.hint.strip()}" if self.hint else ""
        return f"{where}:{path} {self.message}{hint}"


# ---------------------------------------------------------------- walk result


TraceValue = str | int | float | bool | None
ParamValue = str | int | float | bool | None


@dataclass
class TraceStep:
    """One decision: the question, the fact read, its value, and the answer taken."""

    node_id: str
    question: str
    fact: str
    value: TraceValue
    answer: str
    origin: str
    assumed: bool = False
    note: str | None = None


@dataclass
class PreparationStep:
    id: str
    component: str
    columns: list[str]
    reason: str
    scope: str = "columns"
    params: dict[str, ParamValue] = field(default_factory=dict)


@dataclass
class CandidateAdvice:
    name: str
    origin: str
    why: str
    try_next: list[str]
    interpretability: str
    interpretability_reason: str
    partial_fit: bool
    predict_proba: bool
    family: str
    cost: str
    node_id: str
    preparation: list[PreparationStep] = field(default_factory=list)


@dataclass
class Advice:
    """The rule tree's answer for one profile: how it got there and what to try, in order."""

    trace: list[TraceStep]
    path: list[str]
    leaf: str
    outcome: str
    candidates: list[CandidateAdvice]
    assumptions: list[str]
    notes: list[str]
    rules_source: str
    mermaid: str = ""  # the map as a Mermaid flowchart with this path highlighted, for design docs
