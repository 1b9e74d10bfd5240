"""Known-answer tests for advisor.explain: the true drivers are set by construction.

The table has two numeric drivers (``x1`` pushes up strongly, ``x2`` pushes
down less), a categorical driver (``city``: Paris up) and columns with no
effect. Every explainer must rank x1, x2, city first, in that order, with
the right signs, and say so in terms of the original columns.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

from advisor.errors import OptionError
from advisor.explain import (
    CODES,
    Explanation,
    embedded_plots,
    explain_clusters,
    explain_pipeline,
    render_plots,
    shap_values,
)
from advisor.profile.model import Finding
from advisor.report.jsonout import to_jsonable

DRIVERS = ["x1", "x2", "city"]


@pytest.fixture(autouse=True, scope="module")
def one_openmp_thread():
    """Model fits in the tests, like the explanations themselves, use one OpenMP thread:
    many threads on tiny fits crawl when the machine is busy (pytest-xdist, other jobs)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def make_table(n: int = 800, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "id": [f"C{i:05d}" for i in range(n)],
        "x1": rng.normal(size=n),
        "noise_a": rng.normal(size=n),
        "x2": rng.normal(size=n),
        "city": rng.choice(["Paris", "Rome", "Oslo"], n),
        "noise_b": rng.uniform(0, 10, n),
    })
    signal = 3.0 * X["x1"] - 1.5 * X["x2"] + np.where(X["city"] == "Paris", 1.0, -0.2)
    return X, signal.to_numpy()


def prepare(scale: bool = True) -> ColumnTransformer:
    numbers = ["x1", "noise_a", "x2", "noise_b"]
    return ColumnTransformer([
        ("num", StandardScaler() if scale else "passthrough", numbers),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["city"]),
        ("id", "drop", ["id"]),
    ])


@pytest.fixture(scope="module")
def binary() -> tuple[pd.DataFrame, pd.Series]:
    X, signal = make_table()
    rng = np.random.default_rng(1)
    y = pd.Series((rng.random(len(X)) < 1 / (1 + np.exp(-signal))).astype(int), name="churned")
    return X, y


@pytest.fixture(scope="module")
def regression() -> tuple[pd.DataFrame, pd.Series]:
    X, signal = make_table()
    return X, pd.Series(signal + np.random.default_rng(2).normal(0, 0.3, len(X)), name="price")


@pytest.fixture(scope="module")
def tree_explanation(binary) -> Explanation:
    X, y = binary
    model = Pipeline([("prepare", prepare(scale=False)),
                      ("model", HistGradientBoostingClassifier(max_iter=60, random_state=0))]).fit(X, y)
    return explain_pipeline(model, X, y, task="binary", budget=6, row=7, identifier_columns=["id"])


def assert_drivers_first(expl: Explanation) -> None:
    ranked = [i.column for i in expl.importances]
    assert ranked[:3] == DRIVERS, ranked
    signs = {i.column: i.sign for i in expl.importances}
    assert signs["x1"] == 1 and signs["x2"] == -1
    city = next(i for i in expl.importances if i.column == "city")
    assert "'Paris' pushes" in city.direction and "up most" in city.direction


def test_tree_model_ranks_the_true_drivers_with_their_signs(tree_explanation: Explanation) -> None:
    expl = tree_explanation
    assert (expl.method, expl.explainer, expl.output_space) == ("shap", "TreeExplainer", "log-odds")
    assert expl.n_background == 0 and "path-dependent" in expl.background_method
    assert_drivers_first(expl)
    x1 = expl.importances[0]
    assert x1.direction == "higher values push the log-odds of churned = 1 up" and x1.rank == 1
    assert expl.additivity is not None and expl.additivity.ok and expl.additivity.max_error < 1e-6


def test_one_hot_columns_are_mapped_back_and_dropped_columns_listed(tree_explanation: Explanation) -> None:
    columns = {i.column for i in tree_explanation.importances}
    assert columns == {"x1", "x2", "city", "noise_a", "noise_b"}
    assert tree_explanation.unused_columns == ["id"]
    assert abs(sum(i.share for i in tree_explanation.importances) - 1) < 1e-9


