"""Walk the rule tree over a profile's facts and produce :class:`Advice`.

The walk answers the map's questions from the facts (or the user's answers),
follows yes/no edges to the first leaf, then keeps following the map's
"not working" arrows so the candidates come out in the order the map says to
try them. Additions from ``additions.yaml`` join as the walk passes the nodes
they are attached to, always marked with origin "advisor".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from advisor.catalog import CATALOG
from advisor.errors import OptionError, did_you_mean
from advisor.profile.facts import FACTS
from advisor.ruletree.conditions import condition_facts, evaluate
from advisor.ruletree.model import (
    Addition,
    Advice,
    AdviceNode,
    CandidateAdvice,
    IfUnknown,
    LeafNode,
    QuestionNode,
    RuleSet,
    StartNode,
    TraceStep,
    TraceValue,
)
from advisor.ruletree.prepare import Finding, coverage_notes, normalize_findings, prepare

TRUE_WORDS = {"yes": True, "true": True, "no": False, "false": False}


# ---------------------------------------------------------------- answers and facts


def parse_answers(answers: Mapping[str, str] | None) -> dict[str, bool]:
    """Turn ``--answer few-features-important=yes`` pairs into bool facts, or raise OptionError."""
    bool_facts = [name for name, spec in FACTS.items() if spec.type == "bool"]
    parsed: dict[str, bool] = {}
    for raw_name, raw_value in (answers or {}).items():
        name = raw_name.strip().lower().replace("-", "_")
        if name not in bool_facts:
            dashed = [n.replace("_", "-") for n in bool_facts]
            hint = did_you_mean(name.replace("_", "-"), dashed)
            raise OptionError(
                f"The '--answer' option must name a yes/no fact such as 'few-features-important'. Got '{raw_name}' instead.{hint}"
            )
        value = str(raw_value).strip().lower()
        if value not in TRUE_WORDS:
            raise OptionError(
                f"The answer to '{raw_name}' must be yes, no, true or false. Got '{raw_value}' instead."
            )
        parsed[name] = TRUE_WORDS[value]
    return parsed


def plain(value: Any) -> TraceValue:
    """A JSON-friendly copy of a fact value (numpy scalars become Python numbers)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        return plain(item())
    return str(value)


def shown_value(names: list[str], facts: Mapping[str, Any]) -> TraceValue:
    """One fact's value as is; several facts as 'a=1, b=true'."""
    if len(names) == 1:
        return plain(facts.get(names[0]))
    return ", ".join(f"{n}={_fmt(facts.get(n))}" for n in names)


