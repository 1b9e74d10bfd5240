"""advisor.profile.lasso against scikit-learn: the same Lasso path, the same cross-validated zero share."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.profile.lasso import coefs_at, lasso_path, zero_share_cv


def _problem(seed: int, n: int, p: int, repeated: bool = False, constant: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) * 0.3 + rng.normal(size=(n, p))
    if repeated and p > 2:
        x[:, 1] = 2 * x[:, 0] + 1  # a column given twice, in other units
    if constant and p > 3:
        x[:, 2] = 5.0
    beta = rng.normal(size=p) * (rng.random(p) < 0.5)
    y = x @ beta + rng.normal(size=n) * 2
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0), y


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 200), p=st.integers(1, 12))
def test_the_path_is_scikit_learns_lars_lasso_path(seed, n, p):
    from sklearn.linear_model import lars_path

    x, y = _problem(seed, n, p)
    x, y = x - x.mean(axis=0), y - y.mean()
    alphas, coefs = lasso_path(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's own notes on degenerate steps
        ref_alphas, _, ref_coefs = lars_path(x, y, method="lasso")
    grid = np.linspace(0, alphas[0] * 1.1, 40)
    ours, theirs = coefs_at(alphas, coefs, grid), coefs_at(ref_alphas, ref_coefs.T, grid)
    assert np.allclose(ours, theirs, atol=1e-7 * max(1.0, np.abs(theirs).max()))
    assert alphas[0] == pytest.approx(np.abs(x.T @ y).max() / n)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("shape", [(60, 3), (300, 8), (900, 15)])
@pytest.mark.parametrize("degenerate", [False, True])
def test_the_zero_share_is_lasso_cvs(seed, shape, degenerate):
    """The same share as LassoCV(cv=3, alphas=30), also with a repeated and a constant column (which
    coordinate descent, like the path, leaves at zero)."""
    from sklearn.linear_model import LassoCV

    x, y = _problem(seed, *shape, repeated=degenerate, constant=degenerate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LassoCV(cv=3, alphas=30, max_iter=2000).fit(x, y)
    assert zero_share_cv(x, y) == float(np.mean(np.abs(model.coef_) < 1e-10))


def test_a_target_no_column_explains_drops_everything_and_one_that_one_does_keeps_it():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    assert zero_share_cv(x, np.full(200, 3.0)) == 1.0
    assert zero_share_cv(x, 5 * x[:, 0] + rng.normal(size=200) * 0.01) == 0.75
    alphas, coefs = lasso_path(np.zeros((10, 3)), rng.normal(size=10))
    assert list(alphas) == [0.0] and not coefs.any()
