"""Cross-validate the candidates inside a time budget and pick one.

:func:`cross_validate_candidates` is the whole stage. The budget is a real
stop: every candidate runs in a worker *process* (forkserver, or spawn where
fork is unavailable) that loads the data once from a temporary pickle, and a
candidate still running at the deadline is killed and recorded as
``timeout``. Cheap candidates run first; an expensive one on a large table is
first timed on a small sample and skipped, with the estimate, when it cannot
finish in what is left. Failures are rows, never crashes.

Candidates come in *waves*: the first candidates the rule tree proposed, then
each leaf the map's "not working / try next" arrows lead to. When the first
waves already beat the Dummy baseline clearly, later waves still run while
the budget allows (``explore=True``), or are skipped with the reason
(``explore=False``).

Clustering and dimensionality reduction have no target to cross-validate
against; they run in the same killable workers under the same budget, as a
task of their own (``"unsupervised"``, next to ``"cv"``), see
:func:`_task_unsupervised`:

- clustering: each candidate is fitted on a seeded sample of at most 5,000
  prepared rows, then on the distinct rows of 5 bootstrap draws of it.
  Silhouette (the default primary metric), Calinski-Harabasz and
  Davies-Bouldin are computed on every fit (rows labelled noise left out),
  so each has a mean and a spread; *stability* is the mean adjusted Rand
  index between the resamples' labels on the rows they share. ``--n-clusters``
  sets k for KMeans, MiniBatchKMeans, SpectralClustering and GaussianMixture;
  without it k is chosen by silhouette over 2..8 (as far as half the time left
  allows) and the row says which. The baseline is *random labels* (a single
  cluster has no silhouette): its silhouette is about 0 and its stability
  about 0, so "beats the baseline" reads as "found structure that chance does
  not". The pick has the best primary metric among the stable candidates
  (stability ARI of at least 0.5); an unstable one is picked only when no
  candidate is stable, and the reason says so.
- dimensionality reduction: each candidate embeds a seeded sample of at most
  2,000 prepared rows in 2 dimensions (an embedding with more columns, such as
  the Nystroem kernel map, is projected to 2 by PCA); trustworthiness
  (``sklearn.manifold.trustworthiness``, 5 neighbours) is the primary metric,
  PCA also reports its explained variance and how many components reach 90%.
  The pick has the best trustworthiness; within 0.01 of it the more
  interpretable one wins (PCA). The pick's 2-D picture (at most 1,000 points)
  is kept in ``Leaderboard.embedding``.

Differences between candidates are tested with the Nadeau-Bengio corrected
resampled t-test (the folds share training rows, so a plain paired t-test is
overconfident); candidates not significantly worse than the best are tied,
and among ties the advisor picks the more interpretable, then cheaper one.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.candidates import COST_RANK, INTERPRETABILITY_RANK, candidate_tags
from advisor.catalog import CATALOG, TUNING
from advisor.errors import AdvisorError, AllCandidatesFailed, OptionError, did_you_mean
from advisor.leaderboard import (
    CandidateResult,
    CVInfo,
    Embedding,
    Leaderboard,
    LearningCurve,
    MetricInfo,
    MetricScore,
    Pick,
    Tuning,
    TuningTrial,
)

if TYPE_CHECKING:
    import pandas as pd

    from advisor.profile.model import Profile
    from advisor.ruletree.model import Advice, CandidateAdvice

Progress = Callable[[str, float], None]

CLASSIFICATION = ("binary", "multiclass")
UNSUPERVISED_TASKS = ("clustering", "dimensionality_reduction")
SUPPORTED_TASKS = (*CLASSIFICATION, "regression", *UNSUPERVISED_TASKS)
# The advisor's metric keys: label, greater is better, the scikit-learn scorer it corresponds to.
METRICS: dict[str, tuple[str, bool, str]] = {
    "balanced_accuracy": ("balanced accuracy", True, "balanced_accuracy"),
    "roc_auc": ("ROC AUC", True, "roc_auc_ovr"),
    "f1_macro": ("F1 (macro)", True, "f1_macro"),
    "log_loss": ("log loss", False, "neg_log_loss"),
    "average_precision": ("average precision", True, "average_precision"),
    "r2": ("R²", True, "r2"),
    "rmse": ("RMSE", False, "neg_root_mean_squared_error"),
    "mae": ("MAE", False, "neg_mean_absolute_error"),
    # Unsupervised: computed by the advisor itself, in the space the estimator saw (after preparation).
    "silhouette": ("silhouette", True, "advisor:silhouette"),
    "calinski_harabasz": ("Calinski-Harabasz", True, "advisor:calinski_harabasz"),
    "davies_bouldin": ("Davies-Bouldin", False, "advisor:davies_bouldin"),
    "stability": ("stability (ARI)", True, "advisor:stability"),
    "trustworthiness": ("trustworthiness", True, "advisor:trustworthiness"),
    "explained_variance": ("explained variance", True, "advisor:explained_variance"),
}
CLUSTERING_METRICS = ("silhouette", "calinski_harabasz", "davies_bouldin", "stability")
REDUCTION_METRICS = ("trustworthiness", "explained_variance")
DEFAULT_METRICS = {
    "binary": ["balanced_accuracy", "roc_auc", "f1_macro", "log_loss", "average_precision"],
    "multiclass": ["balanced_accuracy", "roc_auc", "f1_macro", "log_loss"],
    "regression": ["r2", "rmse", "mae"],
    "clustering": list(CLUSTERING_METRICS),
    "dimensionality_reduction": list(REDUCTION_METRICS),
}
# Metrics that may be primary for the unsupervised tasks (explained variance exists for PCA only).
UNSUPERVISED_PRIMARY = {"clustering": list(CLUSTERING_METRICS), "dimensionality_reduction": ["trustworthiness"]}
UNSUPERVISED_ALIASES = {"silhouette_score": "silhouette", "calinski_harabasz_score": "calinski_harabasz",
                        "davies_bouldin_score": "davies_bouldin"}
# scikit-learn scorer names that mean one of the advisor's metrics.
SCORER_ALIASES = {
    "roc_auc": "roc_auc", "roc_auc_ovr": "roc_auc", "neg_log_loss": "log_loss",
    "neg_root_mean_squared_error": "rmse", "neg_mean_absolute_error": "mae", "f1_macro": "f1_macro",
    "balanced_accuracy": "balanced_accuracy", "average_precision": "average_precision", "r2": "r2",
}
BOUNDED = {"balanced_accuracy", "roc_auc", "f1_macro", "average_precision", "r2", "accuracy"}
N_SPLITS = 5
ALPHA = 0.05  # significance level of the corrected t-test
OVERFIT_GAP = 0.10  # train - test gap that flags overfitting, for metrics on a 0-1 scale
PREDICT_BATCH = 1000  # predict time is measured on at least this many rows (a small fold's are repeated)
PROBE_MIN_ROWS = 2000  # below this, expensive candidates are just run (the kill keeps the budget)
PROBE_ROWS = 500
PROBE_SMALL = 50  # the probe also fits and predicts this many rows: a call's fixed cost is not scaled up
# How fit time grows with rows beyond its fixed cost, by family (others: 1.1). Kernel SVMs are quadratic in
# theory; fitted on 2,000-4,000-row tables (Males, PSID, Treatment, Catsup) libsvm's time grew as
# rows^1.2-1.7. A forest's trees grew as rows^1.2 from 500 rows to a fold of Males (3,488) or HI (17,817).
# Histogram boosting bins the rows once and stops early past 10,000 rows: its time barely grew there.
GROWTH = {"svm": 1.5, "neighbors": 1.0, "manifold": 2.0, "boosting": 0.5, "ensemble": 1.2, "tree": 1.2}
# How predict time per row grows with the training rows: kNN searches them all, and on noisy tables most rows
# become a kernel SVM's support vectors; other models do not depend on them.
PREDICT_GROWTH = {"svm": 1.0, "neighbors": 1.0}
VARIABLE_FLOOR = 0.25  # share of a probe's time taken as growing with rows at least (its timings are noisy)
CURVE_SIZES = [0.2, 0.45, 0.7, 1.0]
# Imported once by the forkserver, so each worker (and each replacement for a killed one) starts warm.
PRELOAD = [
    "advisor.benchmark", "advisor.candidates", "pandas", "scipy.stats", "threadpoolctl", "sklearn.pipeline",
    "sklearn.compose", "sklearn.impute", "sklearn.preprocessing", "sklearn.metrics", "sklearn.model_selection",
    "sklearn.feature_extraction.text", "sklearn.ensemble", "sklearn.linear_model", "sklearn.svm", "sklearn.tree",
    "sklearn.naive_bayes", "sklearn.neighbors", "sklearn.dummy", "sklearn.kernel_approximation",
]
CURVE_FOLDS = 3
CLUSTER_SAMPLE = 5000  # rows a clustering candidate is fitted and scored on
REDUCTION_SAMPLE = 2000  # rows an embedding is computed and its trustworthiness measured on
EMBEDDING_POINTS = 1000  # points of the pick's 2-D picture
RESAMPLES = 5  # bootstrap resamples behind the stability score
K_RANGE = (2, 8)  # k tried by silhouette when --n-clusters is not given
STABLE_ARI = 0.5  # below this mean adjusted Rand index a clustering is unstable
TRUST_NEIGHBORS = 5
TRUST_OK = 0.9  # trustworthiness below which the map's 'not working' arrow is followed
TUNE_FAMILIES = 3  # light tuning: the best candidate of each of this many estimator families
TUNE_COST = 1.5  # a setting is started only when this many times the default's CV time is left
# Whose settings are tried first when the budget may not hold them all: boosting's defaults (31 leaves,
# made for large tables) are the ones most often beaten by a shallower, slower setting on small and
# medium tables; a linear model's penalty moves the score least.
TUNE_ORDER = {"boosting": 0, "ensemble": 1, "svm": 2, "neighbors": 3, "linear": 4}
TRIAL_SLOTS = 64  # queue code of a tuning trial: slot index * TRIAL_SLOTS + trial index
UNSUPERVISED_TIE = 0.01  # scores this close (relative for unbounded metrics) are tied
# The parameter that sets the number of clusters, for the estimators that need one.
K_PARAM = {"KMeans": "n_clusters", "MiniBatchKMeans": "n_clusters", "SpectralClustering": "n_clusters",
           "GaussianMixture": "n_components"}
UPPER_BOUND_K = {"BayesianGaussianMixture": 10}  # VBGMM: components it may use; unused ones shrink away
RANDOM_BASELINE = "RandomLabels"
# Mixtures on standardized data with one-hot columns meet singular covariances; a little more regularization fixes it.
MODEL_OVERRIDES: dict[str, dict[str, Any]] = {"GaussianMixture": {"reg_covar": 1e-3},
                                              "BayesianGaussianMixture": {"reg_covar": 1e-3}}


# ---------------------------------------------------------------- metrics


def validate_metric(metric: str | None, task: str) -> str:
    """The primary metric's key for ``task``; any scikit-learn scorer name is accepted, checked."""
    if task in UNSUPERVISED_TASKS:
        return _validate_unsupervised_metric(metric, task)
    if metric is None:
        return DEFAULT_METRICS[task][0]
    if metric in METRICS:
        key = metric
    elif metric in SCORER_ALIASES:
        key = SCORER_ALIASES[metric]
    else:
        from sklearn.metrics import get_scorer_names

        names = sorted(set(get_scorer_names()) | set(METRICS))
        if metric not in names:
            raise OptionError(
                f"The 'metric' option must be a scikit-learn scorer name such as "
                f"'{DEFAULT_METRICS[task][0]}'. Got '{metric}' instead.{did_you_mean(metric, names)}"
            )
        key = metric
    kind = _metric_kind(key)
    wanted = "regression" if task == "regression" else "classification"
    if kind is not None and kind != wanted:
        raise OptionError(
            f"The 'metric' option '{metric}' scores {kind}, but the task is {task}. "
            f"Use a {wanted} metric such as '{DEFAULT_METRICS[task][0]}'."
        )
    if key == "average_precision" and task != "binary":
        raise OptionError("The 'metric' option 'average_precision' needs a binary target. Use 'roc_auc' instead.")
    return key


