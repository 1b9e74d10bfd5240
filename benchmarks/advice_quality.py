"""How good is the advice? The advisor's pick against what people use instead, on the same splits.

For each table of the development suite (``benchmarks/suite.py``) and each seed:
split 75/25 (stratified for classification, fixed seed); everything is chosen
on the 75 and scored once on the 25, with balanced accuracy (classification)
or R2 (regression). Methods:

* advisor: ``build_recommend_report`` on the 75 (written to a CSV) with a fixed
  budget; the pick is refitted on the 75 with ``fit_candidate`` and scored;
  wall time of the recommend call and the pick are recorded;
* LazyPredict (default sweep): fit on 80% of the 75, pick the best on the other
  20%, refit that model on the 75, score; the sweep time is recorded;
* FLAML: time budget = the advisor's wall time, told to optimise the same metric;
* hindsight best: the best 25-score over every model of the LazyPredict sweep
  refitted on the 75 (an upper bound no honest method reaches reliably);
* Dummy: the prior / mean baseline.

Every method but Dummy runs in its own process with a time cap and an address
space limit (``RLIMIT_AS``); a crash, an out-of-memory or a timeout is recorded
and the run goes on. Results stream to ``--out`` as one JSON line per (table,
seed); at the end a Markdown table per run, a summary row and the targets of
issue 5 as PASS/FAIL lines go to stdout.

    python benchmarks/advice_quality.py --quick                   # 3 small tables, seed 0
    python benchmarks/advice_quality.py --tables wine,Pima --seeds 0,1,2 --out aq.jsonl
    python benchmarks/advice_quality.py --from-jsonl aq.jsonl      # render saved results again

The peers are optional (``pip install -e '.[bench]'``): a peer that is not
installed is reported as such, and the advisor and Dummy rows still run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import suite
from _common import git_revision, versions

METRICS = {suite.CLASSIFICATION: "balanced_accuracy", suite.REGRESSION: "r2"}
PEERS = ("lazypredict", "flaml")
PEER_MODULES = {"lazypredict": "lazypredict", "flaml": "flaml"}
BUDGET_SLACK = 5.0  # seconds over the budget a run may take and still count as inside it
TASK_SHORT = {suite.CLASSIFICATION: "clf", suite.REGRESSION: "reg"}
TIE = 0.005  # half a point: closer than this is a tie
# What each layer of the advisor adds: variants run next to the full advisor with --ablation (same split,
# same budget, same folds). See strategy_board for what each leaves out.
ABLATIONS = ("no-tuning", "no-rules", "no-prep", "no-budget-logic", "six-defaults")
SIX_DEFAULTS = {
    "binary": ("LogisticRegression", "RandomForestClassifier", "HistGradientBoostingClassifier", "SVC",
               "KNeighborsClassifier", "DecisionTreeClassifier"),
    # The catalog has no kNN regressor; ExtraTrees takes its place.
    "regression": ("Ridge", "RandomForestRegressor", "HistGradientBoostingRegressor", "SVR_rbf",
                   "ExtraTreesRegressor", "DecisionTreeRegressor"),
}
SIX_DEFAULTS["multiclass"] = SIX_DEFAULTS["binary"]
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "advisor-bench"
Emit = Callable[[dict[str, Any]], None]


# ---------------------------------------------------------------- arguments


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help=f"three small tables ({', '.join(suite.QUICK)}), seed 0, budget 10 s unless --budget says otherwise")
    p.add_argument("--tables", help="comma-separated table names (default: every supervised table of the suite)")
    p.add_argument("--seeds", default="0", help="comma-separated split seeds (default 0)")
    p.add_argument("--budget", type=float, help="the advisor's budget in seconds (default 30; 10 with --quick)")
    p.add_argument("--jobs", type=int, default=1, help="the advisor's --jobs (default 1)")
    p.add_argument("--peers", default=",".join(PEERS),
                   help="comma-separated peers to run among lazypredict,flaml (default both; missing ones are skipped)")
    p.add_argument("--peer-timeout", type=float, default=600.0,
                   help="wall-time cap of each method's process, seconds (default 600)")
    p.add_argument("--memory-gb", type=float, default=8.0,
                   help="address-space limit of each method's process, GiB (default 8)")
    p.add_argument("--time-limit", type=float, metavar="MINUTES",
                   help="start no new (table, seed) once this many minutes have passed")
    p.add_argument("--out", type=Path, help="write one JSON line per (table, seed) to this file (overwritten)")
    p.add_argument("--md", type=Path, help="also write the Markdown report to this file")
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                   help=f"where the splits and child logs are written (default {DEFAULT_WORKDIR})")
    p.add_argument("--from-jsonl", type=Path, metavar="FILE", help="render the report of saved results; run nothing")
    p.add_argument("--ablation", default="",
                   help=f"comma-separated variants of the advisor to run next to it, among {', '.join(ABLATIONS)} "
                        "or 'all' (see the module docstring)")
    p.add_argument("--note", default="", help="a line about the machine's state, printed under the tables")
    p.add_argument("--reuse-peers", type=Path, metavar="FILE",
                   help="take LazyPredict, FLAML and the hindsight best from a previous --out file for every "
                        "(table, seed) it holds, instead of running them again (the peers do not depend on the "
                        "advisor; FLAML's time budget stays the one of that run)")
    args = p.parse_args(argv)
    args.budget = args.budget or (10.0 if args.quick else 30.0)
    if args.budget <= 0:
        p.error(f"The 'budget' option must be a positive number of seconds. Got {args.budget:g} instead.")
    names = list(suite.QUICK) if args.quick and not args.tables else (
        [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else list(suite.TABLES))
    try:
        args.tables = [suite.lookup(n).name for n in names]
        args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except (KeyError, ValueError) as exc:
        p.error(str(exc).strip("'\""))
    args.ablation = list(ABLATIONS) if args.ablation.strip() == "all" else [
        x.strip() for x in args.ablation.split(",") if x.strip()]
    bad = [x for x in args.ablation if x not in ABLATIONS]
    if bad:
        p.error(f"unknown ablation(s) {', '.join(bad)}; choose among {', '.join(ABLATIONS)} or 'all'")
    args.peers = [x.strip().lower() for x in args.peers.split(",") if x.strip()]
    unknown = [x for x in args.peers if x not in PEERS]
    if unknown:
        p.error(f"unknown peer(s) {', '.join(unknown)}; choose among {', '.join(PEERS)}")
    return args


# ---------------------------------------------------------------- scoring helpers (parent and children)


def label_text(value: Any) -> str:
    """One class label as text, so 1, 1.0 and '1' read from different files compare equal."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def score(task: str, y_true: Any, y_pred: Any) -> float:
    """Balanced accuracy (classification, labels compared as text) or R2 (regression)."""
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, r2_score

    if task == suite.CLASSIFICATION:
        return float(balanced_accuracy_score([label_text(v) for v in np.asarray(y_true, dtype=object)],
                                             [label_text(v) for v in np.asarray(y_pred, dtype=object)]))
    return float(r2_score(np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)))


