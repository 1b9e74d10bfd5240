"""The walk over the shipped rules: every leaf, the boundaries, assumptions, answers, additions."""

from __future__ import annotations

import dataclasses
import enum
import json
from types import SimpleNamespace
from typing import Any

import pytest

from advisor.errors import OptionError
from advisor.profile.facts import FACTS
from advisor.ruletree import (
    Advice,
    advise,
    load_rules,
    parse_answers,
    render_mermaid,
    render_text,
)
from advisor.ruletree.model import AdviceNode, LeafNode


@pytest.fixture(scope="module")
def rules():
    return load_rules(None)


def make_facts(**known: Any) -> dict[str, Any]:
    """Facts as a profile gives them: the text/media flags known, everything else unknown."""
    facts: dict[str, Any] = dict.fromkeys(FACTS)
    facts.update(has_text_columns=False, has_long_text=False, has_media_paths=False)
    facts.update(known)
    return facts


CLASSIFY = {"predicting_category": True, "has_target": True, "has_text_columns": False}
CLUSTER = {"predicting_category": True, "has_target": False}
REGRESS = {"predicting_category": False, "predicting_quantity": True}
LOOK = {"predicting_category": False, "predicting_quantity": False, "just_looking": True}

HEAD = ["start", "enough_samples"]
CLASS = [*HEAD, "predicting_category", "labeled_data", "classification_under_100k"]
CLUST = [*HEAD, "predicting_category", "labeled_data", "n_categories_known"]
REG = [*HEAD, "predicting_category", "predicting_quantity", "regression_under_100k"]
DR = [*HEAD, "predicting_category", "predicting_quantity", "just_looking", "randomized_pca"]

# (case id, facts, expected path, expected leaf, expected outcome)
LEAF_CASES = [
    (
        "get_more_data",
        make_facts(n_samples=50, **CLASSIFY, predicting_quantity=False),
        [*HEAD, "get_more_data"],
        "get_more_data",
        "get more data",
    ),
    (
        "classification_tabular",
        make_facts(n_samples=1000, **CLASSIFY),
        [*CLASS, "linear_svc", "text_data", "kneighbors_classifier", "svc_ensemble_classifiers"],
        "linear_svc",
        "classification",
    ),
    (
        "classification_text",
        make_facts(n_samples=1000, **{**CLASSIFY, "has_text_columns": True}),
        [*CLASS, "linear_svc", "text_data", "naive_bayes"],
        "linear_svc",
        "classification",
    ),
    (
        "classification_large",
        make_facts(n_samples=200_000, **CLASSIFY),
        [*CLASS, "sgd_classifier", "kernel_approximation_classifier"],
        "sgd_classifier",
        "classification",
    ),
    (
        "clustering_known_small",
        make_facts(n_samples=500, n_clusters_known=True, **CLUSTER),
        [*CLUST, "clustering_known_under_10k", "kmeans", "spectral_clustering_gmm"],
        "kmeans",
        "clustering",
    ),
    (
        "clustering_known_large",
        make_facts(n_samples=50_000, n_clusters_known=True, **CLUSTER),
        [*CLUST, "clustering_known_under_10k", "minibatch_kmeans"],
        "minibatch_kmeans",
        "clustering",
    ),
    (
        "clustering_unknown_small",
        make_facts(n_samples=500, n_clusters_known=False, **CLUSTER),
        [*CLUST, "clustering_unknown_under_10k", "meanshift_vbgmm"],
        "meanshift_vbgmm",
        "clustering",
    ),
    (
        "clustering_unknown_large",
        make_facts(n_samples=50_000, n_clusters_known=False, **CLUSTER),
        [*CLUST, "clustering_unknown_under_10k", "clustering_tough_luck"],
        "clustering_tough_luck",
        "tough luck",
    ),
    (
        "regression_sparse",
        make_facts(n_samples=800, few_features_important=True, **REGRESS),
        [*REG, "few_features_important", "lasso_elasticnet"],
        "lasso_elasticnet",
        "regression",
    ),
    (
        "regression_dense",
        make_facts(n_samples=800, few_features_important=False, **REGRESS),
        [*REG, "few_features_important", "ridge_svr_linear", "svr_rbf_ensemble_regressors"],
        "ridge_svr_linear",
        "regression",
    ),
    (
        "regression_large",
        make_facts(n_samples=500_000, **REGRESS),
        [*REG, "sgd_regressor"],
        "sgd_regressor",
        "regression",
    ),
    (
        "looking_small",
        make_facts(n_samples=2000, **LOOK),
        [*DR, "dimensionality_reduction_under_10k", "isomap_spectral_embedding", "lle"],
        "randomized_pca",
        "dimensionality reduction",
    ),
    (
        "looking_large",
        make_facts(n_samples=20_000, **LOOK),
        [*DR, "dimensionality_reduction_under_10k", "kernel_approximation_reduction"],
        "randomized_pca",
        "dimensionality reduction",
    ),
    (
        "predicting_structure",
        make_facts(n_samples=2000, **{**LOOK, "just_looking": False}),
        [
            *HEAD,
            "predicting_category",
            "predicting_quantity",
            "just_looking",
            "predicting_structure",
        ],
        "predicting_structure",
        "tough luck",
    ),
]