def test_row_explanation_in_words_adds_up_to_the_model_output(binary, tree_explanation: Explanation) -> None:
    X, _ = binary
    row = tree_explanation.row
    assert row is not None and row.row == 7 and 1 <= len(row.contributions) <= 5
    top = row.contributions[0]
    assert top.text.startswith(f"{top.column} = {top.value} pushes the log-odds of churned = 1 ")
    assert abs(row.base_value + sum(c.contribution for c in row.contributions) + row.rest - row.prediction) < 1e-9
    assert "row 7" in row.summary
    # The chosen row is explained on its own and not counted in the random sample.
    assert tree_explanation.n_explained == len(X) - 1


def test_permutation_importance_agrees_with_shap(tree_explanation: Explanation) -> None:
    agreement = tree_explanation.permutation
    assert agreement is not None and agreement.spearman is not None and agreement.spearman > 0.5
    assert not agreement.disagree and agreement.ranking[0] == "x1" and agreement.scoring == "log loss"
    assert not agreement.held_out  # no held-out rows were given
    assert not [f for f in tree_explanation.findings if f.code == "explainers_disagree"]


def test_linear_model_ranks_the_true_drivers(regression) -> None:
    X, y = regression
    model = Pipeline([("prepare", prepare()), ("model", Ridge())]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="regression", budget=4, X_holdout=X.iloc[:300], y_holdout=y.iloc[:300])
    assert (expl.explainer, expl.output_space, expl.output_label) == ("LinearExplainer", "predicted value",
                                                                      "the predicted price")
    assert expl.n_background > 0 and "random sample" in expl.background_method
    assert_drivers_first(expl)
    assert expl.additivity is not None and expl.additivity.ok
    assert expl.permutation is not None and expl.permutation.held_out and expl.permutation.scoring == "R²"
    ignored = [f for f in expl.findings if f.code == "ignored_features"]
    assert ignored and set(ignored[0].columns) == {"noise_a", "noise_b"}


def test_transformed_target_is_explained_in_the_transformed_space(regression) -> None:
    X, y = regression
    model = Pipeline([("prepare", prepare()), ("model", TransformedTargetRegressor(
        Ridge(), func=lambda v: v / 2, inverse_func=lambda v: v * 2, check_inverse=False))]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="regression", budget=3)
    assert expl.explainer == "LinearExplainer" and expl.output_space == "transformed target"
    assert expl.additivity is not None and expl.additivity.ok
    assert_drivers_first(expl)


def test_kernel_model_ranks_the_true_drivers(regression) -> None:
    X, y = regression
    model = Pipeline([("prepare", prepare()), ("model", KNeighborsRegressor(n_neighbors=10))]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="regression", budget=5, row=3)
    assert expl.explainer == "KernelExplainer" and 10 <= expl.n_background <= 50
    assert expl.n_explained >= 50 and "budget" in expl.explained_method
    assert_drivers_first(expl)
    assert expl.additivity is not None and expl.additivity.ok
    assert expl.row is not None and expl.row.row == 3
    assert 0 < expl.seconds < 5 * 2  # the budget bounds the time (slack for a busy machine)