def _fmt(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fill(text: str, value: Any) -> str:
    """Replace {value} and {percent}: plain substitution, never str.format on rule text."""
    percent = (
        f"{value:.0%}"
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else _fmt(value)
    )
    return text.replace("{value}", _fmt(value)).replace("{percent}", percent)


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# ---------------------------------------------------------------- the walk


@dataclass
class _Entry:
    name: str
    origin: str
    why: str
    node_id: str
    # Position of its leaf in the chain of 'not working' leaves; None when attached to a question.
    chain_index: int | None


@dataclass
class _Walk:
    rules: RuleSet
    facts: dict[str, Any]
    answered: dict[str, bool]
    trace: list[TraceStep] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)
    chain: list[LeafNode] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)
    leaf: str = ""
    outcome: str = ""

    def run(self) -> None:
        nodes = self.rules.flowchart.nodes
        node_id: str | None = self.rules.flowchart.start
        via: str | None = None
        while node_id is not None and node_id not in self.path:
            self.path.append(node_id)
            node_id, via = self.step(node_id, nodes[node_id], via)

    def step(self, node_id: str, node: Any, via: str | None) -> tuple[str | None, str | None]:
        """Handle one node; return the next node id and the leaf whose 'not working' led there."""
        additions = self.additions_at(node_id)
        if isinstance(node, StartNode):
            self.add_entries(node_id, [], additions, None)
            return node.next, None
        if isinstance(node, QuestionNode):
            self.add_entries(node_id, [], additions, None)
            return (node.on_yes if self.decide(node_id, node, via) else node.on_no), via
        if isinstance(node, LeafNode):
            self.reach(node_id, node.outcome)
            self.chain.append(node)
            index = len(self.chain) - 1
            entries = [_Entry(n, "map", node.why, node_id, index) for n in node.estimators]
            self.add_entries(node_id, entries, additions, index)
            return node.not_working, node_id
        if isinstance(node, AdviceNode):
            self.reach(node_id, node.outcome)
            self.notes.append(f"map: {node.advice}")
            self.add_entries(node_id, [], additions, None)
        return None, None

    def reach(self, node_id: str, outcome: str) -> None:
        if not self.leaf:
            self.leaf, self.outcome = node_id, outcome

    # -- questions

    def decide(self, node_id: str, node: QuestionNode, via: str | None) -> bool:
        names = condition_facts(node.when)
        result, assumed = evaluate(node.when, self.facts), False
        notes = [
            f"your answer (--answer {n.replace('_', '-')}={yes_no(self.answered[n])})"
            for n in names
            if n in self.answered
        ]
        if via:
            notes.append(f"reached through the map's 'not working' arrow from '{via}'")
        if result is None:
            result, reason = self.assume(node)
            assumed = True
            self.assumptions.append(
                f"{', '.join(names)}: assumed {yes_no(result)} because {reason}"
            )
            notes.append(f"assumed: {reason}")
        value = shown_value(names, self.facts)
        self.trace.append(
            TraceStep(
                node_id,
                node.question,
                ", ".join(names),
                value,
                yes_no(result),
                "map",
                assumed,
                "; ".join(notes) or None,
            )
        )
        return result

    def assume(self, node: QuestionNode) -> tuple[bool, str]:
        """The answer when the fact is unknown, from the node's evidence or its default."""
        rule = node.if_unknown
        if rule is None:
            return False, "its value is unknown and the rule gives no default"
        if rule.evidence is not None:
            found = evaluate(rule.evidence, self.facts)
            if found is not None:
                return found, self.evidence_reason(rule, found)
        return rule.assume, rule.because

    def evidence_reason(self, rule: IfUnknown, found: bool) -> str:
        assert rule.evidence is not None
        names = condition_facts(rule.evidence)
        value = self.facts.get(names[0]) if len(names) == 1 else None
        text = (rule.evidence_yes if found else rule.evidence_no) or rule.because
        suffix = f" ({names[0]}={_fmt(value)})" if value is not None else ""
        return _fill(text, value) + suffix

    # -- additions

    def additions_at(self, node_id: str) -> list[Addition]:
        """Additions attached here that were not applied yet and whose condition holds."""
        chosen = []
        for add in self.rules.additions.additions:
            if node_id in add.attach_to and add.id not in self.applied:
                self.applied.add(add.id)
                if self.addition_holds(add):
                    chosen.append(add)
        return chosen

    def addition_holds(self, add: Addition) -> bool:
        if add.when is None:
            return True
        names = condition_facts(add.when)
        result = evaluate(add.when, self.facts)
        note = None
        if result is None:
            note = "a fact it reads is unknown, so the advisor's rule is skipped"
            self.assumptions.append(
                f"{', '.join(names)}: unknown, so the advisor's rule '{add.id}' was skipped"
            )
        self.trace.append(
            TraceStep(
                add.id,
                add.question or add.id,
                ", ".join(names),
                shown_value(names, self.facts),
                yes_no(bool(result)),
                "advisor",
                result is None,
                note,
            )
        )
        return bool(result)

    def add_entries(
        self,
        node_id: str,
        entries: list[_Entry],
        additions: list[Addition],
        chain_index: int | None,
    ) -> None:
        """Merge the map's estimators at a node with the additions attached to it, in try order."""
        for add in additions:
            if add.note:
                self.notes.append(f"advisor: {add.note}")
            extra = [_Entry(n, "advisor", add.why, node_id, chain_index) for n in add.estimators]
            names = [e.name for e in entries]
            at = names.index(add.before) if add.before in names else len(entries)
            entries[at:at] = extra
        known = {e.name for e in self.entries}
        for entry in entries:
            if entry.name not in known:
                known.add(entry.name)
                self.entries.append(entry)


def _try_next(walk: _Walk, entry: _Entry) -> list[str]:
    """Map estimators reachable from this candidate's leaf by the map's 'not working' arrows."""
    if entry.chain_index is None:
        return []
    names: list[str] = []
    for leaf in walk.chain[entry.chain_index + 1 :]:
        names += [n for n in leaf.estimators if n not in names]
    return names


def _candidate(
    walk: _Walk, entry: _Entry, findings: list[Finding], columns: Mapping[str, str]
) -> CandidateAdvice:
    info = CATALOG[entry.name]
    steps = prepare(walk.rules.preparation, info, walk.facts, findings, columns)
    return CandidateAdvice(
        name=entry.name,
        origin=entry.origin,
        why=entry.why,
        try_next=_try_next(walk, entry),
        interpretability=info.interpretability,
        interpretability_reason=info.interpretability_reason,
        partial_fit=info.partial_fit,
        predict_proba=info.predict_proba,
        family=info.family,
        cost=info.cost,
        node_id=entry.node_id,
        preparation=steps,
    )


def advise(
    ruleset: RuleSet,
    facts: Mapping[str, Any],
    findings: Sequence[Any],
    columns: Mapping[str, str],
    answers: Mapping[str, str] | None = None,
) -> Advice:
    """Walk the rules for one profile: the trace, the path, and the candidates in try order.

    ``facts`` uses the keys of advisor.profile.facts.FACTS (missing keys count
    as unknown); ``findings`` are objects with ``.code`` and ``.columns``;
    ``columns`` maps each feature column to its kind; ``answers`` are the
    user's ``--answer`` pairs, which override the facts they name.
    """
    answered = parse_answers(answers)
    known = {name: plain(facts.get(name)) for name in FACTS}
    walk = _Walk(ruleset, {**known, **answered}, answered)
    walk.run()
    found = normalize_findings(findings)
    candidates = [_candidate(walk, e, found, columns) for e in walk.entries]
    return Advice(
        trace=walk.trace,
        path=walk.path,
        leaf=walk.leaf,
        outcome=walk.outcome,
        candidates=candidates,
        assumptions=walk.assumptions,
        notes=walk.notes + coverage_notes(ruleset.preparation, candidates, found),
        rules_source=ruleset.source,
    )