def walk(rules, facts, findings=(), columns=None, answers=None) -> Advice:
    return advise(rules, facts, list(findings), columns or {}, answers)


@pytest.mark.parametrize(
    ("facts", "path", "leaf", "outcome"),
    [case[1:] for case in LEAF_CASES],
    ids=[case[0] for case in LEAF_CASES],
)
def test_every_leaf_is_reached_with_its_path(rules, facts, path, leaf, outcome):
    advice = walk(rules, facts)
    assert advice.path == path
    assert advice.leaf == leaf
    assert advice.outcome == outcome
    assert not advice.assumptions


def test_leaf_cases_cover_every_leaf_of_the_map(rules):
    """Adding a leaf to flowchart.yaml without a walk case above makes this fail."""
    leaves = {i for i, n in rules.flowchart.nodes.items() if isinstance(n, (LeafNode, AdviceNode))}
    reached = {node for case in LEAF_CASES for node in case[2]}
    assert leaves - reached == set()


@pytest.mark.parametrize(
    ("n_samples", "leaf"),
    [(49, "get_more_data"), (50, "get_more_data"), (51, "linear_svc")],
)
def test_more_than_50_samples_boundary(rules, n_samples, leaf):
    assert walk(rules, make_facts(n_samples=n_samples, **CLASSIFY)).leaf == leaf


@pytest.mark.parametrize(
    ("n_samples", "classifier", "regressor"),
    [(99_999, "linear_svc", "ridge_svr_linear"), (100_000, "sgd_classifier", "sgd_regressor")],
)
def test_under_100k_boundary(rules, n_samples, classifier, regressor):
    assert walk(rules, make_facts(n_samples=n_samples, **CLASSIFY)).leaf == classifier
    reg = make_facts(n_samples=n_samples, few_features_important=False, **REGRESS)
    assert walk(rules, reg).leaf == regressor


@pytest.mark.parametrize(
    ("n_samples", "known", "unknown", "looking"),
    [
        (9_999, "kmeans", "meanshift_vbgmm", "isomap_spectral_embedding"),
        (10_000, "minibatch_kmeans", "clustering_tough_luck", "kernel_approximation_reduction"),
    ],
)
def test_under_10k_boundary(rules, n_samples, known, unknown, looking):
    assert (
        walk(rules, make_facts(n_samples=n_samples, n_clusters_known=True, **CLUSTER)).leaf == known
    )
    assert (
        walk(rules, make_facts(n_samples=n_samples, n_clusters_known=False, **CLUSTER)).leaf
        == unknown
    )
    assert looking in walk(rules, make_facts(n_samples=n_samples, **LOOK)).path


def names(advice: Advice) -> list[str]:
    return [c.name for c in advice.candidates]


