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
from advisor.catalog import CATALOG
from advisor.errors import AdvisorError, AllCandidatesFailed, OptionError, did_you_mean
from advisor.leaderboard import (
    CandidateResult,
    CVInfo,
    Leaderboard,
    LearningCurve,
    MetricInfo,
    MetricScore,
    Pick,
)

if TYPE_CHECKING:
    import pandas as pd

    from advisor.profile.model import Profile
    from advisor.ruletree.model import Advice, CandidateAdvice

Progress = Callable[[str, float], None]

CLASSIFICATION = ("binary", "multiclass")
SUPPORTED_TASKS = (*CLASSIFICATION, "regression")
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
}
DEFAULT_METRICS = {
    "binary": ["balanced_accuracy", "roc_auc", "f1_macro", "log_loss", "average_precision"],
    "multiclass": ["balanced_accuracy", "roc_auc", "f1_macro", "log_loss"],
    "regression": ["r2", "rmse", "mae"],
}
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
PROBE_MIN_ROWS = 2000  # below this, expensive candidates are just run (the kill keeps the budget)
PROBE_ROWS = 500
# How fit time grows with rows, by family (kernel SVMs are quadratic or worse).
GROWTH = {"svm": 2.0, "neighbors": 1.0, "manifold": 2.0}
CURVE_SIZES = [0.2, 0.45, 0.7, 1.0]
# Imported once by the forkserver, so each worker (and each replacement for a killed one) starts warm.
PRELOAD = [
    "advisor.benchmark", "advisor.candidates", "pandas", "scipy.stats", "threadpoolctl", "sklearn.pipeline",
    "sklearn.compose", "sklearn.impute", "sklearn.preprocessing", "sklearn.metrics", "sklearn.model_selection",
    "sklearn.feature_extraction.text", "sklearn.ensemble", "sklearn.linear_model", "sklearn.svm", "sklearn.tree",
    "sklearn.naive_bayes", "sklearn.neighbors", "sklearn.dummy", "sklearn.kernel_approximation",
]
CURVE_FOLDS = 3


# ---------------------------------------------------------------- metrics


def validate_metric(metric: str | None, task: str) -> str:
    """The primary metric's key for ``task``; any scikit-learn scorer name is accepted, checked."""
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


def _metric_kind(key: str) -> str | None:
    """'regression', 'classification', 'clustering' or None (unknown) for a metric key."""
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
    handlers = {"cv": _task_cv, "probe": _task_probe, "curve": _task_curve}
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


def _pipeline(data: dict[str, Any], candidate: CandidateAdvice) -> Any:
    from advisor.candidates import build_pipeline

    return build_pipeline(candidate, data["kinds"], data["task"], seed=data["seed"], target_min=data["target_min"])


