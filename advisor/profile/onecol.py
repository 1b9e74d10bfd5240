"""One-column models in plain numpy: how well does each feature predict the target alone?

A column is cut into up to 32 quantile bins (a categorical keeps its levels)
and the model is a lookup table: per bin, the mean target (regression) or the
majority class (classification), fitted on the training folds of a stratified
3-fold split and scored on the held-out fold. That is a histogram tree of
unlimited depth on one feature: enough to catch a leaky column, cheap enough
to run on every column without importing scikit-learn.

The "linear" score is what a linear model on that one column can do: r² of a
straight line (regression), or the best single threshold (binary
classification; a one-feature logistic regression also predicts by a
threshold). The gap between the two flags non-monotonic columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

N_BINS = 32
N_FOLDS = 3


@dataclass
class Target:
    """The target encoded once: class codes or floats, and fold ids shared by every column."""

    values: np.ndarray
    classify: bool
    n_classes: int
    folds: np.ndarray


def encode_target(y: pd.Series, classify: bool, seed: int) -> Target | None:
    import numpy as np
    import pandas as pd

    if classify:
        codes, uniques = pd.factorize(y.astype(str), sort=True)
        values = codes.astype(np.int64)
        counts = np.bincount(values)
        if len(uniques) < 2 or counts.min() < N_FOLDS:
            return None
        folds = _stratified_folds(values, seed)
        return Target(values, True, len(uniques), folds)
    values = y.to_numpy(dtype="float64", na_value=np.nan)
    if not np.isfinite(values).all() or np.ptp(values) == 0:
        return None
    rng = np.random.default_rng(seed)
    folds = rng.permutation(len(values)) % N_FOLDS
    return Target(values, False, 0, folds)


def _stratified_folds(codes: np.ndarray, seed: int) -> np.ndarray:
    import numpy as np

    rng = np.random.default_rng(seed)
    folds = np.empty(len(codes), dtype=np.int64)
    for k in np.unique(codes):
        idx = np.flatnonzero(codes == k)
        folds[rng.permutation(idx)] = np.arange(len(idx)) % N_FOLDS
    return folds


def bin_numeric(x: np.ndarray) -> np.ndarray:
    """Quantile-bin codes (missing values get a bin of their own)."""
    import numpy as np

    finite = np.isfinite(x)
    codes = np.full(len(x), -1, dtype=np.int64)
    if finite.any():
        edges = np.unique(np.quantile(x[finite], np.linspace(0, 1, N_BINS + 1)[1:-1]))
        codes[finite] = np.searchsorted(edges, x[finite], side="right")
    codes[~finite] = codes.max() + 1
    return codes


def lookup_score(codes: np.ndarray, t: Target) -> float:
    """Cross-validated score of the per-bin lookup model."""
    import numpy as np

    n_codes = int(codes.max()) + 1
    preds = np.empty(len(codes)) if not t.classify else np.empty(len(codes), dtype=np.int64)
    for k in range(N_FOLDS):
        train, test = t.folds != k, t.folds == k
        if t.classify:
            table = np.bincount(codes[train] * t.n_classes + t.values[train],
                                minlength=n_codes * t.n_classes).reshape(n_codes, t.n_classes)
            fallback = np.bincount(t.values[train], minlength=t.n_classes).argmax()
            best = np.where(table.sum(1) > 0, table.argmax(1), fallback)
            preds[test] = best[codes[test]]
        else:
            sums = np.bincount(codes[train], weights=t.values[train], minlength=n_codes)
            counts = np.bincount(codes[train], minlength=n_codes)
            means = np.where(counts > 0, sums / np.maximum(counts, 1), t.values[train].mean())
            preds[test] = means[codes[test]]
    return _score(preds, t)


def _score(preds: np.ndarray, t: Target) -> float:
    import numpy as np

    if t.classify:
        recalls = [np.mean(preds[t.values == k] == k) for k in range(t.n_classes)]
        return float(np.mean(recalls))
    resid = ((t.values - preds) ** 2).sum()
    total = ((t.values - t.values.mean()) ** 2).sum()
    return float(1 - resid / total)


def linear_score(x: np.ndarray, codes: np.ndarray, t: Target) -> float | None:
    """What a linear model on this one column can reach (None where it is not defined here)."""
    import numpy as np

    if not t.classify:
        finite = np.isfinite(x)
        if finite.sum() < 3 or np.ptp(x[finite]) == 0:
            return None
        r = np.corrcoef(x[finite], t.values[finite])[0, 1]
        return float(r * r) if np.isfinite(r) else None
    if t.n_classes != 2:
        return None
    return _threshold_score(codes, t)


def _threshold_score(codes: np.ndarray, t: Target) -> float:
    """Cross-validated balanced accuracy of the best single cut on the ordered bins."""
    import numpy as np

    n_codes = int(codes.max()) + 1
    preds = np.empty(len(codes), dtype=np.int64)
    for k in range(N_FOLDS):
        train, test = t.folds != k, t.folds == k
        pos = np.bincount(codes[train][t.values[train] == 1], minlength=n_codes)
        neg = np.bincount(codes[train][t.values[train] == 0], minlength=n_codes)
        below_pos = np.concatenate([[0], np.cumsum(pos)])  # positives in bins < cut
        below_neg = np.concatenate([[0], np.cumsum(neg)])
        tpr_above = (pos.sum() - below_pos) / max(pos.sum(), 1)
        tnr_below = below_neg / max(neg.sum(), 1)
        up = (tpr_above + tnr_below) / 2  # predict positive at or above the cut
        down = 1 - up                     # predict positive below the cut
        if up.max() >= down.max():
            cut = int(up.argmax())
            preds[test] = (codes[test] >= cut).astype(np.int64)
        else:
            cut = int(down.argmax())
            preds[test] = (codes[test] < cut).astype(np.int64)
    return _score(preds, t)
