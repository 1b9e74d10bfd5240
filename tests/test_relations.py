"""The one-column models and the correlation helpers against plain, fold-by-fold references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.profile import onecol
from advisor.profile.config import DEFAULT_SETTINGS
from advisor.profile.relations import (
    _dense_codes,
    average_ranks,
    chance_repeats,
    cramers_v,
    joint_leakage,
    one_column_scores,
)


def _reference_lookup(codes: np.ndarray, t: onecol.Target) -> float:
    """The lookup model fitted fold by fold, as the first version of onecol did."""
    n_codes = int(codes.max()) + 1
    preds = np.empty(len(codes), dtype=np.int64)
    for k in range(onecol.N_FOLDS):
        train, test = t.folds != k, t.folds == k
        table = np.bincount(codes[train] * t.n_classes + t.values[train],
                            minlength=n_codes * t.n_classes).reshape(n_codes, t.n_classes)
        fallback = np.bincount(t.values[train], minlength=t.n_classes).argmax()
        best = np.where(table.sum(1) > 0, table.argmax(1), fallback)
        preds[test] = best[codes[test]]
    return _reference_score(preds, t)


def _reference_threshold(codes: np.ndarray, t: onecol.Target) -> float:
    n_codes = int(codes.max()) + 1
    preds = np.empty(len(codes), dtype=np.int64)
    for k in range(onecol.N_FOLDS):
        train, test = t.folds != k, t.folds == k
        pos = np.bincount(codes[train][t.values[train] == 1], minlength=n_codes)
        neg = np.bincount(codes[train][t.values[train] == 0], minlength=n_codes)
        below_pos = np.concatenate([[0], np.cumsum(pos)])
        below_neg = np.concatenate([[0], np.cumsum(neg)])
        up = ((pos.sum() - below_pos) / max(pos.sum(), 1) + below_neg / max(neg.sum(), 1)) / 2
        down = 1 - up
        if up.max() >= down.max():
            preds[test] = (codes[test] >= int(up.argmax())).astype(np.int64)
        else:
            preds[test] = (codes[test] < int(down.argmax())).astype(np.int64)
    return _reference_score(preds, t)


def _reference_score(preds: np.ndarray, t: onecol.Target) -> float:
    return float(np.mean([np.mean(preds[t.values == k] == k) for k in range(t.n_classes)]))


@settings(max_examples=150, deadline=None)
@given(st.integers(20, 400), st.integers(2, 5), st.integers(1, 40), st.integers(0, 2**16))
def test_lookup_and_threshold_scores_are_the_fold_by_fold_ones(n: int, n_classes: int, n_codes: int, seed: int):
    rng = np.random.default_rng(seed)
    y = pd.Series(rng.integers(0, n_classes, n))
    t = onecol.encode_target(y, classify=True, seed=seed)
    if t is None:  # a class with fewer rows than folds
        return
    # codes that carry some of the target, with gaps (bins no row falls in) and one bin per missing value
    codes = (rng.integers(0, n_codes, n) + t.values * rng.integers(0, 3)) * rng.integers(1, 3)
    assert onecol.lookup_score(codes, t) == _reference_lookup(codes, t)
    if t.n_classes == 2:
        assert onecol._threshold_score(codes, t) == _reference_threshold(codes, t)


def test_a_leaky_code_scores_one_and_noise_scores_near_chance():
    rng = np.random.default_rng(0)
    y = pd.Series(rng.integers(0, 2, 3000))
    t = onecol.encode_target(y, classify=True, seed=0)
    assert t is not None
    assert onecol.lookup_score(t.values.copy(), t) == 1.0
    assert onecol._threshold_score(t.values.copy(), t) == 1.0
    assert onecol._threshold_score(1 - t.values, t) == 1.0  # the cut predicts positive below it
    noise = rng.integers(0, 32, 3000)
    assert abs(onecol.lookup_score(noise, t) - 0.5) < 0.05
    assert abs(onecol._threshold_score(noise, t) - 0.5) < 0.05


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 5).map(float), st.just(float("nan")), st.floats(-1e6, 1e6)),
                min_size=1, max_size=200))
def test_average_ranks_are_pandas_ranks(values: list[float]):
    x = np.array(values, dtype=np.float64)
    expected = pd.Series(x).rank(method="average").to_numpy()
    np.testing.assert_array_equal(average_ranks(x), expected)


@pytest.mark.parametrize("codes", [[0, 1, 2], [5, 5, 0, 9, 3, 9], [7], [2, 0, 2, 40, 0]])
def test_dense_codes_number_the_used_codes_in_order(codes: list[int]):
    a = np.array(codes, dtype=np.int64)
    np.testing.assert_array_equal(_dense_codes(a), np.unique(a, return_inverse=True)[1])


def test_cramers_v_ignores_unused_and_missing_codes():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, 500)
    b = (a + (rng.random(500) < 0.1)) % 4
    v = cramers_v(a, b)
    assert v is not None and v > 0.8
    # the same table with gaps in the codes and missing values (-1) on both sides
    a_gappy, b_gappy = a * 3 + 2, b * 5
    a_gappy[:20], b_gappy[20:40] = -1, -1
    assert cramers_v(a_gappy, b_gappy) == pytest.approx(cramers_v(a[40:], b[40:]), abs=1e-12)
    assert cramers_v(rng.integers(0, 4, 500), rng.integers(0, 4, 500)) < 0.1


def test_a_wide_table_is_profiled_on_two_threads_in_column_order(monkeypatch):
    """Above 2,000,000 cells the columns are profiled on two threads, text first (the longest); the report
    keeps the table's column order and says what one thread says."""
    import os

    from advisor.profile import profile_frame

    rng = np.random.default_rng(3)
    n = 70_000
    columns: dict[str, object] = {f"x{i}": rng.normal(size=n) for i in range(26)}
    columns["note"] = [f"call {i % 97} about plan {i % 13}" for i in range(n)]
    columns["code"] = rng.integers(0, 5, n)
    columns["city"] = rng.choice(["Oslo", "Lima", "Pune"], n)
    columns["y"] = rng.integers(0, 2, n)
    frame = pd.DataFrame(columns)
    assert frame.size >= 2_000_000
    two = profile_frame(frame, target="y")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    one = profile_frame(frame, target="y")
    assert [c.name for c in two.columns] == list(frame.columns)
    assert two.columns == one.columns and two.correlations == one.correlations and two.leakage == one.leakage