def _task_cv(data: dict[str, Any], payload: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """Cross-validate one candidate fold by fold; a fold that raises fails the candidate."""
    import pickle

    from sklearn.base import clone

    X, y, splits = data["X"], data["y"], data["splits"]
    keys, primary = payload["metrics"], payload["primary"]
    template = _pipeline(data, payload["candidate"])
    out: dict[str, Any] = {"scores": {k: [] for k in keys}, "train": [], "fit": [], "predict": [], "bytes": None}
    for i, (train, test) in enumerate(splits):
        model = clone(template)
        try:
            t0 = time.perf_counter()
            model.fit(X.iloc[train], y.iloc[train])
            out["fit"].append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            cache: dict[str, Any] = {"pred": model.predict(X.iloc[test])}
            out["predict"].append((time.perf_counter() - t1) / max(len(test), 1) * 1000)
            for key in keys:
                out["scores"][key].append(_safe_metric(key, primary, model, X.iloc[test], y.iloc[test], cache, data))
            out["train"].append(_compute(primary, model, X.iloc[train], y.iloc[train], {}, data["pos_label"]))
        except Exception as exc:
            return {"failed": f"fold {i + 1} of {len(splits)}: {_one_line(exc)}"}
        if out["bytes"] is None:
            out["bytes"] = len(pickle.dumps(model))
        report("fold", i + 1, len(splits))
    return out


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
    """Time one fit and one predict on a small sample, to estimate the full cross-validation."""
    import numpy as np

    train, test = data["splits"][0]
    rng = np.random.default_rng(data["seed"])
    rows = rng.choice(train, size=min(PROBE_ROWS, len(train)), replace=False)
    held = test[: min(PROBE_ROWS, len(test))]
    model = _pipeline(data, payload["candidate"])
    t0 = time.perf_counter()
    model.fit(data["X"].iloc[rows], data["y"].iloc[rows])
    fit = time.perf_counter() - t0
    t1 = time.perf_counter()
    model.predict(data["X"].iloc[held])
    return {"fit": fit, "predict": time.perf_counter() - t1, "rows": float(len(rows)), "held": float(len(held))}


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


# ---------------------------------------------------------------- the pool of killable workers


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: _Task | None = None


@dataclass
class _Task:
    id: int
    kind: str  # cv | probe | curve
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
    slots: list[_Slot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False
    followed: bool = False
    pick: Pick | None = None

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
) -> Leaderboard:
    """Cross-validate the advised candidates within ``budget`` seconds of wall time and pick one.

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
    primary = validate_metric(metric, profile.task)
    keys = [primary, *[k for k in DEFAULT_METRICS[profile.task] if k != primary]]
    metrics = [metric_info(k, k == primary) for k in keys]
    X, y, cv, splits = _prepare_data(frame, profile, groups, time_col, seed)
    run = _Run(X, y, splits, profile.task, metrics, float(budget), start, start + float(budget), progress,
               should_stop or (lambda: False), explore, estimate)
    run.slots = _plan_slots(advice, profile.task)
    data = _data_payload(run, profile, seed, groups)
    curve = _execute(run, data, jobs)
    return _finish(run, cv, seed, jobs, curve)


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
    later_nodes: list[str] = []
    named = {n for c in usable for n in c.try_next}
    for c in usable:
        if c.name in named and c.node_id not in later_nodes:
            later_nodes.append(c.node_id)

    def wave(c: CandidateAdvice) -> int:
        return later_nodes.index(c.node_id) + 1 if c.node_id in later_nodes else 0

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


def _execute(run: _Run, data: dict[str, Any], jobs: int) -> LearningCurve | None:
    """Write the data once, start the workers, run every wave and the pick's curve; always clean up."""
    import pickle
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="advisor-cv-")
    path = os.path.join(folder, "data.pkl")
    with open(path, "wb") as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    # Native threads only pay on large tables; on small ones they mostly spin and slow each fit down.
    threads = max(1, (os.cpu_count() or 1) // jobs) if len(run.X) >= 20_000 else 1
    pool = _Pool(min(jobs, max(len(run.slots), 1)), path, threads)
    curve = None
    try:
        scheduler = _Scheduler(run, pool)
        scheduler.run()
        _summaries(run)
        run.pick = None if run.cancelled else _rank_and_pick(run)
        if run.pick is not None:
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
        shutil.rmtree(folder, ignore_errors=True)
    for slot in run.slots:
        if slot.row.status == "skipped" and slot.row.reason is None:
            slot.row.status = "cancelled" if run.cancelled else "skipped"
            slot.row.reason = "the run was stopped before it started" if run.cancelled else "no time left in the budget"
    return curve


class _Scheduler:
    """Hand tasks to free workers, collect results, kill what overruns, follow the waves."""

    def __init__(self, run: _Run, pool: _Pool) -> None:
        self.run_, self.pool = run, pool
        self.queue: list[tuple[str, int]] = []
        self.tasks: dict[int, _Task] = {}
        self.next_id = 0
        self.wave = -1
        self.curve: dict[str, Any] | None = None

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
            if not self.pool.busy() and not self.queue and not self.open_next_wave():
                return
            self.collect()
            self.enforce_deadlines()

    def dispatch(self) -> None:
        run = self.run_
        while self.queue and (slot_no := self.pool.free_slot()) is not None:
            kind, index = self.queue.pop(0)
            slot = run.slots[index]
            if run.left() <= 0.05:
                slot.row.reason = f"no time left in the budget of {run.budget:g} s"
                continue
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
            payload = {"candidate": slot.candidate, "metrics": metric_keys, "primary": run.primary.name}
            self.pool.submit(slot_no, task, payload)
            self.report(f"{slot.candidate.name}: {'timing a small sample' if kind == 'probe' else 'cross-validating'}")

    def needs_probe(self, slot: _Slot) -> bool:
        run = self.run_
        return (run.estimate and slot.probe is None and slot.candidate.cost != "cheap"
                and len(run.X) >= PROBE_MIN_ROWS)

    def estimate(self, slot: _Slot) -> float:
        """Seconds for the full cross-validation, scaled up from the small-sample fit."""
        assert slot.probe is not None
        run, probe = self.run_, slot.probe
        growth = GROWTH.get(slot.candidate.family, 1.1)
        if slot.candidate.name == "SVR_linear":
            growth = 2.0
        n_train = len(run.splits[0][0])
        n_test = len(run.splits[0][1])
        scale = n_train / max(probe["rows"], 1)
        per_row_predict = probe["predict"] / max(probe["held"], 1)
        predict_growth = scale if slot.candidate.family in ("neighbors", "svm") else 1.0
        per_fold = probe["fit"] * scale**growth + per_row_predict * (n_test + n_train) * predict_growth
        return per_fold * len(run.splits)

    def collect(self) -> None:
        import multiprocessing.connection as mpc

        busy = self.pool.busy()
        if not busy:
            return
        waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
        ready = mpc.wait(waitables, timeout=0.1)
        for worker in busy:
            if worker.conn in ready:
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    self.worker_died(worker)
                    continue
                self.handle(worker, message)
            elif worker.process.sentinel in ready and not worker.process.is_alive():
                self.worker_died(worker)

    def worker_died(self, worker: _Worker) -> None:
        task = worker.task
        code = worker.process.exitcode
        self.pool.kill(worker)
        if task is not None:
            self.fail(task, f"the worker process died (exit code {code}; out of memory?)")

    def handle(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind, task_id = message[0], message[1]
        task = self.tasks[task_id]
        if kind == "progress":
            task.folds_done = message[3]
            if task.index >= 0:
                slot = self.run_.slots[task.index]
                slot.row.folds_done = task.folds_done
                self.report(f"{slot.candidate.name}: fold {message[3]}/{message[4]}")
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
        slot = self.run_.slots[task.index]
        slot.spent += elapsed
        slot.row.elapsed_seconds = round(slot.spent, 3)
        if task.kind == "probe":
            slot.probe = result
            self.queue.insert(0, ("cv", task.index))
        elif "failed" in result:
            slot.row.status, slot.row.reason = "failed", result["failed"]
        else:
            slot.result = result
            slot.row.status = "ok"

    def fail(self, task: _Task, reason: str) -> None:
        if task.kind == "curve":
            self.curve = {"failed": reason}
            return
        slot = self.run_.slots[task.index]
        slot.spent += time.monotonic() - task.started
        slot.row.elapsed_seconds = round(slot.spent, 3)
        slot.row.status, slot.row.reason = "failed", reason

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
            slot = self.run_.slots[task.index]
            slot.spent += now - task.started
            slot.row.elapsed_seconds = round(slot.spent, 3)
            slot.row.status = "timeout"
            what = "timing a small sample" if task.kind == "probe" else f"{task.folds_done} of {len(self.run_.splits)} folds done"
            slot.row.reason = f"stopped at the end of the {self.run_.budget:g} s budget after {now - task.started:.1f} s ({what})"

    def cancel_all(self) -> None:
        for worker in self.pool.busy():
            task = worker.task
            self.pool.kill(worker)
            if task is not None and task.index >= 0:
                row = self.run_.slots[task.index].row
                row.status, row.reason = "cancelled", "stopped by the user while running"
        for _, index in self.queue:
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

    pick = min(tied, key=preference)
    assert best.score is not None and pick.score is not None
    reason = _pick_reason(run, pick, best, tied)
    beats = _beats_baseline(run, pick)
    if not beats[0]:
        reason += f" It does not clearly beat the Dummy baseline ({beats[1]}): treat it with caution."
    return Pick(pick.name, primary.name, pick.score, pick.score_std, reason, best.name,
                [r.name for r in tied if r.name != pick.name], beats[0])


def _pick_reason(run: _Run, pick: CandidateResult, best: CandidateResult, tied: list[CandidateResult]) -> str:
    label = run.primary.label
    score = f"{label} {_fmt(pick.score)} ± {_fmt(pick.score_std)}"
    if len(tied) == 1:
        nxt = next((r for r in run.slots if r.row.rank == 2 and not r.row.is_baseline), None)
        after = f"; the next, {nxt.row.name}, is significantly worse (p={nxt.row.p_value_vs_best})" if nxt else ""
        return f"{pick.name} has the best {score} over {len(run.splits)} folds{after}."
    others = ", ".join(r.name for r in tied if r.name != pick.name)
    if pick is best:
        return (f"{pick.name} has the best {score}; {others} {'is' if len(tied) == 2 else 'are'} statistically tied with it "
                f"(corrected resampled t-test, p ≥ {ALPHA}), and it is also the most interpretable and cheapest of them.")
    interp = str(pick.tags.get("interpretability", "")).replace("_", " ")
    return (f"{pick.name} ({score}) is statistically tied with the top scorer {best.name} ({label} {_fmt(best.score)}, "
            f"corrected resampled t-test p={pick.p_value_vs_best}); among the tied candidates ({others}) the advisor "
            f"prefers the more interpretable and cheaper one ({interp}, {pick.tags.get('cost')}).")


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
