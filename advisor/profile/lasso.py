"""The Lasso in numpy: its whole path by least-angle regression, and a cross-validated fit.

The profile asks one question of an L1 model (what share of the numeric
features does it drive to zero?), and importing scikit-learn for it took
longer than the rest of ``advisor profile`` on a small table. This answers it
as ``sklearn.linear_model.LassoCV(cv=3, alphas=30)`` does: the same alpha grid,
the same unshuffled folds, each fold's model centred on its own training rows,
the alpha with the least mean validation error, then a fit on every row. The
fits are exact: the Lasso's solution is piecewise linear in alpha, and
least-angle regression with the lasso modification (Efron, Hastie, Johnstone
and Tibshirani, 2004) walks from one kink to the next, so the solution at any
alpha is an interpolation between two of them. Coordinate descent only
approaches it, so the two agree to its tolerance.

The objective is scikit-learn's: ``(1 / (2 n)) * ||y - X b||^2 + alpha * ||b||_1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

EPS = 1e-3  # the smallest alpha of the grid, as a share of the largest (LassoCV's default)
N_ALPHAS = 30
FOLDS = 3
ZERO = 1e-10  # a coefficient this small counts as dropped
REFRESH = 32  # steps between fresh inversions of the active Gram matrix


def lasso_path(x: np.ndarray, y: np.ndarray, alpha_min: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The kinks of the Lasso path of centred ``x`` (n x p) and ``y``: alphas from the largest (where
    every coefficient is zero) down to the first at or below ``alpha_min``, and the coefficients at
    each (one row per alpha).

    Columns that are constant, or that the columns already in the model
    reproduce exactly (a column given twice), never enter: their coefficient
    stays zero, as coordinate descent leaves the second of two equal columns.
    The inverse of the active columns' Gram matrix is updated as columns come
    and go (each step costs O(p k), not a fresh solve), and worked out afresh
    every ``REFRESH`` steps so that rounding does not build up.
    """
    import numpy as np

    n, p = x.shape
    gram = x.T @ x
    corr = x.T @ y  # each column's inner product with the residual
    beta = np.zeros(p)
    barred = np.diag(gram) <= 1e-12 * max(float(np.diag(gram).max(initial=0.0)), 1.0)  # constant columns
    open_corr = np.abs(np.where(barred, 0.0, corr))
    top = float(np.max(open_corr, initial=0.0))
    alphas, coefs = [top / n], [beta.copy()]
    tiny = 1e-12 * max(top, 1.0)
    if top <= tiny:
        return np.array(alphas), np.array(coefs)
    first = int(np.argmax(open_corr))
    active, inverse = [first], np.array([[1.0 / gram[first, first]]])
    for step_no in range(8 * p + 8):
        idx = np.array(active)
        if step_no and step_no % REFRESH == 0:
            inverse = np.linalg.inv(gram[np.ix_(idx, idx)])
        signs = np.sign(corr[idx])
        solved = inverse @ signs
        norm = 1.0 / np.sqrt(float(signs @ solved))
        direction = norm * solved  # the active coefficients' change per unit of step
        along = direction @ gram[idx]  # every correlation's change per unit of step (gram is symmetric)
        step, entering, leaving = top / norm, -1, -1  # at most to the end: every correlation zero
        free = ~barred
        free[idx] = False
        with np.errstate(divide="ignore", invalid="ignore"):
            # an inactive column's correlation reaches the active ones' (from either side)
            reach = np.concatenate([(top - corr) / (norm - along), (top + corr) / (norm + along)])
            cross = -beta[idx] / direction  # an active coefficient reaches zero (the lasso modification)
        reach[~np.concatenate([free, free])] = np.inf
        reach[~(reach > tiny)] = np.inf
        if reach.min() < step:
            step, entering = float(reach.min()), int(np.argmin(reach)) % p
        cross[~((cross > tiny) & np.isfinite(cross))] = np.inf
        if cross.min() < step:
            step, entering, leaving = float(cross.min()), -1, int(np.argmin(cross))
        beta[idx] += step * direction
        corr -= step * along
        top -= step * norm
        if leaving >= 0:
            beta[active[leaving]] = 0.0
            inverse = _without(inverse, leaving)
            del active[leaving]
        alphas.append(max(top, 0.0) / n)
        coefs.append(beta.copy())
        if top <= tiny or not active or alphas[-1] <= alpha_min:
            break
        if entering >= 0:
            grown = _with(inverse, gram[idx, entering], gram[entering, entering])
            if grown is None:  # the active columns reproduce it
                barred[entering] = True
            else:
                active.append(entering)
                inverse = grown
    return np.array(alphas), np.array(coefs)


def _with(inverse: np.ndarray, cross: np.ndarray, own: float) -> np.ndarray | None:
    """The inverse of the Gram matrix grown by one column (its products ``cross`` with the active columns
    and ``own`` with itself), by the block formula; None when the column is (nearly) a combination of them."""
    import numpy as np

    u = inverse @ cross
    schur = own - float(cross @ u)
    if schur <= 1e-9 * own:
        return None
    k = len(u)
    out = np.empty((k + 1, k + 1))
    out[:k, :k] = inverse + np.outer(u, u) / schur
    out[:k, k] = out[k, :k] = -u / schur
    out[k, k] = 1.0 / schur
    return out


def _without(inverse: np.ndarray, m: int) -> np.ndarray:
    """The inverse of the Gram matrix with its ``m``-th column (and row) taken out."""
    import numpy as np

    keep = np.arange(len(inverse)) != m
    col = inverse[keep, m]
    return inverse[np.ix_(keep, keep)] - np.outer(col, col) / inverse[m, m]


def coefs_at(alphas: np.ndarray, coefs: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The path's coefficients at each alpha of ``at`` (one row each), by interpolating between kinks."""
    import numpy as np

    order = alphas[::-1]  # increasing, as np.interp wants
    out = np.empty((len(at), coefs.shape[1]))
    for j in range(coefs.shape[1]):
        out[:, j] = np.interp(at, order, coefs[::-1, j])
    return out


def zero_share_cv(x: np.ndarray, y: np.ndarray) -> float:
    """The share of columns of ``x`` a cross-validated Lasso (as ``LassoCV(cv=3, alphas=30)``) sets to zero."""
    import numpy as np

    n = len(x)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    alpha_max = float(np.max(np.abs(xc.T @ yc))) / n
    if alpha_max <= np.finfo(float).resolution:
        return 1.0
    grid = np.logspace(np.log10(alpha_max * EPS), np.log10(alpha_max), N_ALPHAS)[::-1]
    bounds = np.cumsum([0] + [n // FOLDS + (1 if k < n % FOLDS else 0) for k in range(FOLDS)])  # KFold's
    errors = np.zeros((N_ALPHAS, FOLDS))
    for k in range(FOLDS):
        test = np.zeros(n, dtype=bool)
        test[bounds[k]:bounds[k + 1]] = True
        x_mean, y_mean = x[~test].mean(axis=0), y[~test].mean()
        alphas, coefs = lasso_path(x[~test] - x_mean, y[~test] - y_mean, alpha_min=grid[-1])
        at = coefs_at(alphas, coefs, grid)
        predicted = (x[test] - x_mean) @ at.T + y_mean
        errors[:, k] = np.mean((predicted - y[test][:, None]) ** 2, axis=0)
    best = grid[int(np.argmin(errors.mean(axis=1)))]
    alphas, coefs = lasso_path(xc, yc, alpha_min=best)
    final = coefs_at(alphas, coefs, np.array([best]))[0]
    return float(np.mean(np.abs(final) < ZERO))