def test_a_wide_short_table_keeps_the_strongest_pairs_and_finds_its_twin_columns():
    """Three rows correlate a third of all pairs perfectly: the report keeps the strongest ``max_correlated_pairs``
    among the first ``max_numeric_pairs_columns`` columns, and identical columns are still
    found among hundreds (by a digest of their values, not by comparing every pair)."""
    from dataclasses import replace

    from advisor.profile import profile_frame
    from advisor.profile.config import DEFAULT_SETTINGS

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(3, 300)), columns=[f"c{i}" for i in range(300)])
    frame["twin"] = frame["c7"]
    settings = replace(DEFAULT_SETTINGS, max_numeric_pairs_columns=40, max_correlated_pairs=25)
    profile = profile_frame(frame, no_target=True, settings=settings)
    pairs = [p for p in profile.correlations if p.method == "spearman"]
    assert len(pairs) == 25
    names = {f"c{i}" for i in range(40)}
    assert all(p.a in names and p.b in names for p in pairs)
    kept = sorted(abs(p.value) for p in pairs)
    full = profile_frame(frame, no_target=True, settings=replace(settings, max_correlated_pairs=10_000))
    every = sorted((abs(p.value) for p in full.correlations if p.method == "spearman"), reverse=True)
    assert len(every) > 25 and kept[0] >= every[24] - 1e-12
    assert ["c7", "twin"] in profile.table.duplicate_columns


def test_chance_repeats_of_random_pairs():
    """A period unique per row repeats nothing by chance; 8 years of 545 people at random would repeat
    1 - (1 - 1/545)^545 ~ 37% of (person, year) pairs (Males' shape)."""
    assert chance_repeats(pd.Series(list("abcde") * 40), pd.Series(range(200))) == 0.0
    people = pd.Series(np.repeat(np.arange(545), 8))
    years = pd.Series(np.tile(np.arange(1980, 1988), 545))
    assert chance_repeats(people, years) == pytest.approx(1 - 545 * (1 - (1 - 1 / 545) ** 545) / 545, abs=1e-9)
    # a simulation agrees
    r = np.random.default_rng(0)
    shuffled = pd.DataFrame({"e": r.integers(0, 545, len(years)), "p": years})  # entities drawn at random
    assert abs(shuffled.duplicated().mean() - chance_repeats(people, years)) < 0.02


def test_joint_leakage_finds_the_parts_of_a_total_and_no_more():
    """A total of three parts, none of which predicts it alone (R² about 1/3 each), beside a column that
    only correlates with it: the three parts come out, the smallest set that rebuilds the target."""
    r = np.random.default_rng(0)
    frame = pd.DataFrame({"rent": r.normal(size=500), "food": r.normal(size=500), "travel": r.normal(size=500)})
    frame["total"] = frame.sum(axis=1)
    frame["income"] = frame["total"] + r.normal(size=500)
    frame.loc[::50, "food"] = np.nan  # rows with a part missing are left out of the fit
    from advisor.profile import profile_frame

    feats = profile_frame(frame, target="total").features
    y = frame["total"]
    found = joint_leakage(frame, y, one_column_scores(frame, y, "regression", feats, DEFAULT_SETTINGS), DEFAULT_SETTINGS)
    assert len(found) == 1 and sorted(found[0].columns) == ["food", "rent", "travel"]
    assert found[0].score >= 0.999 and all(a < 0.9 for a in found[0].alone)
    # without one of the parts nothing rebuilds the total
    rest = frame.drop(columns="travel")
    feats = [c for c in feats if c.name != "travel"]
    assert joint_leakage(rest, y, one_column_scores(rest, y, "regression", feats, DEFAULT_SETTINGS), DEFAULT_SETTINGS) == []
