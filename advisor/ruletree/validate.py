"""Validate rule files and load them into a :class:`RuleSet`, reporting every problem at once.

Structure (keys, types, choices) is checked by ``convert.py`` from the model;
this module adds the checks that need the whole picture: facts and their
types, estimator names, node references, reachability and cycles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.catalog import CAPABILITIES, CATALOG, FAMILIES
from advisor.errors import RulesError, did_you_mean
from advisor.profile.facts import FACTS
from advisor.ruletree.convert import Converter, kind_of
from advisor.ruletree.load import Document, KeyPath, default_rules_dir, read_document
from advisor.ruletree.model import (
    COLUMN_KINDS,
    FINDING_CODES,
    OUTCOMES,
    RULE_FILES,
    AdditionsFile,
    AdviceNode,
    Condition,
    Flowchart,
    LeafNode,
    PreparationFile,
    Problem,
    QuestionNode,
    RuleSet,
    StartNode,
)

ORDERED_OPS = ("lt", "le", "gt", "ge")
OPS_BY_TYPE = {
    "int": ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null", "not_null"),
    "float": ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null", "not_null"),
    "bool": ("eq", "ne", "is_null", "not_null"),
    "str": ("eq", "ne", "in", "not_in", "is_null", "not_null"),
}
OUTCOME_TASKS = {
    "classification": {"binary", "multiclass"},
    "regression": {"regression"},
    "clustering": {"clustering"},
    "dimensionality reduction": {"dimensionality_reduction"},
}
TYPE_NAMES = {"int": "an integer", "float": "a number", "bool": "a boolean", "str": "a string"}
DOTTED_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def format_path(path: KeyPath) -> str:
    """``("nodes", "x", "estimators", 0)`` -> ``nodes.x.estimators[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class FileChecker:
    """Collects the problems of one rule file, each with its line."""

    file: str
    doc: Document
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: KeyPath, message: str, hint: str = "") -> None:
        line = self.doc.line_of(path)
        self.problems.append(Problem(self.file, line, format_path(path), message, hint.strip()))

    def name(self, path: KeyPath, what: str, name: str, known: Sequence[str]) -> bool:
        """Report ``name`` when it is not in ``known``; True when it is fine (or already reported)."""
        if name is None or name in known:
            return True
        self.add(path, f"unknown {what} '{name}'", did_you_mean(name, list(known)))
        return False

    def names(self, path: KeyPath, what: str, names: Iterable[str], known: Sequence[str]) -> None:
        for i, name in enumerate(names):
            self.name((*path, i), what, name, known)


# ---------------------------------------------------------------- conditions


def check_condition(c: FileChecker, cond: Condition, path: KeyPath) -> None:
    """A condition has exactly one form, names a real fact, and compares like with like."""
    forms = [
        k
        for k, v in (("fact", cond.fact), ("all", cond.all), ("any", cond.any), ("not", cond.not_))
        if v is not None
    ]
    if len(forms) != 1:
        got = ", ".join(forms) or "none of them"
        c.add(path, f"a condition needs exactly one of 'fact', 'all', 'any', 'not'; got {got}")
        return
    for key, subs in (("all", cond.all), ("any", cond.any)):
        if subs is not None:
            if not subs:
                c.add((*path, key), f"'{key}' needs at least one condition")
            for i, sub in enumerate(subs):
                if sub is not None:
                    check_condition(c, sub, (*path, key, i))
    if cond.not_ is not None:
        check_condition(c, cond.not_, (*path, "not"))
    if cond.fact is not None:
        check_fact_test(c, cond, path)


def check_fact_test(c: FileChecker, cond: Condition, path: KeyPath) -> None:
    assert cond.fact is not None
    if not c.name((*path, "fact"), "fact", cond.fact, list(FACTS)):
        return
    if cond.op is None:
        c.add(
            path,
            f"the test on fact '{cond.fact}' needs an 'op' (one of {', '.join(OPS_BY_TYPE['int'])})",
        )
        return
    spec = FACTS[cond.fact]
    if cond.op not in OPS_BY_TYPE[spec.type]:
        allowed = ", ".join(OPS_BY_TYPE[spec.type])
        c.add(
            (*path, "op"),
            f"op '{cond.op}' cannot be used on the {spec.type} fact '{cond.fact}' (allowed: {allowed})",
        )
        return
    check_value(c, cond, path)


