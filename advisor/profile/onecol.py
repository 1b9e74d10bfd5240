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
    if t.classify:
        # All folds at once: the counts of (code, class) in each fold, and for each held-out fold
        # the counts of the others (integers, so exactly what fold-by-fold counting gives).
        train = _training_counts(codes, n_codes, t)
        fallback = train.sum(1).argmax(1)  # per fold, the majority class of its training rows
        best = np.where(train.sum(2) > 0, train.argmax(2), fallback[:, None])
        return _score(best[t.folds, codes], t)
    preds = np.empty(len(codes))
    for k in range(N_FOLDS):
        train, test = t.folds != k, t.folds == k
        sums = np.bincount(codes[train], weights=t.values[train], minlength=n_codes)
        counts = np.bincount(codes[train], minlength=n_codes)
        means = np.where(counts > 0, sums / np.maximum(counts, 1), t.values[train].mean())
        preds[test] = means[codes[test]]
    return _score(preds, t)


def _training_counts(codes: np.ndarray, n_codes: int, t: Target) -> np.ndarray:
    """``out[k, code, cls]``: how many rows outside fold ``k`` have that code and class."""
    import numpy as np

    c = t.n_classes
    per_fold = np.bincount((t.folds * n_codes + codes) * c + t.values,
                           minlength=N_FOLDS * n_codes * c).reshape(N_FOLDS, n_codes, c)
    return per_fold.sum(0) - per_fold


def _score(preds: np.ndarray, t: Target) -> float:
    import numpy as np

    if t.classify:
        c = t.n_classes
        confusion = np.bincount(t.values * c + preds, minlength=c * c).reshape(c, c)
        recalls = np.diagonal(confusion) / confusion.sum(1)  # every class has rows (encode_target)
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
    """Cross-validated balanced accuracy of the best single cut on the ordered bins, every fold at once."""
    import numpy as np

    n_codes = int(codes.max()) + 1
    train = _training_counts(codes, n_codes, t)
    neg, pos = train[..., 0], train[..., 1]  # per held-out fold and bin
    zeros = np.zeros((N_FOLDS, 1), dtype=pos.dtype)
    below_pos = np.concatenate([zeros, np.cumsum(pos, axis=1)], axis=1)  # positives in bins < cut
    below_neg = np.concatenate([zeros, np.cumsum(neg, axis=1)], axis=1)
    n_pos, n_neg = pos.sum(1, keepdims=True), neg.sum(1, keepdims=True)
    tpr_above = (n_pos - below_pos) / np.maximum(n_pos, 1)
    tnr_below = below_neg / np.maximum(n_neg, 1)
    up = (tpr_above + tnr_below) / 2  # predict positive at or above the cut
    down = 1 - up                     # predict positive below the cut
    use_up = up.max(1) >= down.max(1)
    cut = np.where(use_up, up.argmax(1), down.argmax(1))
    fold_cut = cut[t.folds]
    preds = np.where(use_up[t.folds], codes >= fold_cut, codes < fold_cut).astype(np.int64)
    return _score(preds, t)
