"""Every catalog candidate builds one Pipeline that fits on a messy table; the written code rebuilds it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from advisor.candidates import (
    build_pipeline,
    candidate_advice,
    candidate_tags,
    pipeline_code,
    plan_pipeline,
    target_minimum,
    training_data,
)
from advisor.catalog import CATALOG

pytest.importorskip("sklearn")


def messy_frame(n: int = 240, task: str = "binary", seed: int = 0) -> pd.DataFrame:
    """Numbers with gaps, pandas 3 strings with NaN, a high-cardinality column, text, dates, booleans, an id."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.exponential(size=n) * 100
    color = rng.choice(["red", "green", "blue"], size=n)
    words = ["good service", "bad quality", "late delivery", "great value", "buy again", "never again"]
    frame = pd.DataFrame({
        "id": np.arange(n),
        "x1": x1,
        "x2": x2,
        "color": color,
        "city": [f"city{i}" for i in rng.integers(0, 120, size=n)],
        "comment": [" ".join(rng.choice(words, size=3)) for _ in range(n)],
        "when": pd.date_range("2020-01-01", periods=n, freq="13h").strftime("%Y-%m-%d %H:%M"),
        "flag": rng.choice([True, False], size=n),
    })
    frame.loc[rng.random(n) < 0.1, "x1"] = np.nan
    frame.loc[rng.random(n) < 0.1, "color"] = np.nan
    frame.loc[rng.random(n) < 0.05, "comment"] = np.nan
    score = np.nan_to_num(x1) + (color == "red") + rng.normal(scale=0.5, size=n)
    if task == "binary":
        frame["label"] = np.where(score > 1.2, "yes", "no")  # imbalanced: class weights apply
    elif task == "multiclass":
        frame["label"] = pd.cut(score, [-np.inf, 0, 1, np.inf], labels=["lo", "mid", "hi"]).astype(str)
    else:
        frame["label"] = np.exp(score)  # skewed and positive: the log-target step applies
    return frame


@pytest.fixture(scope="module")
def profiled():
    from advisor.profile import profile_frame

    out = {}
    for task in ("binary", "multiclass", "regression"):
        frame = messy_frame(task=task)
        out[task] = (frame, profile_frame(frame, target="label"))
    return out


def names_for(*tasks: str) -> list[str]:
    return sorted(n for n, info in CATALOG.items() if set(info.tasks) & set(tasks))


def fit_one(name: str, frame, profile):
    X, y = training_data(frame, profile)
    candidate = candidate_advice(name, profile)
    pipe = build_pipeline(candidate, profile.feature_kinds(), profile.task,
                          target_min=target_minimum(y, profile.task))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    return pipe, X, y, candidate


@pytest.mark.parametrize("name", names_for("binary", "multiclass"))
def test_every_classifier_builds_and_fits_on_a_messy_frame(name, profiled):
    frame, profile = profiled["binary" if name != "GaussianNB" else "multiclass"]
    pipe, X, y, _ = fit_one(name, frame, profile)
    pred = pipe.predict(X.iloc[:20])
    assert len(pred) == 20 and set(pred) <= set(y)
    assert pipe.steps[0][0] == "prepare" and pipe.steps[-1][0] == "model"


@pytest.mark.parametrize("name", names_for("regression"))
def test_every_regressor_builds_and_fits_on_a_messy_frame(name, profiled):
    frame, profile = profiled["regression"]
    pipe, X, _, _ = fit_one(name, frame, profile)
    pred = pipe.predict(X.iloc[:20])
    assert pred.shape == (20,) and np.isfinite(pred).all()


def test_multiclass_with_target_encoding_and_native_categories(profiled):
    frame, profile = profiled["multiclass"]
    pipe, X, _, _ = fit_one("HistGradientBoostingClassifier", frame, profile)
    names = [name for name, _, _ in pipe.named_steps["prepare"].transformers]
    assert names[0] == "categorical_native" and "categorical_target" in names
    assert pipe.named_steps["model"].categorical_features == [0, 1]
    assert pipe.predict_proba(X.iloc[:5]).shape == (5, 3)


def test_class_weight_and_log_target_follow_the_preparation_steps(profiled):
    frame, profile = profiled["binary"]
    assert "class_imbalance" in profile.finding_codes()
    pipe, *_ = fit_one("LogisticRegression", frame, profile)
    assert pipe.named_steps["model"].class_weight == "balanced"
    assert fit_one("KernelApproximationClassifier", frame, profile)[0].named_steps["model"].class_weight == "balanced"

    frame, profile = profiled["regression"]
    pipe, *_ = fit_one("Ridge", frame, profile)
    assert type(pipe.named_steps["model"]).__name__ == "Ridge"  # no log target by default
    pipe, *_ = fit_one("SVR_rbf", frame, profile)
    model = pipe.named_steps["model"]
    assert type(model).__name__ == "TransformedTargetRegressor" and type(model.transformer).__name__ == "StandardScaler"


def test_a_house_rule_can_log_the_target(profiled, log_target_rules):
    from advisor.ruletree import load_rules

    preparation = load_rules(log_target_rules).preparation
    frame, profile = profiled["regression"]
    candidate = candidate_advice("Ridge", profile, preparation)
    pipe = build_pipeline(candidate, profile.feature_kinds(), "regression", target_min=0.0)
    assert type(pipe.named_steps["model"]).__name__ == "TransformedTargetRegressor"
    X, y = training_data(frame, profile)
    assert pipe.fit(X, y.abs()).predict(X.iloc[:3]).shape == (3,)
    plan = plan_pipeline(candidate, profile.feature_kinds(), "regression", target_min=-5.0)
    assert not plan.log_target and "log_target left out" in plan.notes[0]