def test_candidates_follow_the_map_order_with_additions_marked(rules):
    advice = walk(rules, make_facts(n_samples=1000, **CLASSIFY))
    assert names(advice) == [
        "DummyClassifier",
        "LogisticRegression",
        "DecisionTreeClassifier",
        "LinearSVC",
        "KNeighborsClassifier",
        "SVC",
        "HistGradientBoostingClassifier",
        "RandomForestClassifier",
        "ExtraTreesClassifier",
    ]
    origins = {c.name: c.origin for c in advice.candidates}
    assert origins["LinearSVC"] == origins["SVC"] == origins["RandomForestClassifier"] == "map"
    assert origins["HistGradientBoostingClassifier"] == origins["LogisticRegression"] == "advisor"
    assert origins["DummyClassifier"] == origins["DecisionTreeClassifier"] == "advisor"


def test_try_next_follows_the_not_working_arrows(rules):
    advice = walk(rules, make_facts(n_samples=1000, **CLASSIFY))
    by_name = {c.name: c for c in advice.candidates}
    assert by_name["LinearSVC"].try_next == [
        "KNeighborsClassifier",
        "SVC",
        "RandomForestClassifier",
        "ExtraTreesClassifier",
    ]
    assert by_name["KNeighborsClassifier"].try_next == [
        "SVC",
        "RandomForestClassifier",
        "ExtraTreesClassifier",
    ]
    assert by_name["SVC"].try_next == []
    assert by_name["LogisticRegression"].try_next == []
    text = walk(rules, make_facts(n_samples=1000, **{**CLASSIFY, "has_text_columns": True}))
    assert {c.name: c for c in text.candidates}["LinearSVC"].try_next == [
        "ComplementNB",
        "MultinomialNB",
    ]


def test_candidates_carry_catalog_metadata(rules):
    advice = walk(rules, make_facts(n_samples=200_000, **CLASSIFY))
    sgd = next(c for c in advice.candidates if c.name == "SGDClassifier")
    assert (sgd.family, sgd.partial_fit, sgd.predict_proba, sgd.interpretability) == (
        "linear",
        True,
        False,
        "glass_box",
    )
    assert sgd.try_next == ["KernelApproximationClassifier"]
    assert names(advice)[-1] == "HistGradientBoostingClassifier"


def test_clustering_with_unknown_count_adds_density_methods(rules):
    small = walk(rules, make_facts(n_samples=500, n_clusters_known=False, **CLUSTER))
    assert names(small) == ["MeanShift", "BayesianGaussianMixture", "HDBSCAN", "DBSCAN"]
    large = walk(rules, make_facts(n_samples=50_000, n_clusters_known=False, **CLUSTER))
    assert [(c.name, c.origin) for c in large.candidates] == [
        ("HDBSCAN", "advisor"),
        ("DBSCAN", "advisor"),
    ]
    assert any(n.startswith("map: The map has no estimator for clustering") for n in large.notes)


def test_get_more_data_has_only_the_advisors_small_data_candidates_and_a_map_note(rules):
    advice = walk(rules, make_facts(n_samples=20, **CLASSIFY))
    assert [c.name for c in advice.candidates] == ["DummyClassifier", "LogisticRegression", "DecisionTreeClassifier"]
    assert {c.origin for c in advice.candidates} == {"advisor"}
    assert len(advice.notes) == 1 and advice.notes[0].startswith("map: The map stops here")
    regress = walk(rules, make_facts(n_samples=20, **REGRESS, has_target=True))
    assert [c.name for c in regress.candidates] == ["DummyRegressor", "Ridge", "DecisionTreeRegressor"]
    cluster = walk(rules, make_facts(n_samples=20, **CLUSTER))
    assert [c.name for c in cluster.candidates] == ["KMeans", "GaussianMixture"]
    # --task dimensionality_reduction on a tiny table: PCA, not the clusterings
    look = walk(rules, make_facts(n_samples=50, has_target=False, **LOOK))
    assert [c.name for c in look.candidates] == ["PCA_randomized"]


# ---------------------------------------------------------------- assumptions and answers


