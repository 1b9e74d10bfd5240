"""Cross-validation under a budget: real stops, failures as rows, ties by the corrected t-test, metrics checked."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest

from advisor.benchmark import corrected_ttest, cross_validate_candidates, validate_metric
from advisor.candidates import candidate_advice
from advisor.errors import AdvisorError, AllCandidatesFailed, OptionError
from advisor.leaderboard import STATUSES, Leaderboard
from advisor.ruletree.model import Advice, PreparationStep

pytest.importorskip("sklearn")


def advice_of(candidates) -> Advice:
    return Advice(trace=[], path=[], leaf="test", outcome="classification", candidates=list(candidates),
                  assumptions=[], notes=[], rules_source="test")


@pytest.fixture(scope="module")
def penguins():
    from advisor.pipeline import advise_profile, bundled_path
    from advisor.profile import profile_frame
    from advisor.ruletree import load_rules

    frame = pd.read_csv(bundled_path())
    profile = profile_frame(frame, target="species")
    return frame, profile, advise_profile(profile, load_rules(None))


def small_advice(profile, names=("DummyClassifier", "LogisticRegression", "DecisionTreeClassifier")) -> Advice:
    return advice_of(candidate_advice(n, profile) for n in names)


def numbers_frame(n: int, features: int = 20, seed: int = 0) -> tuple[pd.DataFrame, object]:
    from advisor.profile import profile_frame

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, features))
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(features)])
    frame["target"] = np.where(X[:, 0] + rng.normal(scale=2, size=n) > 0, "a", "b")
    return frame, profile_frame(frame, target="target")


def assert_json_friendly(value, path="leaderboard"):
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            assert_json_friendly(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert_json_friendly(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), path
            assert_json_friendly(v, f"{path}.{k}")
    else:
        assert value is None or type(value) in (str, int, float, bool), f"{path} is {type(value)}"


def test_penguins_leaderboard_has_a_pick_a_baseline_and_a_curve(penguins):
    frame, profile, advice = penguins
    board = cross_validate_candidates(frame, profile, advice, budget=60, metric=None, seed=0, jobs=2)
    assert isinstance(board, Leaderboard)
    assert board.metric == "balanced_accuracy" and board.cv.strategy == "StratifiedKFold"
    assert board.baseline == "DummyClassifier"
    dummy = board.row("DummyClassifier")
    assert dummy.status == "ok" and dummy.score == pytest.approx(1 / 3)
    ok = [r for r in board.rows if r.status == "ok"]
    assert len(ok) == len(board.rows)
    assert [r.rank for r in ok] == list(range(1, len(ok) + 1))
    best = ok[0]
    assert best.score > 0.9 and best.fit_seconds > 0 and best.model_bytes > 0
    assert best.predict_seconds_per_1000_rows > 0 and best.train_score is not None
    assert set(best.scores) == {"balanced_accuracy", "roc_auc", "f1_macro", "log_loss"}
    assert board.row("LinearSVC").scores["log_loss"].mean is None  # no predict_proba: not faked
    assert board.row("LinearSVC").scores["roc_auc"].mean > 0.9  # from decision scores
    assert board.pick is not None and board.pick.beats_baseline
    assert board.pick.name in {best.name, *[r.name for r in ok if r.tied_with_best]}
    assert board.learning_curve is not None and board.learning_curve.status == "ok"
    assert board.learning_curve.verdict.startswith("More data")
    assert board.elapsed_seconds < 60
    assert_json_friendly(board)


def test_same_seed_gives_the_same_scores(penguins):
    frame, profile, _ = penguins
    runs = [cross_validate_candidates(frame, profile, small_advice(profile), budget=30, metric="f1_macro", seed=3)
            for _ in range(2)]
    assert [(r.name, r.scores) for r in runs[0].rows] == [(r.name, r.scores) for r in runs[1].rows]
    assert runs[0].metric == "f1_macro"


def test_a_slow_candidate_is_killed_at_the_budget():
    frame, profile = numbers_frame(6000)
    advice = advice_of(candidate_advice(n, profile) for n in ("DummyClassifier", "SVC"))
    t0 = time.monotonic()
    try:  # the SVC is the only real candidate, so its timeout leaves nothing to pick
        cross_validate_candidates(frame, profile, advice, budget=3, metric=None, seed=0, estimate=False)
        board = None
    except AllCandidatesFailed as err:
        board = err.leaderboard
    elapsed = time.monotonic() - t0
    assert board is not None
    svc = board.row("SVC")
    assert svc.status == "timeout" and "budget" in svc.reason
    assert elapsed < 3 + 3


def test_an_expensive_candidate_is_estimated_and_skipped():
    frame, profile = numbers_frame(8000)
    advice = advice_of(candidate_advice(n, profile) for n in ("DummyClassifier", "LogisticRegression", "SVC"))
    t0 = time.monotonic()
    board = cross_validate_candidates(frame, profile, advice, budget=5, metric=None, seed=0)
    assert time.monotonic() - t0 < 5 + 3
    svc = board.row("SVC")
    assert svc.status in ("skipped", "timeout")
    if svc.status == "skipped":
        assert svc.reason.startswith("estimated") and "left" in svc.reason and svc.estimated_seconds > 0
    assert board.pick is not None and board.pick.name == "LogisticRegression"


def broken(profile, name="LogisticRegression"):
    candidate = candidate_advice(name, profile)
    candidate.preparation = [s for s in candidate.preparation if s.id != "impute_numeric"]
    candidate.preparation.insert(0, PreparationStep(
        "impute_numeric", "sklearn.impute.SimpleImputer", ["bill_length_mm"], "broken on purpose",
        params={"strategy": "no-such-strategy"}))
    return candidate


def test_a_failing_candidate_becomes_a_row(penguins):
    frame, profile, _ = penguins
    advice = advice_of([candidate_advice("DummyClassifier", profile), broken(profile),
                        candidate_advice("DecisionTreeClassifier", profile)])
    board = cross_validate_candidates(frame, profile, advice, budget=30, metric=None, seed=0)
    row = board.row("LogisticRegression")
    assert row.status == "failed" and row.reason.startswith("fold 1 of 5:") and "\n" not in row.reason
    assert board.pick is not None and board.pick.name == "DecisionTreeClassifier"


def test_all_candidates_failing_raises_with_the_leaderboard(penguins):
    frame, profile, _ = penguins
    advice = advice_of([candidate_advice("DummyClassifier", profile), broken(profile)])
    with pytest.raises(AllCandidatesFailed) as info:
        cross_validate_candidates(frame, profile, advice, budget=30, metric=None, seed=0)
    assert info.value.exit_code == 1
    assert "LogisticRegression: failed" in str(info.value)
    assert info.value.leaderboard.row("LogisticRegression").status == "failed"


def test_should_stop_cancels_and_keeps_what_was_measured(penguins):
    frame, profile, advice = penguins
    t0 = time.monotonic()
    board = cross_validate_candidates(frame, profile, advice, budget=60, metric=None, seed=0,
                                      should_stop=lambda: time.monotonic() - t0 > 0.05)
    assert board.cancelled
    assert any(r.status == "cancelled" for r in board.rows)
    assert {r.status for r in board.rows} <= set(STATUSES)
    assert time.monotonic() - t0 < 10


def test_corrected_ttest_is_more_cautious_than_the_plain_one():
    from scipy import stats

    a = [0.80, 0.82, 0.79, 0.81, 0.83]
    b = [0.78, 0.81, 0.77, 0.80, 0.80]
    plain = stats.ttest_rel(a, b).pvalue
    corrected = corrected_ttest(a, b, n_train=800, n_test=200)
    assert corrected > plain
    assert corrected_ttest(a, a, 800, 200) == 1.0
    assert corrected_ttest([0.9] * 5, [0.5] * 5, 800, 200) == 0.0
    assert corrected_ttest([0.95, 0.96, 0.94, 0.95, 0.97], [0.5, 0.52, 0.49, 0.51, 0.5], 800, 200) < 0.001


def test_ties_prefer_the_interpretable_candidate_and_say_so(penguins):
    frame, profile, _ = penguins
    advice = small_advice(profile, ("DummyClassifier", "RandomForestClassifier", "LogisticRegression"))
    board = cross_validate_candidates(frame, profile, advice, budget=30, metric=None, seed=0)
    forest, logistic = board.row("RandomForestClassifier"), board.row("LogisticRegression")
    assert abs(forest.score - logistic.score) < 0.03
    assert board.pick.name == "LogisticRegression"
    loser = forest if board.pick.best == "LogisticRegression" else logistic
    assert loser.tied_with_best and loser.p_value_vs_best >= 0.05
    assert "interpretable" in board.pick.reason and "t-test" in board.pick.reason


@pytest.mark.parametrize(
    ("metric", "task", "expected"),
    [(None, "binary", "balanced_accuracy"), (None, "regression", "r2"), ("neg_log_loss", "multiclass", "log_loss"),
     ("accuracy", "binary", "accuracy"), ("neg_root_mean_squared_error", "regression", "rmse")],
)
def test_metric_names_are_resolved(metric, task, expected):
    assert validate_metric(metric, task) == expected


def test_bad_metrics_are_clear_errors():
    with pytest.raises(OptionError, match="Did you mean 'balanced_accuracy'"):
        validate_metric("balanced_acuracy", "binary")
    with pytest.raises(OptionError, match="scores regression"):
        validate_metric("r2", "binary")
    with pytest.raises(OptionError, match="scores classification"):
        validate_metric("accuracy", "regression")


def test_bad_options_and_unsupported_tasks(penguins):
    frame, profile, advice = penguins
    with pytest.raises(OptionError, match="positive number of seconds"):
        cross_validate_candidates(frame, profile, advice, budget=-3, metric=None, seed=0)
    with pytest.raises(OptionError, match="Did you mean 'island'"):
        cross_validate_candidates(frame, profile, advice, budget=5, metric=None, seed=0, groups="islnd")
    unlabeled = dataclasses.replace(profile, task="clustering")
    with pytest.raises(AdvisorError, match="does clustering") as info:
        cross_validate_candidates(frame, unlabeled, advice, budget=5, metric=None, seed=0)
    assert info.value.exit_code == 2


def test_groups_and_time_columns_choose_the_splitter(penguins):
    frame, profile, _ = penguins
    grouped = cross_validate_candidates(frame, profile, small_advice(profile), budget=30, metric=None, seed=0,
                                        groups="island")
    assert grouped.cv.strategy == "GroupKFold" and grouped.cv.n_splits == 3
    dated = frame.assign(day=pd.date_range("2021-01-01", periods=len(frame), freq="D").astype(str))
    from advisor.profile import profile_frame

    dated_profile = profile_frame(dated, target="species")
    timed = cross_validate_candidates(dated, dated_profile, small_advice(dated_profile), budget=30, metric=None,
                                      seed=0, time_col="day")
    assert timed.cv.strategy == "TimeSeriesSplit" and timed.cv.time_column == "day"


def test_rows_are_reported_as_they_finish_with_their_scores():
    from advisor.load import load_table
    from advisor.pipeline import build_profile_report, bundled_path

    report = build_profile_report(str(bundled_path()), target="species")
    frame = load_table(str(bundled_path())).frame
    seen: list[tuple[str, str, float | None]] = []
    board = cross_validate_candidates(frame, report.profile, report.advice, budget=30, metric=None, seed=0,
                                      on_row=lambda row: seen.append((row.name, row.status, row.score)))
    finished = {r.name for r in board.rows if r.status in ("ok", "failed", "timeout")}
    assert {name for name, _, _ in seen} == finished and len(seen) == len(finished)
    ok = [(name, score) for name, status, score in seen if status == "ok"]
    assert ok and all(score is not None for _, score in ok)  # scores were filled in when the row finished
    assert {name: score for name, score in ok} == {r.name: r.score for r in board.rows if r.status == "ok"}


# ---------------------------------------------------------------- the pick rule and the light tuning, on made-up folds


def fake_run(folds_by_name: dict[str, list[float]], n: int = 1000, task: str = "binary"):
    """A finished run whose rows scored the given balanced accuracy (or R²) per fold (no workers involved)."""
    from advisor import benchmark as bm
    from advisor.candidates import candidate_tags
    from advisor.catalog import CATALOG
    from advisor.leaderboard import CandidateResult

    frame, profile = numbers_frame(60)
    k = len(next(iter(folds_by_name.values())))
    splits = [(np.arange(n - n // k), np.arange(n // k)) for _ in range(k)]
    metric = "r2" if task == "regression" else "balanced_accuracy"
    metrics = [bm.metric_info(metric, True)]
    now = time.monotonic()
    run = bm._Run(frame, frame["target"], splits, task, metrics, 30.0, now, now + 30.0, None, lambda: False,
                  True, True)
    for name, folds in folds_by_name.items():
        row = CandidateResult(name, CATALOG[name].label, "map", "ok", is_baseline=name.startswith("Dummy"),
                              tags=candidate_tags(name))
        slot = bm._Slot(candidate_advice(name, profile), row, 0)
        slot.result = fold_result(folds, metric)
        run.slots.append(slot)
    bm._summaries(run)
    return run


def fold_result(folds: list[float], metric: str = "balanced_accuracy") -> dict:
    return {"scores": {metric: list(folds)}, "train": [min(1.0, f + 0.01) for f in folds],
            "fit": [0.01] * len(folds), "predict": [0.001] * len(folds), "bytes": 100}


BASE = [0.50] * 5


def test_a_simpler_candidate_is_preferred_only_within_half_a_point():
    from advisor import benchmark as bm

    svc = [0.975, 0.985, 0.970, 0.990, 0.980]  # mean 0.980
    near = [v - 0.003 + d for v, d in zip(svc, [0.004, -0.004, 0.004, -0.004, 0.0], strict=True)]  # 0.3 points under: tied
    far = [v - 0.008 + d for v, d in zip(svc, [0.01, -0.01, 0.01, -0.01, 0.0], strict=True)]  # 0.8 points under, still tied
    pick = bm._rank_and_pick(fake_run({"SVC": svc, "LogisticRegression": near, "DummyClassifier": BASE}))
    assert pick.name == "LogisticRegression" and pick.best == "SVC"
    run = fake_run({"SVC": svc, "LogisticRegression": far, "DummyClassifier": BASE})
    pick = bm._rank_and_pick(run)
    assert run.slots[1].row.tied_with_best  # the t-test cannot tell them apart...
    assert pick.name == "SVC"  # ...but 0.8 points is more than the advisor gives up for a simpler model
    assert "none of them comes within 0.005" in pick.reason


def test_up_to_a_point_is_given_up_only_when_the_folds_cannot_tell_the_two_apart():
    from advisor import benchmark as bm

    svr = [0.63, 0.43, 0.51, 0.58, 0.49]  # mean 0.528, folds far apart (a small, noisy table)
    noise = [0.03, -0.03, 0.03, -0.03, 0.0]
    ridge = [v - 0.008 + d for v, d in zip(svr, noise, strict=True)]  # 0.8 points under, well inside one SE
    pick = bm._rank_and_pick(fake_run({"SVR_rbf": svr, "Ridge": ridge, "DummyRegressor": [0.0] * 5}, task="regression"))
    assert pick.name == "Ridge" and "one standard error" in pick.reason
    worse = [v - 0.012 + 2 * d for v, d in zip(svr, noise, strict=True)]  # 1.2 points under: never, whatever the SE
    pick = bm._rank_and_pick(fake_run({"SVR_rbf": svr, "Ridge": worse, "DummyRegressor": [0.0] * 5}, task="regression"))
    assert pick.name == "SVR_rbf"
    # The same gap, within one SE, does not buy another black box that is merely cheaper.
    trees = [v - 0.008 + d for v, d in zip(svr, noise, strict=True)]
    pick = bm._rank_and_pick(fake_run({"SVR_rbf": svr, "ExtraTreesRegressor": trees, "DummyRegressor": [0.0] * 5},
                                      task="regression"))
    assert pick.name == "SVR_rbf"
    assert bm.corrected_se([1, 2, 3], [1, 2, 3], 800, 200) == 0.0 and bm.corrected_se([1], [0], 8, 2) == float("inf")


def test_tuning_adopts_a_setting_only_when_the_nested_estimate_beats_the_default():
    from advisor import benchmark as bm

    default = [0.80, 0.81, 0.79, 0.80, 0.80]
    run = fake_run({"HistGradientBoostingClassifier": default, "DummyClassifier": BASE})
    slot = run.slots[0]
    better = {"learning_rate": 0.05, "max_iter": 200, "max_depth": 3, "min_samples_leaf": 40}
    fluke = {"max_leaf_nodes": 7, "max_iter": 200, "l2_regularization": 1.0}
    slot.trials = [bm._Trial(better, "ok", fold_result([0.83, 0.84, 0.82, 0.83, 0.80]), 0.5),
                   bm._Trial(fluke, "ok", fold_result([0.70, 0.70, 0.70, 0.70, 1.00]), 0.5)]
    pick = bm._rank_and_pick(run)
    row = slot.row
    assert row.tuning is not None and row.tuning.adopted and row.params == better
    assert pick.params == better and "Light tuning" in pick.reason
    # Fold 5 is scored with the setting chosen on folds 1-4 (better: 0.80), not with the fluke's 1.00,
    # so the row's score is the nested estimate, below the best plain mean of any setting.
    assert row.scores["balanced_accuracy"].folds == [0.83, 0.84, 0.82, 0.83, 0.80]
    assert row.score == pytest.approx(0.824) == row.tuning.nested_score
    assert row.tuning.default_score == pytest.approx(0.80)
    assert [t.score for t in row.tuning.trials] == [pytest.approx(0.824), pytest.approx(0.76)]


def test_a_setting_that_wins_only_by_selection_is_not_adopted():
    from advisor import benchmark as bm

    default = [0.80, 0.80, 0.80, 0.80, 0.80]
    run = fake_run({"RandomForestClassifier": default, "DummyClassifier": BASE})
    slot = run.slots[0]
    # Best plain mean (0.81) only because of one lucky fold: chosen on every other fold's view it loses.
    slot.trials = [bm._Trial({"min_samples_leaf": 3}, "ok", fold_result([0.79, 0.79, 0.79, 0.79, 0.89]), 0.5),
                   bm._Trial({"max_features": 0.5}, "timeout", None, 3.0, "stopped at the end of the 30 s budget")]
    pick = bm._rank_and_pick(run)
    row = slot.row
    assert row.tuning.chosen == {"min_samples_leaf": 3} and not row.tuning.adopted
    assert row.tuning.nested_score < row.tuning.default_score
    assert row.params == {} and pick.params == {} and row.score == pytest.approx(0.80)
    assert row.tuning.trials[1].status == "timeout" and "kept" in row.tuning.verdict


def test_tuning_targets_one_candidate_per_family():
    from advisor import benchmark as bm

    run = fake_run({"LogisticRegression": [0.9] * 5, "LinearSVC": [0.89] * 5, "DecisionTreeClassifier": [0.88] * 5,
                    "SVC": [0.85] * 5, "HistGradientBoostingClassifier": [0.84] * 5,
                    "RandomForestClassifier": [0.83] * 5, "DummyClassifier": BASE})
    names = [run.slots[i].row.name for i in bm.tuning_targets(run)]
    # SVC shares the svm family with LinearSVC; the decision tree has no settings to try.
    assert names == ["LogisticRegression", "LinearSVC", "HistGradientBoostingClassifier"]
    # Boosting's settings are tried first: its defaults are the ones most often beaten.
    order = [run.slots[i].row.name for i in bm.tuning_order(run)]
    assert order == ["HistGradientBoostingClassifier", "LinearSVC", "LogisticRegression"]


def test_light_tuning_runs_inside_the_budget_and_records_its_settings():
    frame, profile = numbers_frame(600, features=8)
    names = ("DummyClassifier", "LogisticRegression", "RandomForestClassifier")
    advice = advice_of(candidate_advice(n, profile) for n in names)
    t0 = time.monotonic()
    board = cross_validate_candidates(frame, profile, advice, budget=10, metric=None, seed=0)
    assert time.monotonic() - t0 < 10 + 3
    tuned = [r for r in board.rows if r.tuning is not None]
    assert {r.name for r in tuned} <= {"LogisticRegression", "RandomForestClassifier"} and tuned
    for row in tuned:
        assert row.tuning.trials and all(t.params for t in row.tuning.trials)
        assert {t.status for t in row.tuning.trials} <= {"ok", "failed", "timeout", "skipped"}
        assert row.params == (row.tuning.chosen if row.tuning.adopted else {})
    assert board.pick.params == board.row(board.pick.name).params
    assert_json_friendly(board)
    untuned = cross_validate_candidates(frame, profile, advice, budget=10, metric=None, seed=0, tune=False)
    assert all(r.tuning is None and r.params == {} for r in untuned.rows)



PER_CALL, PER_ROW = 0.004, 1e-6  # a fake predict: 4 ms whatever the batch, 1 µs a row


class _Clock:
    """A fake perf_counter that only moves when the model below predicts."""

    now = 0.0

    def __call__(self) -> float:
        return _Clock.now


def _overhead_model():
    from sklearn.base import BaseEstimator, RegressorMixin

    class Overhead(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            self.mean_ = float(np.mean(y))
            return self

        def predict(self, X):
            _Clock.now += PER_CALL + PER_ROW * len(X)
            return np.full(len(X), self.mean_)

    Overhead.__qualname__ = Overhead.__name__ = "Overhead"
    globals()["Overhead"] = Overhead  # picklable: the worker measures the fitted model's size
    return Overhead()


def test_predict_time_per_1000_rows_is_measured_on_1000_rows_not_scaled_up_from_a_small_fold(monkeypatch):
    """wine: LogisticRegression '76.7 ms per 1,000 rows' came from a few ms of per-call overhead on 36 test rows."""
    import advisor.benchmark as bench

    monkeypatch.setattr(bench.time, "perf_counter", _Clock())
    monkeypatch.setattr(bench, "_pipeline", lambda data, candidate, params=None: _overhead_model())
    rng = np.random.default_rng(0)

    def run(n: int, tests: list) -> list[float]:
        X, y = pd.DataFrame({"x": rng.normal(size=n)}), pd.Series(rng.normal(size=n))
        splits = [(np.setdiff1d(np.arange(n), test), test) for test in tests]
        data = {"X": X, "y": y, "splits": splits, "pos_label": None}
        out = bench._task_cv(data, {"metrics": ["r2"], "primary": "r2", "candidate": None}, lambda *a: None)
        assert "failed" not in out, out
        return out["predict"]

    # five folds of 36 rows, as wine's: a batch of 1,000 rows costs 5 ms (it was (4 ms + 36 µs) / 36 * 1000 = 112 ms)
    assert run(180, np.array_split(np.arange(180), 5)) == pytest.approx([PER_CALL + PER_ROW * 1000] * 5)
    # a fold of 1,000 rows or more is timed as it is
    assert run(2500, [np.arange(1250)]) == pytest.approx([(PER_CALL + PER_ROW * 1250) / 1250 * 1000])


# Probes of the audit's Males run (--groups nr: 3,488 training rows a fold, 872 held out), in seconds.
MALES_FOREST = {"fit": 0.74, "predict": 0.056, "rows": 500.0, "held": 500.0, "predict_small": 0.039, "fit_small": 0.227}
MALES_SVR = {"fit": 0.079, "predict": 0.039, "rows": 500.0, "held": 500.0, "predict_small": 0.033, "fit_small": 0.041}


def test_the_estimate_scales_up_only_what_grows_with_rows():
    """A forest's 100 trees cost ~0.2 s on 50 rows: that fixed cost was multiplied by 7^1.1 with the rest."""
    from advisor.benchmark import estimate_cv_seconds

    def per_fold(probe, family, n_train=3488, n_test=872):
        return estimate_cv_seconds(probe, family, n_train, n_test, 1, classification=False)

    # without the small timings, everything grows (the old estimate, plus the predict calls it forgot)
    plain = {k: MALES_FOREST[k] for k in ("fit", "predict", "rows", "held")}
    scale = 3488 / 500
    assert per_fold(plain, "ensemble") == pytest.approx(0.74 * scale**1.2 + 0.056 / 500 * (872 + 3488 + 1000))
    # with them the fixed part stays fixed
    assert per_fold(MALES_FOREST, "ensemble") < 0.8 * per_fold(plain, "ensemble")
    # a probe that is all fixed cost (noise can make the small fit the slower) still grows a quarter of it
    flat = dict(MALES_FOREST, fit_small=0.9, predict_small=0.06)
    assert per_fold(flat, "ensemble") == pytest.approx(
        0.74 * 0.75 + 0.74 * 0.25 * scale**1.2 + 3 * 0.056 * 0.75 + 0.056 * 0.25 / 500 * (872 + 3488 + 1000))
    # kernel SVMs grow faster than forests, and more rows never cost less
    assert per_fold(MALES_SVR, "svm", 6976, 1744) / per_fold(MALES_SVR, "svm") > 2 ** 1.5 * 0.9
    assert per_fold(MALES_FOREST, "ensemble", 2000) < per_fold(MALES_FOREST, "ensemble", 3488)
    # classification scores the held-out rows twice (labels, then probabilities or decision values)
    assert estimate_cv_seconds(MALES_SVR, "svm", 3488, 872, 1, True) > per_fold(MALES_SVR, "svm")


