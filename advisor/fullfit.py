"""Fit an incremental learner over every row of a streamed table, in batches, and score it on held-out rows.

``advisor recommend big.csv --full-fit``: cross-validation chose on the
streamed pass's sample; this module then reads the file again batch by batch
and calls ``partial_fit`` of the pick (or, when the pick cannot learn
incrementally, of the best measured candidate that can: SGDClassifier,
SGDRegressor, MiniBatchKMeans, the naive Bayes models, ...). The preparation
steps (imputers, scalers, encoders) are fitted on the sample, the estimator
on every row. A reproducible share of the rows outside the sample (chosen by
a hash of the row number and the seed, at most ``MAX_HOLDOUT`` rows) is held
out and never trained on; the report gives the full fit's score on it beside
the score of the same candidate fitted on the sample only, so the reader can
see what the other rows bought.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from advisor.errors import Cancelled, OptionError
from advisor.leaderboard import FullFit

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from advisor.load import Table
    from advisor.report.model import Report

Progress = Callable[[str, float], None]

HOLDOUT_SHARE = 0.1
MAX_HOLDOUT = 200_000
MAX_SILHOUETTE_ROWS = 10_000


def incremental_candidate(report: Report) -> tuple[str, str | None]:
    """The candidate to fit over every row, and why it is not the pick (None when it is)."""
    from advisor.catalog import get_estimator_info

    board = report.leaderboard
    assert board is not None and board.pick is not None
    if get_estimator_info(board.pick.name).partial_fit:
        return board.pick.name, None
    ranked = sorted((r for r in board.rows if r.status == "ok" and not r.is_baseline and r.score is not None),
                    key=lambda r: (r.rank if r.rank is not None else 10**6))
    for row in ranked:
        if get_estimator_info(row.name).partial_fit:
            return row.name, (f"the pick {board.pick.name} cannot learn incrementally (no partial_fit), so the "
                              f"best measured candidate that can, {row.name}, was fitted over every row")
    names = ", ".join(r.name for r in ranked) or "none"
    raise OptionError(f"--full-fit: no measured candidate can learn incrementally (partial_fit); measured: {names}. "
                      f"The map offers SGDClassifier, SGDRegressor and MiniBatchKMeans on its 100K+ branches.")


def holdout_mask(positions: np.ndarray, seed: int, share: float) -> np.ndarray:
    """Rows held out of the full fit: a fixed hash of (row number, seed) below ``share``; batch-size free."""
    import numpy as np

    from advisor.profile.sketch import mix64

    h = mix64(positions.astype(np.uint64) ^ mix64(np.array([seed], dtype=np.uint64))[0])
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53) < share


def full_fit(
    path: str,
    report: Report,
    table: Table,
    *,
    drop: list[str] | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[FullFit, Any]:
    """Fit over every row of ``path`` (see the module's docstring); returns the record and the fitted pipeline."""
    import numpy as np
    import pyarrow as pa
    from sklearn.base import clone

    from advisor.benchmark import cluster_params
    from advisor.candidates import build_pipeline, fit_candidate, training_data
    from advisor.load import _to_pandas, open_batches

    scan = table.scan
    if scan is None:
        raise OptionError(f"--full-fit: {table.info.file_name} was loaded whole ({len(table.frame):,} rows), so the pick "
                          f"is already fitted on every row; --full-fit is for tables streamed because they exceed "
                          f"--max-memory (or pass --stream)")
    board, profile = report.leaderboard, report.profile
    assert board is not None and board.pick is not None and report.advice is not None
    seed = report.settings.seed
    name, why = incremental_candidate(report)
    candidate = next(c for c in report.advice.candidates if c.name == name)
    supervised = profile.target is not None
    t0 = time.perf_counter()
    if supervised:
        sample_fit = fit_candidate(table.frame, profile, candidate, seed=seed)
    else:
        row = board.row(name)
        params = cluster_params(name, row.clusters.k if row.clusters is not None else None)
        sample_fit = build_pipeline(candidate, profile.feature_kinds(), profile.task, seed=seed,
                                    params=params).fit(table.frame)
    prep = sample_fit[:-1]
    estimator = clone(sample_fit[-1])
    fit_kwargs: dict[str, Any] = {}
    classes = None
    if profile.task in ("binary", "multiclass"):
        _, y_sample = training_data(table.frame, profile)
        classes = np.unique(np.asarray(y_sample))
        fit_kwargs["classes"] = classes
        if getattr(estimator, "class_weight", None) == "balanced":  # partial_fit cannot balance by itself
            estimator.set_params(class_weight=_balanced_weights(profile, classes))
    rows_total = scan.info.rows
    share = min(HOLDOUT_SHARE, MAX_HOLDOUT / max(rows_total, 1))
    in_sample = scan.sample_positions
    held_X: list[pd.DataFrame] = []
    trained = skipped = batches = offset = 0
    stop = should_stop or (lambda: False)
    stream = open_batches(path, delimiter=scan.delimiter, file_format=scan.file_format,
                          column_types=scan.column_types)
    try:
        for batch in stream.batches:
            if stop():
                raise Cancelled("the full fit was cancelled")
            frame = _to_pandas(pa.Table.from_batches([batch]))
            frame = frame.drop(columns=[c for c in (drop or []) if c in frame.columns])
            positions = np.arange(offset, offset + len(frame))
            offset += len(frame)
            out = holdout_mask(positions, seed, share) & ~np.isin(positions, in_sample, assume_unique=True)
            if supervised:
                labelled = frame[profile.target.name].notna().to_numpy()  # type: ignore[union-attr]
                frame, out = frame[labelled], out[labelled]
            if out.any():
                held_X.append(frame[out])
            train = frame[~out]
            if supervised:
                X, y = training_data(train, profile)
                if classes is not None:
                    known = np.isin(np.asarray(y), classes)
                    skipped += int((~known).sum())
                    X, y = X[known], y[known]
                if len(X):
                    estimator.partial_fit(prep.transform(X), np.asarray(y), **fit_kwargs)
                    trained += len(X)
            elif len(train):
                estimator.partial_fit(prep.transform(train))
                trained += len(train)
            batches += 1
            if progress:
                rate = offset / max(time.perf_counter() - t0, 1e-9)
                progress(f"full fit: {offset:,} rows · {rate:,.0f} rows/s", min(stream.fraction(), 1.0))
    finally:
        stream.close()
    fitted = clone(sample_fit)
    fitted.steps = [*sample_fit.steps[:-1], (sample_fit.steps[-1][0], estimator)]
    holdout = _concat(held_X)
    held = len(holdout)
    full_score = sample_score = None
    if held:
        full_score, sample_score = _score(fitted, sample_fit, holdout, profile, board.metric, seed)
    notes = []
    if why:
        notes.append(why)
    if skipped:
        notes.append(f"{skipped:,} rows of classes absent from the sample were not trained on")
    if held == 0:
        notes.append("no row was left to hold out (the sample holds nearly every row), so there is no held-out score")
    record = FullFit(
        candidate=name, rows_trained=trained, rows_held_out=held, batches=batches, metric=board.metric,
        holdout_score=full_score, sample_fit_holdout_score=sample_score, seconds=round(time.perf_counter() - t0, 3),
        notes=notes,
    )
    return record, fitted


def _balanced_weights(report_profile: Any, classes: np.ndarray) -> dict[Any, float]:
    """class_weight='balanced' from the whole pass's exact class counts (the sample's when they are not exact)."""
    counts = {c.label: c.count for c in (report_profile.target.classes or [])}
    total = sum(counts.values()) or 1
    out = {}
    for cls in classes:
        n = counts.get(str(cls)) or counts.get(_label(cls)) or 0
        out[cls] = total / (len(classes) * n) if n else 1.0
    return out


def _label(value: Any) -> str:
    from advisor.profile.stats import format_value

    return format_value(value)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _score(fitted: Any, sample_fit: Any, holdout: pd.DataFrame, profile: Any, metric: str,
           seed: int) -> tuple[float | None, float | None]:
    """The primary metric of both models on the held-out rows (silhouette of their labels for clustering)."""
    import numpy as np

    if profile.target is None:
        from sklearn.metrics import silhouette_score

        rows = holdout.sample(n=min(len(holdout), MAX_SILHOUETTE_ROWS), random_state=seed)
        Xt = fitted[:-1].transform(rows)
        out = []
        for model in (fitted, sample_fit):
            labels = model.predict(rows)
            out.append(float(silhouette_score(Xt, labels)) if len(np.unique(labels)) > 1 else None)
        return out[0], out[1]
    from sklearn.metrics import get_scorer

    from advisor.candidates import training_data

    X, y = training_data(holdout, profile)
    scorer = get_scorer(metric)
    scores: list[float | None] = []
    for model in (fitted, sample_fit):
        try:
            scores.append(round(float(scorer(model, X, y)), 6))
        except ValueError:  # a class missing from the held-out rows, say
            scores.append(None)
    return scores[0], scores[1]