def _validate_unsupervised_metric(metric: str | None, task: str) -> str:
    allowed = UNSUPERVISED_PRIMARY[task]
    if metric is None:
        return allowed[0]
    key = UNSUPERVISED_ALIASES.get(metric, metric)
    if key in allowed:
        return key
    names = ", ".join(f"'{k}'" for k in allowed)
    from sklearn.metrics import get_scorer_names

    why = " (scikit-learn's scorers compare with true labels, which a table without a target does not have)" if (
        metric in get_scorer_names()) else ""
    raise OptionError(f"The 'metric' option for {task.replace('_', ' ')} must be one of {names}. "
                      f"Got '{metric}' instead{why}.{did_you_mean(metric, allowed)}")


def _metric_kind(key: str) -> str | None:
    """'regression', 'classification', 'clustering' or None (unknown) for a metric key."""
    if key in CLUSTERING_METRICS:
        return "clustering"
    if key in REDUCTION_METRICS:
        return "dimensionality_reduction"
    if key in METRICS:
        return "regression" if key in ("r2", "rmse", "mae") else "classification"
    from sklearn.metrics import get_scorer

    module = getattr(getattr(get_scorer(key), "_score_func", None), "__module__", "") or ""
    if "cluster" in module:
        return "clustering"
    if "_regression" in module:
        return "regression"
    if "_classification" in module or "_ranking" in module:
        return "classification"
    return None


def metric_info(key: str, primary: bool) -> MetricInfo:
    if key in METRICS:
        label, greater, scorer = METRICS[key]
        return MetricInfo(key, label, scorer, greater, primary)
    return MetricInfo(key, key.replace("_", " "), key, True, primary)


def _continuous_scores(estimator: Any, X: Any) -> Any:
    """Probabilities, or decision scores when the estimator has no predict_proba; never hard labels."""
    import numpy as np

    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X))
    scores = np.asarray(estimator.decision_function(X))
    return scores if scores.ndim == 2 else np.column_stack([-scores, scores])


def _compute(key: str, estimator: Any, X: Any, y: Any, cache: dict[str, Any], pos_label: Any) -> float:
    """One metric in natural units; raises when the estimator cannot give it."""
    import numpy as np
    from sklearn import metrics as m

    def pred() -> Any:
        if "pred" not in cache:
            cache["pred"] = estimator.predict(X)
        return cache["pred"]

    def scores() -> Any:
        if "scores" not in cache:
            cache["scores"] = _continuous_scores(estimator, X)
        return cache["scores"]

    y_arr = np.asarray(y)
    if key == "balanced_accuracy":
        return float(m.balanced_accuracy_score(y_arr, pred()))
    if key == "f1_macro":
        return float(m.f1_score(y_arr, pred(), average="macro"))
    if key == "r2":
        return float(m.r2_score(y_arr, pred()))
    if key == "rmse":
        return float(np.sqrt(m.mean_squared_error(y_arr, pred())))
    if key == "mae":
        return float(m.mean_absolute_error(y_arr, pred()))
    classes = list(estimator.classes_) if hasattr(estimator, "classes_") else None
    if key == "log_loss":
        if not hasattr(estimator, "predict_proba"):
            raise ValueError("log loss needs predict_proba, which this estimator does not have")
        return float(m.log_loss(y_arr, scores(), labels=classes))
    if key == "roc_auc":
        assert classes is not None
        s = scores()
        aucs = [
            m.roc_auc_score(y_arr == c, s[:, i])
            for i, c in enumerate(classes)
            if 0 < (y_arr == c).sum() < len(y_arr)
        ]
        if len(classes) == 2:
            aucs = aucs[1:] or aucs
        return float(np.mean(aucs))
    if key == "average_precision":
        assert classes is not None
        i = classes.index(pos_label)
        return float(m.average_precision_score(y_arr == pos_label, scores()[:, i]))
    from sklearn.metrics import get_scorer

    return float(get_scorer(key)(estimator, X, y))


# ---------------------------------------------------------------- the worker process


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _worker_main(conn: Any, data_path: str, threads: int) -> None:
    """A worker: load the data once, then run tasks sent over ``conn`` until told to stop."""
    import pickle
    import signal
    import warnings

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    warnings.filterwarnings("ignore")
    from threadpoolctl import threadpool_limits

    with open(data_path, "rb") as fh:
        data = pickle.load(fh)
    handlers = task_handlers()
    with threadpool_limits(limits=threads):
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message[0] == "stop":
                return
            kind, task_id, payload = message

            def report(*args: Any, task_id: int = task_id) -> None:
                conn.send(("progress", task_id, *args))

            try:
                result = handlers[kind](data, payload, report)
                conn.send(("done", task_id, result))
            except Exception as exc:
                conn.send(("error", task_id, _one_line(exc)))


def task_handlers() -> dict[str, Callable[[dict[str, Any], dict[str, Any], Callable[..., None]], Any]]:
    """The pure task functions a worker runs, by kind: ``handler(data, payload, report) -> result``.

    They read only their arguments (the data shipped once, the task's payload), so the same
    function gives the same result in a local worker process and on a Dask worker.
    """
    return {"cv": _task_cv, "tune": _task_cv, "probe": _task_probe, "curve": _task_curve, "unsupervised": _task_unsupervised}


def _pipeline(data: dict[str, Any], candidate: CandidateAdvice, params: dict[str, Any] | None = None) -> Any:
    from advisor.candidates import build_pipeline

    return build_pipeline(candidate, data["kinds"], data["task"], seed=data["seed"], target_min=data["target_min"],
                          params=params)