def read_split(path: str, target: str, task: str) -> tuple[Any, Any]:
    """A split as a user of the peers would read it: pandas, text columns as object (what their encoders select)."""
    import pandas as pd

    frame = pd.read_csv(path)
    for col in frame.columns:
        if pd.api.types.is_string_dtype(frame[col]) and frame[col].dtype != object:
            frame[col] = frame[col].astype(object)
    return frame.drop(columns=[target]), frame[target]


def encode_labels(*ys: Any) -> list[Any]:
    """Classes as 0..k-1 for the peers (XGBoost insists), fitted on every label seen."""
    import numpy as np
    from sklearn.preprocessing import LabelEncoder

    texts = [np.array([label_text(v) for v in y], dtype=object) for y in ys]
    enc = LabelEncoder().fit(np.concatenate(texts))
    return [enc.transform(t) for t in texts]


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


# ---------------------------------------------------------------- the methods, each run inside a child process


def child_advisor(spec: dict[str, Any], emit: Emit) -> None:
    """Recommend on the 75 within the budget, refit the pick on the 75 and score it on the 25.

    After the timed part, every other measured candidate is refitted and scored
    too: not part of the advisor's result, but it tells a wrong pick from a
    missing candidate when the advisor loses.
    """
    from advisor.candidates import fit_candidate
    from advisor.errors import AllCandidatesFailed
    from advisor.load import load_table
    from advisor.pipeline import build_recommend_report

    strategy = spec.get("strategy", "advisor")
    t0 = time.perf_counter()
    try:
        if strategy == "advisor":
            report = build_recommend_report(spec["train"], target=spec["target"], budget=spec["budget"],
                                            seed=spec["seed"], jobs=spec["jobs"])
        else:
            report = strategy_report(spec, strategy)
    except AllCandidatesFailed as exc:
        emit({"event": "recommend", "seconds": time.perf_counter() - t0, "pick": None, "error": one_line(exc)})
        raise
    seconds = time.perf_counter() - t0
    board, advice, profile = report.leaderboard, report.advice, report.profile
    assert board is not None and advice is not None
    pick = board.pick
    emit({
        "event": "recommend", "seconds": seconds, "timings": report.timings, "task": profile.task,
        "outcome": advice.outcome, "path": list(advice.path),
        "candidates": [c.name for c in advice.candidates],
        "pick": pick.name if pick else None, "cv_score": pick.score if pick else None,
        "best": pick.best if pick else None, "tied": list(pick.tied) if pick else [],
        "followed_try_next": board.followed_try_next,
        "rows": [{"name": r.name, "status": r.status, "cv_score": r.score, "wave": r.wave,
                  "elapsed": r.elapsed_seconds, "reason": r.reason, "params": r.params,
                  "tuning": _tuning_record(r.tuning)} for r in board.rows],
        "params": pick.params if pick else {},
    })
    if pick is None:
        raise RuntimeError("the advisor made no pick")
    train, test = load_table(spec["train"]).frame, load_table(spec["test"]).frame
    X_test, y_test = test.drop(columns=[spec["target"]]), test[spec["target"]]
    order = [pick.name] + [r.name for r in board.rows if r.status == "ok" and r.name != pick.name]
    if strategy != "advisor":
        order = order[:1]  # an ablation is scored by its pick only
    from threadpoolctl import threadpool_limits

    for name in order:
        candidate = next(c for c in advice.candidates if c.name == name)
        t1 = time.perf_counter()
        row = board.row(name)
        try:  # one native thread, as the advisor's own refit below 20,000 rows: no OpenMP spinning on a busy machine
            with threadpool_limits(limits=None if len(train) >= 20_000 else 1):
                fitted = fit_candidate(train, profile, candidate, seed=spec["seed"], params=row.params or None)
                value: float | None = score(spec["task"], y_test, fitted.predict(X_test))
            error = None
        except Exception as exc:  # one candidate failing at refit is data, not the end of the run
            value, error = None, one_line(exc)
        emit({"event": "pick" if name == pick.name else "candidate", "name": name, "score": value,
              "refit_seconds": time.perf_counter() - t1, "error": error})


def plain_preparation(profile: Any) -> list[Any]:
    """'impute + scale + one-hot' for every estimator: no skew, balancing, target or native encoding."""
    from advisor.profile.model import CATEGORY_KINDS, NUMERIC_KINDS
    from advisor.ruletree.model import PreparationStep

    kinds = profile.feature_kinds()
    nums = [c for c, k in kinds.items() if k in NUMERIC_KINDS]
    cats = [c for c, k in kinds.items() if k in CATEGORY_KINDS]
    why = "plain preparation (ablation)"
    steps = [PreparationStep("impute_numeric", "sklearn.impute.SimpleImputer", nums, why, params={"strategy": "median"}),
             PreparationStep("scale", "sklearn.preprocessing.StandardScaler", nums, why)]
    if cats:
        steps += [PreparationStep("impute_categorical", "sklearn.impute.SimpleImputer", cats, why,
                                  params={"strategy": "most_frequent"}),
                  PreparationStep("one_hot_encode", "sklearn.preprocessing.OneHotEncoder", cats, why,
                                  params={"handle_unknown": "ignore"})]
    return steps


def strategy_candidates(strategy: str, profile: Any, advice: Any) -> list[Any]:
    """The candidates an ablation cross-validates (the advisor's own for the variants that keep the rule tree)."""
    import dataclasses

    from advisor.candidates import candidate_advice
    from advisor.catalog import CATALOG

    task = profile.task
    dummy = "DummyRegressor" if task == "regression" else "DummyClassifier"
    if strategy == "no-rules":  # every supervised estimator of the task, prepared by the preparation rules
        names = [n for n, e in CATALOG.items() if task in e.tasks and n != dummy]
        return [candidate_advice(n, profile) for n in [dummy, *names]]
    if strategy == "six-defaults":
        plain = plain_preparation(profile)
        return [dataclasses.replace(candidate_advice(n, profile), preparation=list(plain))
                for n in (dummy, *SIX_DEFAULTS[task])]
    if strategy == "no-prep":
        plain = plain_preparation(profile)
        return [dataclasses.replace(c, preparation=list(plain)) for c in advice.candidates]
    return list(advice.candidates)


