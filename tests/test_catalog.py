"""The catalog tells the truth about each estimator, checked against real scikit-learn objects."""

from __future__ import annotations

import pytest

from advisor.catalog import (
    CAPABILITIES,
    CATALOG,
    COSTS,
    FAMILIES,
    INTERPRETABILITY,
    get_estimator_info,
    make_estimator,
)
from advisor.errors import OptionError
from advisor.profile.facts import TASKS
from advisor.ruletree import load_rules
from advisor.ruletree.model import LeafNode

pytest.importorskip("sklearn")

NAMES = sorted(CATALOG)


def final_step(estimator):
    return estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator


@pytest.mark.parametrize("name", NAMES)
def test_entry_fields_use_known_values(name):
    info = CATALOG[name]
    assert info.name == name
    assert info.family in FAMILIES
    assert info.interpretability in INTERPRETABILITY
    assert info.interpretability_reason.endswith(".")
    assert info.cost in COSTS
    assert info.tasks and set(info.tasks) <= set(TASKS)
    assert info.import_path.startswith("sklearn.")


@pytest.mark.parametrize("name", NAMES)
def test_capabilities_match_scikit_learn(name):
    info, estimator = CATALOG[name], make_estimator(name)
    assert hasattr(estimator, "partial_fit") is info.partial_fit
    assert hasattr(estimator, "predict_proba") is info.predict_proba
    params = final_step(estimator).get_params()
    assert ("categorical_features" in params) is info.handles_categorical
    assert ("class_weight" in params) is info.supports_class_weight


@pytest.mark.parametrize("name", NAMES)
def test_tasks_match_the_estimator_type(name):
    from sklearn.base import is_classifier, is_regressor

    info, estimator = CATALOG[name], make_estimator(name)
    kind = {
        ("binary", "multiclass"): is_classifier(estimator),
        ("regression",): is_regressor(estimator),
        ("clustering",): hasattr(estimator, "fit_predict") and not is_classifier(estimator),
        ("dimensionality_reduction",): hasattr(estimator, "fit_transform")
        and not hasattr(estimator, "predict"),
    }
    assert kind[info.tasks] is True


@pytest.mark.parametrize("name", NAMES)
def test_configured_params_are_applied(name):
    info = CATALOG[name]
    params = final_step(make_estimator(name)).get_params()
    for key, value in info.params.items():
        assert params[key] == value


def _tiny_data(task: str):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X[3, 1] = np.nan
    y = {"regression": rng.normal(size=40), "classification": np.arange(40) % 2}.get(task)
    return X, y


@pytest.mark.parametrize("name", NAMES)
def test_handles_nan_is_what_fit_does(name):
    """Behaviour, not tags: DummyClassifier accepts NaN although its tags say allow_nan=False."""
    info = CATALOG[name]
    task = "classification" if "binary" in info.tasks else info.tasks[0]
    X, y = _tiny_data(task)
    estimator = make_estimator(name)
    if name == "KernelApproximationTransformer":
        estimator.set_params(n_components=10)
    if info.handles_nan:
        estimator.fit(X, y)
    else:
        with pytest.raises(ValueError, match="NaN"):
            estimator.fit(X, y)


def test_svc_has_no_predict_proba_unless_asked():
    from sklearn.svm import SVC

    assert not CATALOG["SVC"].predict_proba
    assert hasattr(SVC(probability=True), "predict_proba")


def test_needs_scaling_agrees_with_the_scaling_rule():
    scale = next(s for s in load_rules(None).preparation.steps if s.id == "scale")
    for info in CATALOG.values():
        assert info.needs_scaling is (info.family in scale.families), info.name


def test_every_map_estimator_is_in_the_catalog_with_a_matching_outcome():
    rules = load_rules(None)
    named = {
        e for n in rules.flowchart.nodes.values() if isinstance(n, LeafNode) for e in n.estimators
    }
    named |= {e for a in rules.additions.additions for e in a.estimators}
    assert named <= set(CATALOG)
    for required in (
        "DummyClassifier",
        "DummyRegressor",
        "LogisticRegression",
        "HDBSCAN",
        "DBSCAN",
    ):
        assert required in named


def test_capability_lookup_by_name():
    info = CATALOG["HistGradientBoostingClassifier"]
    assert [flag for flag in CAPABILITIES if info.capability(flag)] == [
        "predict_proba",
        "handles_nan",
        "handles_categorical",
        "supports_class_weight",
    ]


def test_unknown_estimator_name_has_a_hint():
    with pytest.raises(
        OptionError, match=r"Unknown estimator 'LinearSCV'\. Did you mean 'LinearSVC'"
    ):
        get_estimator_info("LinearSCV")


def test_kernel_approximation_is_a_pipeline_of_nystroem_and_sgd():
    pipe = make_estimator("KernelApproximationClassifier")
    assert [type(step).__name__ for _, step in pipe.steps] == ["Nystroem", "SGDClassifier"]
