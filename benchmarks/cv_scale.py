"""Cross-validation of the candidate set on a big table: local worker processes against a Dask LocalCluster.

Generates (in memory, seeded) a mixed table of ``--rows`` rows (default
1,000,000): 8 numeric columns (normal, lognormal, with 5% missing in two), 3
categoricals (5, 12 and 60 levels) and a binary target ``bought`` that depends
on four of them with noise. It is profiled and advised once, then the advised
candidates are cross-validated twice with the same seed and ``--budget``
seconds (default 300):

* local: ``cross_validate_candidates(..., jobs=--jobs)``, killable worker processes on this machine;
* dask: ``cross_validate_candidates(..., backend="dask", jobs=--jobs)``, a LocalCluster of ``--jobs``
  worker processes started for the run (or ``--scheduler ADDRESS`` for a cluster of your own).

It prints both leaderboards (status, score, fit time per fold, wall time spent
per candidate), the wall time of each run, whether the scores of the candidates
measured by both are identical, and the speed-up (local time / Dask time) on
the candidates both measured, and overall. The load average is printed before
and after each run: on a shared machine the figures move with it.

    python benchmarks/cv_scale.py                        # 1,000,000 rows, 300 s budget, 2 workers
    python benchmarks/cv_scale.py --rows 20000 --budget 60
    python benchmarks/cv_scale.py --json results.jsonl   # also append one JSON line

This is a measurement: it exits 0 whatever the figures, and 1 when a run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

FULL_ROWS = 1_000_000
TARGET = "bought"


def make_frame(rows: int, seed: int) -> Any:
    """The seeded mixed table (pandas), built column by column with numpy."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = rows
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, n).astype(float),
        "income": np.round(rng.lognormal(10.5, 0.6, n), 2),
        "visits": rng.poisson(6, n).astype(float),
        "basket": np.round(rng.gamma(2.0, 30.0, n), 2),
        "discount": np.round(rng.uniform(0, 0.5, n), 3),
        "tenure": rng.exponential(24, n).round(1),
        "score_a": rng.normal(0, 1, n),
        "score_b": rng.normal(5, 2, n),
    })
    for col in ("income", "tenure"):
        frame.loc[rng.random(n) < 0.05, col] = np.nan
    frame["channel"] = rng.choice(["web", "app", "store", "phone", "partner"], n, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    frame["region"] = rng.choice([f"region_{i:02d}" for i in range(12)], n)
    frame["segment"] = rng.choice([f"seg_{i:02d}" for i in range(60)], n)
    logit = (0.9 * frame["score_a"] + 0.04 * (frame["visits"] - 6) + 2.5 * frame["discount"]
             + np.where(frame["channel"] == "app", 0.6, 0.0) - 1.2 + rng.normal(0, 1.0, n))
    frame[TARGET] = np.where(logit > 0, "yes", "no")
    return frame


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def run_once(label: str, frame: Any, profile: Any, advice: Any, args: argparse.Namespace, **backend: Any) -> dict[str, Any]:
    from advisor.benchmark import cross_validate_candidates
    from advisor.errors import AllCandidatesFailed

    print(f"\n== {label}: load average before {load_average()}", flush=True)
    t0 = time.perf_counter()
    try:
        board = cross_validate_candidates(frame, profile, advice, budget=args.budget, metric=None, seed=args.seed,
                                          jobs=args.jobs, **backend)
    except AllCandidatesFailed as exc:
        board = exc.leaderboard
    wall = time.perf_counter() - t0
    print(f"   load average after {load_average()}; wall time {wall:.1f} s (budget {args.budget:g} s)")
    assert board is not None
    print(f"   {'candidate':34} {'status':9} {'score':>7} {'± std':>6} {'fit s/fold':>10} {'spent s':>8}  reason")
    for row in board.rows:
        score = "" if row.score is None else f"{row.score:.4f}"
        std = "" if row.score_std is None else f"{row.score_std:.4f}"
        fit = "" if row.fit_seconds is None else f"{row.fit_seconds:.2f}"
        spent = "" if row.elapsed_seconds is None else f"{row.elapsed_seconds:.1f}"
        reason = (row.reason or "")[:70]
        print(f"   {row.name:34} {row.status:9} {score:>7} {std:>6} {fit:>10} {spent:>8}  {reason}")
    for note in board.notes:
        print(f"   note: {note}")
    print(f"   pick: {board.pick.name if board.pick else 'none'}")
    return {"wall": wall, "board": board}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_ROWS, help=f"rows of the table (default {FULL_ROWS:,})")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds for each cross-validation run")
    parser.add_argument("--jobs", type=int, default=2, help="local worker processes, and the LocalCluster's workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scheduler", help="run the Dask side on this scheduler instead of a new LocalCluster")
    parser.add_argument("--json", metavar="PATH", help="append one JSON line with the figures")
    args = parser.parse_args(argv)

    from importlib import metadata

    from advisor.pipeline import advise_profile
    from advisor.profile import profile_frame
    from advisor.ruletree import load_rules

    scaled = args.rows != FULL_ROWS
    print(f"cv_scale: {args.rows:,} rows{' (SCALED DOWN from 1,000,000 with --rows)' if scaled else ''}, "
          f"budget {args.budget:g} s per run, {args.jobs} workers, seed {args.seed}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"scikit-learn {metadata.version('scikit-learn')}, dask {metadata.version('distributed')}")
    t0 = time.perf_counter()
    frame = make_frame(args.rows, args.seed)
    profile = profile_frame(frame, target=TARGET)
    advice = advise_profile(profile, load_rules(None))
    print(f"table and profile: {time.perf_counter() - t0:.1f} s; task {profile.task}; "
          f"candidates: {', '.join(c.name for c in advice.candidates)}")

    local = run_once("local worker processes", frame, profile, advice, args)
    backend: dict[str, Any] = {"backend": "dask", "scheduler": args.scheduler}
    dask = run_once("Dask " + (args.scheduler or f"LocalCluster of {args.jobs} workers"), frame, profile, advice,
                    args, **backend)

    a, b = local["board"], dask["board"]
    # Compared: the candidates both measured with the same settings (the light tuning runs only while
    # the budget allows, so on a busy machine one run may tune a candidate the other left at its defaults).
    both = [r.name for r in a.rows if r.status == "ok" and b.row(r.name).status == "ok"
            and r.params == b.row(r.name).params]
    differ = [n for n in both if a.row(n).scores != b.row(n).scores]
    same = not differ
    local_spent = sum(a.row(n).elapsed_seconds or 0.0 for n in both)
    dask_spent = sum(b.row(n).elapsed_seconds or 0.0 for n in both)
    print("\n== summary")
    print(f"   rows {args.rows:,}{' (scaled down)' if scaled else ''}; load average now {load_average()}")
    print(f"   measured (ok): local {sum(r.status == 'ok' for r in a.rows)}/{len(a.rows)}, "
          f"dask {sum(r.status == 'ok' for r in b.rows)}/{len(b.rows)}")
    print(f"   wall time: local {local['wall']:.1f} s, dask {dask['wall']:.1f} s, "
          f"speed-up (local / dask) {local['wall'] / dask['wall']:.2f}x")
    if both:
        print(f"   on the {len(both)} candidates both measured: local {local_spent:.1f} s, dask {dask_spent:.1f} s "
              f"of worker wall time, speed-up {local_spent / max(dask_spent, 1e-9):.2f}x")
    print(f"   identical scores on those candidates: {'yes' if same else 'NO: ' + ', '.join(differ)}")
    tuned_apart = [r.name for r in a.rows if r.status == "ok" and b.row(r.name).status == "ok"
                   and r.params != b.row(r.name).params]
    if tuned_apart:
        print(f"   not compared, tuned differently by the two runs: {', '.join(tuned_apart)}")
    print(f"   picks: local {a.pick.name if a.pick else 'none'}, dask {b.pick.name if b.pick else 'none'}")
    if args.json:
        line = {
            "rows": args.rows, "scaled": scaled, "budget": args.budget, "jobs": args.jobs, "seed": args.seed,
            "cores": os.cpu_count(), "load_average_end": load_average(),
            "local": {"wall": round(local["wall"], 3), "rows": [[r.name, r.status, r.score, r.elapsed_seconds]
                                                                 for r in a.rows]},
            "dask": {"wall": round(dask["wall"], 3), "rows": [[r.name, r.status, r.score, r.elapsed_seconds]
                                                               for r in b.rows]},
            "identical_scores": same, "common": both,
        }
        with open(args.json, "a") as fh:
            fh.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