def strategy_report(spec: dict[str, Any], strategy: str) -> Any:
    """One ablation on the 75: the advisor with one layer left out, cross-validated in the advisor's machinery.

    * no-tuning: the full advisor without the light tuning;
    * no-rules: every estimator of the task instead of the rule tree's candidates (preparation rules kept);
    * no-prep: the rule tree's candidates with plain preparation (impute, scale, one-hot) for every one;
    * no-budget-logic: no timing probe, so no candidate is skipped as too slow (the kill at the end stays);
    * six-defaults: six common estimators with plain preparation, no tuning, the best mean picked
      (no tie rule, no preference for the simpler model).

    Each gets the same share of the budget for cross-validation as the advisor (the pick is then refitted,
    not explained, so it finishes earlier than the advisor does).
    """
    import dataclasses

    from advisor.benchmark import cross_validate_candidates
    from advisor.pipeline import CV_SHARE, load_and_profile

    table, report = load_and_profile(spec["train"], target=spec["target"], seed=spec["seed"])
    profile, advice = report.profile, report.advice
    assert advice is not None
    candidates = strategy_candidates(strategy, profile, advice)
    report.advice = dataclasses.replace(advice, candidates=candidates)
    board = cross_validate_candidates(
        table.frame, profile, report.advice, budget=spec["budget"] * CV_SHARE, metric=None, seed=spec["seed"],
        jobs=spec["jobs"], tune=strategy not in ("no-tuning", "six-defaults"),
        estimate=strategy != "no-budget-logic")
    if strategy == "six-defaults" and board.pick is not None:
        sign = 1 if next(m for m in board.metrics if m.primary).greater_is_better else -1
        best = max((r for r in board.rows if r.status == "ok" and not r.is_baseline and r.score is not None),
                   key=lambda r: sign * (r.score or 0.0))
        board.pick = dataclasses.replace(board.pick, name=best.name, score=best.score or 0.0,
                                         score_std=best.score_std, params={}, reason="best mean")
    report.leaderboard = board
    return report


def _tuning_record(tuning: Any) -> dict[str, Any] | None:
    """The light tuning of one leaderboard row, for the JSON line (None when it was not tuned)."""
    if tuning is None:
        return None
    return {"trials": [{"params": t.params, "status": t.status, "cv_score": t.score, "seconds": t.seconds}
                       for t in tuning.trials],
            "default_cv": tuning.default_score, "chosen": tuning.chosen, "nested_cv": tuning.nested_score,
            "adopted": tuning.adopted}


def child_lazypredict(spec: dict[str, Any], emit: Emit) -> None:
    """LazyPredict's default sweep on 80/20 of the 75; each model is also refitted on the 75 and scored.

    The refit of every model gives the hindsight best; the refit of the model
    LazyPredict ranks first is LazyPredict's own answer. Refits happen inside
    LazyPredict's progress callback, so a sweep stopped by the time cap still
    leaves every model measured so far, and their time is taken out of the
    sweep time.
    """
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    task, seed = spec["task"], spec["seed"]
    X75, y75 = read_split(spec["train"], spec["target"], task)
    X25, y25 = read_split(spec["test"], spec["target"], task)
    if task == suite.CLASSIFICATION:
        y75, y25 = encode_labels(y75, y25)
    stratify = y75 if task == suite.CLASSIFICATION and _stratifiable(y75, 0.2) else None
    X80, X20, y80, y20 = train_test_split(X75, y75, test_size=0.2, random_state=seed, stratify=stratify)
    import lazypredict.Supervised as lp

    refit_total = 0.0
    lazy: Any = None

    def on_model(name: str, index: int, total: int, metrics: dict[str, Any] | None) -> None:
        nonlocal refit_total
        if metrics is None:
            emit({"event": "model_failed", "name": name, "index": index, "total": total,
                  "error": one_line(lazy.errors[name]) if name in lazy.errors else None})
            return
        val = metrics["balanced_accuracy"] if task == suite.CLASSIFICATION else metrics["r_squared"]
        t = time.perf_counter()
        try:
            model = clone(lazy.models[name]).fit(X75, y75)
            test: float | None = score(task, y25, model.predict(X25))
            error = None
        except Exception as exc:
            test, error = None, one_line(exc)
        refit = time.perf_counter() - t
        refit_total += refit
        emit({"event": "model", "name": name, "index": index, "total": total, "val_score": _finite(val),
              "sweep_seconds": metrics.get("time"), "test_score": test, "refit_seconds": refit, "error": error})

    cls = lp.LazyClassifier if task == suite.CLASSIFICATION else lp.LazyRegressor
    lazy = cls(random_state=seed, progress_callback=on_model)
    listing = getattr(lazy, "_get_estimator_list", None)  # private: the count is only for the report
    emit({"event": "start", "models": len(listing()) if callable(listing) else None})
    t0 = time.perf_counter()
    lazy.fit(X80, X20, y80, y20)
    emit({"event": "sweep_done", "seconds": time.perf_counter() - t0 - refit_total})


def _finite(value: Any) -> float | None:
    import math

    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _stratifiable(y: Any, test_size: float) -> bool:
    import pandas as pd

    counts = pd.Series(y).value_counts()
    return bool(counts.min() >= 2 and len(counts) <= test_size * len(y) and len(counts) <= (1 - test_size) * len(y))


def _balanced_accuracy_loss(X_val: Any, y_val: Any, estimator: Any, labels: Any, X_train: Any, y_train: Any,
                            *args: Any, **kwargs: Any) -> tuple[float, dict[str, float]]:
    """FLAML minimises a loss: 1 - balanced accuracy on its validation rows."""
    from sklearn.metrics import balanced_accuracy_score

    value = float(balanced_accuracy_score(y_val, estimator.predict(X_val)))
    return 1.0 - value, {"balanced_accuracy": value}


def child_flaml(spec: dict[str, Any], emit: Emit) -> None:
    """FLAML's AutoML on the 75 with the advisor's wall time as its budget, told the same metric."""
    import logging

    from flaml import AutoML

    logging.getLogger("flaml").setLevel(logging.WARNING)
    task = spec["task"]
    X75, y75 = read_split(spec["train"], spec["target"], task)
    X25, y25 = read_split(spec["test"], spec["target"], task)
    if task == suite.CLASSIFICATION:
        y75, y25 = encode_labels(y75, y25)
    automl = AutoML()
    metric: Any = _balanced_accuracy_loss if task == suite.CLASSIFICATION else "r2"
    t0 = time.perf_counter()
    automl.fit(X75, y75, task=task, metric=metric, time_budget=spec["time_budget"], seed=spec["seed"], verbose=0)
    seconds = time.perf_counter() - t0
    value = score(task, y25, automl.predict(X25))
    emit({"event": "result", "seconds": seconds, "score": value, "pick": automl.best_estimator,
          "best_config": {k: (v if isinstance(v, (int, float, str, bool)) else str(v))
                          for k, v in (automl.best_config or {}).items()}})


CHILDREN: dict[str, Callable[[dict[str, Any], Emit], None]] = {
    "advisor": child_advisor, "lazypredict": child_lazypredict, "flaml": child_flaml,
}