def test_new_rows_with_gaps_and_unseen_categories_still_predict(profiled):
    frame, profile = profiled["binary"]
    pipe, X, _, _ = fit_one("LogisticRegression", frame, profile)
    new = X.iloc[:3].copy()
    new["x2"] = np.nan
    new["color"] = "purple"
    new["when"] = "not a date"
    assert len(pipe.predict(new)) == 3


@pytest.mark.parametrize("name", ["LogisticRegression", "HistGradientBoostingRegressor", "KernelApproximationClassifier"])
def test_pipeline_code_rebuilds_the_same_pipeline(name, profiled):
    task = "regression" if "Regressor" in name else "binary"
    frame, profile = profiled[task]
    pipe, X, y, candidate = fit_one(name, frame, profile)
    code = pipeline_code(candidate, profile.feature_kinds(), profile.task, target_min=target_minimum(y, task))
    compile(code, "<pipeline_code>", "exec")
    namespace: dict = {"__name__": "rebuilt"}
    exec(code, namespace)
    rebuilt = namespace["pipeline"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rebuilt.fit(X, y)
    assert [s for s, _ in rebuilt.steps] == [s for s, _ in pipe.steps]
    np.testing.assert_array_equal(rebuilt.predict(X.iloc[:30]), pipe.predict(X.iloc[:30]))
    assert "import advisor" not in code  # self-contained for a design doc


def test_tags_come_from_the_catalog():
    tags = candidate_tags("HistGradientBoostingClassifier")
    assert tags["interpretability"] == "black_box" and tags["handles_nan"] is True
    assert set(tags) >= {"interpretability", "partial_fit", "predict_proba", "handles_nan", "cost"}
    assert all(isinstance(v, (str, bool)) for v in tags.values())


def test_the_skew_transform_is_seeded_so_a_seed_gives_the_same_model(profiled):
    """QuantileTransformer fits on a random subsample of 10,000 rows: unseeded, big tables scored differently."""
    _, profile = profiled["binary"]
    candidate = candidate_advice("LogisticRegression", profile)
    assert any(s.id == "reduce_skew" for s in candidate.preparation)
    for seed in (0, 7):
        pipe = build_pipeline(candidate, profile.feature_kinds(), profile.task, seed=seed)
        quantile = [v for k, v in pipe.get_params().items() if type(v).__name__ == "QuantileTransformer"]
        assert quantile and all(q.random_state == seed for q in quantile)


def high_cardinality_regression(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A target in large units, driven by a numeric column and a 60-level category (Caschool's county)."""
    rng = np.random.default_rng(seed)
    levels = rng.normal(size=60)
    group = rng.integers(0, 60, size=n)
    x = rng.normal(size=n)
    return pd.DataFrame({
        "x": x,
        "group": [f"g{g}" for g in group],
        "y": 650 + 20 * x + 20 * levels[group] + rng.normal(scale=2, size=n),
    })


@pytest.mark.parametrize("name", ["SVR_rbf", "KNeighborsClassifier", "Ridge"])
def test_scale_sensitive_candidates_scale_the_target_encoded_columns(name):
    """TargetEncoder's output is in the target's units (std ~20 here): unscaled, it swamped SVR's RBF kernel."""
    from advisor.profile import profile_frame

    frame = high_cardinality_regression()
    if name == "KNeighborsClassifier":
        frame["y"] = np.where(frame["y"] > 650, "hi", "lo")
    profile = profile_frame(frame, target="y")
    assert "high_cardinality" in profile.finding_codes()
    pipe, X, _, candidate = fit_one(name, frame, profile)
    assert "group" in next(s.columns for s in candidate.preparation if s.id == "scale_encoded")
    encoded = pipe.named_steps["prepare"].named_transformers_["categorical_target"]
    assert type(encoded.steps[-1][1]).__name__ == "StandardScaler"
    assert abs(float(np.std(encoded.transform(X[["group"]]))) - 1) < 0.1


def test_trees_leave_the_target_encoded_columns_unscaled():
    from advisor.profile import profile_frame

    frame = high_cardinality_regression()
    profile = profile_frame(frame, target="y")
    pipe, *_ = fit_one("RandomForestRegressor", frame, profile)
    encoded = pipe.named_steps["prepare"].named_transformers_["categorical_target"]
    assert type(encoded.steps[-1][1]).__name__ == "TargetEncoder"


def test_svr_scores_well_once_the_encoded_column_is_scaled():
    """Caschool: SVR_rbf R² 0.079 with the encoder's output unscaled, 0.947 scaled."""
    from sklearn.model_selection import KFold, cross_val_score

    from advisor.profile import profile_frame

    frame = high_cardinality_regression()
    profile = profile_frame(frame, target="y")
    X, y = training_data(frame, profile)
    candidate = candidate_advice("SVR_rbf", profile)
    pipe = build_pipeline(candidate, profile.feature_kinds(), "regression", target_min=target_minimum(y, "regression"))
    scores = cross_val_score(pipe, X, y, cv=KFold(5, shuffle=True, random_state=0), scoring="r2")
    assert scores.mean() > 0.8, scores
