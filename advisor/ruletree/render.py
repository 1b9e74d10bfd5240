"""Show a rule set as a plain-text tree (``advisor rules show``) or a Mermaid flowchart.

Both views keep the map and the advisor's additions apart: additions are
prefixed ``advisor`` in text and drawn as dashed, separately styled nodes in
Mermaid.
"""

from __future__ import annotations

import itertools
import re

from advisor.ruletree.model import (
    Addition,
    AdviceNode,
    Condition,
    LeafNode,
    Node,
    PrepRule,
    QuestionNode,
    RuleSet,
    StartNode,
)
from advisor.ruletree.validate import edges

SYMBOLS = {
    "eq": "=",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "in": "in",
    "not_in": "not in",
}
MERMAID_RESERVED = {
    "end",
    "default",
    "graph",
    "subgraph",
    "class",
    "classDef",
    "click",
    "style",
    "linkStyle",
    "direction",
    "flowchart",
}


def describe_condition(cond: Condition) -> str:
    """A condition as a reader would write it: ``n_samples < 100000``."""
    if cond.all is not None:
        return "(" + " and ".join(describe_condition(c) for c in cond.all) + ")"
    if cond.any is not None:
        return "(" + " or ".join(describe_condition(c) for c in cond.any) + ")"
    if cond.not_ is not None:
        return f"not {describe_condition(cond.not_)}"
    if cond.op in ("is_null", "not_null"):
        return f"{cond.fact} is {'null' if cond.op == 'is_null' else 'not null'}"
    return f"{cond.fact} {SYMBOLS.get(cond.op or '', cond.op)} {_value(cond.value)}"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


# ---------------------------------------------------------------- text


def _title(node_id: str, node: Node) -> str:
    if isinstance(node, QuestionNode):
        return f"{node.question}  [{node_id}]  ({describe_condition(node.when)})"
    if isinstance(node, LeafNode):
        return f"{node.label}  [{node_id}]  -> {', '.join(node.estimators)}"
    if isinstance(node, AdviceNode):
        return f"{node.label}  [{node_id}]  (no estimator: {node.outcome})"
    return f"{node.label}  [{node_id}]"


def _addition_line(add: Addition) -> str:
    what = ", ".join(add.estimators) if add.estimators else "note"
    when = f" when {describe_condition(add.when)}" if add.when is not None else ""
    return f"+ advisor: {what}  [{add.id}]{when}"


class _TextTree:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.lines: list[str] = []
        self.seen: set[str] = set()

    def node(self, node_id: str, prefix: str, lead: str) -> None:
        node = self.rules.flowchart.nodes[node_id]
        if node_id in self.seen:
            self.lines.append(f"{lead}(see {node_id} above)")
            return
        self.seen.add(node_id)
        self.lines.append(lead + _title(node_id, node))
        children = [(label, target) for label, target in self._labelled_edges(node)]
        extras = [a for a in self.rules.additions.additions if node_id in a.attach_to]
        for add in extras:
            joint = "|-- " if children or add is not extras[-1] else "`-- "
            self.lines.append(prefix + joint + _addition_line(add))
        for i, (label, target) in enumerate(children):
            last = i == len(children) - 1
            self.node(
                target,
                prefix + ("    " if last else "|   "),
                prefix + ("`-- " if last else "|-- ") + label,
            )

    @staticmethod
    def _labelled_edges(node: Node) -> list[tuple[str, str]]:
        names = {"next": "", "on_yes": "yes: ", "on_no": "no: ", "not_working": "not working: "}
        return [(names[key], target) for key, target in edges(node)]


def render_text(ruleset: RuleSet) -> str:
    """The whole rule set as an indented tree, then the preparation steps."""
    chart = ruleset.flowchart
    tree = _TextTree(ruleset)
    head = [
        f"scikit-learn's estimator map ({chart.source}); rules: {ruleset.source}",
        "Lines starting with '+ advisor' are the advisor's additions, not part of the map.",
        "",
    ]
    tree.node(chart.start, "", "")
    prep = ["", "Preparation steps (advisor):"]
    for step in ruleset.preparation.steps:
        prep.append(f"- {step.id}: {step.component} ({_selection(step)})")
    return "\n".join(head + tree.lines + prep) + "\n"


