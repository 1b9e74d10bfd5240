"""Relations between columns, computed on a seeded sample of rows.

* strongly correlated feature pairs: Spearman for numbers, bias-corrected
  Cramér's V for categories;
* leakage suspects: a column that predicts the target almost perfectly on its
  own, found by a quick one-column model under cross-validation (onecol.py);
  and columns that rebuild a numeric target together (its parts, averaged or
  summed), found by linear fits on a few of the strongest columns;
* non-linear columns: a one-column binned model beats a one-column linear
  model by a margin, so binning (KBinsDiscretizer) or splines help linear models;
* the share of features an L1 model drops (regression), the evidence for the
  map's "few features should be important?";
* panel rows: one row per entity and period (a person per year), which random
  folds split across training and test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.profile.config import Settings
from advisor.profile.model import (
    CATEGORY_KINDS,
    NUMERIC_KINDS,
    ColumnProfile,
    CorrelatedPair,
    JointLeakage,
    LeakageSuspect,
    Profile,
)
from advisor.profile.stats import clean_float

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from advisor.profile.onecol import Target


T = TypeVar("T")


@dataclass
class OneColumnScore:
    column: str
    tree: float
    linear: float | None
    baseline: float
    metric: str


def sort_pairs(pairs: list[CorrelatedPair]) -> list[CorrelatedPair]:
    """Strongly correlated pairs, strongest first (a total order: however the lists came together)."""
    return sorted(pairs, key=lambda p: (-abs(p.value), p.a, p.b))


def numeric_pairs(frame: pd.DataFrame, feats: list[ColumnProfile], settings: Settings) -> list[CorrelatedPair]:
    """Numeric feature pairs with a Spearman correlation at or beyond the threshold."""
    th = settings.thresholds.correlation
    pairs: list[CorrelatedPair] = []
    numeric = [c.name for c in feats if c.kind in NUMERIC_KINDS][: settings.max_numeric_pairs_columns]
    if len(numeric) >= 2:
        import numpy as np

        def rank(name: str) -> np.ndarray:
            return average_ranks(frame[name].to_numpy(dtype="float64", na_value=np.nan))

        ranks = np.column_stack(_map_columns(rank, numeric, len(frame)))
        corr = _nan_corr(ranks)
        rows, cols = np.triu_indices(len(numeric), k=1)  # each pair once, in the order of a double loop
        values = corr[rows, cols]
        with np.errstate(invalid="ignore"):
            strong = np.flatnonzero(np.isfinite(values) & (np.abs(values) >= th))
        if len(strong) > settings.max_correlated_pairs:  # the strongest, still in pair order
            keep = np.argsort(-np.abs(values[strong]), kind="stable")[: settings.max_correlated_pairs]
            strong = np.sort(strong[keep])
        for k in strong:
            i, j = int(rows[k]), int(cols[k])
            pairs.append(CorrelatedPair(numeric[i], numeric[j], "spearman", clean_float(float(values[k]), 4) or 0.0))
    return pairs


def categorical_pairs(frame: pd.DataFrame, feats: list[ColumnProfile], settings: Settings) -> list[CorrelatedPair]:
    """Pairs of categories (at most 50 levels each) with a bias-corrected Cramér's V at or above the threshold."""
    th = settings.thresholds.correlation
    pairs: list[CorrelatedPair] = []
    cats = [c.name for c in feats if c.kind in CATEGORY_KINDS and c.n_distinct <= 50][: settings.max_categorical_pairs_columns]
    codes = {name: frame[name].astype("category").cat.codes.to_numpy() for name in cats}
    for i in range(len(cats)):
        for j in range(i + 1, len(cats)):
            v = cramers_v(codes[cats[i]], codes[cats[j]])
            if v is not None and v >= th:
                pairs.append(CorrelatedPair(cats[i], cats[j], "cramers_v", clean_float(v, 4) or 0.0))
    return pairs


def _map_columns(fn: Callable[[str], T], names: list[str], n_rows: int) -> list[T]:
    """``fn`` of every column, in order; on big tables two threads share them (numpy's sorts release the GIL)."""
    import os

    if n_rows * len(names) < 1_000_000 or (os.cpu_count() or 1) < 2:
        return [fn(name) for name in names]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, names))


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their mean rank, missing values left missing (pandas' ``rank()``)."""
    import numpy as np

    out = np.full(len(x), np.nan)
    present = np.flatnonzero(~np.isnan(x))
    if not len(present):
        return out
    values = x[present]
    order = np.argsort(values)  # tied values share one mean rank, so the order among them does not matter
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(ordered)])
    mean_rank = starts + (sizes + 1) / 2.0  # the mean of ranks start+1 .. start+size
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, sizes)
    out[present] = ranks
    return out