def test_unknown_few_features_uses_l1_evidence_for_yes(rules):
    advice = walk(rules, make_facts(n_samples=800, l1_zero_share=0.62, **REGRESS))
    assert advice.leaf == "lasso_elasticnet"
    assert advice.assumptions == [
        "few_features_important: assumed yes because an L1 model on a sample zeroed 62% of the features, half or more "
        "(l1_zero_share=0.62)"
    ]
    step = next(s for s in advice.trace if s.node_id == "few_features_important")
    assert (step.assumed, step.answer, step.value, step.origin) == (True, "yes", None, "map")


def test_unknown_few_features_uses_l1_evidence_for_no(rules):
    advice = walk(rules, make_facts(n_samples=800, l1_zero_share=0.1, **REGRESS))
    assert advice.leaf == "ridge_svr_linear"
    assert advice.assumptions == [
        "few_features_important: assumed no because an L1 model on a sample zeroed 10% of the features, fewer than half "
        "(l1_zero_share=0.1)"
    ]
    # none zeroed reads as it is, not 'only 0%'
    advice = walk(rules, make_facts(n_samples=800, l1_zero_share=0.0, **REGRESS))
    assert "zeroed 0% of the features, fewer than half" in advice.assumptions[0] and "only" not in advice.assumptions[0]


def test_unknown_few_features_without_evidence_assumes_no_and_says_so(rules):
    advice = walk(rules, make_facts(n_samples=800, **REGRESS))
    assert advice.leaf == "ridge_svr_linear"
    assert len(advice.assumptions) == 1
    assert advice.assumptions[0].startswith("few_features_important: assumed no because")
    assert "l1_zero_share is unknown" in advice.assumptions[0]


def test_unknown_cluster_count_reads_n_clusters(rules):
    given = walk(rules, make_facts(n_samples=500, n_clusters=3, **CLUSTER))
    assert given.leaf == "kmeans"
    assert given.assumptions == [
        "n_clusters_known: assumed yes because you gave the number of clusters (3) (n_clusters=3)"
    ]
    missing = walk(rules, make_facts(n_samples=500, **CLUSTER))
    assert missing.leaf == "meanshift_vbgmm"
    assert missing.assumptions == [
        "n_clusters_known: assumed no because no number of clusters was given (--n-clusters)"
    ]


def test_unknown_just_looking_assumes_yes(rules):
    advice = walk(rules, make_facts(n_samples=500, **{**LOOK, "just_looking": None}))
    assert advice.leaf == "randomized_pca"
    assert advice.assumptions[0].startswith("just_looking: assumed yes because there is neither")


def test_unknown_fact_without_a_default_takes_no_and_records_it(rules):
    advice = walk(
        rules, make_facts(n_samples=500, predicting_category=None, **{"predicting_quantity": True})
    )
    assert "predicting_quantity" in advice.path
    assert advice.assumptions[0] == (
        "predicting_category: assumed no because its value is unknown and the rule gives no default"
    )


def test_user_answer_overrides_the_estimate(rules):
    facts = make_facts(n_samples=800, l1_zero_share=0.9, **REGRESS)
    advice = walk(rules, facts, answers={"few-features-important": "no"})
    assert advice.leaf == "ridge_svr_linear"
    assert advice.assumptions == []
    step = next(s for s in advice.trace if s.node_id == "few_features_important")
    assert step.value is False and not step.assumed
    assert step.note == "your answer (--answer few-features-important=no)"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"few-features-important": "yes"}, {"few_features_important": True}),
        ({"few_features_important": "FALSE"}, {"few_features_important": False}),
        (
            {"just-looking": "True", "has_text_columns": "no"},
            {"just_looking": True, "has_text_columns": False},
        ),
        (None, {}),
    ],
)
def test_parse_answers_accepts_dashes_underscores_and_words(answers, expected):
    assert parse_answers(answers) == expected


def test_parse_answers_rejects_an_unknown_name_with_a_hint():
    with pytest.raises(
        OptionError,
        match=r"Got 'few-feature-important' instead\. Did you mean 'few-features-important'\?",
    ):
        parse_answers({"few-feature-important": "yes"})


def test_parse_answers_rejects_a_non_boolean_fact():
    with pytest.raises(OptionError, match="must name a yes/no fact"):
        parse_answers({"n-samples": "yes"})


