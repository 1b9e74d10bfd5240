"""How long does ``explain_pipeline`` take on a 100,000-row, 50-column table?

Builds a seeded table (the profile benchmark's 29 mixed feature columns plus 21
extra numeric ones: floats with missing values, counts, categoricals of 4 to
2,000 levels, an ISO date, free text, an identifier), fits one pipeline of the
kind the advisor recommends (a ColumnTransformer with one-hot, target encoding,
TF-IDF and date parts, then the model) once, and times ``explain_pipeline``
alone, ``--repeats`` times with the same seed. The figure is the median, against
the issue's target of 20 s. Exits 0 whether the target passes or not.

    python benchmarks/explain_speed.py                    # 100,000 rows, HistGradientBoosting, 3 repeats
    python benchmarks/explain_speed.py --model logistic   # LinearExplainer
    python benchmarks/explain_speed.py --model knn        # KernelExplainer (model-agnostic)
    python benchmarks/explain_speed.py --quick            # 20,000 rows, 1 repeat (smoke)
    python benchmarks/explain_speed.py --json results.jsonl
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import make_table

TARGET_SECONDS = 20.0
TARGET = "churned"
N_COLUMNS = 50
MODELS = ("hgb", "logistic", "knn")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_frame(rows: int, seed: int) -> tuple[Any, Any]:
    """50 feature columns and the target, as pandas, from the shared generator plus extras."""
    import numpy as np
    import pandas as pd

    frame = make_table(rows, seed).to_pandas()
    frame["signup_date"] = pd.to_datetime(frame["signup_date"])
    rng = np.random.default_rng(seed + 1)
    for i in range(N_COLUMNS + 1 - frame.shape[1]):  # +1: the target is popped below
        values = rng.normal(0, 1, rows) if i % 2 else rng.gamma(2.0, 3.0, rows)
        frame[f"extra_{i:02d}"] = np.where(rng.random(rows) < 0.05, np.nan, np.round(values, 3))
    y = frame.pop(TARGET)
    return frame, y


def date_parts(frame: Any) -> Any:
    import numpy as np

    dates = frame.iloc[:, 0]
    return np.column_stack([dates.dt.year, dates.dt.month, dates.dt.day_of_week]).astype(float)


def build_pipeline(X: Any, model: str, seed: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        OneHotEncoder,
        StandardScaler,
        TargetEncoder,
    )

    categories = ["plan", "state", "payment_method", "country"]
    skip = {"customer_id", "signup_date", "notes", "city", *categories}
    numbers = [c for c in X.columns if c not in skip]
    scaled = model != "hgb"
    number_steps = [SimpleImputer(add_indicator=True), StandardScaler()] if scaled else [SimpleImputer(add_indicator=True)]
    prepare = ColumnTransformer([
        ("numbers", make_pipeline(*number_steps), numbers),
        ("categories", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                     OneHotEncoder(handle_unknown="ignore", sparse_output=False)), categories),
        ("city", TargetEncoder(random_state=seed), ["city"]),
        ("notes", make_pipeline(SimpleImputer(strategy="constant", fill_value=""),
                                FunctionTransformer(lambda a: a.ravel()),
                                TfidfVectorizer(max_features=200)), ["notes"]),
        ("signup", make_pipeline(FunctionTransformer(date_parts), SimpleImputer()), ["signup_date"]),
        ("id", "drop", ["customer_id"]),
    ], sparse_threshold=0)
    estimator: Any = {
        "hgb": HistGradientBoostingClassifier(random_state=seed),
        "logistic": LogisticRegression(max_iter=1000),
        "knn": KNeighborsClassifier(n_neighbors=15),
    }[model]
    return Pipeline([("prepare", prepare), ("model", estimator)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=30.0, help="explain_pipeline's budget (its default)")
    parser.add_argument("--model", choices=MODELS, default="hgb")
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 1 repeat")
    parser.add_argument("--json", type=Path, help="append one JSON line with the results")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeats = min(args.rows, 20_000), 1

    from advisor.explain import explain_pipeline

    log(f"generating {args.rows:,} rows (seed {args.seed})")
    X, y = build_frame(args.rows, args.seed)
    log(f"fitting {args.model} on {X.shape[1]} columns")
    t0 = time.perf_counter()
    pipeline = build_pipeline(X, args.model, args.seed).fit(X, y)
    fit_seconds = time.perf_counter() - t0
    runs, expl = [], None
    for i in range(args.repeats):
        log(f"explaining, run {i + 1} of {args.repeats}")
        t0 = time.perf_counter()
        expl = explain_pipeline(pipeline, X, y, task="binary", budget=args.budget, seed=args.seed, row=17,
                                identifier_columns=["customer_id"])
        runs.append(time.perf_counter() - t0)
    assert expl is not None
    median = statistics.median(runs)
    ok = median <= TARGET_SECONDS
    perm = expl.permutation
    print(f"table: {args.rows:,} rows x {X.shape[1]} columns; model {expl.model} (fit {fit_seconds:.1f} s, not timed)")
    print(f"explainer: {expl.explainer}; {expl.n_explained} rows explained, background {expl.n_background} "
          f"({expl.background_method})")
    if perm:
        print(f"permutation check: {perm.n_rows} rows x {perm.n_repeats} repeats, Spearman "
              f"{perm.spearman if perm.spearman is None else round(perm.spearman, 2)}")
    print("top columns: " + ", ".join(f"{i.column} ({i.share:.0%})" for i in expl.importances[:5]))
    print("runs: " + ", ".join(f"{s:.2f} s" for s in runs) + f" (budget {args.budget:g} s)")
    print(f"explain_pipeline median: {median:.2f} s; target: under {TARGET_SECONDS:.0f} s -> {'PASS' if ok else 'FAIL'}")
    if args.json:
        record = {
            "rows": args.rows, "columns": int(X.shape[1]), "model": args.model, "seed": args.seed,
            "budget": args.budget, "runs": runs, "median_seconds": median, "target_seconds": TARGET_SECONDS,
            "pass": ok, "explainer": expl.explainer, "n_explained": expl.n_explained,
            "n_background": expl.n_background, "machine": platform.machine(), "python": platform.python_version(),
        }
        with args.json.open("a") as f:
            f.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