def check_value(c: FileChecker, cond: Condition, path: KeyPath) -> None:
    assert cond.fact is not None
    spec, vpath = FACTS[cond.fact], (*path, "value")
    if cond.op in ("is_null", "not_null"):
        if cond.value is not None:
            c.add(vpath, f"op '{cond.op}' takes no 'value'")
        return
    if cond.op in ("in", "not_in"):
        if not isinstance(cond.value, list) or not cond.value:
            c.add(vpath, f"op '{cond.op}' needs a non-empty list as 'value'")
            return
        for i, item in enumerate(cond.value):
            check_scalar(c, spec.name, item, (*vpath, i))
        return
    if cond.value is None:
        c.add(path, f"op '{cond.op}' needs a 'value' (use is_null / not_null to test for null)")
    elif isinstance(cond.value, list):
        c.add(vpath, f"op '{cond.op}' compares with one value, not a list (use 'in' for a list)")
    else:
        check_scalar(c, spec.name, cond.value, vpath)


def check_scalar(c: FileChecker, fact: str, value: Any, path: KeyPath) -> None:
    spec = FACTS[fact]
    fits = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str": isinstance(value, str),
    }[spec.type]
    if not fits:
        c.add(
            path,
            f"fact '{fact}' is {TYPE_NAMES[spec.type]}, but the value {value!r} is {kind_of(value)}",
        )
    elif spec.choices and value not in spec.choices:
        hint = did_you_mean(str(value), list(spec.choices))
        c.add(
            path,
            f"{value!r} is not a possible value of '{fact}' (one of {', '.join(spec.choices)})",
            hint,
        )


# ---------------------------------------------------------------- flowchart


def edges(node: Any) -> list[tuple[str, str]]:
    """Outgoing edges of a node as (key, target id)."""
    if isinstance(node, StartNode):
        return [("next", node.next)]
    if isinstance(node, QuestionNode):
        return [("on_yes", node.on_yes), ("on_no", node.on_no)]
    if isinstance(node, LeafNode) and node.not_working:
        return [("not_working", node.not_working)]
    return []


def check_flowchart(c: FileChecker, chart: Flowchart) -> None:
    nodes = {k: v for k, v in chart.nodes.items() if v is not None}
    if chart.start not in chart.nodes:
        c.add(
            ("start",),
            f"start node '{chart.start}' is not among the nodes",
            did_you_mean(chart.start, list(chart.nodes)),
        )
    elif not isinstance(chart.nodes[chart.start], StartNode):
        c.add(("start",), f"start node '{chart.start}' must have kind 'start'")
    for node_id, node in nodes.items():
        check_node(c, chart, node_id, node)
    well_formed = len(nodes) == len(chart.nodes)  # graph checks need every node's edges
    if (
        well_formed
        and chart.start in nodes
        and all(t in nodes for n in nodes.values() for _, t in edges(n))
    ):
        check_reachable(c, chart.start, nodes)
        check_cycles(c, chart.start, nodes)


def check_node(c: FileChecker, chart: Flowchart, node_id: str, node: Any) -> None:
    path: KeyPath = ("nodes", node_id)
    for key, target in edges(node):
        if c.name((*path, key), "node id", target, list(chart.nodes)) and isinstance(
            chart.nodes[target], StartNode
        ):
            c.add((*path, key), f"an edge cannot lead back to the start node '{target}'")
    if isinstance(node, StartNode) and node_id != chart.start:
        c.add((*path, "kind"), f"only the start node ('{chart.start}') may have kind 'start'")
    if isinstance(node, QuestionNode):
        check_condition(c, node.when, (*path, "when"))
        if node.if_unknown is not None and node.if_unknown.evidence is not None:
            check_condition(c, node.if_unknown.evidence, (*path, "if_unknown", "evidence"))
    if isinstance(node, (LeafNode, AdviceNode)):
        c.name((*path, "outcome"), "outcome", node.outcome, OUTCOMES)
    if isinstance(node, LeafNode):
        check_leaf(c, node, path)