def child_main(method: str, spec_path: str, events_path: str) -> int:
    """Entry point of a child process: limits first, then the method; every outcome is an event."""
    import resource

    spec = json.loads(Path(spec_path).read_text())
    limit = int(spec["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    events = open(events_path, "a", encoding="utf-8")  # noqa: SIM115 - stays open for the child's life

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps(event, default=str) + "\n")
        events.flush()

    code = 0
    try:
        import warnings

        warnings.simplefilter("ignore")
        CHILDREN[method](spec, emit)
    except MemoryError as exc:
        emit({"event": "error", "kind": "oom", "message": one_line(exc)})
        code = 3
    except Exception as exc:
        kind = "oom" if _out_of_memory(exc) else "crash"
        emit({"event": "error", "kind": kind, "message": one_line(exc),
              "traceback": traceback.format_exc()[-3000:]})
        code = 1
    emit({"event": "exit", "peak_rss_mib": _peak_rss_mib()})
    events.close()
    return code


def _out_of_memory(exc: BaseException) -> bool:
    """The address-space limit also shows as an OSError (a library that cannot map) or a wrapped MemoryError."""
    import errno

    text = str(exc)
    return (isinstance(exc, OSError) and (exc.errno == errno.ENOMEM or "failed to map segment" in text)) or (
        "MemoryError" in text or "Unable to allocate" in text or "Cannot allocate memory" in text)


def _peak_rss_mib() -> dict[str, float]:
    import resource

    scale = 1 if sys.platform == "darwin" else 1024
    return {who: round(resource.getrusage(r).ru_maxrss * scale / 2**20, 1)
            for who, r in (("self", resource.RUSAGE_SELF), ("children", resource.RUSAGE_CHILDREN))}


# ---------------------------------------------------------------- running a child under limits


@dataclass
class ChildResult:
    """What one method's process did: its status, its events, and how long it ran."""

    status: str  # ok | timeout | oom | crashed | killed
    events: list[dict[str, Any]]
    seconds: float
    message: str | None = None

    def last(self, name: str) -> dict[str, Any] | None:
        found = [e for e in self.events if e.get("event") == name]
        return found[-1] if found else None

    def all(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == name]


def run_method(method: str, spec: dict[str, Any], workdir: Path, cap: float) -> ChildResult:
    """Run one method in a fresh process group; kill the whole group at the cap or when it ends."""
    spec_path, events_path, log_path = (workdir / f"{method}.{ext}" for ext in ("spec.json", "events.jsonl", "log"))
    spec_path.write_text(json.dumps(spec))
    events_path.write_text("")
    t0 = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", method,
                                 str(spec_path), str(events_path)],
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            code = proc.wait(timeout=cap)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            code = proc.wait()
        _kill_group(proc.pid)  # workers the method left behind (the advisor's pool, joblib's)
    seconds = time.perf_counter() - t0
    events = [json.loads(line) for line in events_path.read_text().splitlines() if line.strip()]
    error = next((e for e in events if e.get("event") == "error"), None)
    if timed_out:
        return ChildResult("timeout", events, seconds, f"stopped at the {cap:g} s cap")
    if error is not None:
        return ChildResult("oom" if error["kind"] == "oom" else "crashed", events, seconds, error["message"])
    if code != 0:
        tail = log_path.read_bytes().decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        status = "killed" if code < 0 else "crashed"
        why = f"signal {-code}" + (" (out of memory?)" if code == -signal.SIGKILL else "") if code < 0 else f"exit {code}"
        return ChildResult(status, events, seconds, f"{why}: {tail[0][:200]}")
    return ChildResult("ok", events, seconds)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# ---------------------------------------------------------------- one (table, seed)


@dataclass
class Settings:
    budget: float
    jobs: int
    peers: list[str]
    cap: float
    memory_bytes: int
    reuse: dict[tuple[str, int], dict[str, Any]] | None = None  # (table, seed) -> methods of a previous run
    ablation: Sequence[str] = ()