def test_parse_answers_rejects_a_bad_value():
    with pytest.raises(OptionError, match=r"must be yes, no, true or false\. Got 'maybe' instead"):
        parse_answers({"just-looking": "maybe"})


# ---------------------------------------------------------------- additions and notes


def test_prior_art_note_for_media_paths(rules):
    advice = walk(
        rules, make_facts(n_samples=1000, has_media_paths=True, has_long_text=False, **CLASSIFY)
    )
    assert any(
        n.startswith("advisor: Pretrained models usually beat training from scratch")
        for n in advice.notes
    )
    step = advice.trace[0]
    assert (step.node_id, step.origin, step.answer) == ("pretrained_prior_art", "advisor", "yes")
    assert step.value == "has_long_text=false, has_media_paths=true"


def test_no_prior_art_note_without_long_text_or_media(rules):
    advice = walk(
        rules, make_facts(n_samples=1000, has_media_paths=False, has_long_text=False, **CLASSIFY)
    )
    assert not any("Pretrained" in n for n in advice.notes)
    assert advice.trace[0].answer == "no"


def test_text_note_only_with_text(rules):
    with_text = walk(rules, make_facts(n_samples=1000, **{**CLASSIFY, "has_text_columns": True}))
    assert any("TF-IDF" in n and n.startswith("advisor: ") for n in with_text.notes)
    without = walk(rules, make_facts(n_samples=1000, **CLASSIFY))
    assert not any("TF-IDF" in n for n in without.notes)


def test_trace_marks_map_and_advisor_steps(rules):
    advice = walk(
        rules, make_facts(n_samples=1000, has_long_text=False, has_media_paths=False, **CLASSIFY)
    )
    origins = {s.node_id: s.origin for s in advice.trace}
    assert origins["pretrained_prior_art"] == origins["text_tfidf_linear"] == "advisor"
    assert origins["enough_samples"] == origins["text_data"] == "map"
    text_step = next(s for s in advice.trace if s.node_id == "text_data")
    assert text_step.note == "reached through the map's 'not working' arrow from 'linear_svc'"


# ---------------------------------------------------------------- preparation


def finding(code: str, *columns: str) -> SimpleNamespace:
    return SimpleNamespace(code=code, columns=list(columns))


COLUMNS = {
    "age": "numeric",
    "income": "numeric",
    "sex": "categorical",
    "zip": "categorical",
    "comment": "text",
    "signup": "datetime",
    "row_id": "identifier",
}


def prep_of(advice: Advice, name: str) -> dict[str, list[str]]:
    cand = next(c for c in advice.candidates if c.name == name)
    return {s.id: s.columns for s in cand.preparation}


@pytest.fixture(scope="module")
def classified(rules):
    facts = make_facts(n_samples=1000, task="binary", has_missing_values=True, **CLASSIFY)
    findings = [
        finding("high_cardinality", "zip"),
        finding("class_imbalance"),
        finding("skewed_feature", "income"),
    ]
    return walk(rules, facts, findings, COLUMNS)


def test_linear_models_get_scaling_imputation_and_one_hot(classified):
    steps = prep_of(classified, "LogisticRegression")
    assert steps["scale"] == ["age", "income"]
    assert steps["impute_numeric"] == ["age", "income"]
    assert steps["one_hot_encode"] == ["sex"]
    assert steps["target_encode"] == ["zip"]
    assert steps["tfidf"] == ["comment"]
    assert steps["expand_datetime"] == ["signup"]
    assert steps["drop_unusable"] == ["row_id"]
    assert steps["reduce_skew"] == ["income"]
    assert steps["scale_encoded"] == ["zip"]
    assert steps["balance_classes"] == []
    assert list(steps) == [
        "drop_unusable",
        "expand_datetime",
        "impute_numeric",
        "impute_categorical",
        "one_hot_encode",
        "target_encode",
        "tfidf",
        "reduce_skew",
        "scale",
        "scale_encoded",
        "balance_classes",
    ]