def _nan_corr(x: np.ndarray) -> np.ndarray:
    """Pearson correlation of columns, filling missing ranks with the column mean."""
    import numpy as np

    means = np.nanmean(x, axis=0)
    filled = np.where(np.isnan(x), means, x)
    std = filled.std(axis=0)
    std[std == 0] = np.nan
    z = (filled - filled.mean(axis=0)) / std
    return (z.T @ z) / len(z)


def _dense_codes(codes: np.ndarray) -> np.ndarray:
    """Non-negative codes renumbered 0, 1, ... in their order, leaving out the unused ones (what
    ``np.unique(codes, return_inverse=True)`` gives, without sorting)."""
    import numpy as np

    used = np.bincount(codes) > 0
    return (np.cumsum(used) - 1)[codes]


def cramers_v(a: np.ndarray, b: np.ndarray) -> float | None:
    """Bias-corrected Cramér's V (Bergsma 2013) over rows where both are present."""
    import numpy as np

    mask = (a >= 0) & (b >= 0)
    a, b = a[mask], b[mask]
    n = len(a)
    if n < 10:
        return None
    ai, bi = _dense_codes(a), _dense_codes(b)
    r, k = ai.max() + 1, bi.max() + 1
    if r < 2 or k < 2:
        return None
    table = np.bincount(ai * k + bi, minlength=r * k).reshape(r, k).astype(np.float64)
    expected = table.sum(1, keepdims=True) @ table.sum(0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    kc = k - (k - 1) ** 2 / (n - 1)
    denom = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2 / denom)) if denom > 0 else None


def one_column_scores(
    frame: pd.DataFrame, y: pd.Series, task: str, feats: list[ColumnProfile], settings: Settings
) -> list[OneColumnScore]:
    """Cross-validated score of a lookup model (and a linear one) on each single feature."""
    import numpy as np

    from advisor.profile import onecol

    mask = y.notna().to_numpy()
    frame, y = frame.loc[mask], y.loc[mask]
    if len(y) < 20:
        return []
    classify = task in ("binary", "multiclass")
    target = onecol.encode_target(y, classify, settings.seed)
    if target is None:
        return []
    metric = "balanced_accuracy" if classify else "r2"
    baseline = 1 / target.n_classes if classify else 0.0
    scores = []
    for col in feats:
        if col.kind not in NUMERIC_KINDS and col.kind not in CATEGORY_KINDS:
            continue
        if col.kind in NUMERIC_KINDS:
            x = frame[col.name].to_numpy(dtype="float64", na_value=np.nan)
            codes = onecol.bin_numeric(x)
        else:
            x = np.full(len(frame), np.nan)
            codes, _ = _factorize(frame[col.name])
        lookup = onecol.lookup_score(codes, target)
        linear = onecol.linear_score(x, codes, target) if col.kind in NUMERIC_KINDS else None
        scores.append(OneColumnScore(col.name, lookup, linear, baseline, metric))
    return scores


def _factorize(s: pd.Series) -> tuple[np.ndarray, int]:
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(s, sort=False)
    codes = codes.astype(np.int64)
    codes[codes < 0] = len(uniques)  # missing is a level of its own
    return codes, len(uniques) + 1


def leakage_suspects(scores: list[OneColumnScore], task: str, settings: Settings) -> list[LeakageSuspect]:
    th = settings.thresholds
    limit = th.leakage_classification if task in ("binary", "multiclass") else th.leakage_regression
    out = [
        LeakageSuspect(s.column, s.metric, clean_float(max(s.tree, s.linear or -1e9), 4) or 0.0, clean_float(s.baseline, 4) or 0.0)
        for s in scores
        if max(s.tree, s.linear if s.linear is not None else -1e9) >= limit
    ]
    out.sort(key=lambda s: (-s.score, s.column))
    return out