def load_peers(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The peers' entries of a previous run, by (table, seed)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            methods = record.get("methods", {})
            out[(record["table"], int(record["seed"]))] = {
                k: {**methods[k], "reused_from": f"{path.name} (git {record.get('git')})"}
                for k in ("lazypredict", "flaml", "hindsight") if k in methods}
    return out


def split_table(loaded: suite.LoadedTable, seed: int, workdir: Path) -> tuple[Path, Path, dict[str, Any]]:
    """75/25, stratified for classification when every class has rows enough; both parts as CSV."""
    from sklearn.model_selection import train_test_split

    spec, frame = loaded.spec, loaded.frame
    y = frame[spec.target]
    info: dict[str, Any] = {"split": "random"}
    stratify = None
    if spec.task == suite.CLASSIFICATION:
        if _stratifiable(y.map(label_text), 0.25):
            stratify, info["split"] = y.map(label_text), "stratified"
        else:
            info["split_note"] = "a class has fewer than 2 rows: split not stratified"
    train, test = train_test_split(frame, test_size=0.25, random_state=seed, stratify=stratify)
    paths = workdir / "train.csv", workdir / "test.csv"
    train.to_csv(paths[0], index=False)
    test.to_csv(paths[1], index=False)
    info.update(train_rows=len(train), test_rows=len(test))
    return paths[0], paths[1], info


def run_dummy(task: str, train: Path, test: Path, target: str) -> dict[str, Any]:
    from sklearn.dummy import DummyClassifier, DummyRegressor

    X75, y75 = read_split(str(train), target, task)
    X25, y25 = read_split(str(test), target, task)
    if task == suite.CLASSIFICATION:
        y75, y25 = encode_labels(y75, y25)
        model: Any = DummyClassifier(strategy="prior")
    else:
        model = DummyRegressor(strategy="mean")
    t0 = time.perf_counter()
    value = score(task, y25, model.fit(X75, y75).predict(X25))
    return {"status": "ok", "score": value, "pick": type(model).__name__, "seconds": time.perf_counter() - t0}


def advisor_entry(result: ChildResult, budget: float, suite_task: str) -> dict[str, Any]:
    rec, pick = result.last("recommend"), result.last("pick")
    out: dict[str, Any] = {"status": result.status, "error": result.message, "process_seconds": round(result.seconds, 2)}
    if rec is not None:
        inferred = rec.get("task")
        out.update(
            seconds=round(rec["seconds"], 2), inside_budget=rec["seconds"] <= budget + BUDGET_SLACK,
            pick=rec.get("pick"), cv_score=rec.get("cv_score"), best_cv=rec.get("best"), tied=rec.get("tied"),
            task_inferred=inferred, timings=rec.get("timings"), outcome=rec.get("outcome"), path=rec.get("path"),
            candidates=rec.get("candidates"), followed_try_next=rec.get("followed_try_next"),
            leaderboard=rec.get("rows"), error=rec.get("error") or out["error"],
        )
        if inferred is not None and _family(inferred) != suite_task:
            out["task_mismatch"] = f"the advisor inferred '{inferred}' for a {suite_task} table"
    if pick is not None:
        out.update(score=pick["score"], refit_seconds=round(pick["refit_seconds"], 2))
        if pick.get("error"):
            out["error"] = f"refit of the pick failed: {pick['error']}"
    if result.status != "ok" and pick is not None and pick.get("score") is not None:
        out["status"] = "ok"  # the measured part finished; only the diagnostics were cut short
        out["diagnostics_cut"] = f"{result.status}: {result.message}"
    out["candidates_test"] = {e["name"]: e["score"] for e in result.all("pick") + result.all("candidate")}
    if out.get("score") is None and out["status"] == "ok":
        out["status"] = "failed"
    return out


def _family(task: str) -> str:
    return suite.CLASSIFICATION if task in ("binary", "multiclass") else (
        suite.REGRESSION if task == "regression" else task)


def lazypredict_entries(result: ChildResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """LazyPredict's own answer and the hindsight best, from the stream of per-model events."""
    models = [e for e in result.all("model")]
    start, done = result.last("start"), result.last("sweep_done")
    total = start["models"] if start else None
    failed = len(result.all("model_failed"))
    ranked = sorted((m for m in models if m["val_score"] is not None), key=lambda m: -m["val_score"])
    lazy: dict[str, Any] = {"status": result.status, "error": result.message, "models_ok": len(models),
                            "models_failed": failed, "models_total": total,
                            "failures": {e["name"]: e.get("error") for e in result.all("model_failed")},
                            "process_seconds": round(result.seconds, 2)}
    if done is not None and ranked:
        top = ranked[0]
        lazy.update(pick=top["name"], val_score=top["val_score"], score=top["test_score"],
                    seconds=round(done["seconds"] + top["refit_seconds"], 2),
                    ranking=[m["name"] for m in ranked[:5]])
        if top["test_score"] is None:
            lazy.update(status="failed", error=f"refit of {top['name']} on the 75 failed: {top['error']}")
    elif result.status == "ok":
        lazy.update(status="failed", error=result.message or "no model finished the sweep")
    scored = [m for m in models if m["test_score"] is not None]
    hind: dict[str, Any] = {"status": "ok" if scored else "missing", "models": len(scored),
                            "partial": done is None}
    if scored:
        best = max(scored, key=lambda m: m["test_score"])
        hind.update(score=best["test_score"], pick=best["name"],
                    scores={m["name"]: round(m["test_score"], 5) for m in scored})
    if done is None and scored:
        hind["note"] = f"LazyPredict stopped ({result.status}) after {len(models)} of {total} models"
    return lazy, hind


def flaml_entry(result: ChildResult, time_budget: float) -> dict[str, Any]:
    out: dict[str, Any] = {"status": result.status, "error": result.message, "time_budget": round(time_budget, 2),
                           "process_seconds": round(result.seconds, 2)}
    res = result.last("result")
    if res is not None:
        out.update(score=res["score"], pick=res["pick"], seconds=round(res["seconds"], 2),
                   best_config=res.get("best_config"))
    return out


def not_installed(peer: str) -> dict[str, Any]:
    return {"status": "not installed", "error": f"pip install -e '.[bench]' to run {peer}"}


def run_one(loaded: suite.LoadedTable, seed: int, settings: Settings, workdir: Path,
            log: Callable[[str], None]) -> dict[str, Any]:
    """Every method on one split of one table; returns the JSON record."""
    spec = loaded.spec
    assert spec.target is not None
    train, test, split = split_table(loaded, seed, workdir)
    base = {"train": str(train), "test": str(test), "target": spec.target, "task": spec.task, "seed": seed,
            "memory_bytes": settings.memory_bytes}
    methods: dict[str, Any] = {}
    log(f"  advisor (budget {settings.budget:g} s)")
    adv = run_method("advisor", {**base, "budget": settings.budget, "jobs": settings.jobs}, workdir, settings.cap)
    methods["advisor"] = advisor_entry(adv, settings.budget, spec.task)
    time_budget = methods["advisor"].get("seconds") or settings.budget
    reused = (settings.reuse or {}).get((spec.name, seed))
    for peer in PEERS:
        if reused is not None and peer in reused:
            log(f"  {peer}: reused from {reused[peer]['reused_from']}")
            methods[peer] = reused[peer]
            if peer == "lazypredict" and "hindsight" in reused:
                methods["hindsight"] = reused["hindsight"]
        elif peer not in settings.peers:
            methods[peer] = {"status": "not run", "error": "left out with --peers"}
        elif find_spec(PEER_MODULES[peer]) is None:
            methods[peer] = not_installed(peer)
        elif peer == "lazypredict":
            log("  lazypredict (default sweep, every model also refitted for the hindsight best)")
            methods["lazypredict"], methods["hindsight"] = lazypredict_entries(
                run_method("lazypredict", base, workdir, settings.cap))
        else:
            log(f"  flaml (time budget {time_budget:.1f} s)")
            methods["flaml"] = flaml_entry(
                run_method("flaml", {**base, "time_budget": time_budget}, workdir, settings.cap), time_budget)
    methods.setdefault("hindsight", {"status": "missing", "error": "needs the LazyPredict sweep"})
    strategies: dict[str, Any] = {}
    for strategy in settings.ablation:
        log(f"  ablation {strategy}")
        result = run_method("advisor", {**base, "budget": settings.budget, "jobs": settings.jobs,
                                        "strategy": strategy}, workdir, settings.cap)
        strategies[strategy] = advisor_entry(result, settings.budget, spec.task)
    methods["dummy"] = run_dummy(spec.task, train, test, spec.target)
    record = {
        "benchmark": "advice_quality", "table": spec.name, "source": spec.source, "task": spec.task,
        "metric": METRICS[spec.task], "seed": seed, "budget": settings.budget, "rows": len(loaded.frame),
        "columns": loaded.frame.shape[1], "rows_dropped_missing_target": loaded.rows_dropped,
        **split, "notes": loaded.notes, "methods": methods,
    }
    if strategies:
        record["ablation"] = strategies
    record.update(derived(record))
    return record


def derived(record: dict[str, Any]) -> dict[str, Any]:
    """Regret against the hindsight best (points) and the wall-time ratios."""
    m = record["methods"]
    adv, hind = m["advisor"].get("score"), m["hindsight"].get("score")
    out: dict[str, Any] = {"regret_points": None, "time_ratio_lazypredict": None, "time_ratio_flaml": None}
    if hind is not None:
        out["regret_points"] = round(100 * (hind - adv), 2) if adv is not None else None
    t = m["advisor"].get("seconds")
    for peer in PEERS:
        other = m.get(peer, {}).get("seconds")
        if t and other:
            out[f"time_ratio_{peer}"] = round(t / other, 3)
    return out


# ---------------------------------------------------------------- the report


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _cell(entry: dict[str, Any], with_pick: bool = True) -> str:
    if entry.get("score") is None:
        return entry.get("status", "–")
    mark = "†" if entry.get("partial") else ""
    pick = f" {_short(entry['pick'])}" if with_pick and entry.get("pick") else ""
    return f"{entry['score']:.3f}{mark}{pick}{'*' if tuned_params(entry) else ''}"


def tuning_lines(records: list[dict[str, Any]]) -> list[str]:
    """Per run, each row whose light tuning ran: adopted or not, the nested estimate against the default."""
    lines = []
    for r in records:
        adv = r["methods"]["advisor"]
        parts = []
        for row in adv.get("leaderboard") or []:
            t = row.get("tuning")
            if not t or not any(x["status"] == "ok" for x in t["trials"]):
                continue
            tried = sum(x["status"] == "ok" for x in t["trials"])
            verdict = (f"adopted {', '.join(f'{k}={v}' for k, v in t['chosen'].items())}" if t["adopted"]
                       else "kept the defaults")
            nested = "–" if t["nested_cv"] is None else f"{t['nested_cv']:.3f}"
            default = "–" if t["default_cv"] is None else f"{t['default_cv']:.3f}"
            parts.append(f"{_short(row['name'])}{' (pick)' if row['name'] == adv.get('pick') else ''}: {tried} tried, "
                         f"{verdict} (nested {nested} vs default {default})")
        if parts:
            lines.append(f"- {r['table']}/{r['seed']}: " + "; ".join(parts))
    return lines


def tuned_params(entry: dict[str, Any]) -> dict[str, Any]:
    """The settings the light tuning chose for an advisor entry's pick ({} for the defaults or a peer)."""
    row = next((r for r in entry.get("leaderboard") or [] if r.get("name") == entry.get("pick")), None)
    return dict(row.get("params") or {}) if row else {}


def _short(name: str) -> str:
    for long, short in (("Classifier", "C"), ("Regressor", "R"), ("Regression", "Reg")):
        name = name.replace(long, short)
    return name


def table_rows(records: list[dict[str, Any]]) -> list[str]:
    head = ("| table | task | rows | seed | advisor (pick) | LazyPredict (pick) | FLAML (pick) | hindsight best (model) "
            "| Dummy | regret pts | advisor s | adv/LP time | adv/FLAML time |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in records:
        m = r["methods"]
        adv = m["advisor"]
        regret = "–" if r["regret_points"] is None else f"{r['regret_points']:+.1f}"
        over = "" if adv.get("inside_budget", True) else " ⚠"
        lines.append(
            f"| {r['table']} | {TASK_SHORT.get(r['task'], r['task'])} | {r['rows']} | {r['seed']} | {_cell(adv)} | {_cell(m['lazypredict'])} "
            f"| {_cell(m['flaml'])} | {_cell(m['hindsight'])} | {_s(m['dummy'].get('score'))} | {regret} "
            f"| {adv.get('seconds', '–')}{over} | {_ratio(r['time_ratio_lazypredict'])} | {_ratio(r['time_ratio_flaml'])} |")
    return lines


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def compare(records: list[dict[str, Any]], peer: str) -> tuple[int, int, int, int]:
    """Runs where the advisor beats, ties (within half a point) or loses to ``peer``, and runs compared."""
    beats = ties = loses = 0
    for r in records:
        a, b = r["methods"]["advisor"].get("score"), r["methods"].get(peer, {}).get("score")
        if b is None:
            continue
        if a is None or a < b - TIE:
            loses += 1
        elif a > b + TIE:
            beats += 1
        else:
            ties += 1
    return beats, ties, loses, beats + ties + loses


def per_table(records: list[dict[str, Any]], key: Callable[[dict[str, Any]], float | None]) -> dict[str, float]:
    """Mean over seeds of a per-run figure, per table (runs where it is missing are left out)."""
    values: dict[str, list[float]] = {}
    for r in records:
        v = key(r)
        if v is not None:
            values.setdefault(r["table"], []).append(v)
    return {t: statistics.fmean(v) for t, v in values.items()}


def _regret(r: dict[str, Any]) -> float | None:
    if r["methods"]["hindsight"].get("score") is None:
        return None
    return r["regret_points"] if r["regret_points"] is not None else float("inf")  # a failed advisor run


def _vs_lazy(r: dict[str, Any]) -> float | None:
    lazy = r["methods"]["lazypredict"].get("score")
    if lazy is None:
        return None
    adv = r["methods"]["advisor"].get("score")
    return 100 * (lazy - adv) if adv is not None else float("inf")


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    regrets = per_table(records, _regret)
    worst = max(regrets.items(), key=lambda kv: kv[1]) if regrets else None
    below_dummy = [f"{r['table']}/{r['seed']}" for r in records
                   if r["methods"]["advisor"].get("score") is None
                   or r["methods"]["advisor"]["score"] < r["methods"]["dummy"]["score"]]
    inside = [r for r in records if r["methods"]["advisor"].get("inside_budget")]
    totals = {name: round(sum(r["methods"].get(name, {}).get("seconds") or 0 for r in records), 1)
              for name in ("advisor", "lazypredict", "flaml")}
    return {
        "runs": len(records), "tables": len({r["table"] for r in records}),
        "median_regret": statistics.median(regrets.values()) if regrets else None,
        "worst_regret": worst, "regret_by_table": regrets,
        "vs": {peer: compare(records, peer) for peer in ("lazypredict", "flaml", "hindsight", "dummy")},
        "below_dummy": below_dummy, "inside_budget": (len(inside), len(records)), "seconds": totals,
        "shortfall_vs_lazy_by_table": per_table(records, _vs_lazy),
    }


def targets(s: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    """Issue 5's figures to reach, each as (label, passed or None when unmeasured, value)."""
    regrets, vs_lazy = s["regret_by_table"], s["shortfall_vs_lazy_by_table"]
    within1 = sum(v <= 1.0 for v in regrets.values())
    as_good = sum(v <= 100 * TIE for v in vs_lazy.values())
    runs_in, runs = s["inside_budget"]
    med = s["median_regret"]
    return [
        ("median shortfall vs hindsight best <= 1 point", None if med is None else med <= 1.0,
         "–" if med is None else f"{med:.2f} pts over {len(regrets)} tables"),
        ("within 1 point of hindsight best on >= 60% of tables", None if not regrets else within1 >= 0.6 * len(regrets),
         f"{within1}/{len(regrets)}"),
        ("as good as LazyPredict's pick (within 0.5 pt) on >= 80% of tables",
         None if not vs_lazy else as_good >= 0.8 * len(vs_lazy), f"{as_good}/{len(vs_lazy)}"),
        ("never below the Dummy baseline", not s["below_dummy"],
         "never" if not s["below_dummy"] else "below on " + ", ".join(s["below_dummy"])),
        (f"every run inside the budget (+{BUDGET_SLACK:g} s)", runs_in == runs, f"{runs_in}/{runs}"),
    ]


def summary_lines(s: dict[str, Any]) -> list[str]:
    def vs(peer: str) -> str:
        b, t, lo, n = s["vs"][peer]
        return f"{b + t}/{n} (beats {b}, ties {t}, loses {lo})" if n else "–"

    worst = "–" if not s["worst_regret"] else f"{s['worst_regret'][1]:+.1f} ({s['worst_regret'][0]})"
    med = "–" if s["median_regret"] is None else f"{s['median_regret']:+.2f}"
    sec = s["seconds"]
    return [
        "| summary | runs | tables | median regret pts | worst regret pts | ties or beats LazyPredict | ties or beats FLAML "
        "| ties or beats hindsight | never below Dummy | inside budget+5 s | total s advisor / LP / FLAML |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| all | {s['runs']} | {s['tables']} | {med} | {worst} | {vs('lazypredict')} | {vs('flaml')} "
        f"| {vs('hindsight')} | {'yes' if not s['below_dummy'] else 'no'} "
        f"| {s['inside_budget'][0]}/{s['inside_budget'][1]} | {sec['advisor']} / {sec['lazypredict']} / {sec['flaml']} |",
    ]


STRATEGY_LABELS = {
    "advisor": "advisor (full)", "no-tuning": "without light tuning", "no-rules": "without the rule tree (every estimator)",
    "no-prep": "without preparation advice (impute, scale, one-hot)", "no-budget-logic": "without the timing probe",
    "six-defaults": "six defaults, plain preparation, best mean",
}


STRATEGY_SHORT = {"advisor": "full", "no-tuning": "no tuning", "no-rules": "no rule tree", "no-prep": "plain prep",
                  "no-budget-logic": "no probe", "six-defaults": "six defaults"}


def strategy_entry(r: dict[str, Any], strategy: str) -> dict[str, Any] | None:
    return r["methods"]["advisor"] if strategy == "advisor" else r.get("ablation", {}).get(strategy)


def ablation_summary(records: list[dict[str, Any]], strategy: str) -> dict[str, Any]:
    """Regret, within a point, and against LazyPredict for one strategy, per table (mean over seeds)."""
    def regret(r: dict[str, Any]) -> float | None:
        e, hind = strategy_entry(r, strategy), r["methods"]["hindsight"].get("score")
        if e is None or hind is None:
            return None
        return 100 * (hind - e["score"]) if e.get("score") is not None else float("inf")

    def vs_lazy(r: dict[str, Any]) -> float | None:
        e, lazy = strategy_entry(r, strategy), r["methods"]["lazypredict"].get("score")
        if e is None or lazy is None:
            return None
        return 100 * (lazy - e["score"]) if e.get("score") is not None else float("inf")

    regrets, lazy = per_table(records, regret), per_table(records, vs_lazy)
    entries = [e for r in records if (e := strategy_entry(r, strategy)) is not None]
    below = sum(1 for r in records if (e := strategy_entry(r, strategy)) is not None
                and (e.get("score") is None or e["score"] < r["methods"]["dummy"]["score"]))
    return {
        "tables": len(regrets), "median_regret": statistics.median(regrets.values()) if regrets else None,
        "mean_regret": statistics.fmean(v for v in regrets.values() if v != float("inf")) if regrets else None,
        "within1": sum(v <= 1.0 for v in regrets.values()), "as_good_as_lazy": sum(v <= 100 * TIE for v in lazy.values()),
        "vs_lazy_tables": len(lazy), "below_dummy": below,
        "inside_budget": sum(1 for e in entries if e.get("inside_budget")), "runs": len(entries),
        "seconds": round(sum(e.get("seconds") or 0 for e in entries), 1),
    }


def ablation_lines(records: list[dict[str, Any]]) -> list[str]:
    """One summary row per strategy, when the run had --ablation."""
    present = [s for s in ABLATIONS if any(s in r.get("ablation", {}) for r in records)]
    if not present:
        return []
    lines = ["| strategy | median regret pts | mean regret pts | within 1 pt of hindsight | as good as LazyPredict "
             "(within 0.5 pt) | below Dummy | inside budget+5 s | total s |", "|---|---|---|---|---|---|---|---|"]
    for strategy in ("advisor", *present):
        a = ablation_summary(records, strategy)
        med = "–" if a["median_regret"] is None else f"{a['median_regret']:+.2f}"
        mean = "–" if a["mean_regret"] is None else f"{a['mean_regret']:+.2f}"
        lines.append(f"| {STRATEGY_LABELS[strategy]} | {med} | {mean} | {a['within1']}/{a['tables']} "
                     f"| {a['as_good_as_lazy']}/{a['vs_lazy_tables']} | {a['below_dummy']} "
                     f"| {a['inside_budget']}/{a['runs']} | {a['seconds']} |")
    per = ["", "Per table (held-out score of each strategy's pick):", "",
           "| table | hindsight | " + " | ".join(STRATEGY_SHORT[s] for s in ("advisor", *present)) + " |",
           "|---|---|" + "---|" * (len(present) + 1)]
    for r in records:
        cells = []
        for strategy in ("advisor", *present):
            e = strategy_entry(r, strategy) or {}
            cells.append(f"{_s(e.get('score'))} {_short(e['pick']) if e.get('pick') else ''}".strip())
        per.append(f"| {r['table']} | {_s(r['methods']['hindsight'].get('score'))} | " + " | ".join(cells) + " |")
    return lines + per


def diagnosis(r: dict[str, Any]) -> str:
    """A first guess at where the advisor lost points: a heuristic to start reading from, not a verdict.

    In order: the pick (a candidate of its own, or its CV best, did as well on
    the 25), the preparation (the hindsight model is one of its own estimators
    but its pipeline scored lower), a missing candidate (no estimator of its
    own came close), and candidates the budget stopped.
    """
    adv, hind = r["methods"]["advisor"], r["methods"]["hindsight"]
    if adv.get("task_mismatch"):
        return "wrong task: " + adv["task_mismatch"]
    if adv.get("score") is None:
        return f"advisor {adv.get('status')}: {str(adv.get('error'))[:160]}"
    if r["regret_points"] is None or r["regret_points"] <= 1.0:
        return "–"
    own = {k: v for k, v in (adv.get("candidates_test") or {}).items() if v is not None}
    parts = []
    best_cv = adv.get("best_cv")
    if best_cv and best_cv != adv["pick"] and own.get(best_cv, -1e9) > adv["score"] + 0.01:
        parts.append(f"tie rule: picked {adv['pick']} over its CV best {best_cv} "
                     f"({adv['score']:.3f} vs {own[best_cv]:.3f} on the 25)")
    own_name, own_score = max(own.items(), key=lambda kv: kv[1]) if own else (None, None)
    if own_score is not None and 100 * (hind["score"] - own_score) <= 1.0:
        parts.append(f"pick: its own {own_name} scored {own_score:.3f}")
    elif hind.get("pick") in own:
        parts.append(f"preparation: its own {hind['pick']} scored {own[hind['pick']]:.3f}, "
                     f"LazyPredict's {hind['score']:.3f}")
    else:
        parts.append(f"candidate: none of its own reached {hind.get('pick')} "
                     f"(best own {own_name} {'–' if own_score is None else f'{own_score:.3f}'})")
    lost = [row["name"] for row in adv.get("leaderboard") or [] if row["status"] in ("timeout", "skipped")]
    if lost:
        parts.append(f"budget: {', '.join(lost)} timed out or skipped")
    return "; ".join(parts)


def diagnosis_lines(records: list[dict[str, Any]]) -> list[str]:
    lines = ["| table | seed | advisor task / map outcome | CV pick (CV best) | likely cause |", "|---|---|---|---|---|"]
    for r in records:
        adv = r["methods"]["advisor"]
        pick = f"{adv.get('pick')}" + (f" ({adv.get('best_cv')})" if adv.get("best_cv") not in (None, adv.get("pick")) else "")
        lines.append(f"| {r['table']} | {r['seed']} | {adv.get('task_inferred', '–')} / {adv.get('outcome', '–')} "
                     f"| {pick} | {diagnosis(r)} |")
    return lines


def render(records: list[dict[str, Any]], header: dict[str, Any], skipped: list[tuple[str, str]]) -> str:
    out = [
        f"advice quality: {len(records)} runs, budget {header.get('budget')} s, machine: {header.get('machine')}",
        f"versions: {header.get('versions')}; git {header.get('git')}",
    ]
    if header.get("note"):
        out.append(f"note: {header['note']}")
    out += ["", "Scores on the held-out 25% (balanced accuracy for classification, R2 for regression); "
            "regret = hindsight best - advisor, in points; † = partial sweep (the time cap stopped LazyPredict); "
            "* = the advisor's pick with settings chosen by its light tuning (listed under the tables).", ""]
    out += table_rows(records)
    s = summary(records)
    out += ["", *summary_lines(s)]
    tuned = tuning_lines(records)
    if tuned:
        out += ["", "Light tuning (the settings tried for the advisor's tuned rows; CV scores on the 75%):", "", *tuned]
    ablation = ablation_lines(records)
    if ablation:
        out += ["", "What each layer adds (--ablation; same splits, folds and budget; regret against the hindsight "
                "best, per table):", "", *ablation]
    out += ["", "Where the advisor lost more than a point (heuristic):", "", *diagnosis_lines(records)]
    notes = [f"- {r['table']}/{r['seed']}: {n}" for r in records for n in r.get("notes", []) + (
        [r["split_note"]] if r.get("split_note") else [])]
    errors = [f"- {r['table']}/{r['seed']} {name}: {e['status']}: {e.get('error')}"
              for r in records for name, e in r["methods"].items()
              if e.get("status") not in ("ok", None) and e.get("status") != "not installed"]
    if notes or errors or skipped:
        out += ["", "Notes:"] + notes + errors + [f"- {name}: skipped, {why}" for name, why in skipped]
    out += ["", "Targets (issue 5):"]
    for label, passed, value in targets(s):
        verdict = "n/a " if passed is None else ("PASS" if passed else "FAIL")
        out.append(f"{verdict}  {label}: {value}")
    return "\n".join(out)


# ---------------------------------------------------------------- main


def describe_machine() -> str:
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")).split()[1])
        mem = f", {kib / 2**20:.0f} GiB"
    load = ""
    with contextlib.suppress(OSError):
        load = f", load average {os.getloadavg()[0]:.1f} at start"
    return f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs{mem}{load}"


VERSIONS_OF = ("advisor", "scikit-learn", "pandas", "lazypredict", "flaml", "lightgbm", "xgboost")


def run_all(args: argparse.Namespace, log: Callable[[str], None]
            ) -> tuple[list[dict[str, Any]], list[tuple[str, str]], dict[str, Any]]:
    settings = Settings(budget=args.budget, jobs=args.jobs, peers=args.peers, cap=args.peer_timeout,
                        memory_bytes=int(args.memory_gb * 2**30),
                        reuse=load_peers(args.reuse_peers) if args.reuse_peers else None,
                        ablation=args.ablation)
    header = {"budget": args.budget, "machine": describe_machine(), "versions": versions(VERSIONS_OF), "git": git_revision(),
              "note": args.note}
    out = open(args.out, "w", encoding="utf-8") if args.out else None  # noqa: SIM115
    records: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    t0 = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    try:
        for name in args.tables:
            why = suite.skip_reason(name)
            if why:
                skipped.append((name, why))
                continue
            try:
                loaded = suite.load(name)
            except suite.TableUnavailable as exc:
                skipped.append((name, str(exc)))
                continue
            for seed in args.seeds:
                if args.time_limit and time.perf_counter() - t0 > 60 * args.time_limit:
                    skipped.append((f"{name}/{seed}", f"not started: the --time-limit of {args.time_limit:g} min had passed"))
                    continue
                log(f"{name} (seed {seed}, {len(loaded.frame)} rows){'; ' + loaded.notes[0] if loaded.notes else ''}")
                with tempfile.TemporaryDirectory(dir=args.workdir, prefix=f"aq-{name}-{seed}-") as tmp:
                    record = run_one(loaded, seed, settings, Path(tmp), log)
                record.update(time=time.strftime("%Y-%m-%dT%H:%M:%S%z"), **{k: header[k] for k in ("machine", "versions", "git")})
                if args.note:
                    record["note"] = args.note
                records.append(record)
                log(f"  -> advisor {_cell(record['methods']['advisor'])}, hindsight {_cell(record['methods']['hindsight'])}, "
                    f"regret {record['regret_points']}")
                if out:
                    out.write(json.dumps(record, sort_keys=True, default=str) + "\n")
                    out.flush()
    finally:
        if out:
            out.close()
    header["wall_seconds"] = round(time.perf_counter() - t0, 1)
    return records, skipped, header


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return child_main(*argv[1:4])
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    if args.from_jsonl:
        records = [json.loads(line) for line in args.from_jsonl.read_text().splitlines() if line.strip()]
        skipped: list[tuple[str, str]] = []
        header = {"budget": sorted({r["budget"] for r in records}), "machine": records[0]["machine"] if records else None,
                  "versions": records[0]["versions"] if records else None, "git": records[0]["git"] if records else None,
                  "note": args.note or (records[0].get("note") if records else "")}
    else:
        records, skipped, header = run_all(args, log)
    skipped += [(t, suite.skip_reason(t) or "") for t in suite.TABLES
                if suite.skip_reason(t) and t not in args.tables and not args.from_jsonl]
    text = render(records, header, skipped)
    if not args.from_jsonl:
        text += f"\n\ntotal wall time of the benchmark: {time.perf_counter() - t0:.0f} s"
    print(text)
    if args.md:
        args.md.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