def test_multiclass_has_one_importance_per_class(binary) -> None:
    X, _ = binary
    _, signal = make_table()
    y = pd.Series(np.digitize(signal, np.quantile(signal, [1 / 3, 2 / 3])), name="tier").map(
        {0: "low", 1: "mid", 2: "high"})
    model = Pipeline([("prepare", prepare()), ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="multiclass", budget=4, row=0)
    assert expl.base_value is None and set(expl.base_value_by_class) == {"high", "low", "mid"}
    assert [i.column for i in expl.importances][:3] == DRIVERS
    for item in expl.importances:
        assert set(item.importance_by_class) == {"high", "low", "mid"}
        assert abs(np.mean(list(item.importance_by_class.values())) - item.importance) < 1e-9
    x1 = expl.importances[0]
    assert "toward 'high'" in x1.direction and "away from 'low'" in x1.direction
    values = shap_values(expl)
    assert values is not None and values.values.shape == (len(X) - 1, 5, 3)
    assert expl.additivity is not None and expl.additivity.ok
    assert expl.row is not None and expl.row.output_label.startswith("the log-odds of tier = ")


def test_failing_explainer_degrades_to_permutation_importance(binary) -> None:
    X, _ = binary
    _, signal = make_table()
    y = pd.Series(np.digitize(signal, [-1.5, 1.5]), name="band")  # 3 classes: TreeExplainer refuses
    model = Pipeline([("prepare", prepare()),
                      ("model", GradientBoostingClassifier(n_estimators=20, random_state=0))]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="multiclass", budget=4, row=2)
    assert expl.method == "permutation" and expl.explainer == "permutation_importance"
    assert expl.fallback_reason is not None and expl.fallback_reason.startswith("TreeExplainer failed")
    assert "binary" in expl.fallback_reason
    assert expl.importances[0].column == "x1" and expl.additivity is None and expl.row is None
    assert any(f.code == "explainer_fallback" for f in expl.findings)
    assert any("per-row" in n for n in expl.notes)
    assert shap_values(expl) is None


def test_native_categorical_trees_use_the_model_agnostic_explainer(binary) -> None:
    """TreeExplainer reads HistGradientBoosting's category splits as thresholds: its values would be wrong."""
    X, y = binary
    ct = ColumnTransformer([("cat", OrdinalEncoder(), ["city"]), ("num", "passthrough", ["x1", "x2", "noise_a"])])
    model = Pipeline([("prepare", ct), ("model", HistGradientBoostingClassifier(
        categorical_features=[0], max_iter=30, random_state=0))]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="binary", budget=3)
    assert expl.explainer == "KernelExplainer" and any("native categories" in n for n in expl.notes)
    assert expl.additivity is not None and expl.additivity.ok
    assert [i.column for i in expl.importances][:3] == DRIVERS


class VotesOnly(ClassifierMixin, BaseEstimator):
    """A classifier with labels only: no probabilities or scores for SHAP to attribute."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return self.classes_[(np.asarray(X)[:, 0] > 0).astype(int)]


def test_a_model_without_scores_degrades_to_permutation_importance(binary) -> None:
    X, y = binary
    model = Pipeline([("prepare", prepare()), ("model", VotesOnly())]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="binary", budget=3)
    assert expl.method == "permutation" and expl.fallback_reason is not None
    assert "neither probabilities nor decision scores" in expl.fallback_reason
    assert expl.importances[0].column == "x1" and expl.permutation is not None
    assert expl.permutation.scoring == "accuracy"


def test_without_a_target_the_permutation_check_is_skipped_and_said(binary) -> None:
    X, y = binary
    model = Pipeline([("prepare", prepare()), ("model", LogisticRegression())]).fit(X, y)
    expl = explain_pipeline(model, X, None, task="binary", budget=3)
    assert expl.permutation is None and expl.output_label == "the log-odds of target = 1"
    assert any("skipped: no target values" in n for n in expl.notes)


def test_clusters_are_explained_through_a_faithful_surrogate() -> None:
    X, _ = make_table(600)
    labels = np.where(X["x1"] > 0.5, 2, np.where(X["x2"] > 0, 1, 0))
    expl = explain_clusters(labels, X.drop(columns=["id"]), budget=6)
    assert expl.task == "clustering" and expl.surrogate is not None
    assert expl.surrogate.n_clusters == 3 and expl.surrogate.cv_accuracy > 0.9 and expl.surrogate.faithful
    assert [i.column for i in expl.importances][:2] == ["x1", "x2"]
    assert set(expl.base_value_by_class) == {"cluster 0", "cluster 1", "cluster 2"}


def test_leaky_and_identifier_columns_become_findings(binary) -> None:
    X, y = binary
    X = X.assign(leak=y + np.random.default_rng(3).normal(0, 0.01, len(y)))
    ct = ColumnTransformer([("num", "passthrough", ["x1", "x2", "noise_a", "leak"])])
    model = Pipeline([("prepare", ct),
                      ("model", HistGradientBoostingClassifier(max_iter=30, random_state=0))]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="binary", budget=3, identifier_columns=["leak"])
    codes = {f.code: f for f in expl.findings}
    assert codes["dominant_feature"].columns == ["leak"] and "target" in codes["dominant_feature"].advice
    assert codes["identifier_in_top"].columns == ["leak"] and codes["identifier_in_top"].severity == "critical"
    assert all(isinstance(f, Finding) and f.code in CODES for f in expl.findings)


def test_rich_column_transformer_maps_every_expansion_back() -> None:
    rng = np.random.default_rng(5)
    n = 500
    X = pd.DataFrame({
        "age": np.where(rng.random(n) < 0.1, np.nan, rng.normal(40, 10, n)),
        "notes": rng.choice(["refund", "happy customer", "great service", "a question"], n),
        "signup": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
        "plan": rng.choice(["basic", "plus", "pro"], n),
        "visits": rng.poisson(3, n).astype(float),
    })
    y = pd.Series((np.nan_to_num(X["age"], nan=40) / 10 + X["notes"].str.contains("refund") * 2
                   + rng.normal(0, 0.5, n) > 5.5).astype(int), name="left")

    def date_parts(frame: pd.DataFrame) -> np.ndarray:
        return np.column_stack([frame.iloc[:, 0].dt.year, frame.iloc[:, 0].dt.month, frame.iloc[:, 0].dt.day_of_week])

    ct = ColumnTransformer([
        ("age", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), ["age"]),
        ("text", TfidfVectorizer(), "notes"),
        ("date", FunctionTransformer(date_parts), ["signup"]),
        ("plan", OrdinalEncoder(), ["plan"]),
    ], remainder="passthrough")
    model = Pipeline([("prepare", ct), ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    expl = explain_pipeline(model, X, y, task="binary", budget=3)
    assert {i.column for i in expl.importances} == set(X.columns)
    assert expl.additivity is not None and expl.additivity.ok
    notes = next(i for i in expl.importances if i.column == "notes")
    assert "'refund'" in notes.direction.split(";")[0]
    assert {i.column for i in expl.importances[:2]} == {"age", "notes"}


def test_plain_estimator_without_a_pipeline(regression) -> None:
    X, y = regression
    numbers = X[["x1", "x2", "noise_a"]]
    expl = explain_pipeline(Ridge().fit(numbers, y), numbers, y, task="regression", budget=2)
    assert [i.column for i in expl.importances] == ["x1", "x2", "noise_a"]


def test_explanation_is_plain_json(tree_explanation: Explanation) -> None:
    def check(value: object, path: str) -> None:
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                check(getattr(value, f.name), f"{path}.{f.name}")
        elif isinstance(value, dict):
            for k, v in value.items():
                assert isinstance(k, str), path
                check(v, f"{path}[{k}]")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                check(v, f"{path}[{i}]")
        else:
            assert value is None or type(value) in (str, int, float, bool), (path, type(value))

    check(tree_explanation, "explanation")
    text = json.dumps(to_jsonable(tree_explanation))
    assert "city_Paris" not in text and '"x1"' in text


def test_plots_are_written_and_embeddable(tree_explanation: Explanation, tmp_path) -> None:
    paths = render_plots(tree_explanation, tmp_path)
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == ["beeswarm.png", "beeswarm.svg",
                                                          "importance.png", "importance.svg"]
    assert all((tmp_path / p.rsplit("/", 1)[1]).stat().st_size > 1000 for p in paths)
    svg = embedded_plots(tree_explanation)
    assert set(svg) == {"importance", "beeswarm"} and svg["importance"].startswith("<svg")
    assert svg == embedded_plots(tree_explanation)  # deterministic: safe for golden files
    png = embedded_plots(tree_explanation, fmt="png")
    assert png["beeswarm"].startswith('<img alt="beeswarm plot" src="data:image/png;base64,')


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"task": "ranking"}, "The 'task' option must be one of"),
    ({"task": "binary", "budget": -3}, "The 'budget' option must be a positive number of seconds. Got -3"),
    ({"task": "binary", "row": 10_000}, "The 'row' option must be a row position from 0 to 799"),
])
def test_bad_options_are_user_errors(binary, kwargs, message) -> None:
    X, y = binary
    with pytest.raises(OptionError, match=message.replace("(", r"\(")):
        explain_pipeline(None, X, y, **kwargs)


def test_progress_is_reported_and_cancellation_stops(regression) -> None:
    from advisor.errors import Cancelled

    X, y = regression
    model = Pipeline([("prepare", prepare()), ("model", Ridge())]).fit(X, y)
    seen: list[tuple[str, float]] = []
    explain_pipeline(model, X, y, task="regression", budget=2, progress=lambda m, f: seen.append((m, f)))
    assert seen[0][1] == 0.0 and seen[-1] == ("done", 1.0)
    with pytest.raises(Cancelled):
        explain_pipeline(model, X, y, task="regression", budget=2, should_stop=lambda: True)


def test_importing_explain_stays_light() -> None:
    code = ("import sys, advisor.explain; heavy = {'numpy', 'pandas', 'sklearn', 'shap', 'matplotlib', "
            "'rich', 'textual'}; print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    with warnings.catch_warnings():
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