def check_leaf(c: FileChecker, leaf: LeafNode, path: KeyPath) -> None:
    if not leaf.estimators:
        c.add(
            (*path, "estimators"),
            "a leaf needs at least one estimator; use kind 'advice' for a leaf that recommends none ('get more data', 'tough luck')",
        )
    tasks = OUTCOME_TASKS.get(leaf.outcome)
    for i, name in enumerate(leaf.estimators):
        if (
            c.name((*path, "estimators", i), "estimator", name, list(CATALOG))
            and tasks
            and not tasks & set(CATALOG[name].tasks)
        ):
            c.add(
                (*path, "estimators", i),
                f"estimator '{name}' does not do {leaf.outcome} (it does {', '.join(CATALOG[name].tasks)})",
            )


def check_reachable(c: FileChecker, start: str, nodes: dict[str, Any]) -> None:
    seen, todo = {start}, [start]
    while todo:
        for _, target in edges(nodes[todo.pop()]):
            if target in nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    for node_id in nodes:
        if node_id not in seen:
            c.add(
                ("nodes", node_id),
                f"node '{node_id}' cannot be reached from the start node '{start}'",
            )


def check_cycles(c: FileChecker, start: str, nodes: dict[str, Any]) -> None:
    """Depth-first search; a back edge closes a cycle, reported once with its nodes."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done

    def visit(node_id: str, stack: list[str]) -> None:
        state[node_id] = 1
        for key, target in edges(nodes[node_id]):
            if target not in nodes:
                continue
            if state.get(target) == 1:
                loop = [*stack[stack.index(target) :], node_id, target]
                c.add(
                    ("nodes", node_id, key),
                    f"cycle: {' -> '.join(loop)}; the rule tree must not loop",
                )
            elif target not in state:
                visit(target, [*stack, node_id])
        state[node_id] = 2

    for node_id in [start, *nodes]:
        if node_id not in state:
            visit(node_id, [])


# ---------------------------------------------------------------- additions and preparation


def check_additions(c: FileChecker, additions: AdditionsFile, chart: Flowchart | None) -> None:
    seen: set[str] = set()
    for i, add in enumerate(a for a in additions.additions):
        if add is None:
            continue
        path: KeyPath = ("additions", i)
        if add.id in seen:
            c.add((*path, "id"), f"duplicate addition id '{add.id}'")
        seen.add(add.id)
        if chart is not None:
            c.names((*path, "attach_to"), "node id", add.attach_to, list(chart.nodes))
        c.names((*path, "estimators"), "estimator", add.estimators, list(CATALOG))
        if not add.estimators and not add.note:
            c.add(path, f"addition '{add.id}' needs 'estimators' or a 'note'")
        if add.when is not None:
            check_condition(c, add.when, (*path, "when"))
            if not add.question:
                c.add(
                    path,
                    f"addition '{add.id}' has a 'when' condition, so it needs a 'question' for the trace",
                )
        if add.before is not None and chart is not None:
            check_before(c, add.before, add.attach_to, chart, (*path, "before"))


def check_before(
    c: FileChecker, before: str, attach_to: list[str], chart: Flowchart, path: KeyPath
) -> None:
    leaves = [chart.nodes.get(n) for n in attach_to]
    named = [e for leaf in leaves if isinstance(leaf, LeafNode) for e in leaf.estimators]
    c.name(path, "estimator for 'before' (it must be named by an attached leaf)", before, named)


def check_preparation(c: FileChecker, prep: PreparationFile) -> None:
    seen: set[str] = set()
    for i, step in enumerate(prep.steps):
        if step is None:
            continue
        path: KeyPath = ("steps", i)
        if step.id in seen:
            c.add((*path, "id"), f"duplicate step id '{step.id}'")
        seen.add(step.id)
        if not DOTTED_PATH.match(step.component):
            c.add(
                (*path, "component"),
                f"component must be an import path such as 'sklearn.preprocessing.StandardScaler'; got {step.component!r}",
            )
        c.names((*path, "kinds"), "column kind", step.kinds, COLUMN_KINDS)
        c.names((*path, "findings"), "finding code", step.findings, FINDING_CODES)
        c.names((*path, "exclude_findings"), "finding code", step.exclude_findings, FINDING_CODES)
        c.names((*path, "families"), "estimator family", step.families, FAMILIES)
        c.names((*path, "exclude_families"), "estimator family", step.exclude_families, FAMILIES)
        for flag in step.estimator_has:
            c.name((*path, "estimator_has", flag), "estimator capability", flag, CAPABILITIES)
        if step.scope == "columns" and not (step.kinds or step.findings):
            c.add(
                path,
                f"step '{step.id}' has scope 'columns' but selects none: give 'kinds' or 'findings'",
            )
        if step.when is not None:
            check_condition(c, step.when, (*path, "when"))


# ---------------------------------------------------------------- files and directories


def parse_file(path: Path, cls: type) -> tuple[Any, FileChecker]:
    """Read one rule file and convert it to its model class, collecting problems."""
    checker = FileChecker(str(path), read_document(path))
    for line, key_path, message in checker.doc.errors:
        checker.problems.append(Problem(checker.file, line, format_path(key_path), message))
    if checker.doc.data is None:
        if not checker.doc.errors:
            checker.add((), "the file is empty")
        return None, checker
    value = Converter(checker.add).convert(cls, checker.doc.data, ())
    return value, checker


def resolve_dir(path: str | Path | None) -> tuple[Path, str]:
    if path is None:
        return default_rules_dir(), "built-in"
    return Path(path), str(path)


def read_rules(path: str | Path | None) -> tuple[RuleSet | None, list[Problem]]:
    """Parse and check every rule file of a directory; a RuleSet only when there is no problem.

    A user directory must hold flowchart.yaml. Without additions.yaml it has no
    additions (they name nodes of a flowchart); without preparation.yaml the
    built-in preparation rules apply (they do not depend on the flowchart).
    """
    directory, source = resolve_dir(path)
    if not directory.is_dir():
        what = "is a file; give the folder that holds flowchart.yaml" if directory.exists() else \
            "the folder does not exist; give the folder that holds flowchart.yaml"
        return None, [Problem(str(directory), None, "", what)]
    files = {name: directory / name for name in RULE_FILES}
    if not files["flowchart.yaml"].exists():
        return None, [Problem(str(files["flowchart.yaml"]), None, "", f"the file is missing, and a rules folder "
                              f"needs it; start from a copy of the built-in folder, {default_rules_dir()}")]
    if not files["preparation.yaml"].exists():
        files["preparation.yaml"] = default_rules_dir() / "preparation.yaml"
    parsed: dict[str, Any] = {}
    checkers: list[FileChecker] = []
    for name, cls in RULE_FILES.items():
        if name == "additions.yaml" and not files[name].exists():
            parsed[name] = AdditionsFile(version=1, additions=[])
            continue
        parsed[name], checker = parse_file(files[name], cls)
        checkers.append(checker)
    check_semantics(parsed, {c.file: c for c in checkers}, files)
    problems = [p for c in checkers for p in c.problems]
    if problems:
        return None, problems
    ruleset = RuleSet(
        parsed["flowchart.yaml"],
        parsed["additions.yaml"],
        parsed["preparation.yaml"],
        source,
        str(directory),
    )
    return ruleset, []


def check_semantics(
    parsed: dict[str, Any], checkers: dict[str, FileChecker], files: dict[str, Path]
) -> None:
    chart = parsed["flowchart.yaml"]
    if chart is not None:
        check_flowchart(checkers[str(files["flowchart.yaml"])], chart)
    adds = parsed["additions.yaml"]
    if adds is not None and str(files["additions.yaml"]) in checkers:
        check_additions(checkers[str(files["additions.yaml"])], adds, chart)
    if parsed["preparation.yaml"] is not None:
        check_preparation(checkers[str(files["preparation.yaml"])], parsed["preparation.yaml"])


def check_rules(path: str | Path | None = None) -> list[Problem]:
    """Every problem in the rule files of ``path`` (the built-in rules when None)."""
    return read_rules(path)[1]


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The validated rules of ``path`` (built-in when None); RulesError lists every problem."""
    ruleset, problems = read_rules(path)
    if ruleset is None:
        source = resolve_dir(path)[1]
        raise RulesError([str(p) for p in problems], f"rules ({source})")
    return ruleset