def joint_leakage(frame: pd.DataFrame, y: pd.Series, scores: list[OneColumnScore],
                  settings: Settings) -> list[JointLeakage]:
    """A few numeric columns that a linear fit turns into the target (held-out R² of at least
    ``leakage_joint``): a target that is the mean or the sum of some columns, each of which alone
    only nearly predicts it (a test score that is the mean of a reading and a maths score).

    Least squares in numpy on the ``leakage_joint_candidates`` numeric columns that best predict the
    target alone (none of which rebuilds it alone), pairs first, then triples, scored on the same
    3 folds as the one-column models; the smallest set that reaches the threshold, then the best.
    Regression only: a linear fit does not rebuild class labels.
    """
    from itertools import combinations

    import numpy as np

    from advisor.profile import onecol

    th = settings.thresholds

    def alone(s: OneColumnScore) -> float:
        return max(s.tree, s.linear if s.linear is not None else -np.inf)

    candidates = sorted((s for s in scores if s.linear is not None and alone(s) < th.leakage_joint),
                        key=lambda s: (-alone(s), s.column))[: th.leakage_joint_candidates]
    mask = y.notna().to_numpy()
    target = onecol.encode_target(y.loc[mask], False, settings.seed) if len(candidates) >= 2 else None
    if target is None:
        return []
    x = frame.loc[mask, [s.column for s in candidates]].to_numpy(dtype="float64", na_value=np.nan)
    x = np.where(np.isfinite(x), x, np.nan)
    for size in range(2, th.leakage_joint_columns + 1):
        found = []
        for idx in combinations(range(len(candidates)), size):
            r2 = _linear_r2(x[:, idx], target)
            if r2 is not None and r2 >= th.leakage_joint:
                found.append((r2, idx))
        if found:
            r2, idx = max(found, key=lambda f: (f[0], [-i for i in f[1]]))
            return [JointLeakage([candidates[i].column for i in idx], "r2", clean_float(r2, 4) or 0.0,
                                 [clean_float(alone(candidates[i]), 4) or 0.0 for i in idx])]
    return []