def test_hist_gradient_boosting_uses_native_nan_and_categories(classified):
    steps = prep_of(classified, "HistGradientBoostingClassifier")
    assert "scale" not in steps and "impute_numeric" not in steps and "one_hot_encode" not in steps
    assert steps["native_categorical"] == ["sex"]
    assert "reduce_skew" not in steps
    assert "balance_classes" in steps


def test_trees_are_not_scaled_and_knn_gets_no_class_weight(classified):
    forest = prep_of(classified, "RandomForestClassifier")
    assert "scale" not in forest and "scale_encoded" not in forest
    knn = prep_of(classified, "KNeighborsClassifier")
    assert "scale" in knn and "reduce_skew" in knn and "balance_classes" not in knn
    assert knn["scale_encoded"] == ["zip"]


def test_no_imputation_without_missing_values(rules):
    facts = make_facts(n_samples=1000, task="binary", has_missing_values=False, **CLASSIFY)
    advice = walk(rules, facts, [], {"age": "numeric"})
    assert "impute_numeric" not in prep_of(advice, "LogisticRegression")


def test_svr_gets_a_standardised_target_and_nothing_is_log_transformed(rules):
    facts = make_facts(n_samples=800, task="regression", few_features_important=False, **REGRESS)
    advice = walk(rules, facts, [finding("target_skewed")], {"x": "numeric"})
    ridge = next(c for c in advice.candidates if c.name == "Ridge")
    assert all(s.scope != "target" for s in ridge.preparation)
    svr = next(c for c in advice.candidates if c.name == "SVR_rbf")
    step = next(s for s in svr.preparation if s.id == "scale_target")
    assert (step.scope, step.component, step.columns) == ("target", "sklearn.compose.TransformedTargetRegressor", [])
    assert step.params == {"transformer": "sklearn.preprocessing.StandardScaler"}


def test_findings_may_be_mappings_with_enum_codes(rules):
    class Code(str, enum.Enum):
        HIGH = "high_cardinality"

    facts = make_facts(n_samples=800, task="regression", few_features_important=False, **REGRESS)
    advice = walk(rules, facts, [{"code": Code.HIGH, "columns": ["zip"]}], {"zip": "categorical"})
    assert prep_of(advice, "Ridge")["target_encode"] == ["zip"]


def test_unsupervised_high_cardinality_is_capped_not_target_encoded(rules):
    facts = make_facts(n_samples=500, task="clustering", n_clusters_known=True, **CLUSTER)
    advice = walk(rules, facts, [finding("high_cardinality", "zip")], {"zip": "categorical"})
    steps = prep_of(advice, "KMeans")
    assert steps["one_hot_capped"] == ["zip"] and "target_encode" not in steps


# ---------------------------------------------------------------- result shape