def _selection(step: PrepRule) -> str:
    parts = [
        f"{key} {', '.join(values)}"
        for key, values in (
            ("kinds", step.kinds),
            ("findings", step.findings),
            ("except findings", step.exclude_findings),
            ("families", step.families),
            ("except families", step.exclude_families),
        )
        if values
    ]
    parts += [f"{flag}={str(wanted).lower()}" for flag, wanted in step.estimator_has.items()]
    if step.when is not None:
        parts.append(f"when {describe_condition(step.when)}")
    return f"{step.scope}: " + "; ".join(parts)


# ---------------------------------------------------------------- mermaid


def mermaid_id(node_id: str) -> str:
    safe = re.sub(r"\W", "_", node_id)
    return f"n_{safe}" if safe in MERMAID_RESERVED or safe[:1].isdigit() else safe


def mermaid_text(text: str) -> str:
    """Escape a label for a quoted Mermaid string."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def _shape(node_id: str, node: Node) -> str:
    mid = mermaid_id(node_id)
    if isinstance(node, StartNode):
        return f'{mid}(["{mermaid_text(node.label)}"])'
    if isinstance(node, QuestionNode):
        return f'{mid}{{"{mermaid_text(node.question)}"}}'
    if isinstance(node, LeafNode):
        return f'{mid}["{mermaid_text(node.label)}"]'
    return f'{mid}(["{mermaid_text(node.label)}"])'  # advice


def render_mermaid(ruleset: RuleSet, path: list[str] | None = None) -> str:
    """A Mermaid flowchart of the map plus additions; nodes and edges on ``path`` highlighted."""
    nodes = ruleset.flowchart.nodes
    lines = ["flowchart TD"]
    lines += [f"    {_shape(node_id, node)}" for node_id, node in nodes.items()]
    links: list[tuple[str, str]] = []
    for node_id, node in nodes.items():
        for key, target in edges(node):
            arrow = {
                "on_yes": "-->|yes|",
                "on_no": "-->|no|",
                "not_working": "-.->|not working|",
            }.get(key, "-->")
            lines.append(f"    {mermaid_id(node_id)} {arrow} {mermaid_id(target)}")
            links.append((node_id, target))
    for add in ruleset.additions.additions:
        what = ", ".join(add.estimators) if add.estimators else f"note ({add.id})"
        lines.append(f'    {mermaid_id("advisor_" + add.id)}[/"advisor: {mermaid_text(what)}"/]')
        for target in add.attach_to:
            lines.append(f"    {mermaid_id(target)} -.-|advisor| {mermaid_id('advisor_' + add.id)}")
            links.append((target, "advisor_" + add.id))
    lines += _styles(ruleset, path or [], links)
    return "\n".join(lines) + "\n"


def _styles(ruleset: RuleSet, path: list[str], links: list[tuple[str, str]]) -> list[str]:
    out = [
        "    classDef advice fill:#f3f4f6,stroke:#6b7280;",
        "    classDef advisor fill:#eef2ff,stroke:#4f46e5,stroke-dasharray:4 3;",
        "    classDef onpath fill:#fef3c7,stroke:#b45309,stroke-width:3px;",
    ]
    advice = [
        mermaid_id(i) for i, n in ruleset.flowchart.nodes.items() if isinstance(n, AdviceNode)
    ]
    if advice:
        out.append(f"    class {','.join(advice)} advice;")
    if ruleset.additions.additions:
        out.append(
            f"    class {','.join(mermaid_id('advisor_' + a.id) for a in ruleset.additions.additions)} advisor;"
        )
    on_path = [mermaid_id(n) for n in path if n in ruleset.flowchart.nodes]
    if on_path:
        out.append(f"    class {','.join(on_path)} onpath;")
    pairs = set(itertools.pairwise(path))
    out += [
        f"    linkStyle {i} stroke:#b45309,stroke-width:3px;"
        for i, link in enumerate(links)
        if link in pairs
    ]
    return out