def _linear_r2(x: np.ndarray, t: Target) -> float | None:
    """Held-out R² of least squares (with an intercept) on the rows where every column is present."""
    import numpy as np

    from advisor.profile.onecol import N_FOLDS
    rows = np.isfinite(x).all(axis=1)
    if rows.sum() < 30:
        return None
    x, y, folds = x[rows], t.values[rows], t.folds[rows]
    std = x.std(axis=0)
    if (std == 0).any() or np.ptp(y) == 0:
        return None
    design = np.column_stack([np.ones(len(x)), (x - x.mean(axis=0)) / std])
    preds = np.empty(len(y))
    for k in range(N_FOLDS):
        train, test = folds != k, folds == k
        if train.sum() <= design.shape[1] or not test.any():
            return None
        coef = np.linalg.lstsq(design[train], y[train], rcond=None)[0]
        preds[test] = design[test] @ coef
    return float(1 - ((y - preds) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def nonlinear_columns(scores: list[OneColumnScore], settings: Settings) -> list[str]:
    gain = settings.thresholds.nonlinear_gain
    return sorted(
        s.column for s in scores
        if s.linear is not None and s.tree - max(s.linear, s.baseline) >= gain
    )


def l1_zero_share(frame: pd.DataFrame, y: pd.Series, feats: list[ColumnProfile]) -> float | None:
    """Share of numeric features a cross-validated Lasso sets to zero (missing values filled with the
    column's median, every column standardised): :func:`advisor.profile.lasso.zero_share_cv`, which
    gives what scikit-learn's ``LassoCV(cv=3, alphas=30)`` gives without importing it (its folds
    are unshuffled: no seed)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from advisor.profile.lasso import zero_share_cv

    numeric = [c.name for c in feats if c.kind in NUMERIC_KINDS]
    mask = y.notna().to_numpy()
    if len(numeric) < 3 or mask.sum() < 30:
        return None
    x = frame.loc[mask, numeric].to_numpy(dtype="float64", na_value=np.nan)
    x = np.clip(np.where(np.isfinite(x), x, np.nan), -1e30, 1e30)
    yv = y.loc[mask].to_numpy(dtype="float64")
    if not np.isfinite(yv).all() or np.isnan(x).all(axis=0).any():
        return None
    x = np.where(np.isnan(x), np.nanmedian(x, axis=0), x)
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    with threadpool_limits(1):  # BLAS threads would spin beside the profile's own (the pairs run on a thread)
        return clean_float(zero_share_cv(x, yv), 4)


PANEL_CHECK_ROWS = 1_000_000  # the pairs of a bigger table are checked on a seeded sample of this many rows


@dataclass
class PanelRows:
    """Rows that are one per (entity, period): the same entities measured again and again."""

    entity: str
    period: str
    n_entities: int
    rows_per_entity: float


def panel_rows(frame: pd.DataFrame, profile: Profile, settings: Settings) -> PanelRows | None:
    """The entity and period columns of a panel, when the rows are one per pair of them.

    A period is a date, or a number named like one (year, month, wave; see
    PERIOD_TOKENS). An entity is an identifier or a categorical or integer code,
    not named like a period, whose values each come back in at least
    ``panel_min_periods`` rows, counted over the rows its distinct count is over
    (every row of a streamed file). The pair must then be unique in
    ``panel_unique_share`` of the rows that have both: the shape of a panel (a
    person per year) rather than of repeated categories (a city per year).
    And that must say something: the periods must come back across entities
    so often that random pairs would repeat (``panel_chance_repeats``). A
    timestamp unique per row makes any pair with it unique: an event log with
    a colour column is no panel of colours.
    """
    from advisor.profile.config import PERIOD_TOKENS
    from advisor.profile.kinds import name_tokens

    th = settings.thresholds
    target = profile.target.name if profile.target is not None else None
    cols = [c for c in profile.columns if c.name != target and c.name in frame.columns]
    named_periods = {c.name for c in cols if set(name_tokens(c.name)) & PERIOD_TOKENS}
    periods = [c for c in cols if c.n_distinct >= th.panel_min_periods and (
        c.kind == "datetime" or (c.kind in NUMERIC_KINDS and c.name in named_periods))]
    if not periods:
        return None
    rows = profile.table.n_rows_in_file if profile.scan is not None else len(frame)
    entities = []
    for c in cols:
        # day and month of a daily series are two periods, not an entity and a period
        if (c.name in named_periods or c.kind not in ("identifier", "categorical", "code", "count")
                or c.n_distinct < th.panel_min_entities):
            continue
        per = rows * (1.0 - c.missing_share) / c.n_distinct
        if per >= th.panel_min_periods:
            entities.append((c, per))
    entities.sort(key=lambda e: (e[0].kind != "identifier", -e[0].n_distinct))
    if len(frame) > PANEL_CHECK_ROWS:  # bounded work on a table loaded whole; duplicates show in a big sample
        frame = frame.sample(n=PANEL_CHECK_ROWS, random_state=settings.seed)
    shares: dict[str, float] = {}  # each column's counts are taken once, however many pairs it is in
    sizes: dict[str, tuple[Any, Any]] = {}
    for period in periods[:3]:
        # However few entities there are, random pairs cannot repeat more often than rows share a period.
        if 1.0 - period.n_distinct / max(rows * (1.0 - period.missing_share), 1.0) < th.panel_chance_repeats:
            continue
        for entity, per in entities[:8]:
            # Pigeonholes first: fewer (entity, period) pairs than rows cannot be one row each.
            if entity.name == period.name or entity.n_distinct * period.n_distinct < th.panel_unique_share * (
                    rows * (1.0 - max(entity.missing_share, period.missing_share))):
                continue
            # Then whether unique pairs would mean anything (cheaper than finding the repeats): a period
            # unique per row, say, makes every pair unique.
            if entity.name not in shares:
                shares[entity.name] = _effective_values(frame[entity.name].dropna())
            if period.name not in sizes:
                sizes[period.name] = _group_sizes(frame[period.name].dropna())
            if _chance(shares[entity.name], *sizes[period.name]) < th.panel_chance_repeats:
                continue
            pairs = frame[[entity.name, period.name]].dropna()
            if len(pairs) and 1.0 - float(pairs.duplicated().mean()) >= th.panel_unique_share:
                return PanelRows(entity.name, period.name, entity.n_distinct, clean_float(per, 2) or 0.0)
    return None


def chance_repeats(entity: pd.Series, period: pd.Series) -> float:
    """The share of rows that would repeat an earlier (entity, period) pair if each row's entity were
    drawn at random (with the entities' shares), the periods kept: how much a unique pair tells.

    A period holding ``n`` rows then has about ``k(1 - (1 - 1/k)^n)`` distinct entities, with ``k``
    the effective number of entities (the inverse of the chance that two rows share one). A period
    unique per row repeats nothing by chance, so its pairs are unique whatever the other column is.
    """
    return _chance(_effective_values(entity), *_group_sizes(period))


def _effective_values(s: pd.Series) -> float:
    """The inverse of the chance that two rows share a value."""
    shares = s.value_counts(normalize=True, sort=False).to_numpy(dtype="float64")
    return 1.0 / float((shares * shares).sum()) if len(shares) else 1.0


def _group_sizes(s: pd.Series) -> tuple[Any, Any]:
    """The sizes ``n`` of a column's groups of equal values, and how many groups have each."""
    sizes = s.value_counts(sort=False).value_counts(sort=False)
    return sizes.index.to_numpy(dtype="float64"), sizes.to_numpy(dtype="float64")


def _chance(k: float, n: Any, count: Any) -> float:
    import numpy as np

    rows = float((n * count).sum())
    if not rows:
        return 0.0
    distinct = float((count * k * -np.expm1(n * np.log1p(-1.0 / k))).sum()) if k > 1 else float(count.sum())
    return max(0.0, 1.0 - distinct / rows)