def _json_friendly(value: Any, where: str = "advice") -> None:
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            _json_friendly(getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _json_friendly(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, where
            _json_friendly(item, f"{where}.{key}")
    else:
        assert value is None or type(value) in (str, int, float, bool), f"{where}: {type(value)}"


def test_advice_is_json_friendly_and_deterministic(rules, classified):
    _json_friendly(classified)
    facts = make_facts(n_samples=1000, task="binary", has_missing_values=True, **CLASSIFY)
    findings = [
        finding("high_cardinality", "zip"),
        finding("class_imbalance"),
        finding("skewed_feature", "income"),
    ]
    again = walk(rules, facts, findings, COLUMNS)
    assert json.dumps(dataclasses.asdict(again)) == json.dumps(dataclasses.asdict(classified))
    assert classified.rules_source == "built-in"


def test_numpy_fact_values_become_plain_numbers(rules):
    np = pytest.importorskip("numpy")
    advice = walk(rules, make_facts(n_samples=np.int64(1000), **CLASSIFY))
    value = next(s for s in advice.trace if s.node_id == "enough_samples").value
    assert type(value) is int and value == 1000


def test_candidate_names_are_unique(rules):
    for _, facts, *_ in LEAF_CASES:
        found = names(walk(rules, facts))
        assert len(found) == len(set(found))


# ---------------------------------------------------------------- renderers


def test_render_text_shows_every_node_and_marks_additions(rules):
    text = render_text(rules)
    for node_id in rules.flowchart.nodes:
        assert f"[{node_id}]" in text
    for add in rules.additions.additions:
        assert f"[{add.id}]" in text
    assert "+ advisor: HistGradientBoostingClassifier  [hist_gradient_boosting_classifier]" in text
    assert "|-- yes: <100K samples?  [classification_under_100k]  (n_samples < 100000)" in text
    assert "`-- not working: text data?  [text_data]  (has_text_columns = true)" in text


def test_render_mermaid_highlights_the_path(rules):
    advice = walk(rules, make_facts(n_samples=40, **CLASSIFY))
    chart = render_mermaid(rules, advice.path)
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD"
    assert '    enough_samples{"#gt;50 samples?"}' in lines
    assert "    class start,enough_samples,get_more_data onpath;" in lines
    assert "    enough_samples -->|no| get_more_data" in lines
    link_lines = [line for line in lines if " -->" in line or " -.->" in line or " -.-|" in line]
    highlighted = [
        i
        for i, line in enumerate(link_lines)
        if line.strip() in ("start --> enough_samples", "enough_samples -->|no| get_more_data")
    ]
    assert [line for line in lines if line.strip().startswith("linkStyle")] == [
        f"    linkStyle {i} stroke:#b45309,stroke-width:3px;" for i in highlighted
    ]
    assert "    linear_svc -.->|not working| text_data" in lines
    assert (
        "    svc_ensemble_classifiers -.-|advisor| advisor_hist_gradient_boosting_classifier"
        in lines
    )


def test_render_mermaid_without_path_has_no_highlight(rules):
    chart = render_mermaid(rules)
    assert "classDef onpath" in chart
    assert not any(
        line.startswith("    class ") and line.endswith(" onpath;") for line in chart.splitlines()
    )
    assert "linkStyle" not in chart


def test_dropped_columns_come_from_findings_even_outside_the_features(rules):
    facts = make_facts(n_samples=1000, task="binary", **CLASSIFY)
    findings = [finding("identifier_column", "customer_id"), finding("constant_column", "country")]
    advice = walk(
        rules, facts, findings, {"visits": "count", "age": "numeric", "country": "constant"}
    )
    steps = prep_of(advice, "LogisticRegression")
    assert steps["drop_unusable"] == ["country", "customer_id"]
    assert steps["scale"] == ["visits", "age"]


def test_the_advice_says_which_profile_findings_the_pipelines_apply_and_which_they_do_not(rules):
    """target_skewed and suspicious_zeros advise a log target and zeros as missing; no candidate did either,
    and nothing said so."""
    facts = make_facts(n_samples=800, task="regression", has_missing_values=False, l1_zero_share=0.1, **REGRESS)
    findings = [finding("target_skewed", "price"), finding("suspicious_zeros", "age"),
                finding("skewed_feature", "income"), finding("no_target")]
    advice = walk(rules, facts, findings, {"age": "numeric", "income": "numeric"})
    applied = [n for n in advice.notes if n.startswith("advisor: profile advice the candidates apply")]
    assert len(applied) == 1 and "skewed_feature in 'income' (reduce_skew, for 3 of 8 candidates)" in applied[0]
    skipped = [n for n in advice.notes if n.startswith("advisor: profile advice no candidate applies")]
    assert len(skipped) == 2
    assert "target_skewed in 'price'" in skipped[0] and "log_target" in skipped[0]
    assert "suspicious_zeros in 'age'" in skipped[1] and "missing" in skipped[1]
    assert not any("no_target" in n for n in advice.notes)  # not advice about preparation


def test_a_house_rule_that_applies_a_finding_moves_it_to_the_applied_note(rules, log_target_rules):
    facts = make_facts(n_samples=800, task="regression", l1_zero_share=0.1, **REGRESS)
    advice = walk(load_rules(log_target_rules), facts, [finding("target_skewed", "price")], {"age": "numeric"})
    assert any("target_skewed in 'price' (log_target, for" in n for n in advice.notes)
    assert not any(n.startswith("advisor: profile advice no candidate applies") for n in advice.notes)