class _FakePool:
    def __init__(self) -> None:
        self.submitted: list = []

    def free_slot(self):
        return 0

    def submit(self, slot_no, task, payload) -> None:
        self.submitted.append((task.kind, payload["candidate"].name))

    def busy(self):
        return []


def test_a_kernel_svm_that_fits_in_what_is_left_is_run_and_a_forest_that_does_not_is_skipped():
    """Males --groups nr --budget 30: SVR_rbf was estimated at 20 s (4x its cost) and skipped with 7 s left."""
    from advisor.benchmark import _Run, _Scheduler, _Slot, metric_info
    from advisor.catalog import CATALOG
    from advisor.leaderboard import CandidateResult
    from advisor.profile import profile_frame

    n = 4360
    frame = pd.DataFrame({"x": np.arange(n, dtype=float), "y": np.arange(n) % 7 * 1.5})
    profile = profile_frame(frame, target="y")
    test_rows = [np.arange(i, n, 5) for i in range(5)]
    splits = [(np.setdiff1d(np.arange(n), t), t) for t in test_rows]
    now = time.monotonic()
    run = _Run(frame[["x"]], frame["y"], splits, "regression", [metric_info("r2", True)], 30.0, now - 20, now + 10.0, None,
               lambda: False, True, True)
    for name, probe in (("RandomForestRegressor", MALES_FOREST), ("SVR_rbf", MALES_SVR)):
        row = CandidateResult(name, name, "map", "skipped", tags={})
        run.slots.append(_Slot(candidate_advice(name, profile), row, 1, probe=dict(probe)))
    assert CATALOG["SVR_rbf"].family == "svm"
    pool = _FakePool()
    scheduler = _Scheduler(run, pool)
    scheduler.queue = [("cv", 0), ("cv", 1)]
    scheduler.dispatch()
    forest, svr = (s.row for s in run.slots)
    assert pool.submitted == [("cv", "SVR_rbf")]
    assert svr.estimated_seconds < 10 and svr.reason is None  # was 31 s by the old formula on these probes
    assert forest.reason.startswith("estimated") and forest.estimated_seconds > 10


def test_the_probe_times_a_small_fit_and_predict_beside_the_sample(penguins):
    import advisor.benchmark as bench

    frame, profile, _ = penguins
    big = pd.concat([frame] * 6, ignore_index=True)  # 2,064 rows: probed like a real table
    X, y, _, splits = bench._prepare_data(big, profile, None, None, 0)
    data = {"X": X, "y": y, "splits": splits, "task": profile.task, "kinds": profile.feature_kinds(), "seed": 0,
            "target_min": None, "pos_label": None}
    probe = bench._task_probe(data, {"candidate": candidate_advice("SVC", profile)}, lambda *a: None)
    assert set(probe) == {"fit", "predict", "rows", "held", "fit_small", "predict_small"}
    assert probe["rows"] == 500 and probe["held"] == len(splits[0][1]) and all(v > 0 for v in probe.values())