def _task_cv(data: dict[str, Any], payload: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """Cross-validate one candidate fold by fold; a fold that raises fails the candidate."""
    import pickle

    from sklearn.base import clone

    X, y, splits = data["X"], data["y"], data["splits"]
    keys, primary = payload["metrics"], payload["primary"]
    template = _pipeline(data, payload["candidate"], payload.get("params"))
    out: dict[str, Any] = {"scores": {k: [] for k in keys}, "train": [], "fit": [], "predict": [], "bytes": None}
    for i, (train, test) in enumerate(splits):
        model = clone(template)
        try:
            t0 = time.perf_counter()
            model.fit(X.iloc[train], y.iloc[train])
            out["fit"].append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            cache: dict[str, Any] = {"pred": model.predict(X.iloc[test])}
            out["predict"].append(_predict_seconds_per_1000(model, X, test, time.perf_counter() - t1))
            for key in keys:
                out["scores"][key].append(_safe_metric(key, primary, model, X.iloc[test], y.iloc[test], cache, data))
            out["train"].append(_compute(primary, model, X.iloc[train], y.iloc[train], {}, data["pos_label"]))
        except Exception as exc:
            return {"failed": f"fold {i + 1} of {len(splits)}: {_one_line(exc)}"}
        if out["bytes"] is None:
            out["bytes"] = len(pickle.dumps(model))
        report("fold", i + 1, len(splits))
    return out


def _predict_seconds_per_1000(model: Any, X: Any, test: Any, seconds: float) -> float:
    """Seconds to predict 1,000 rows in one batch.

    A held-out fold under 1,000 rows is not scaled up: a predict call has a fixed cost (the
    ColumnTransformer's pandas work, input checks) that would be multiplied with it (wine's
    36-row folds made LogisticRegression look like 77 ms per 1,000 rows). Its rows are repeated
    to a batch of 1,000 and that batch is timed instead.
    """
    import numpy as np

    if len(test) >= PREDICT_BATCH or len(test) == 0:
        return seconds / max(len(test), 1) * 1000
    batch = X.iloc[np.resize(np.asarray(test), PREDICT_BATCH)]
    t0 = time.perf_counter()
    model.predict(batch)
    return (time.perf_counter() - t0) / PREDICT_BATCH * 1000


def _safe_metric(key: str, primary: str, model: Any, X: Any, y: Any, cache: dict[str, Any], data: dict[str, Any]) -> float | None:
    """A secondary metric the estimator cannot give is None; the primary one must work."""
    try:
        value = _compute(key, model, X, y, cache, data["pos_label"])
    except Exception:
        if key == primary:
            raise
        return None
    return value if math.isfinite(value) else None


def _task_probe(data: dict[str, Any], payload: dict[str, Any], report: Callable[..., None]) -> dict[str, float]:
    """Time a fit and a predict on a small sample, to estimate the full cross-validation.

    The same is timed on :data:`PROBE_SMALL` rows, after the sample (so it runs warm; the least of
    a few timings): what a call costs whatever the rows (a forest's per-tree work, boosting's
    iterations, the pipeline's checks) is then told apart from what grows with them, and only the
    latter is scaled up. A small fit that fails (a class missing from 50 rows) leaves the fixed
    cost unknown, taken as none.
    """
    import numpy as np

    X, y = data["X"], data["y"]
    train, test = data["splits"][0]
    rng = np.random.default_rng(data["seed"])
    rows = rng.choice(train, size=min(PROBE_ROWS, len(train)), replace=False)
    held = test[: min(PROBE_ROWS, len(test))]
    model = _pipeline(data, payload["candidate"])
    t0 = time.perf_counter()
    model.fit(X.iloc[rows], y.iloc[rows])
    fit = time.perf_counter() - t0
    t1 = time.perf_counter()
    model.predict(X.iloc[held])
    out = {"fit": fit, "predict": time.perf_counter() - t1, "rows": float(len(rows)), "held": float(len(held))}
    if len(rows) < 2 * PROBE_SMALL or len(held) < 2 * PROBE_SMALL:
        return out
    # The least of a few timings: a busy machine only ever adds time, and an inflated fixed part
    # would be the one error that makes the estimate too low.
    out["predict_small"] = min(_timed(model.predict, X.iloc[held[:PROBE_SMALL]]) for _ in range(3))
    with contextlib.suppress(Exception):
        out["fit_small"] = min(_timed(_pipeline(data, payload["candidate"]).fit, X.iloc[rows[:PROBE_SMALL]],
                                      y.iloc[rows[:PROBE_SMALL]]) for _ in range(2))
    return out


def _timed(call: Callable[..., Any], *args: Any) -> float:
    t0 = time.perf_counter()
    call(*args)
    return time.perf_counter() - t0


def _fixed_and_variable(total: float, small: float | None, ratio: float) -> tuple[float, float]:
    """Split a probe's time into a fixed part and a part growing with rows.

    ``total`` was timed on the sample, ``small`` on the small sample, whose variable part is ``ratio``
    times the sample's. At least :data:`VARIABLE_FLOOR` of ``total`` is taken as variable.
    """
    if small is None:
        return 0.0, total
    variable = max((total - small) / (1 - ratio), VARIABLE_FLOOR * total)
    variable = min(variable, total)
    return total - variable, variable


def estimate_cv_seconds(probe: dict[str, float], family: str, n_train: int, n_test: int, n_splits: int,
                        classification: bool) -> float:
    """Seconds for the full cross-validation of one candidate, from its probe (:func:`_task_probe`).

    Per fold: the fit's fixed cost plus its variable cost scaled to ``n_train`` rows by the family's
    :data:`GROWTH`, and every predict call :func:`_task_cv` makes (the held-out fold, its scores for
    classification, the 1,000-row timing batch of a small fold, the training rows for the train
    score), each a fixed cost plus its rows at the probe's per-row cost, grown by
    :data:`PREDICT_GROWTH`.
    """
    rows = max(probe["rows"], 1.0)
    held = max(probe["held"], 1.0)
    scale = n_train / rows
    growth = GROWTH.get(family, 1.1)
    small_rows = float(PROBE_SMALL)
    fit_fixed, fit_variable = _fixed_and_variable(probe["fit"], probe.get("fit_small"),
                                                  (min(small_rows, rows) / rows) ** growth)
    fit = fit_fixed + fit_variable * scale**growth
    call, per_row_all = _fixed_and_variable(probe["predict"], probe.get("predict_small"), min(PROBE_SMALL, held) / held)
    per_row = per_row_all / held * scale ** PREDICT_GROWTH.get(family, 0.0)
    calls = [n_test] * (2 if classification else 1) + [n_train]
    if n_test < PREDICT_BATCH:
        calls.append(PREDICT_BATCH)
    predict = sum(call + per_row * n for n in calls)
    return (fit + predict) * n_splits


def _task_curve(data: dict[str, Any], payload: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """The pick's learning curve on a few training sizes (scikit-learn's learning_curve)."""
    import numpy as np
    from sklearn.model_selection import learning_curve

    primary = payload["primary"]

    def scorer(estimator: Any, X: Any, y: Any) -> float:
        return _compute(primary, estimator, X, y, {}, data["pos_label"])

    sizes, train, test = learning_curve(
        _pipeline(data, payload["candidate"]), data["X"], data["y"], train_sizes=CURVE_SIZES,
        cv=data["splits"][:CURVE_FOLDS], scoring=scorer, shuffle=True, random_state=data["seed"],
        error_score="raise",
    )
    return {
        "sizes": [int(s) for s in sizes],
        "train": [float(v) for v in np.mean(train, axis=1)],
        "test": [float(v) for v in np.mean(test, axis=1)],
        "test_std": [float(v) for v in np.std(test, axis=1)],
    }


# ---------------------------------------------------------------- unsupervised tasks (in the worker)


def cluster_params(name: str, k: int | None) -> dict[str, Any]:
    """Parameters the advisor sets on candidate ``name``: the number of clusters ``k`` (when it takes one), and
    the regularization of the mixtures. The leaderboard's ``clusters.k`` rebuilds the measured estimator."""
    params = dict(MODEL_OVERRIDES.get(name, {}))
    if k is not None and name in K_PARAM:
        params[K_PARAM[name]] = int(k)
    elif k is not None and name in UPPER_BOUND_K:
        params["n_components"] = int(k)
    return params


def _sample(n: int, size: int, seed: int) -> Any:
    """A seeded random sample of row positions, in random order (so any prefix is a random sample too)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.permutation(n)[: min(n, size)]


def _dense(matrix: Any) -> Any:
    import numpy as np

    matrix = matrix.toarray() if hasattr(matrix, "toarray") else matrix
    return np.asarray(matrix, dtype=float)


def _task_unsupervised(data: dict[str, Any], payload: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    if data["task"] == "clustering":
        return _task_cluster(data, payload, report)
    return _task_embed(data, payload, report)


def _labels_of(model: Any, X: Any) -> Any:
    import numpy as np

    labels = getattr(model, "labels_", None)
    return np.asarray(labels if labels is not None else model.predict(X))


def _cluster_scores(Xt: Any, labels: Any) -> dict[str, float] | None:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin on the rows not labelled noise; None below 2 clusters."""
    import numpy as np
    from sklearn import metrics as m

    keep = (labels >= 0) & np.isfinite(Xt).all(axis=1)
    found = np.unique(labels[keep])
    if len(found) < 2 or keep.sum() <= len(found):
        return None
    X, y = Xt[keep], labels[keep]
    return {"silhouette": float(m.silhouette_score(X, y)),
            "calinski_harabasz": float(m.calinski_harabasz_score(X, y)),
            "davies_bouldin": float(m.davies_bouldin_score(X, y))}


def _choose_k(template: Any, name: str, Xt: Any, seed: int, seconds: float,
              started: float) -> tuple[int, dict[str, float], bool]:
    """k with the best silhouette over K_RANGE (``name`` is the parameter), as far as half the time left allows."""
    import numpy as np
    from sklearn.base import clone
    from sklearn.metrics import silhouette_score

    tried: dict[str, float] = {}
    cut = False
    for k in range(K_RANGE[0], min(K_RANGE[1], len(Xt) - 1) + 1):
        if tried and time.perf_counter() - started > seconds / 2:
            cut = True
            break
        model = clone(template).set_params(**{name: k})
        labels = _labels_of(model.fit(Xt), Xt)
        if len(np.unique(labels)) < 2:
            continue
        tried[str(k)] = round(float(silhouette_score(Xt, labels, sample_size=min(len(Xt), 2000),
                                                     random_state=seed)), 6)
    if not tried:
        raise ValueError(f"no k in {K_RANGE[0]}..{K_RANGE[1]} gave two clusters or more")
    best = max(tried, key=lambda key: (tried[key], -int(key)))
    return int(best), tried, cut


def _task_cluster(data: dict[str, Any], payload: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """Fit one clusterer on a sample, score it, and refit it on bootstrap resamples for the stability."""
    import pickle
    from itertools import combinations

    import numpy as np
    from sklearn.base import clone
    from sklearn.metrics import adjusted_rand_score

    started = time.perf_counter()
    seed, given = data["seed"], data["n_clusters"]
    rows = np.sort(_sample(len(data["X"]), CLUSTER_SAMPLE, seed))
    X = data["X"].iloc[rows]
    candidate = payload["candidate"]
    baseline = candidate.name == RANDOM_BASELINE
    name = data["reference"].name if baseline else candidate.name
    pipe = _pipeline(data, data["reference"] if baseline else candidate, cluster_params(name, None))
    t0 = time.perf_counter()
    Xt = _dense(pipe[:-1].fit_transform(X))
    template = pipe[-1]
    notes: list[str] = []
    stats: dict[str, Any] = {"sample_rows": len(rows), "resamples": RESAMPLES}
    rng = np.random.default_rng(seed + 1)
    fitted: list[Any] = []
    if baseline:
        k = given or 3
        stats.update(k=k, k_source="given" if given else None)

        def fit(Z: Any) -> Any:
            return rng.integers(0, k, len(Z))
    else:
        if name in K_PARAM and given:
            template.set_params(**cluster_params(name, given))
            stats.update(k=given, k_source="given")
        elif name in K_PARAM:
            k, tried, cut = _choose_k(template, K_PARAM[name], Xt, seed, payload.get("seconds", 60.0), started)
            template.set_params(**cluster_params(name, k))
            stats.update(k=k, k_source="silhouette", k_search=tried)
            span = f"{min(map(int, tried))}..{max(map(int, tried))}"
            notes.append(f"k={k} chosen by silhouette over k={span}" + (" (the search was cut short by the budget)" if cut else ""))
        elif name in UPPER_BOUND_K:
            bound = min(given or UPPER_BOUND_K[name], len(Xt) - 1)
            template.set_params(n_components=bound)
            stats.update(k=bound, k_source="given" if given else "upper bound")

        def fit(Z: Any) -> Any:
            model = clone(template).fit(Z)
            fitted.append(model)
            return _labels_of(model, Z)
    labels = fit(Xt)
    fit_seconds = time.perf_counter() - t0
    first = _cluster_scores(Xt, labels)
    if first is None:
        found = len(np.unique(labels[labels >= 0]))
        return {"failed": f"found {found} cluster{'s' if found != 1 else ''} on {len(rows):,} rows "
                          f"({np.mean(labels < 0):.0%} labelled noise): the metrics need at least 2"}
    scores: dict[str, list[float | None]] = {k: [v] for k, v in first.items()}
    found_ids, sizes = np.unique(labels[labels >= 0], return_counts=True)
    noisy = name in ("HDBSCAN", "DBSCAN")
    stats.update(n_clusters=len(found_ids), sizes=sorted((int(v) for v in sizes), reverse=True),
                 noise_share=round(float(np.mean(labels < 0)), 6) if noisy and not baseline else None)
    report("fold", 0, RESAMPLES)
    drawn: list[tuple[Any, Any]] = []
    for b in range(RESAMPLES):
        distinct = np.unique(rng.integers(0, len(Xt), len(Xt)))  # the distinct rows of a bootstrap draw
        got = fit(Xt[distinct])
        drawn.append((distinct, got))
        more = _cluster_scores(Xt[distinct], got) or {}
        for key in scores:
            scores[key].append(more.get(key))
        report("fold", b + 1, RESAMPLES)
    aris = []
    for (ia, la), (ib, lb) in combinations(drawn, 2):
        shared = np.intersect1d(ia, ib, assume_unique=True)
        aris.append(float(adjusted_rand_score(la[np.searchsorted(ia, shared)], lb[np.searchsorted(ib, shared)])))
    scores["stability"] = list(aris)
    stats["stable"] = bool(np.mean(aris) >= STABLE_ARI)
    if stats.get("noise_share"):
        notes.append(f"{stats['noise_share']:.1%} of the rows labelled noise; the metrics leave them out")
    return {"scores": scores, "fit": fit_seconds, "bytes": len(pickle.dumps(fitted[0])) if fitted else None,
            "clusters": stats, "notes": notes}


def _task_embed(data: dict[str, Any], payload: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """Embed a sample in 2-D, measure its trustworthiness (and PCA's explained variance), keep a few points."""
    import pickle

    import numpy as np
    import pandas as pd
    from sklearn.decomposition import PCA
    from sklearn.manifold import trustworthiness

    seed = data["seed"]
    rows = _sample(len(data["X"]), REDUCTION_SAMPLE, seed)  # random order: the first points are a sample too
    X = data["X"].iloc[rows]
    candidate = payload["candidate"]
    pipe = _pipeline(data, candidate)
    t0 = time.perf_counter()
    embedded = _dense(pipe.fit_transform(X))
    fit_seconds = time.perf_counter() - t0
    prepared = _dense(pipe[:-1].transform(X))
    notes = []
    if embedded.shape[1] > 2:
        embedded = PCA(n_components=2, random_state=seed).fit_transform(embedded)
        notes.append(f"its {pipe[-1].get_params().get('n_components', 'many')} output columns were projected to 2 by PCA for the score and the picture")
    report("fold", 1, 2)
    neighbors = max(1, min(TRUST_NEIGHBORS, len(rows) // 2 - 1))
    trust = float(trustworthiness(prepared, embedded, n_neighbors=neighbors))
    model = pipe[-1]
    stats: dict[str, Any] = {"n_components": int(embedded.shape[1]), "input_dimensions": int(prepared.shape[1]),
                             "sample_rows": len(rows), "notes": notes}
    explained = None
    if isinstance(model, PCA):
        ratios = [float(v) for v in model.explained_variance_ratio_]
        explained = float(sum(ratios))
        most = min(prepared.shape[0], prepared.shape[1], 100)
        cumulative = np.cumsum(PCA(n_components=most, random_state=seed).fit(prepared).explained_variance_ratio_)
        reach = int(np.searchsorted(cumulative, 0.9 - 1e-9) + 1)
        stats.update(explained_variance=[round(v, 6) for v in ratios],
                     components_for_90=reach if reach <= most else None)
        if reach > most:
            notes.append(f"{most} components keep only {cumulative[-1]:.0%} of the variance")
    colour = data.get("colour")
    head = slice(0, EMBEDDING_POINTS)
    values = X[colour].iloc[head] if colour else None
    points = {"x": [round(float(v), 4) for v in embedded[head, 0]], "y": [round(float(v), 4) for v in embedded[head, 1]],
              "colour": [] if values is None else ["missing" if pd.isna(v) else str(v) for v in values]}
    report("fold", 2, 2)
    return {"scores": {"trustworthiness": [trust], "explained_variance": [explained]}, "fit": fit_seconds,
            "bytes": len(pickle.dumps(pipe)), "reduction": stats, "points": points, "notes": []}


# ---------------------------------------------------------------- the pool of killable workers


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: _Task | None = None


@dataclass
class _Task:
    id: int
    kind: str  # cv | tune | probe | curve | unsupervised
    index: int  # candidate position in the run (-1 for the curve)
    started: float
    deadline: float
    folds_done: int = 0


@contextlib.contextmanager
def _main_hidden() -> Any:
    """Start workers without re-running the caller's ``__main__`` in them.

    forkserver and spawn children import the parent's main module; a script or
    notebook without an ``if __name__ == '__main__'`` guard would then run
    again inside every worker. The workers need nothing from it.
    """
    import sys
    import types

    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Pool:
    """Long-lived worker processes that can be killed one at a time (the budget's real stop)."""

    def __init__(self, size: int, data_path: str, threads: int) -> None:
        import multiprocessing as mp

        methods = mp.get_all_start_methods()
        self.ctx: Any = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            # Workers fork from a server that has scikit-learn imported: a killed worker is replaced in ms.
            self.ctx.set_forkserver_preload(PRELOAD)
        self.data_path, self.threads = data_path, threads
        self.workers: list[_Worker | None] = [None] * size

    def _start(self, slot: int) -> _Worker:
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(target=_worker_main, args=(child, self.data_path, self.threads), daemon=True)
        with _main_hidden():
            process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers[slot] = worker
        return worker

    def free_slot(self) -> int | None:
        for slot, worker in enumerate(self.workers):
            if worker is None or worker.task is None:
                return slot
        return None

    def submit(self, slot: int, task: _Task, payload: dict[str, Any]) -> None:
        worker = self.workers[slot] or self._start(slot)
        worker.task = task
        worker.conn.send((task.kind, task.id, payload))

    def busy(self) -> list[_Worker]:
        return [w for w in self.workers if w is not None and w.task is not None]

    def poll(self, timeout: float) -> list[tuple[Any, tuple[Any, ...]]]:
        """Wait up to ``timeout`` s for the busy workers; their messages, in order.

        A message is what the worker sent (``progress``, ``done``, ``error``), or
        ``("died", reason)`` when its process went away.
        """
        import multiprocessing.connection as mpc

        busy = self.busy()
        if not busy:
            return []
        ready = mpc.wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=timeout)
        events: list[tuple[Any, tuple[Any, ...]]] = []
        for worker in busy:
            if worker.conn in ready:
                try:
                    events.append((worker, worker.conn.recv()))
                except (EOFError, OSError):
                    events.append((worker, ("died", self._death(worker))))
            elif worker.process.sentinel in ready and not worker.process.is_alive():
                events.append((worker, ("died", self._death(worker))))
        return events

    @staticmethod
    def _death(worker: _Worker) -> str:
        return f"the worker process died (exit code {worker.process.exitcode}; out of memory?)"

    def kill(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(timeout=2)
        worker.conn.close()
        self.workers[self.workers.index(worker)] = None

    def close(self) -> None:
        for worker in [w for w in self.workers if w is not None]:
            if worker.task is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(("stop",))
        for worker in [w for w in self.workers if w is not None]:
            worker.process.join(timeout=0.5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=2)
            worker.conn.close()
        self.workers = [None] * len(self.workers)


# ---------------------------------------------------------------- statistics


def corrected_ttest(a: Sequence[float], b: Sequence[float], n_train: float, n_test: float) -> float:
    """Two-sided p-value that paired fold scores differ, Nadeau & Bengio's corrected resampled t-test.

    The variance of the fold differences is inflated by ``1/k + n_test/n_train``
    instead of ``1/k`` because the folds' training sets overlap.
    """
    import numpy as np
    from scipy import stats

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    k = len(d)
    if k < 2:
        return 1.0
    var = float(d.var(ddof=1))
    mean = float(d.mean())
    if var <= 1e-24:
        return 1.0 if abs(mean) <= 1e-12 else 0.0
    t = mean / math.sqrt((1 / k + n_test / max(n_train, 1)) * var)
    return float(2 * stats.t.sf(abs(t), k - 1))


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def overfitting(metric: MetricInfo, train: float, test: float, test_std: float) -> tuple[float, bool]:
    """The train-test gap (positive: better on seen rows) and whether it is large."""
    sign = 1 if metric.greater_is_better else -1
    gap = sign * (train - test)
    if metric.name in BOUNDED:
        return gap, gap > OVERFIT_GAP
    loss_train, loss_test = sorted((abs(train), abs(test)))
    return gap, gap > 0 and loss_test > 1.5 * loss_train + 1e-12 and gap > 2 * test_std


def curve_verdict(sizes: list[int], test: list[float], test_std: list[float], metric: MetricInfo,
                  gap: float | None) -> str:
    """One line answering 'would more data help?' from the last two points of the curve."""
    sign = 1 if metric.greater_is_better else -1
    rise = sign * (test[-1] - test[-2])
    noise = max(test_std[-1], 1e-9)
    share = f"{sizes[-2]:,} to {sizes[-1]:,} training rows"
    change = f"{metric.label} {test[-2]:.3f} -> {test[-1]:.3f} from {share}"
    if rise > max(0.5 * noise, 0.005 if metric.name in BOUNDED else 0.01 * abs(test[-1])):
        return f"More data would likely help: the validation score is still rising ({change})."
    if gap is not None and gap > OVERFIT_GAP:
        return f"More data may help a little: the curve has flattened ({change}) but the train score is far above it."
    return f"More data is unlikely to help much: the validation score has levelled off ({change})."


# ---------------------------------------------------------------- the stage


@dataclass
class _Slot:
    """One candidate's place in the run."""

    candidate: CandidateAdvice
    row: CandidateResult
    wave: int
    probe: dict[str, float] | None = None
    result: dict[str, Any] | None = None
    spent: float = 0.0
    summarized: bool = False
    trials: list[_Trial] = field(default_factory=list)  # light tuning: the settings tried after the default
    default_result: dict[str, Any] | None = None  # the default's folds, kept when a tuned setting is adopted


@dataclass
class _Trial:
    """One hand-picked setting of a candidate, cross-validated on the same folds."""

    params: dict[str, Any]
    status: str = "skipped"
    result: dict[str, Any] | None = None
    seconds: float | None = None
    reason: str | None = None


@dataclass
class _Run:
    X: Any
    y: Any
    splits: list[Any]
    task: str
    metrics: list[MetricInfo]
    budget: float
    start: float
    deadline: float
    progress: Progress | None
    should_stop: Callable[[], bool]
    explore: bool
    estimate: bool
    tune: bool = True
    tuned: bool = False  # the tuning results were folded into the rows
    slots: list[_Slot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False
    followed: bool = False
    pick: Pick | None = None
    kind: str = "cv"  # cv | clustering | reduction
    colour: str | None = None  # reduction: the column that colours the picture
    on_row: Callable[[CandidateResult], None] | None = None  # told when a row's status is final

    def finished(self, row: CandidateResult) -> None:
        """A row is final: fill in its scores (cross-validation) and tell the caller, e.g. a live leaderboard."""
        if self.kind == "cv" and row.status == "ok":
            _summaries(self)
        if self.on_row is not None:
            self.on_row(row)

    @property
    def primary(self) -> MetricInfo:
        return next(m for m in self.metrics if m.primary)

    def left(self) -> float:
        return self.deadline - time.monotonic()


def cross_validate_candidates(
    frame: pd.DataFrame,
    profile: Profile,
    advice: Advice,
    *,
    budget: float,
    metric: str | None,
    seed: int,
    jobs: int = 1,
    groups: str | None = None,
    time_col: str | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    explore: bool = True,
    estimate: bool = True,
    tune: bool = True,
    on_row: Callable[[CandidateResult], None] | None = None,
    backend: str = "local",
    scheduler: str | None = None,
) -> Leaderboard:
    """Cross-validate the advised candidates within ``budget`` seconds of wall time and pick one.

    ``on_row(row)`` is called (from the calling thread) each time a candidate's
    row becomes final (ok with its scores, failed, or timeout), so a screen can
    fill a live leaderboard; ranks and ties are only known at the end.

    ``backend="local"`` runs the tasks in ``jobs`` killable worker processes on
    this machine. ``backend="dask"`` runs the same task functions on a Dask
    cluster (:mod:`advisor.dask_backend`): the one at ``scheduler`` (an address
    such as ``tcp://host:8786``), or a ``LocalCluster`` of ``jobs`` worker
    processes started for the run. The scheduling (budget, deadlines, probes,
    waves, failures as rows, the pick) is the same code for both, so the same
    seed gives the same scores.

    With ``tune=True``, once every wave has run and budget is left, the best
    candidate of each of the top :data:`TUNE_FAMILIES` estimator families is
    cross-validated again with a few hand-picked settings
    (:data:`advisor.catalog.TUNING`); see :func:`_apply_tuning` for how a
    setting is chosen and scored without selection bias.

    Returns the :class:`~advisor.leaderboard.Leaderboard`. When ``should_stop()``
    turns true or Ctrl-C arrives, running workers are stopped, what was measured
    is kept, the rest is marked ``cancelled`` and the leaderboard comes back
    with ``cancelled=True`` (the caller decides the exit status). Raises
    :class:`OptionError` for a bad option, :class:`AdvisorError` for an
    unsupported task, and :class:`AllCandidatesFailed` (carrying
    ``.leaderboard``) when no real candidate could be measured.
    """
    start = time.monotonic()
    _check_options(frame, profile, budget, jobs, groups, time_col)
    dask = _check_backend(backend, scheduler)
    primary = validate_metric(metric, profile.task)
    if profile.task in UNSUPERVISED_TASKS:
        return _evaluate_unsupervised(frame, profile, advice, primary, budget=float(budget), seed=seed, jobs=jobs,
                                      start=start, progress=progress, should_stop=should_stop, explore=explore,
                                      dask=dask)
    keys = [primary, *[k for k in DEFAULT_METRICS[profile.task] if k != primary]]
    metrics = [metric_info(k, k == primary) for k in keys]
    X, y, cv, splits = _prepare_data(frame, profile, groups, time_col, seed)
    run = _Run(X, y, splits, profile.task, metrics, float(budget), start, start + float(budget), progress,
               should_stop or (lambda: False), explore, estimate)
    run.on_row = on_row
    run.tune = tune
    run.slots = _plan_slots(advice, profile.task)
    data = _data_payload(run, profile, seed, groups)
    curve = _execute(run, data, jobs, dask)
    return _finish(run, cv, seed, jobs, curve)


BACKENDS = ("local", "dask")


@dataclass
class DaskTarget:
    """Where a Dask run goes: an existing scheduler's address, or (None) a LocalCluster started for the run."""

    scheduler: str | None


def _check_backend(backend: str, scheduler: str | None) -> DaskTarget | None:
    """The Dask target for ``backend='dask'`` (None for the local workers); bad combinations are OptionErrors."""
    if backend not in BACKENDS:
        raise OptionError(f"The 'backend' option must be one of {', '.join(BACKENDS)}. Got {backend!r} instead."
                          f"{did_you_mean(str(backend), BACKENDS)}")
    if backend == "local":
        if scheduler is not None:
            raise OptionError("The 'scheduler' option needs the Dask backend: add --backend dask (backend='dask').")
        return None
    from advisor.dask_backend import require_distributed

    require_distributed()
    return DaskTarget(scheduler)


def _check_options(frame: pd.DataFrame, profile: Profile, budget: float, jobs: int, groups: str | None,
                   time_col: str | None) -> None:
    if not isinstance(budget, (int, float)) or isinstance(budget, bool) or not budget > 0:
        raise OptionError(f"The 'budget' option must be a positive number of seconds. Got {budget!r} instead.")
    if not isinstance(jobs, int) or jobs < 1:
        raise OptionError(f"The 'jobs' option must be a positive whole number. Got {jobs!r} instead.")
    if profile.task not in SUPPORTED_TASKS:
        raise AdvisorError(
            f"Cross-validating candidates is not yet supported for {profile.task.replace('_', ' ')}; "
            "'advisor profile' still gives the advice. Give a target with --target for classification or regression."
        )
    if profile.task in UNSUPERVISED_TASKS:
        for option, column in (("groups", groups), ("time", time_col)):
            if column is not None:
                raise OptionError(f"The '--{option}' option arranges cross-validation folds around a target; "
                                  f"{profile.task.replace('_', ' ')} has no target and no folds. Leave it out.")
    for option, column in (("groups", groups), ("time", time_col)):
        if column is not None and column not in frame.columns:
            hint = did_you_mean(column, [str(c) for c in frame.columns])
            raise OptionError(f"The '--{option}' option must name a column of the table. Got '{column}' instead.{hint}")


def _prepare_data(frame: pd.DataFrame, profile: Profile, groups: str | None, time_col: str | None,
                  seed: int) -> tuple[Any, Any, CVInfo, list[Any]]:
    """Features, target and the CV splits (computed once, shipped to the workers)."""
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

    from advisor.candidates import training_data

    X, y = training_data(frame, profile)
    notes = []
    if time_col:
        order = np.argsort(pd.to_datetime(X[time_col], errors="coerce", utc=True).to_numpy(), kind="stable")
        X, y = X.iloc[order].reset_index(drop=True), y.iloc[order].reset_index(drop=True)
        cv, name, shuffle = TimeSeriesSplit(n_splits=N_SPLITS), "TimeSeriesSplit", False
        notes.append(f"rows ordered by '{time_col}'; each fold validates on later rows than it trains on")
        splits = list(cv.split(X))
    elif groups:
        assert profile.target is not None
        labels = frame[frame[profile.target.name].notna()][groups].reset_index(drop=True)
        n = min(N_SPLITS, int(labels.nunique()))
        if n < 2:
            raise OptionError(f"The '--groups' column '{groups}' must hold at least 2 groups. Got {n} instead.")
        cv, name, shuffle = GroupKFold(n_splits=n), "GroupKFold", False
        notes.append(f"'{groups}' is used to keep each group in one fold and is not a feature")
        splits = list(cv.split(X, y, labels.astype(str)))
    elif profile.task in CLASSIFICATION:
        smallest = int(y.value_counts().min())
        n = max(2, min(N_SPLITS, smallest))
        if smallest < N_SPLITS:
            notes.append(f"the rarest class has {smallest} rows, so {n} folds are used")
        cv, name, shuffle = StratifiedKFold(n_splits=n, shuffle=True, random_state=seed), "StratifiedKFold", True
        splits = list(cv.split(X, y.astype(str)))
    else:
        cv, name, shuffle = KFold(n_splits=N_SPLITS, shuffle=True, random_state=seed), "KFold", True
        splits = list(cv.split(X))
    info = CVInfo(name, len(splits), len(X), shuffle, seed, groups, time_col, notes)
    return X, y, info, splits


def _waves(usable: list[CandidateAdvice]) -> Callable[[CandidateAdvice], int]:
    """A candidate's wave: 0 for the first candidates, k for the k-th node reached by a 'try next' arrow."""
    later: list[str] = []
    named = {n for c in usable for n in c.try_next}
    for c in usable:
        if c.name in named and c.node_id not in later:
            later.append(c.node_id)
    return lambda c: later.index(c.node_id) + 1 if c.node_id in later else 0


def _plan_slots(advice: Advice, task: str) -> list[_Slot]:
    """Candidates in run order: the baseline, then the first wave cheap-first, then each try-next leaf."""
    from advisor.ruletree.model import CandidateAdvice

    usable = [c for c in advice.candidates if c.name in CATALOG and task in CATALOG[c.name].tasks]
    dummy = "DummyRegressor" if task == "regression" else "DummyClassifier"
    if not any(c.name == dummy for c in usable):
        info = CATALOG[dummy]
        usable.insert(0, CandidateAdvice(dummy, "advisor", "The baseline every candidate must beat.", [],
                                         info.interpretability, info.interpretability_reason, info.partial_fit,
                                         info.predict_proba, info.family, info.cost, "baseline", []))
    wave = _waves(usable)

    order = sorted(
        enumerate(usable),
        key=lambda ic: (wave(ic[1]), ic[1].name != dummy, COST_RANK.get(ic[1].cost, 1), ic[0]),
    )
    slots = []
    for _, c in order:
        info = CATALOG[c.name]
        row = CandidateResult(c.name, info.label, c.origin, "skipped", is_baseline=c.name == dummy,
                              wave=wave(c), tags=candidate_tags(c.name))
        slots.append(_Slot(c, row, wave(c)))
    return slots


def _data_payload(run: _Run, profile: Profile, seed: int, groups: str | None) -> dict[str, Any]:
    from advisor.candidates import target_minimum

    pos_label = None
    if run.task == "binary":
        counts = run.y.value_counts()
        pos_label = sorted(counts.index[counts == counts.min()], key=str)[-1]  # the rarer class is 'positive'
    kinds = {c: k for c, k in profile.feature_kinds().items() if c != groups}  # the group is not a feature
    return {"X": run.X, "y": run.y, "splits": run.splits, "task": run.task, "kinds": kinds,
            "seed": seed, "target_min": target_minimum(run.y, run.task), "pos_label": pos_label}


THREADED_ROWS = 20_000  # below this, native threads mostly spin and slow each fit down


def _execute(run: _Run, data: dict[str, Any], jobs: int, dask: DaskTarget | None = None) -> LearningCurve | None:
    """Ship the data once, start the workers, run every wave and the pick's curve; always clean up.

    Locally the data is written once to a temporary pickle that each worker
    process loads; with Dask it is scattered once to every worker of the
    cluster (see :class:`advisor.dask_backend.DaskPool`).
    """
    import pickle
    import shutil
    import tempfile

    folder = None
    pool: Any
    if dask is not None:
        from advisor.dask_backend import DaskPool

        pool = DaskPool(dask.scheduler, data, jobs=jobs, max_slots=max(len(run.slots), 1),
                        threaded=len(run.X) >= THREADED_ROWS)
        run.notes.append(pool.describe())
    else:
        folder = tempfile.mkdtemp(prefix="advisor-cv-")
        path = os.path.join(folder, "data.pkl")
        with open(path, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        threads = max(1, (os.cpu_count() or 1) // jobs) if len(run.X) >= THREADED_ROWS else 1
        pool = _Pool(min(jobs, max(len(run.slots), 1)), path, threads)
    curve = None
    try:
        scheduler = _Scheduler(run, pool)
        scheduler.run()
        _summaries(run)
        run.pick = None if run.cancelled else _rank_and_pick(run)
        if run.pick is not None and run.kind == "cv":
            slot = next(s for s in run.slots if s.row.name == run.pick.name)
            curve = _curve(run, scheduler.learning_curve(slot), slot.row)
    except KeyboardInterrupt:
        run.cancelled = True
    finally:
        for worker in pool.busy():
            task = worker.task
            pool.kill(worker)
            if run.cancelled and task is not None and task.index >= 0:
                row = run.slots[task.index].row
                row.status, row.reason = "cancelled", "stopped by the user while running"
        pool.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    for slot in run.slots:
        if slot.row.status == "skipped" and slot.row.reason is None:
            slot.row.status = "cancelled" if run.cancelled else "skipped"
            slot.row.reason = "the run was stopped before it started" if run.cancelled else "no time left in the budget"
    return curve


class _Scheduler:
    """Hand tasks to free workers, collect results, kill what overruns, follow the waves."""

    def __init__(self, run: _Run, pool: Any) -> None:
        self.run_, self.pool = run, pool
        self.queue: list[tuple[str, int]] = []
        self.tasks: dict[int, _Task] = {}
        self.next_id = 0
        self.wave = -1
        self.curve: dict[str, Any] | None = None
        self.tuning_opened = False
        self.trial_of: dict[int, _Trial] = {}  # task id -> the tuning trial it measures

    # -- waves

    def waves(self) -> list[int]:
        return sorted({s.wave for s in self.run_.slots})

    def open_next_wave(self) -> bool:
        """Queue the next wave's candidates (or skip them); False when there is none left."""
        later = [w for w in self.waves() if w > self.wave]
        if not later:
            return False
        self.wave = later[0]
        slots = [i for i, s in enumerate(self.run_.slots) if s.wave == self.wave]
        if self.wave > 0:
            clear = _beats_baseline_clearly(self.run_)
            if clear is None or not clear[0]:
                self.run_.followed = True
                why = clear[1] if clear else "the baseline could not be measured"
                self.run_.notes.append(f"followed the map's 'try next' arrow to wave {self.wave}: {why}")
            elif not self.run_.explore:
                for i in slots:
                    self.run_.slots[i].row.reason = f"not needed: {clear[1]}; the map's 'try next' arrow is for when the first candidates are not working"
                return True
        self.queue += [("cv", i) for i in slots]
        return True

    def open_tuning(self) -> bool:
        """After the last wave: queue the light tuning of the top candidates; False when there is none to do."""
        run = self.run_
        if self.tuning_opened or not run.tune or run.kind != "cv" or run.left() <= 0.5:
            return False
        self.tuning_opened = True
        chosen = tuning_order(run)
        for index in chosen:
            slot = run.slots[index]
            slot.trials = [_Trial(dict(p)) for p in TUNING[slot.row.name]]
        # Round-robin over the candidates in TUNE_ORDER: each gets its first setting before any gets a second.
        width = max((len(run.slots[i].trials) for i in chosen), default=0)
        self.queue += [("tune", i * TRIAL_SLOTS + t) for t in range(width) for i in chosen
                       if t < len(run.slots[i].trials)]
        if chosen:
            self.report("light tuning of " + ", ".join(run.slots[i].row.name for i in chosen))
        return bool(chosen)

    # -- the loop

    def run(self) -> None:
        run = self.run_
        self.open_next_wave()
        while True:
            if run.should_stop():
                run.cancelled = True
                self.cancel_all()
                return
            self.dispatch()
            if not self.pool.busy() and not self.queue and not self.open_next_wave() and not self.open_tuning():
                return
            self.collect()
            self.enforce_deadlines()

    def dispatch(self) -> None:
        run = self.run_
        while self.queue and (slot_no := self.pool.free_slot()) is not None:
            kind, index = self.queue.pop(0)
            if kind == "tune":
                self.dispatch_trial(slot_no, index)
                continue
            slot = run.slots[index]
            if run.left() <= 0.05:
                slot.row.reason = f"no time left in the budget of {run.budget:g} s"
                continue
            if kind == "cv" and run.kind != "cv":
                kind = "unsupervised"
            if kind == "cv" and self.needs_probe(slot):
                kind = "probe"
            elif kind == "cv" and slot.probe is not None:
                est = self.estimate(slot)
                slot.row.estimated_seconds = round(est, 2)
                if est > run.left():
                    slot.row.reason = f"estimated {est:.0f} s from a fit on {int(slot.probe['rows'])} rows, {run.left():.0f} s left"
                    continue
            self.next_id += 1
            task = _Task(self.next_id, kind, index, time.monotonic(), run.deadline)
            self.tasks[task.id] = task
            metric_keys = [m.name for m in run.metrics]
            payload = {"candidate": slot.candidate, "metrics": metric_keys, "primary": run.primary.name,
                       "seconds": max(run.left(), 0.0)}
            self.pool.submit(slot_no, task, payload)
            doing = {"probe": "timing a small sample", "cv": "cross-validating"}.get(kind, _DOING.get(run.kind, kind))
            self.report(f"{slot.candidate.name}: {doing}")

    def dispatch_trial(self, slot_no: int, code: int) -> None:
        """Start one tuning trial, unless what is left of the budget clearly cannot hold it."""
        run = self.run_
        index, t = divmod(code, TRIAL_SLOTS)
        slot = run.slots[index]
        trial = slot.trials[t]
        need = TUNE_COST * (slot.row.elapsed_seconds or 0.0)
        if run.left() <= 0.05 or need > run.left():
            trial.reason = f"needs about {need:.1f} s, {max(run.left(), 0):.1f} s left in the budget"
            return
        self.next_id += 1
        task = _Task(self.next_id, "tune", -1, time.monotonic(), run.deadline)  # -1: never touches a row
        self.tasks[task.id] = task
        self.trial_of[task.id] = trial
        trial.status = "running"
        payload = {"candidate": slot.candidate, "metrics": [m.name for m in run.metrics], "primary": run.primary.name,
                   "seconds": max(run.left(), 0.0), "params": trial.params}
        self.pool.submit(slot_no, task, payload)
        self.report(f"{slot.candidate.name}: tuning {_params_text(trial.params)}")

    def end_trial(self, task: _Task, status: str, result: dict[str, Any] | None, reason: str | None) -> None:
        trial = self.trial_of[task.id]
        trial.seconds = round(time.monotonic() - task.started, 3)
        if result is not None and "failed" in result:
            status, reason, result = "failed", result["failed"], None
        trial.status, trial.result, trial.reason = status, result, reason

    def needs_probe(self, slot: _Slot) -> bool:
        run = self.run_
        return (run.kind == "cv" and run.estimate and slot.probe is None and slot.candidate.cost != "cheap"
                and len(run.X) >= PROBE_MIN_ROWS)

    def estimate(self, slot: _Slot) -> float:
        """Seconds for the full cross-validation, scaled up from the small-sample fit."""
        assert slot.probe is not None
        run = self.run_
        return estimate_cv_seconds(slot.probe, slot.candidate.family, len(run.splits[0][0]), len(run.splits[0][1]),
                                   len(run.splits), run.task in ("binary", "multiclass"))

    def collect(self) -> None:
        for worker, message in self.pool.poll(0.1):
            if message[0] == "died":
                self.worker_died(worker, message[1])
            else:
                self.handle(worker, message)

    def worker_died(self, worker: Any, reason: str) -> None:
        task = worker.task
        self.pool.kill(worker)
        if task is not None:
            self.fail(task, reason)

    def handle(self, worker: Any, message: tuple[Any, ...]) -> None:
        kind, task_id = message[0], message[1]
        task = self.tasks[task_id]
        if kind == "lost":  # a Dask worker was lost mid-task and the task was re-run elsewhere
            self.run_.notes.append(message[2])
            if task.index >= 0:
                self.run_.slots[task.index].row.notes.append(message[2])
            return
        if kind == "progress":
            task.folds_done = message[3]
            if task.index >= 0:
                slot = self.run_.slots[task.index]
                slot.row.folds_done = task.folds_done
                step = {"clustering": "resample", "reduction": "step"}.get(self.run_.kind, "fold")
                self.report(f"{slot.candidate.name}: {step} {message[3]}/{message[4]}")
            return
        worker.task = None
        elapsed = time.monotonic() - task.started
        if kind == "error":
            self.fail(task, message[2])
            return
        result = message[2]
        if task.kind == "curve":
            self.curve = result
            return
        if task.kind == "tune":
            self.end_trial(task, "ok", result, None)
            return
        slot = self.run_.slots[task.index]
        slot.spent += elapsed
        slot.row.elapsed_seconds = round(slot.spent, 3)
        if task.kind == "probe":
            slot.probe = result
            self.queue.insert(0, ("cv", task.index))
        elif "failed" in result:
            slot.row.status, slot.row.reason = "failed", result["failed"]
            self.run_.finished(slot.row)
        else:
            slot.result = result
            slot.row.status = "ok"
            self.run_.finished(slot.row)

    def fail(self, task: _Task, reason: str) -> None:
        if task.kind == "curve":
            self.curve = {"failed": reason}
            return
        if task.kind == "tune":
            self.end_trial(task, "failed", None, reason)
            return
        slot = self.run_.slots[task.index]
        slot.spent += time.monotonic() - task.started
        slot.row.elapsed_seconds = round(slot.spent, 3)
        slot.row.status, slot.row.reason = "failed", reason
        self.run_.finished(slot.row)

    def enforce_deadlines(self) -> None:
        now = time.monotonic()
        for worker in self.pool.busy():
            task = worker.task
            assert task is not None
            if now < task.deadline:
                continue
            self.pool.kill(worker)
            if task.kind == "curve":
                self.curve = {"timeout": True}
                continue
            if task.kind == "tune":
                self.end_trial(task, "timeout", None, f"stopped at the end of the {self.run_.budget:g} s budget")
                continue
            slot = self.run_.slots[task.index]
            slot.spent += now - task.started
            slot.row.elapsed_seconds = round(slot.spent, 3)
            slot.row.status = "timeout"
            if task.kind == "unsupervised":
                what = (f"{task.folds_done} of {RESAMPLES} resamples done" if self.run_.kind == "clustering"
                        else "while embedding the sample")
            else:
                what = "timing a small sample" if task.kind == "probe" else f"{task.folds_done} of {len(self.run_.splits)} folds done"
            slot.row.reason = f"stopped at the end of the {self.run_.budget:g} s budget after {now - task.started:.1f} s ({what})"
            self.run_.finished(slot.row)

    def cancel_all(self) -> None:
        for worker in self.pool.busy():
            task = worker.task
            self.pool.kill(worker)
            if task is not None and task.index >= 0:
                row = self.run_.slots[task.index].row
                row.status, row.reason = "cancelled", "stopped by the user while running"
        for kind, index in self.queue:
            if kind == "tune":
                continue
            row = self.run_.slots[index].row
            row.status, row.reason = "cancelled", "the run was stopped before it started"
        self.queue.clear()

    def report(self, message: str) -> None:
        run = self.run_
        if run.progress is None:
            return
        done = sum(1 for s in run.slots if s.row.status != "skipped" or s.row.reason)
        fraction = max(done / max(len(run.slots), 1), (time.monotonic() - run.start) / run.budget)
        run.progress(f"{message} · {max(run.left(), 0):.0f} s left", min(fraction, 1.0))

    # -- learning curve, run after the pick is known

    def learning_curve(self, slot: _Slot) -> dict[str, Any] | None:
        run = self.run_
        fit = slot.row.fit_seconds or 0.0
        needed = fit * sum(CURVE_SIZES) * CURVE_FOLDS * 1.3 + 0.2
        if run.left() < needed or run.left() < 0.3:
            return {"skipped": f"needs about {needed:.1f} s, {max(run.left(), 0):.1f} s left in the budget"}
        slot_no = self.pool.free_slot()
        assert slot_no is not None
        self.next_id += 1
        task = _Task(self.next_id, "curve", -1, time.monotonic(), run.deadline)
        self.tasks[task.id] = task
        self.pool.submit(slot_no, task, {"candidate": slot.candidate, "primary": run.primary.name})
        self.report(f"{slot.candidate.name}: learning curve")
        while self.curve is None:
            if run.should_stop():
                run.cancelled = True
                self.cancel_all()
                return None
            self.collect()
            self.enforce_deadlines()
        return self.curve


# ---------------------------------------------------------------- the result


def _summaries(run: _Run) -> None:
    """Fill each measured row's scores, timings and overfitting flag."""
    import statistics

    if run.kind != "cv":
        _summaries_unsupervised(run)
        return
    primary = run.primary
    for slot in run.slots:
        res, row = slot.result, slot.row
        if res is None or slot.summarized:
            continue
        slot.summarized = True
        for m in run.metrics:
            values = [v for v in res["scores"][m.name] if v is not None]
            complete = len(values) == len(res["scores"][m.name]) and values
            row.scores[m.name] = MetricScore(
                round(statistics.fmean(values), 6) if complete else None,
                round(statistics.pstdev(values), 6) if complete else None,
                [round(v, 6) for v in values] if complete else [],
            )
        row.score, row.score_std = row.scores[primary.name].mean, row.scores[primary.name].std
        row.folds_done = len(res["fit"])
        row.train_score = round(statistics.fmean(res["train"]), 6)
        row.fit_seconds = round(statistics.fmean(res["fit"]), 4)
        row.predict_seconds_per_1000_rows = round(statistics.fmean(res["predict"]), 5)
        row.model_bytes = res["bytes"]
        if row.score is not None:
            gap, flag = overfitting(primary, row.train_score, row.score, row.score_std or 0.0)
            row.train_test_gap = round(gap, 6)
            row.overfitting = flag and not row.is_baseline
            if row.overfitting:
                row.notes.append(
                    f"overfitting: {primary.label} {row.train_score:.3f} on training folds vs {row.score:.3f} on held-out folds"
                )


def _sign(run: _Run) -> int:
    return 1 if run.primary.greater_is_better else -1


def _sizes(run: _Run) -> tuple[float, float]:
    n_train = sum(len(t) for t, _ in run.splits) / len(run.splits)
    n_test = sum(len(t) for _, t in run.splits) / len(run.splits)
    return n_train, n_test


def _beats_baseline_clearly(run: _Run) -> tuple[bool, str] | None:
    """Whether a measured candidate is significantly better than the Dummy baseline (None: no baseline)."""
    _summaries(run)
    if run.kind != "cv":
        return _unsupervised_working(run)
    base = next((s.row for s in run.slots if s.row.is_baseline and s.row.status == "ok"), None)
    if base is None or base.score is None:
        return None
    rows = [s.row for s in run.slots if s.row.status == "ok" and not s.row.is_baseline and s.row.score is not None]
    if not rows:
        return False, "no candidate was measured yet"
    best = max(rows, key=lambda r: _sign(run) * (r.score or 0.0))
    assert best.score is not None
    p = corrected_ttest(best.scores[run.primary.name].folds, base.scores[run.primary.name].folds, *_sizes(run))
    better = _sign(run) * (best.score - base.score) > 0
    label = run.primary.label
    text = f"{best.name} ({label} {best.score:.3f}) vs the baseline {base.score:.3f}, p={p:.3f}"
    if better and p < ALPHA:
        return True, f"{text}: clearly better"
    return False, f"{text}: not clearly better"


def _rank_and_pick(run: _Run) -> Pick | None:
    """Rank measured rows, mark ties with the best, and pick among the ties."""
    if run.kind != "cv":
        return _pick_unsupervised(run)
    _apply_tuning(run)
    primary, sign = run.primary, _sign(run)
    measured = [s.row for s in run.slots if s.row.status == "ok" and s.row.score is not None]
    measured.sort(key=lambda r: -sign * (r.score or 0.0))
    for rank, row in enumerate(measured, 1):
        row.rank = rank
    real = [r for r in measured if not r.is_baseline]
    if not real:
        return None
    best = real[0]
    folds = {r.name: r.scores[primary.name].folds for r in measured}
    tied = [best]
    for row in real[1:]:
        row.p_value_vs_best = round(corrected_ttest(folds[best.name], folds[row.name], *_sizes(run)), 4)
        row.tied_with_best = row.p_value_vs_best >= ALPHA
        if row.tied_with_best:
            tied.append(row)
    best.tied_with_best = len(tied) > 1

    def preference(r: CandidateResult) -> tuple[int, int, float]:
        return (INTERPRETABILITY_RANK.get(str(r.tags.get("interpretability")), 2),
                COST_RANK.get(str(r.tags.get("cost")), 1), -sign * (r.score or 0.0))

    # A statistical tie is not enough to give up score: with 5 folds the t-test is weak, and a
    # noisy fold can make a much worse model "tied". The simpler candidate is preferred only
    # when it is also practically as good (see _close_enough) and clearly beats the baseline.
    margin = _practical_margin(run, best)
    close = [r for r in tied if (r is best or _close_enough(run, best, r, margin)) and (r is best or _beats_baseline(run, r)[0])]
    pick = min(close, key=preference)
    assert best.score is not None and pick.score is not None
    reason = _pick_reason(run, pick, best, tied, close, margin)
    beats = _beats_baseline(run, pick)
    if not beats[0]:
        reason += f" It does not clearly beat the Dummy baseline ({beats[1]}): treat it with caution."
    if pick.tuning is not None and pick.tuning.adopted:
        reason += " " + pick.tuning.verdict
    return Pick(pick.name, primary.name, pick.score, pick.score_std, reason, best.name,
                [r.name for r in tied if r.name != pick.name], beats[0], dict(pick.params))


# Half a point of a score between 0 and 1 (balanced accuracy, R², AUC, F1, silhouette). A full point
# was tried first: on the development suite it gave up about a point of held-out score for the simpler
# model too often (digits: LogisticRegression 0.8 pt under SVC in CV, 1.8 pt under it on held-out rows).
PRACTICAL_MARGIN = 0.005


def tuning_targets(run: _Run) -> list[int]:
    """Slots to tune: the best measured candidate of each of the top TUNE_FAMILIES families that has settings.

    One per family, so a strong candidate of another kind (boosting behind two linear models) is
    tuned too, not only the top scorer and its near copies.
    """
    sign = _sign(run)
    measured = [(i, s) for i, s in enumerate(run.slots) if s.row.status == "ok" and not s.row.is_baseline
                and s.row.score is not None and s.row.name in TUNING]
    measured.sort(key=lambda pair: -sign * (pair[1].row.score or 0.0))
    chosen: list[int] = []
    families: set[str] = set()
    for i, slot in measured:
        if slot.candidate.family in families:
            continue
        families.add(slot.candidate.family)
        chosen.append(i)
        if len(chosen) == TUNE_FAMILIES:
            break
    return chosen


def tuning_order(run: _Run) -> list[int]:
    """The tuning targets in the order their settings are tried (TUNE_ORDER, then by score)."""
    return sorted(tuning_targets(run), key=lambda i: TUNE_ORDER.get(run.slots[i].candidate.family, len(TUNE_ORDER)))


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "the defaults"


def _apply_tuning(run: _Run) -> None:
    """Fold the light tuning into the rows, once.

    For each tuned candidate the settings are the default plus every trial
    measured on all folds. The setting adopted for the refit is the best mean
    over all folds. Its score is *not* that mean (the maximum of several means
    is optimistic): for each fold, the setting with the best mean over the
    *other* folds is scored on that fold, and those fold scores are the row's
    scores (nested over the folds: no fold's score helped choose the setting it
    is scored with). The tuned setting replaces the default only when that
    honest estimate beats the default's mean; otherwise the row keeps its
    default scores and its ``tuning`` says what was tried.
    """
    if run.tuned or run.kind != "cv":
        return
    run.tuned = True
    import statistics

    primary, sign = run.primary.name, _sign(run)
    k = len(run.splits)
    for slot in run.slots:
        if not slot.trials or slot.result is None or slot.row.score is None:
            continue
        for trial in slot.trials:
            if trial.status == "running":
                trial.status, trial.reason = "cancelled", "stopped by the user while running"
        settings: list[tuple[dict[str, Any], dict[str, Any]]] = [({}, slot.result)]
        settings += [(t.params, t.result) for t in slot.trials
                     if t.status == "ok" and t.result is not None and _complete(t.result, primary, k)]
        trials = [TuningTrial(t.params, t.status, _mean(t.result, primary) if t.result is not None else None,
                              t.seconds, t.reason) for t in slot.trials]
        default = slot.row.score
        tuning = Tuning(trials, default)
        slot.row.tuning = tuning
        if len(settings) < 2 or not _complete(slot.result, primary, k):
            tuning.verdict = "No tuned setting was measured on every fold; the defaults are kept."
            continue
        folds = [[float(r["scores"][primary][i]) for i in range(k)] for _, r in settings]
        means = [statistics.fmean(f) for f in folds]
        best = max(range(len(settings)), key=lambda j: (sign * means[j], -j))
        chosen_per_fold = []
        for i in range(k):
            others = [statistics.fmean(f[:i] + f[i + 1:]) for f in folds]
            chosen_per_fold.append(max(range(len(settings)), key=lambda j, o=others: (sign * o[j], -j)))  # type: ignore[misc]
        nested = [folds[chosen_per_fold[i]][i] for i in range(k)]
        tuning.chosen = dict(settings[best][0])
        tuning.nested_score = round(statistics.fmean(nested), 6)
        tried = f"{len(settings) - 1} hand-picked setting{'s' if len(settings) > 2 else ''} besides the defaults"
        label = run.primary.label
        if best == 0:
            tuning.verdict = f"Light tuning tried {tried}; none beat the defaults on these folds."
            continue
        if sign * (tuning.nested_score - default) <= 0:
            tuning.verdict = (f"Light tuning tried {tried}; the best ({_params_text(tuning.chosen)}) did not beat the "
                              f"defaults in the nested estimate ({label} {tuning.nested_score:.3f} vs {default:.3f}), "
                              "so the defaults are kept.")
            continue
        tuning.adopted = True
        tuning.verdict = (f"Light tuning tried {tried} and chose {_params_text(tuning.chosen)}: {label} "
                          f"{tuning.nested_score:.3f} in a nested estimate (each fold scored with the setting chosen "
                          f"on the other folds) vs {default:.3f} with the defaults.")
        slot.default_result = slot.result
        chosen_result = settings[best][1]
        merged: dict[str, Any] = {
            "scores": {key: [settings[chosen_per_fold[i]][1]["scores"][key][i] for i in range(k)]
                       for key in slot.result["scores"]},
            "train": chosen_result["train"], "fit": chosen_result["fit"], "predict": chosen_result["predict"],
            "bytes": chosen_result["bytes"],
        }
        slot.result, slot.summarized = merged, False
        slot.row.params = dict(tuning.chosen)
        # The default's overfitting note goes: the row is summarized again from the tuned folds.
        slot.row.notes = [n for n in slot.row.notes if not n.startswith("overfitting:")] + [tuning.verdict]
        slot.row.overfitting = False
    _summaries(run)


def _complete(result: dict[str, Any], primary: str, k: int) -> bool:
    values = result["scores"].get(primary, [])
    return len(values) == k and all(v is not None for v in values)


def _mean(result: dict[str, Any], primary: str) -> float | None:
    import statistics

    values = [v for v in result["scores"].get(primary, []) if v is not None]
    return round(statistics.fmean(values), 6) if values else None


def _practical_margin(run: _Run, best: CandidateResult) -> float:
    """How much score the advisor gives up for a simpler model: half a point, or 0.5% of an unbounded metric."""
    bounded = run.primary.name in ("balanced_accuracy", "accuracy", "r2", "roc_auc", "roc_auc_ovr", "f1_macro", "f1",
                                   "average_precision", "silhouette", "trustworthiness")
    return PRACTICAL_MARGIN if bounded else PRACTICAL_MARGIN * abs(best.score or 0.0)


def corrected_se(a: Sequence[float], b: Sequence[float], n_train: float, n_test: float) -> float:
    """The standard error of the mean paired fold difference, with Nadeau & Bengio's correction (as in the t-test)."""
    import numpy as np

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(d) < 2:
        return math.inf
    return math.sqrt((1 / len(d) + n_test / max(n_train, 1)) * float(d.var(ddof=1)))


def _close_enough(run: _Run, best: CandidateResult, row: CandidateResult, margin: float) -> bool:
    """Whether giving up ``best`` for ``row`` costs little enough: half a point always; up to a point (twice the
    margin) only for a *more interpretable* model and only when the gap is within one standard error of the fold
    differences (the one-standard-error rule), i.e. when the folds cannot tell the two apart. A black box is never
    traded for another black box beyond half a point just because it is cheaper.

    On the development suite a flat point was too loose where the folds agree (digits: SVC 0.8 points above
    LogisticRegression in every fold but one, 1.8 points above it on held-out rows) and half a point too tight
    where they do not (diabetes: SVR 0.7 points above Ridge with a fold spread ten times that; Ridge was
    better on held-out rows).
    """
    gap = abs((best.score or 0.0) - (row.score or 0.0))
    if gap <= margin:
        return True
    if gap > 2 * margin or _interpretability(row) >= _interpretability(best):
        return False
    name = run.primary.name
    return gap <= corrected_se(best.scores[name].folds, row.scores[name].folds, *_sizes(run))


def _interpretability(row: CandidateResult) -> int:
    return INTERPRETABILITY_RANK.get(str(row.tags.get("interpretability")), 2)


def _pick_reason(run: _Run, pick: CandidateResult, best: CandidateResult, tied: list[CandidateResult],
                 close: list[CandidateResult], margin: float) -> str:
    label = run.primary.label
    score = f"{label} {_fmt(pick.score)} ± {_fmt(pick.score_std)}"
    if len(tied) == 1:
        nxt = next((r for r in run.slots if r.row.rank == 2 and not r.row.is_baseline), None)
        after = f"; the next, {nxt.row.name}, is significantly worse (p={nxt.row.p_value_vs_best})" if nxt else ""
        return f"{pick.name} has the best {score} over {len(run.splits)} folds{after}."
    others = ", ".join(r.name for r in tied if r.name != pick.name)
    verb = "is" if len(tied) == 2 else "are"
    if pick is best:
        why = ("it is also the most interpretable and cheapest of those close to it" if len(close) > 1 else
               f"none of them comes within {_fmt(margin)} of its score (or, for a more interpretable one, within "
               f"{_fmt(2 * margin)} and one standard error of the fold differences), so it stays the pick")
        return (f"{pick.name} has the best {score}; {others} {verb} statistically tied with it "
                f"(corrected resampled t-test, p ≥ {ALPHA}), and {why}.")
    interp = str(pick.tags.get("interpretability", "")).replace("_", " ")
    gap = abs((best.score or 0.0) - (pick.score or 0.0))
    within = (f"within {_fmt(margin)}" if gap <= margin else
              f"within {_fmt(2 * margin)} and one standard error of the fold differences")
    return (f"{pick.name} ({score}) is {within} of the top scorer {best.name} ({label} {_fmt(best.score)}) "
            f"and statistically tied with it (corrected resampled t-test p={pick.p_value_vs_best}); among the candidates "
            f"that close the advisor prefers the more interpretable and cheaper one ({interp}, {pick.tags.get('cost')}).")


def _beats_baseline(run: _Run, row: CandidateResult) -> tuple[bool, str]:
    base = next((s.row for s in run.slots if s.row.is_baseline and s.row.status == "ok"), None)
    if base is None or base.score is None or row.score is None:
        return True, "no baseline was measured"
    name = run.primary.name
    p = corrected_ttest(row.scores[name].folds, base.scores[name].folds, *_sizes(run))
    better = _sign(run) * (row.score - base.score) > 0
    return better and p < ALPHA, f"{run.primary.label} {base.score:.3f}, p={p:.3f}"


def _curve(run: _Run, result: dict[str, Any] | None, pick: CandidateResult) -> LearningCurve | None:
    if result is None:
        return None
    if "skipped" in result:
        return LearningCurve("skipped", f"Not measured: {result['skipped']}.")
    if "timeout" in result:
        return LearningCurve("timeout", "Not measured: the budget ran out while computing it.")
    if "failed" in result:
        return LearningCurve("failed", f"Not measured: {result['failed']}.")
    verdict = curve_verdict(result["sizes"], result["test"], result["test_std"], run.primary, pick.train_test_gap)
    return LearningCurve("ok", verdict, result["sizes"], [round(v, 6) for v in result["train"]],
                         [round(v, 6) for v in result["test"]], [round(v, 6) for v in result["test_std"]])


def _finish(run: _Run, cv: CVInfo, seed: int, jobs: int, curve: LearningCurve | None) -> Leaderboard:
    _summaries(run)
    pick = run.pick if not run.cancelled else _rank_and_pick(run)
    order = sorted(run.slots, key=lambda s: (s.row.rank is None, s.row.rank or 0))
    baseline = next((s.row.name for s in run.slots if s.row.is_baseline), None)
    board = Leaderboard(
        task=run.task, metric=run.primary.name, metrics=run.metrics, cv=cv, rows=[s.row for s in order], pick=pick,
        baseline=baseline, budget_seconds=run.budget, elapsed_seconds=0.0, seed=seed, jobs=jobs,
        cancelled=run.cancelled, followed_try_next=run.followed, learning_curve=curve, notes=run.notes,
        embedding=_embedding(run, pick) if run.kind == "reduction" else None,
    )
    if pick is None and not run.cancelled:
        board.elapsed_seconds = round(time.monotonic() - run.start, 3)
        reasons = "; ".join(f"{r.name}: {r.status}{' (' + r.reason + ')' if r.reason else ''}"
                            for r in board.rows if not r.is_baseline)
        error = AllCandidatesFailed(f"Every candidate failed or ran out of time: {reasons}")
        error.leaderboard = board  # type: ignore[attr-defined]
        raise error
    board.elapsed_seconds = round(time.monotonic() - run.start, 3)
    return board


# ---------------------------------------------------------------- clustering and dimensionality reduction

_DOING = {"clustering": "clustering a sample and its resamples", "reduction": "embedding a sample"}


def _evaluate_unsupervised(frame: pd.DataFrame, profile: Profile, advice: Advice, primary: str, *, budget: float,
                           seed: int, jobs: int, start: float, progress: Progress | None,
                           should_stop: Callable[[], bool] | None, explore: bool,
                           dask: DaskTarget | None = None) -> Leaderboard:
    """Score clustering or dimensionality-reduction candidates in the killable workers, within ``budget``."""
    task = profile.task
    kind = "clustering" if task == "clustering" else "reduction"
    keys = [primary, *[k for k in DEFAULT_METRICS[task] if k != primary]]
    metrics = [metric_info(k, k == primary) for k in keys]
    X = frame.reset_index(drop=True)
    run = _Run(X, None, [], task, metrics, budget, start, start + budget, progress, should_stop or (lambda: False),
               explore, False, kind=kind)
    run.slots = _plan_unsupervised_slots(advice, task)
    n = len(X)
    if kind == "clustering":
        cv = CVInfo("Bootstrap", RESAMPLES, n, True, seed, notes=[
            f"each candidate is fitted on a seeded sample of {min(n, CLUSTER_SAMPLE):,} rows, then on the distinct rows "
            f"of {RESAMPLES} bootstrap draws of it; stability is the mean adjusted Rand index between the draws' "
            "labels on the rows they share",
            "the baseline gives random labels: its silhouette and stability are about 0",
        ])
        if profile.n_clusters:
            cv.notes.append(f"k={profile.n_clusters} from --n-clusters for the methods that need a number of clusters")
    else:
        cv = CVInfo("Sample", 1, n, True, seed, notes=[
            f"each candidate embeds a seeded sample of {min(n, REDUCTION_SAMPLE):,} rows in 2 dimensions; "
            f"trustworthiness compares each row's {TRUST_NEIGHBORS} nearest neighbours before and after",
        ])
    kinds = dict(profile.feature_kinds())
    reference = next((s.candidate for s in run.slots if not s.row.is_baseline), None)
    data: dict[str, Any] = {"X": X, "y": None, "splits": [], "task": task, "kinds": kinds, "seed": seed, "target_min": None,
            "pos_label": None, "n_clusters": profile.n_clusters, "reference": reference,
            "colour": _colour_column(X, kinds) if kind == "reduction" else None}
    run.colour = data["colour"]
    _execute(run, data, jobs, dask)
    return _finish(run, cv, seed, jobs, None)


def _colour_column(X: Any, kinds: dict[str, str]) -> str | None:
    """A categorical column with 2 to 10 values, to colour the picture by (the first one, in table order)."""
    from advisor.profile.model import CATEGORY_KINDS

    for name, kind in kinds.items():
        if kind in CATEGORY_KINDS and name in X.columns and 2 <= X[name].nunique() <= 10:
            return str(name)
    return None


def _plan_unsupervised_slots(advice: Advice, task: str) -> list[_Slot]:
    """The baseline (clustering: random labels), then the first wave cheap-first, then each try-next leaf."""
    from advisor.ruletree.model import CandidateAdvice

    usable = [c for c in advice.candidates if c.name in CATALOG and task in CATALOG[c.name].tasks]
    if not usable:
        names = ", ".join(c.name for c in advice.candidates) or "none"
        raise AdvisorError(f"None of the advised candidates ({names}) does {task.replace('_', ' ')}, "
                           "so there is nothing to measure; 'advisor profile' shows the advice.")
    wave = _waves(usable)

    seen: set[str] = set()
    slots = []
    if task == "clustering":
        base = CandidateAdvice(RANDOM_BASELINE, "advisor", "Random labels: the score of clusters that mean nothing.", [],
                               "glass_box", "Labels drawn at random.", False, False, "dummy", "cheap", "baseline", [])
        row = CandidateResult(RANDOM_BASELINE, "random labels (baseline)", "advisor", "skipped", is_baseline=True,
                              tags={"family": "dummy", "interpretability": "glass_box", "cost": "cheap"})
        slots.append(_Slot(base, row, 0))
    order = sorted(enumerate(usable), key=lambda ic: (wave(ic[1]), COST_RANK.get(ic[1].cost, 1), ic[0]))
    for _, c in order:
        if c.name in seen:  # the same estimator reached twice (map and addition): measured once
            continue
        seen.add(c.name)
        info = CATALOG[c.name]
        row = CandidateResult(c.name, info.label, c.origin, "skipped", wave=wave(c), tags=candidate_tags(c.name))
        slots.append(_Slot(c, row, wave(c)))
    return slots


def _summaries_unsupervised(run: _Run) -> None:
    import statistics

    from advisor.leaderboard import ClusterStats, ReductionStats

    for slot in run.slots:
        res, row = slot.result, slot.row
        if res is None or slot.summarized:
            continue
        slot.summarized = True
        for m in run.metrics:
            values = [v for v in res["scores"].get(m.name, []) if v is not None and math.isfinite(v)]
            row.scores[m.name] = MetricScore(
                round(statistics.fmean(values), 6) if values else None,
                round(statistics.pstdev(values), 6) if len(values) > 1 else None,
                [round(v, 6) for v in values],
            )
        row.score, row.score_std = row.scores[run.primary.name].mean, row.scores[run.primary.name].std
        row.fit_seconds = round(res["fit"], 4)
        row.model_bytes = res["bytes"]
        row.notes += res.get("notes", [])
        if "clusters" in res:
            row.clusters = ClusterStats(**res["clusters"])
            row.folds_done = RESAMPLES
        if "reduction" in res:
            row.reduction = ReductionStats(**res["reduction"])
            row.folds_done = 1
        if row.score is None:  # the primary metric could not be computed: not a measurement
            row.status, row.reason = "failed", f"no {run.primary.label} could be computed"


def _stability(row: CandidateResult) -> float:
    score = row.scores.get("stability")
    return score.mean if score is not None and score.mean is not None else 0.0


def _tied(metric: MetricInfo, a: float, b: float) -> bool:
    if metric.name in ("silhouette", "stability", "trustworthiness", "explained_variance"):
        return abs(a - b) <= UNSUPERVISED_TIE
    return abs(a - b) <= UNSUPERVISED_TIE * max(abs(a), abs(b))


def _unsupervised_working(run: _Run) -> tuple[bool, str] | None:
    """Whether the first candidates already work, for the map's 'not working / try next' arrow."""
    rows = [s.row for s in run.slots if s.row.status == "ok" and not s.row.is_baseline and s.row.score is not None]
    if not rows:
        return False, "no candidate was measured yet"
    sign = _sign(run)
    label = run.primary.label
    if run.kind == "reduction":
        best = max(rows, key=lambda r: sign * (r.score or 0.0))
        text = f"{best.name} has {label} {_fmt(best.score)}"
        if run.primary.name == "trustworthiness":
            good = (best.score or 0.0) >= TRUST_OK
            return good, f"{text} ({'at least' if good else 'below'} {TRUST_OK})"
        return True, text
    stable = [r for r in rows if _stability(r) >= STABLE_ARI]
    if not stable:
        return False, f"no candidate is stable across resamples (stability ARI below {STABLE_ARI})"
    best = max(stable, key=lambda r: sign * (r.score or 0.0))
    beats, why = _beats_random(run, best)
    text = f"{best.name} ({label} {_fmt(best.score)}, stability {_stability(best):.2f}) vs random labels {why}"
    return beats, f"{text}: {'clearly better' if beats else 'not clearly better'}"


def _beats_random(run: _Run, row: CandidateResult) -> tuple[bool, str]:
    base = next((s.row for s in run.slots if s.row.is_baseline and s.row.status == "ok"), None)
    if base is None or base.score is None or row.score is None:
        return True, "(no baseline was measured)"
    margin = max(3 * (base.score_std or 0.0), 0.05 if run.primary.name in ("silhouette", "stability")
                 else 0.1 * abs(base.score))
    return _sign(run) * (row.score - base.score) > margin, f"{base.score:.3f}"


def _preference(sign: int) -> Callable[[CandidateResult], tuple[int, int, float]]:
    def key(r: CandidateResult) -> tuple[int, int, float]:
        return (INTERPRETABILITY_RANK.get(str(r.tags.get("interpretability")), 2),
                COST_RANK.get(str(r.tags.get("cost")), 1), -sign * (r.score or 0.0))
    return key


def _pick_unsupervised(run: _Run) -> Pick | None:
    """Rank by the primary metric; clustering picks among the stable candidates, reduction prefers PCA on ties."""
    primary, sign = run.primary, _sign(run)
    measured = [s.row for s in run.slots if s.row.status == "ok" and s.row.score is not None]
    measured.sort(key=lambda r: -sign * (r.score or 0.0))
    for rank, row in enumerate(measured, 1):
        row.rank = rank
    real = [r for r in measured if not r.is_baseline]
    if not real:
        return None
    stable = [r for r in real if _stability(r) >= STABLE_ARI] if run.kind == "clustering" else real
    pool = stable or real
    best = pool[0]
    assert best.score is not None
    tied = [r for r in pool if r.score is not None and _tied(primary, r.score, best.score)]
    for r in tied:
        r.tied_with_best = len(tied) > 1
    pick = min(tied, key=_preference(sign))
    label = primary.label
    score = f"{label} {_fmt(pick.score)}" + (f" ± {_fmt(pick.score_std)}" if pick.score_std is not None else "")
    if run.kind == "clustering":
        reason = _cluster_reason(run, pick, best, tied, stable, real, score)
        beats, why = _beats_random(run, pick)
        if not beats:
            reason += f" It does not clearly beat random labels ({label} {why}): treat its clusters with caution."
    else:
        reason = _reduction_reason(run, pick, best, tied, score)
        beats = True
    return Pick(pick.name, primary.name, float(pick.score or 0.0), pick.score_std, reason, real[0].name,
                [r.name for r in tied if r.name != pick.name], beats)


def _k_words(row: CandidateResult) -> str:
    c = row.clusters
    if c is None:
        return ""
    if c.k_source == "given":
        found = f"k={c.k} from --n-clusters"
    elif c.k_source == "silhouette":
        found = f"k={c.k} chosen by silhouette over k={min(map(int, c.k_search))}..{max(map(int, c.k_search))}"
    else:
        found = f"it found {c.n_clusters} cluster{'s' if c.n_clusters != 1 else ''}"
    if c.k is not None and c.n_clusters != c.k:
        found += f" ({c.n_clusters} used)"
    if c.noise_share:
        found += f", {c.noise_share:.1%} of rows labelled noise"
    return found


def _cluster_reason(run: _Run, pick: CandidateResult, best: CandidateResult, tied: list[CandidateResult],
                    stable: list[CandidateResult], real: list[CandidateResult], score: str) -> str:
    what = f"{pick.name} ({_k_words(pick)})"
    stability = f"stability ARI {_stability(pick):.2f} over {RESAMPLES} resamples"
    if not stable:
        return (f"{what} has the best {score}, but no candidate is stable across resamples (every stability ARI is "
                f"below {STABLE_ARI}; {pick.name}: {_stability(pick):.2f}): the clusters may be an artefact of the sample.")
    if pick is best:
        text = f"{what} has the best {score} among the stable candidates ({stability})."
        if len(tied) > 1:
            others = ", ".join(r.name for r in tied if r is not pick)
            text += (f" {others} {'is' if len(tied) == 2 else 'are'} within {UNSUPERVISED_TIE:g} of it, and it is "
                     "also the most interpretable and cheapest of them.")
    else:
        interp = str(pick.tags.get("interpretability", "")).replace("_", " ")
        text = (f"{what} ({score}, {stability}) is within {UNSUPERVISED_TIE:g} of the top scorer {best.name} "
                f"({run.primary.label} {_fmt(best.score)}); among them the advisor prefers the more interpretable and "
                f"cheaper one ({interp}, {pick.tags.get('cost')}).")
    unstable = [r for r in real if r not in stable and _sign(run) * ((r.score or 0.0) - (pick.score or 0.0)) > 0]
    if unstable:
        names = ", ".join(f"{r.name} ({run.primary.label} {_fmt(r.score)}, stability {_stability(r):.2f})"
                          for r in unstable)
        text += f" Not picked although they score higher: {names}; their clusters change across resamples."
    return text


def _reduction_reason(run: _Run, pick: CandidateResult, best: CandidateResult, tied: list[CandidateResult],
                      score: str) -> str:
    rows = pick.reduction.sample_rows if pick.reduction else 0
    text = f"{pick.name} keeps neighbourhoods best ({score} on {rows:,} rows, {TRUST_NEIGHBORS} neighbours)."
    if pick is best and len(tied) > 1:
        others = ", ".join(r.name for r in tied if r is not pick)
        text += f" {others} {'is' if len(tied) == 2 else 'are'} within {UNSUPERVISED_TIE:g} of it."
    if pick is not best:
        text = (f"{pick.name} ({score}) is within {UNSUPERVISED_TIE:g} of the top scorer {best.name} "
                f"({run.primary.label} {_fmt(best.score)}); the advisor prefers it because its axes can be read "
                f"({str(pick.tags.get('interpretability', '')).replace('_', ' ')}, {pick.tags.get('cost')}).")
    red = pick.reduction
    if red is not None and red.explained_variance:
        text += f" Its 2 components keep {sum(red.explained_variance):.0%} of the variance"
        text += (f"; {red.components_for_90} components reach 90%." if red.components_for_90 else ".")
    return text


def _embedding(run: _Run, pick: Pick | None) -> Embedding | None:
    """The pick's 2-D picture, from the points its worker kept."""
    if pick is None:
        return None
    slot = next((s for s in run.slots if s.row.name == pick.name), None)
    if slot is None or slot.result is None or "points" not in slot.result:
        return None
    points = slot.result["points"]
    colour = points["colour"]
    axis = "component" if pick.name == "PCA_randomized" else "dimension"
    return Embedding(method=pick.name, label=slot.row.label, x=list(points["x"]), y=list(points["y"]),
                     n_rows=len(run.X), colour=run.colour if colour else None, colour_values=list(colour),
                     x_label=f"{axis} 1", y_label=f"{axis} 2", trustworthiness=slot.row.scores["trustworthiness"].mean
                     if "trustworthiness" in slot.row.scores else None)

