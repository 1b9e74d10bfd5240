"""Validation of rule files: each kind of mistake is reported with file, line, key path and hint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.errors import RulesError
from advisor.ruletree import Problem, check_rules, default_rules_dir, load_rules

SHIPPED = default_rules_dir()


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(SHIPPED, target)
    return target


def edit(directory: Path, name: str, old: str, new: str) -> None:
    """Replace text that must occur exactly once, so a test cannot silently stop testing."""
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(directory: Path, name: str, needle: str) -> int:
    lines = (directory / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def broken(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, list[Problem]]:
    directory = copy_rules(tmp_path)
    edit(directory, name, old, new)
    return directory, check_rules(directory)


def test_shipped_rules_validate():
    assert check_rules(None) == []
    ruleset = load_rules(None)
    assert ruleset.source == "built-in"
    assert Path(ruleset.directory) == SHIPPED


def test_a_copy_of_the_shipped_rules_validates(tmp_path):
    directory = copy_rules(tmp_path)
    assert check_rules(directory) == []
    assert load_rules(directory).source == str(directory)


# ---------------------------------------------------------------- structure


def test_unknown_key_with_hint_file_line_and_key_path(tmp_path):
    directory, problems = broken(
        tmp_path, "flowchart.yaml", "    question: text data?\n", "    questoin: text data?\n"
    )
    keys = {p.message for p in problems}
    assert (
        "unknown key 'questoin' (allowed: kind, question, when, on_yes, on_no, if_unknown)" in keys
    )
    unknown = next(p for p in problems if p.message.startswith("unknown key"))
    assert unknown.file == str(directory / "flowchart.yaml")
    assert unknown.line == line_of(directory, "flowchart.yaml", "questoin: text data?")
    assert unknown.key_path == "nodes.text_data.questoin"
    assert unknown.hint == "Did you mean 'question'?"
    assert any(
        p.message == "missing required key 'question'" and p.key_path == "nodes.text_data"
        for p in problems
    )


def test_problem_str_is_one_readable_line(tmp_path):
    directory, problems = broken(
        tmp_path, "flowchart.yaml", "    question: text data?\n", "    questoin: text data?\n"
    )
    text = str(next(p for p in problems if p.message.startswith("unknown key")))
    line = line_of(directory, "flowchart.yaml", "questoin")
    assert text.startswith(
        f"{directory / 'flowchart.yaml'}:{line}: nodes.text_data.questoin: unknown key 'questoin'"
    )
    assert text.endswith("Did you mean 'question'?")


def test_unknown_node_kind(tmp_path):
    _, problems = broken(
        tmp_path, "flowchart.yaml", "  kmeans:\n    kind: leaf\n", "  kmeans:\n    kind: leafs\n"
    )
    kind = next(p for p in problems if p.key_path == "nodes.kmeans.kind")
    assert kind.message == "'kind' must be one of start, question, leaf, advice; got 'leafs'"
    assert kind.hint == "Did you mean 'leaf'?"


def test_wrong_type_for_a_key(tmp_path):
    _, problems = broken(
        tmp_path, "flowchart.yaml", "    estimators: [KMeans]\n", "    estimators: KMeans\n"
    )
    p = next(p for p in problems if p.key_path == "nodes.kmeans.estimators")
    assert p.message == "expected a list, got a string 'KMeans'"


def test_duplicate_yaml_key(tmp_path):
    directory, problems = broken(
        tmp_path, "flowchart.yaml", "    label: KMeans\n", "    label: KMeans\n    label: K-Means\n"
    )
    p = next(p for p in problems if "duplicate" in p.message)
    assert p.message == "duplicate key 'label'"
    assert p.key_path == "nodes.kmeans.label"
    assert p.line == line_of(directory, "flowchart.yaml", "label: K-Means")


def test_yaml_syntax_error_has_a_line(tmp_path):
    directory, problems = broken(
        tmp_path, "flowchart.yaml", "    label: KMeans\n", "    label: [KMeans\n"
    )
    p = only(problems)
    assert p.message.startswith("not valid YAML")
    assert p.line is not None and p.line >= line_of(directory, "flowchart.yaml", "label: [KMeans")


def test_empty_file(tmp_path):
    directory = copy_rules(tmp_path)
    (directory / "additions.yaml").write_text("# nothing\n", encoding="utf-8")
    assert only(check_rules(directory)).message == "the file is empty"


def test_missing_directory(tmp_path):
    p = only(check_rules(tmp_path / "nope"))
    assert p.message == "the folder does not exist; give the folder that holds flowchart.yaml"
    (tmp_path / "a.yaml").write_text("x: 1\n")
    assert only(check_rules(tmp_path / "a.yaml")).message == "is a file; give the folder that holds flowchart.yaml"


# ---------------------------------------------------------------- conditions


def test_unknown_fact_with_hint(tmp_path):
    directory, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "{fact: n_samples, op: gt, value: 50}",
        "{fact: n_sample, op: gt, value: 50}",
    )
    p = only(problems)
    assert (p.key_path, p.message, p.hint) == (
        "nodes.enough_samples.when.fact",
        "unknown fact 'n_sample'",
        "Did you mean 'n_samples'?",
    )
    assert p.line == line_of(directory, "flowchart.yaml", "n_sample,")


def test_unknown_op(tmp_path):
    _, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "{fact: n_samples, op: gt, value: 50}",
        "{fact: n_samples, op: gtt, value: 50}",
    )
    p = only(problems)
    assert p.key_path == "nodes.enough_samples.when.op"
    assert p.message.startswith(
        "must be one of eq, ne, lt, le, gt, ge, in, not_in, is_null, not_null; got 'gtt'"
    )
    assert p.hint == "Did you mean 'gt'?"


def test_bool_fact_compared_with_a_number(tmp_path):
    _, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "{fact: has_target, op: eq, value: true}",
        "{fact: has_target, op: eq, value: 1}",
    )
    p = only(problems)
    assert p.key_path == "nodes.labeled_data.when.value"
    assert p.message == "fact 'has_target' is a boolean, but the value 1 is an integer"


def test_ordering_op_on_a_bool_fact(tmp_path):
    _, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "{fact: has_target, op: eq, value: true}",
        "{fact: has_target, op: gt, value: true}",
    )
    assert only(problems).message == (
        "op 'gt' cannot be used on the bool fact 'has_target' (allowed: eq, ne, is_null, not_null)"
    )


def test_ordering_op_on_a_str_fact(tmp_path):
    _, problems = broken(
        tmp_path,
        "preparation.yaml",
        "{fact: task, op: eq, value: regression}",
        "{fact: task, op: lt, value: regression}",
    )
    p = only(problems)
    assert p.key_path == "steps[13].when.op"
    assert p.message.startswith("op 'lt' cannot be used on the str fact 'task'")


def test_value_not_among_the_fact_choices(tmp_path):
    _, problems = broken(
        tmp_path,
        "preparation.yaml",
        "{fact: task, op: eq, value: regression}",
        "{fact: task, op: eq, value: regresion}",
    )
    p = only(problems)
    assert p.message.startswith("'regresion' is not a possible value of 'task'")
    assert p.hint == "Did you mean 'regression'?"


def test_number_fact_compared_with_a_string(tmp_path):
    _, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "{fact: n_samples, op: gt, value: 50}",
        "{fact: n_samples, op: gt, value: fifty}",
    )
    assert (
        only(problems).message
        == "fact 'n_samples' is an integer, but the value 'fifty' is a string"
    )


def test_in_needs_a_list_and_null_tests_take_no_value(tmp_path):
    directory = copy_rules(tmp_path)
    edit(
        directory,
        "preparation.yaml",
        "value: [clustering, dimensionality_reduction]",
        "value: clustering",
    )
    edit(
        directory,
        "flowchart.yaml",
        "{fact: n_clusters, op: not_null}",
        "{fact: n_clusters, op: not_null, value: 3}",
    )
    messages = {(p.key_path, p.message) for p in check_rules(directory)}
    assert ("steps[7].when.value", "op 'in' needs a non-empty list as 'value'") in messages
    assert (
        "nodes.n_categories_known.if_unknown.evidence.value",
        "op 'not_null' takes no 'value'",
    ) in messages


def test_condition_with_two_forms(tmp_path):
    _, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "{fact: n_samples, op: gt, value: 50}",
        "{fact: n_samples, op: gt, value: 50, not: {fact: n_rows, op: lt, value: 3}}",
    )
    assert (
        only(problems).message
        == "a condition needs exactly one of 'fact', 'all', 'any', 'not'; got fact, not"
    )


def test_comparison_without_a_value(tmp_path):
    _, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "{fact: n_samples, op: gt, value: 50}",
        "{fact: n_samples, op: gt}",
    )
    assert (
        only(problems).message
        == "op 'gt' needs a 'value' (use is_null / not_null to test for null)"
    )


# ---------------------------------------------------------------- the graph


def test_unknown_node_id_in_an_edge(tmp_path):
    _, problems = broken(
        tmp_path,
        "flowchart.yaml",
        "    not_working: spectral_clustering_gmm\n",
        "    not_working: spectral_clustering_gm\n",
    )
    p = only(problems)
    assert (p.key_path, p.message, p.hint) == (
        "nodes.kmeans.not_working",
        "unknown node id 'spectral_clustering_gm'",
        "Did you mean 'spectral_clustering_gmm'?",
    )


def test_unreachable_node(tmp_path):
    directory, problems = broken(
        tmp_path, "flowchart.yaml", "    not_working: spectral_clustering_gmm\n", ""
    )
    p = only(problems)
    assert (p.key_path, p.message) == (
        "nodes.spectral_clustering_gmm",
        "node 'spectral_clustering_gmm' cannot be reached from the start node 'start'",
    )
    assert p.line == line_of(directory, "flowchart.yaml", "  spectral_clustering_gmm:")


def test_cycle(tmp_path):
    directory = copy_rules(tmp_path)
    edit(
        directory,
        "flowchart.yaml",
        "    why: The map's next step when KMeans is not working.\n",
        "    why: loops\n    not_working: kmeans\n",
    )
    p = only(check_rules(directory))
    assert (
        p.message
        == "cycle: kmeans -> spectral_clustering_gmm -> kmeans; the rule tree must not loop"
    )
    assert p.key_path == "nodes.spectral_clustering_gmm.not_working"


def test_leaf_without_estimators(tmp_path):
    _, problems = broken(
        tmp_path, "flowchart.yaml", "    estimators: [MiniBatchKMeans]\n", "    estimators: []\n"
    )
    p = only(problems)
    assert p.key_path == "nodes.minibatch_kmeans.estimators"
    assert p.message.startswith("a leaf needs at least one estimator; use kind 'advice'")


def test_unknown_estimator_with_hint(tmp_path):
    _, problems = broken(
        tmp_path, "flowchart.yaml", "estimators: [LinearSVC]", "estimators: [LinearSCV]"
    )
    p = only(problems)
    assert (p.key_path, p.message, p.hint) == (
        "nodes.linear_svc.estimators[0]",
        "unknown estimator 'LinearSCV'",
        "Did you mean 'LinearSVC'?",
    )


def test_estimator_of_the_wrong_task(tmp_path):
    _, problems = broken(
        tmp_path, "flowchart.yaml", "estimators: [LinearSVC]", "estimators: [Lasso]"
    )
    assert (
        only(problems).message
        == "estimator 'Lasso' does not do classification (it does regression)"
    )


def test_start_must_exist_and_edges_cannot_return_to_it(tmp_path):
    directory = copy_rules(tmp_path)
    edit(directory, "flowchart.yaml", "    on_no: get_more_data\n", "    on_no: start\n")
    messages = {(p.key_path, p.message) for p in check_rules(directory)}
    assert (
        "nodes.enough_samples.on_no",
        "an edge cannot lead back to the start node 'start'",
    ) in messages
    edit(directory, "flowchart.yaml", "start: start\n", "start: begin\n")
    p = next(p for p in check_rules(directory) if p.key_path == "start")
    assert p.message == "start node 'begin' is not among the nodes"


def test_unknown_outcome(tmp_path):
    _, problems = broken(
        tmp_path, "flowchart.yaml", "    outcome: get more data\n", "    outcome: more data\n"
    )
    p = only(problems)
    assert p.message == "unknown outcome 'more data'"
    assert p.hint == "Did you mean 'get more data'?"


# ---------------------------------------------------------------- additions and preparation


def test_addition_attached_to_an_unknown_node(tmp_path):
    _, problems = broken(
        tmp_path, "additions.yaml", "attach_to: [meanshift_vbgmm,", "attach_to: [meanshift_vbgm,"
    )
    p = only(problems)
    assert (p.key_path, p.message, p.hint) == (
        "additions[10].attach_to[0]",
        "unknown node id 'meanshift_vbgm'",
        "Did you mean 'meanshift_vbgmm'?",
    )


def test_addition_rules(tmp_path):
    directory = copy_rules(tmp_path)
    edit(directory, "additions.yaml", "    question: free-text columns?\n", "")
    edit(directory, "additions.yaml", "    estimators: [DummyRegressor]\n", "")
    edit(
        directory,
        "additions.yaml",
        "    before: RandomForestRegressor\n",
        "    before: RandomForestClassifier\n",
    )
    messages = {(p.key_path, p.message) for p in check_rules(directory)}
    assert (
        "additions[1]",
        "addition 'text_tfidf_linear' has a 'when' condition, so it needs a 'question' for the trace",
    ) in messages
    assert ("additions[5]", "addition 'dummy_regressor' needs 'estimators' or a 'note'") in messages
    before = "unknown estimator for 'before' (it must be named by an attached leaf) 'RandomForestClassifier'"
    assert ("additions[8].before", before) in messages


def test_preparation_names_are_checked(tmp_path):
    directory = copy_rules(tmp_path)
    edit(
        directory,
        "preparation.yaml",
        "families: [linear, svm, neighbors]\n",
        "families: [linear, svms, neighbors]\n",
    )
    edit(directory, "preparation.yaml", "    kinds: [datetime]\n", "    kinds: [date_time]\n")
    edit(
        directory,
        "preparation.yaml",
        "    findings: [skewed_feature]\n",
        "    findings: [skewed_features]\n",
    )
    edit(
        directory,
        "preparation.yaml",
        "{handles_nan: false}\n    when: {fact: has_missing_values, op: eq, value: true}\n    reason: >-",
        "{handles_nans: false}\n    when: {fact: has_missing_values, op: eq, value: true}\n    reason: >-",
    )
    edit(
        directory,
        "preparation.yaml",
        "component: sklearn.preprocessing.StandardScaler\n    kinds:",
        "component: StandardScaler()\n    kinds:",
    )
    found = {(p.key_path, p.message, p.hint) for p in check_rules(directory)}
    assert (
        "steps[9].families[1]",
        "unknown estimator family 'svms'",
        "Did you mean 'svm'?",
    ) in found
    assert (
        "steps[1].kinds[0]",
        "unknown column kind 'date_time'",
        "Did you mean 'datetime'?",
    ) in found
    assert (
        "steps[9].findings[0]",
        "unknown finding code 'skewed_features'",
        "Did you mean 'skewed_feature'?",
    ) in found
    assert (
        "steps[2].estimator_has.handles_nans",
        "unknown estimator capability 'handles_nans'",
        "Did you mean 'handles_nan'?",
    ) in found
    bad = "component must be an import path such as 'sklearn.preprocessing.StandardScaler'; got 'StandardScaler()'"
    assert ("steps[10].component", bad, "") in found


def test_preparation_step_must_select_columns_and_ids_are_unique(tmp_path):
    directory = copy_rules(tmp_path)
    edit(directory, "preparation.yaml", "    kinds: [text]\n", "")
    edit(directory, "preparation.yaml", "  - id: scale\n", "  - id: tfidf\n")
    messages = {(p.key_path, p.message) for p in check_rules(directory)}
    assert (
        "steps[8]",
        "step 'tfidf' has scope 'columns' but selects none: give 'kinds' or 'findings'",
    ) in messages
    assert ("steps[10].id", "duplicate step id 'tfidf'") in messages


# ---------------------------------------------------------------- all at once


def test_every_problem_is_reported_at_once(tmp_path):
    directory = copy_rules(tmp_path)
    edit(directory, "flowchart.yaml", "estimators: [LinearSVC]", "estimators: [LinearSCV]")
    edit(
        directory,
        "flowchart.yaml",
        "{fact: n_samples, op: gt, value: 50}",
        "{fact: n_sample, op: gt, value: 50}",
    )
    edit(directory, "additions.yaml", "attach_to: [meanshift_vbgmm,", "attach_to: [meanshift_vbgm,")
    edit(directory, "preparation.yaml", "    kinds: [datetime]\n", "    kinds: [date_time]\n")
    with pytest.raises(RulesError) as info:
        load_rules(directory)
    assert len(info.value.problems) == 4
    assert [p.split(": ", 2)[1] for p in info.value.problems] == [
        "nodes.enough_samples.when.fact",
        "nodes.linear_svc.estimators[0]",
        "additions[10].attach_to[0]",
        "steps[1].kinds[0]",
    ]
    assert "(and 3 more; 'advisor rules check' lists them all)" in str(info.value)


# ---------------------------------------------------------------- user directories


def test_user_dir_with_only_a_flowchart_has_no_additions_and_shipped_preparation(tmp_path):
    directory = tmp_path / "mine"
    directory.mkdir()
    shutil.copy(SHIPPED / "flowchart.yaml", directory / "flowchart.yaml")
    ruleset = load_rules(directory)
    assert ruleset.additions.additions == []
    assert [s.id for s in ruleset.preparation.steps] == [
        s.id for s in load_rules(None).preparation.steps
    ]


def test_user_dir_without_a_flowchart(tmp_path):
    """An empty --rules folder: one problem naming the missing file and the built-in folder to copy."""
    from advisor.ruletree.load import default_rules_dir

    p = only(check_rules(tmp_path))
    assert p.file == str(tmp_path / "flowchart.yaml")
    assert p.message.startswith("the file is missing, and a rules folder needs it; start from a copy")
    assert str(default_rules_dir()) in p.message and (default_rules_dir() / "flowchart.yaml").exists()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("flowchart.yaml", "- just a list\n", "expected a mapping, got a list"),
        (
            "flowchart.yaml",
            "version: 1\nsource: x\nstart: start\nnodes: [start]\n",
            "expected a mapping, got a list",
        ),
        (
            "flowchart.yaml",
            "version: 1\nsource: x\nstart: start\nnodes:\n  start: go\n",
            "expected a mapping, got a string",
        ),
        (
            "flowchart.yaml",
            "version: one\nsource: x\nstart: start\nnodes: {}\n",
            "expected an integer, got a string",
        ),
        ("additions.yaml", "version: 1\nadditions: {a: 1}\n", "expected a list, got a mapping"),
        (
            "additions.yaml",
            "version: 1\nadditions: [{id: x}]\n",
            "missing required key 'attach_to'",
        ),
        ("preparation.yaml", "version: 1\nsteps: [3]\n", "expected a mapping, got an integer"),
        (
            "preparation.yaml",
            "version: 1\nsteps:\n  - {id: x, component: a.B, reason: r, scope: everything}\n",
            "must be one of columns, target, estimator; got 'everything'",
        ),
        ("flowchart.yaml", "1: x\n", "keys must be strings, got 1; quote it"),
    ],
)
def test_malformed_documents_are_problems_not_crashes(tmp_path, name, text, expected):
    directory = copy_rules(tmp_path)
    (directory / name).write_text(text, encoding="utf-8")
    messages = [p.message for p in check_rules(directory)]
    assert any(m.startswith(expected) for m in messages), messages
