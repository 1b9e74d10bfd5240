"""SHAP for a fitted pipeline, told in the table's own columns.

``explain_pipeline`` takes any fitted scikit-learn estimator, usually a
``Pipeline`` whose first step is a ``ColumnTransformer`` and whose last step is
the model, and returns an :class:`Explanation`: plain, JSON-friendly data that
every renderer (terminal, Markdown, JSON, HTML, TUI) shows the same way.

How it works, and why:

- The model is explained in the space it was trained in (the
  ColumnTransformer's output), with the explainer that is exact and cheap for
  it: ``TreeExplainer`` for tree ensembles, ``LinearExplainer`` for linear
  models, and a model-agnostic ``KernelExplainer`` (whole columns masked
  together, a sampled background) for the rest.
- Contributions are then summed back onto the original columns (one-hot
  ``city_Paris`` -> ``city``, TF-IDF terms -> the text column, datetime parts
  -> the datetime column), because a report about ``city`` is what a reader
  can act on. The model-agnostic explainer masks whole original columns at
  once, so its values are already per column.
- Rows are sampled and explained in chunks, each timed, until the rows run
  out or the next chunk would overrun the budget's share (about 60%); the
  model-agnostic explainer first times the model to size its background. The
  sizes are reported.
- Permutation importance on held-out rows, in the time left, is a sanity
  check; when a SHAP explainer fails, it becomes the explanation, with the reason.
- OpenMP is held to one thread while explaining: small prediction batches on
  many threads crawl on a busy machine. KernelExplainer draws from numpy's
  global generator, which is seeded for the call and restored after it.

Everything heavy (numpy, pandas, scikit-learn, shap, matplotlib) is imported
inside the functions that need it; the core never prints.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from advisor.errors import Cancelled, OptionError
from advisor.profile.findings import CodeDoc
from advisor.profile.model import Finding

Progress = Callable[[str, float], None]

TASKS = ("binary", "multiclass", "regression")

# Thresholds in one place, so the findings and their documentation agree.
DOMINANT_SHARE = 0.5  # the top column carries at least half of all importance...
DOMINANT_RATIO = 3.0  # ...and at least 3x the next one
IGNORED_SHARE = 0.005  # below 0.5% of the total importance, a column is ignored
IDENTIFIER_TOP = 5  # an identifier among the top 5 columns is a finding
DISAGREE_SPEARMAN = 0.5  # rank agreement below this is called a strong disagreement
DIRECTION_MIN_CORR = 0.3  # below this |r| a numeric column has no single direction
SURROGATE_FAITHFUL = 0.8  # surrogate CV accuracy at which its explanation is trusted
ROW_TOP = 5  # contributions spelled out for one row

CODES: dict[str, CodeDoc] = {
    d.code: d
    for d in [
        CodeDoc("dominant_feature", "warning", "One column carries most of the model's attribution: check it for target leakage."),
        CodeDoc("identifier_in_top", "critical", "An identifier column is among the top features: the model memorises rows."),
        CodeDoc("ignored_features", "info", "Columns the model gets (almost) nothing from: candidates to drop."),
        CodeDoc("explainers_disagree", "warning", "SHAP and permutation importance rank the columns very differently."),
        CodeDoc("additivity_failed", "warning", "Base value plus contributions does not equal the model output."),
        CodeDoc("surrogate_unfaithful", "warning", "The surrogate classifier reproduces the clusters poorly; read its explanation with care."),
        CodeDoc("explainer_fallback", "info", "The SHAP explainer failed; permutation importance is shown instead."),
    ]
}


# ---------------------------------------------------------------- the data model


@dataclass
class ColumnImportance:
    """One original column's share of the model's attribution."""

    column: str
    importance: float  # mean |SHAP| (or mean drop in score, for permutation importance)
    importance_by_class: dict[str, float]  # multiclass only; {} otherwise
    direction: str  # a sentence: "higher values push ... up", or which categories do
    sign: int  # +1: higher values push up, -1: down, 0: no single direction or not numeric
    rank: int  # 1 = most important
    share: float  # importance / sum of importances


@dataclass
class Contribution:
    column: str
    value: str  # the row's value, as text
    contribution: float
    text: str  # "tenure = 2 pushes P(churned = 1) up by 0.18"


@dataclass
class RowExplanation:
    row: int  # position in the table (0-based)
    output_label: str  # what is explained for this row, e.g. "P(churned = 1)"
    base_value: float
    prediction: float  # base_value + sum of all contributions, in the explainer's output space
    contributions: list[Contribution]  # the ROW_TOP largest by magnitude
    rest: float  # sum of the other columns' contributions
    summary: str


@dataclass
class Additivity:
    max_error: float  # max |base + sum(contributions) - model output| over the explained rows
    tolerance: float
    ok: bool
    output_space: str


@dataclass
class PermutationAgreement:
    spearman: float | None  # rank correlation of SHAP and permutation importances (None: undefined)
    disagree: bool
    ranking: list[str]  # columns by permutation importance, most important first
    importances: dict[str, float]
    scoring: str
    n_rows: int
    n_repeats: int
    held_out: bool  # False when no held-out rows were given: the model may have been fitted on these rows
    n_compared: int  # columns the Spearman correlation is computed over (0 when it is not)
    message: str


@dataclass
class Surrogate:
    """For clustering: a classifier trained to predict cluster labels, explained instead."""

    model: str
    cv_accuracy: float
    n_clusters: int
    n_rows: int
    faithful: bool
    message: str


@dataclass
class Explanation:
    """Why the model predicts what it does, per original column. JSON-friendly fields only."""

    task: str
    model: str  # class name of the explained estimator
    method: str  # "shap" or "permutation" (fallback, or chosen when SHAP cannot run)
    explainer: str  # "TreeExplainer", "LinearExplainer", "KernelExplainer", "permutation_importance"
    output_space: str  # "probability", "log-odds", "decision score", "predicted value", ...
    output_label: str  # the quantity contributions add up to, e.g. "P(churned = 1)"
    n_rows: int  # rows in the table given
    n_background: int
    background_method: str
    n_explained: int
    explained_method: str
    base_value: float | None  # None for multiclass (see base_value_by_class)
    base_value_by_class: dict[str, float]
    classes: list[str]
    importances: list[ColumnImportance]
    unused_columns: list[str]  # columns the pipeline drops before the model
    row: RowExplanation | None
    additivity: Additivity | None
    permutation: PermutationAgreement | None
    findings: list[Finding]
    fallback_reason: str | None
    surrogate: Surrogate | None
    notes: list[str]
    budget: float
    seconds: float


@dataclass
class ShapValues:
    """The per-row values behind an Explanation, for plots; not part of the JSON contract.

    ``values`` is (rows, columns) for one output, or (rows, columns, classes) for
    multiclass; ``feature_values`` is the columns' values as numbers for colouring
    (NaN where a column is not numeric).
    """

    columns: list[str]
    values: Any
    feature_values: Any
    classes: list[str]
    output_label: str
    base: Any  # (outputs,)


def shap_values(explanation: Explanation) -> ShapValues | None:
    """The per-row values kept with an explanation (None after permutation fallback or a JSON round trip)."""
    return getattr(explanation, "_values", None)


# ---------------------------------------------------------------- the model, opened up


@dataclass
class _Prepared:
    """The pipeline cut where the explainer can see it. Internal, not JSON."""

    encode: Any  # original DataFrame -> model input matrix (ColumnTransformer + width-keeping steps)
    model: Any  # the estimator the explainer sees (TTR unwrapped), or a black box over encode's output
    name: str
    kind: str  # "tree" | "linear" | "agnostic"
    columns: list[str]  # original columns the model receives, in table order
    weights: Any  # (features, columns) matrix mapping transformed features to columns
    feature_names: list[str]  # transformed feature names, for text terms
    text_features: dict[str, list[int]]  # text column -> its feature indices
    unused: list[str]
    notes: list[str]
    target_transformed: bool


def _flatten(estimator: Any) -> list[Any]:
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        steps = [s for _, s in estimator.steps if s is not None and s != "passthrough"]
        return [inner for s in steps for inner in _flatten(s)]
    return [estimator]


_WIDTH_KEEPING_MODULES = ("sklearn.preprocessing._data", "sklearn.impute")
_TREE_MODULES = ("sklearn.tree", "sklearn.ensemble._forest", "sklearn.ensemble._gb",
                 "sklearn.ensemble._hist_gradient_boosting", "xgboost", "lightgbm", "catboost")
_LINEAR_SVM = ("LinearSVC", "LinearSVR")


def _model_kind(model: Any) -> str:
    module = type(model).__module__
    if module.startswith(_TREE_MODULES) and "Isolation" not in type(model).__name__:
        return "tree"
    linear = module.startswith("sklearn.linear_model") or type(model).__name__ in _LINEAR_SVM
    if linear and hasattr(model, "coef_") and hasattr(model, "intercept_"):
        return "linear"
    return "agnostic"


def _prepare(pipeline: Any, X: Any) -> _Prepared:
    """Split ``pipeline`` into an encoder, a feature map back to columns, and the model."""
    import numpy as np
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor

    steps = _flatten(pipeline)
    notes: list[str] = []
    columns = [str(c) for c in X.columns]
    first = steps[0]
    encoders: list[Any] = [first]
    if isinstance(first, ColumnTransformer):
        rest = steps[1:]
        blocks = [(name, trans, _input_columns(first, name, cols, columns), first.output_indices_.get(name))
                  for name, trans, cols in first.transformers_]
    elif len(steps) > 1 and hasattr(first, "transform"):  # e.g. a OneHotEncoder over the whole table
        rest = steps[1:]
        blocks = [(type(first).__name__, first, columns, slice(0, first.transform(X.iloc[:2]).shape[1]))]
    else:  # a plain estimator on numeric columns
        rest, encoders = steps, [_NumericFrame()]
        blocks = [("columns", "passthrough", columns, slice(0, len(columns)))]
    weights, names, text, used = _feature_map(blocks, columns, notes)
    final, middle = rest[-1], rest[:-1]
    keep = [m for m in middle if type(m).__module__.startswith(_WIDTH_KEEPING_MODULES)]
    if len(keep) == len(middle) and _keeps_width(encoders, middle, X):
        encoders.extend(middle)
        model = final
    else:
        from sklearn.pipeline import make_pipeline

        model = make_pipeline(*middle, final)
        notes.append("Steps between the column preparation and the model change the features "
                     f"({', '.join(type(m).__name__ for m in middle)}), so a model-agnostic explainer is used.")
    target_transformed = False
    if isinstance(model, TransformedTargetRegressor):
        model, target_transformed = model.regressor_, True
    kind = _model_kind(model) if model is final or target_transformed else "agnostic"
    categorical = getattr(model, "is_categorical_", None)
    if kind == "tree" and categorical is not None and bool(np.any(categorical)):
        kind = "agnostic"
        notes.append(f"{type(model).__name__} splits on native categories, which TreeExplainer reads as numbers; "
                     "a model-agnostic explainer is used instead.")
    if kind == "agnostic" and target_transformed:  # explain the whole regressor, in the target's units
        model, target_transformed = final, False
    name = type(final.regressor_ if isinstance(final, TransformedTargetRegressor) else final).__name__
    unused = [c for c in columns if c not in used]
    cols_idx = [columns.index(c) for c in used]
    return _Prepared(_Encoder(encoders), model, name, kind, used, weights[:, cols_idx], names, text,
                     unused, notes, target_transformed)


class _NumericFrame:
    """The encoder of a plain estimator: the DataFrame's values as floats."""

    def transform(self, X: Any) -> Any:
        return X.to_numpy(dtype=float)


class _Encoder:
    def __init__(self, steps: list[Any]) -> None:
        self.steps = steps

    def transform(self, X: Any) -> Any:
        for step in self.steps:
            X = step.transform(X)
        return X.to_numpy() if hasattr(X, "to_numpy") else X  # set_output("pandas") gives a DataFrame


def _keeps_width(encoders: list[Any], middle: list[Any], X: Any) -> bool:
    if not middle:
        return True
    sample = _Encoder(encoders).transform(X.iloc[:5])
    return bool(_Encoder(middle).transform(sample).shape[1] == sample.shape[1])


def _input_columns(ct: Any, name: str, cols: Any, columns: list[str]) -> list[str]:
    """Resolve a transformer's column selection (names, indices, mask, slice) to names."""
    import numpy as np

    mapping = getattr(ct, "_transformer_to_input_indices", None)
    if isinstance(mapping, dict) and name in mapping:
        return [columns[i] for i in mapping[name]]
    if isinstance(cols, str):
        return [cols]
    if isinstance(cols, int):
        return [columns[cols]]
    if isinstance(cols, slice):
        return columns[cols]
    arr = np.asarray(cols)
    if arr.dtype == bool:
        return [c for c, keep in zip(columns, arr, strict=False) if keep]
    return [columns[int(c)] if not isinstance(c, str) else c for c in arr.tolist()]


def _feature_map(blocks: list[tuple[str, Any, list[str], slice | None]], columns: list[str],
                 notes: list[str]) -> tuple[Any, list[str], dict[str, list[int]], list[str]]:
    """A (features x columns) weight matrix, the feature names, text features, and the columns used.

    ``blocks`` are (name, fitted transformer, input columns, output slice), one per transformer.
    """
    import numpy as np

    width = max((b.stop for *_, b in blocks if b is not None), default=0)
    weights = np.zeros((width, len(columns)))
    names = [""] * width
    text: dict[str, list[int]] = {}
    used: list[str] = []
    for name, trans, inputs, block in blocks:
        if block is None or trans == "drop" or block.stop == block.start:
            continue
        out_names = _output_names(trans, inputs, block.stop - block.start)
        for offset, fname in enumerate(out_names):
            names[block.start + offset] = fname
            for col, w in _sources(fname, inputs, offset, len(out_names), name, notes).items():
                weights[block.start + offset, columns.index(col)] += w
        used.extend(c for c in inputs if c not in used)
        if len(inputs) == 1 and _is_text(trans):
            text[inputs[0]] = list(range(block.start, block.stop))
    return weights, names, text, [c for c in columns if c in used]


def _output_names(trans: Any, inputs: list[str], width: int) -> list[str]:
    import numpy as np

    if trans == "passthrough":
        return list(inputs)
    try:
        out = [str(n) for n in np.asarray(trans.get_feature_names_out(inputs))]
    except Exception:  # e.g. a FunctionTransformer without feature_names_out
        out = []
    return out if len(out) == width else [f"{inputs[0] if len(inputs) == 1 else 'feature'}_{i}" for i in range(width)]


def _sources(fname: str, inputs: list[str], offset: int, width: int, trans_name: str,
             notes: list[str]) -> dict[str, float]:
    """Which input column(s) one transformed feature comes from, with weights summing to 1."""
    if len(inputs) == 1:
        return {inputs[0]: 1.0}
    if fname in inputs:
        return {fname: 1.0}
    prefixed = [c for c in inputs if fname.startswith(c + "_")]  # one-hot: city_Paris
    if prefixed:
        return {max(prefixed, key=len): 1.0}
    indicated = [c for c in inputs if fname in (f"missingindicator_{c}", f"{c}_missing")]
    if indicated:
        return {indicated[0]: 1.0}
    tokens = [t.split("^")[0] for t in fname.split(" ")]  # PolynomialFeatures: "a b", "a^2"
    if tokens and all(t in inputs for t in tokens):
        share = {t: 0.0 for t in tokens}
        for t in tokens:
            share[t] += 1.0 / len(tokens)
        return share
    if width == len(inputs):
        return {inputs[offset]: 1.0}
    note = (f"Features of '{trans_name}' could not be traced to single columns; "
            "their contributions are shared equally among its input columns.")
    if note not in notes:
        notes.append(note)
    return {c: 1.0 / len(inputs) for c in inputs}


def _is_text(trans: Any) -> bool:
    return any(hasattr(s, "vocabulary_") or type(s).__name__ == "HashingVectorizer" for s in _flatten(trans))


# ---------------------------------------------------------------- output spaces


@dataclass
class _Output:
    """What the explainer attributes: a function of the model input, its space, and labels."""

    fn: Any  # model input matrix -> (rows, outputs)
    space: str
    classes: list[str]  # output names; one name for single-output models
    label: Callable[[str], str]  # output name -> phrase used in sentences


def _output(prep: _Prepared, target: str) -> _Output:
    import numpy as np

    model = prep.model
    classes = [str(c) for c in getattr(model, "classes_", [])]
    if not classes:
        if prep.target_transformed:
            space, label = "transformed target", f"the transformed {target}"
        else:
            space, label = "predicted value", f"the predicted {target}"

        def predictions(Z: Any) -> Any:
            return np.asarray(model.predict(Z), dtype=float).reshape(Z.shape[0], -1)

        return _Output(predictions, space, [target], lambda _c: label)
    proba = prep.kind == "agnostic" or (prep.kind == "tree" and not hasattr(model, "decision_function"))
    if proba and hasattr(model, "predict_proba"):
        fn, space = model.predict_proba, "probability"

        def phrase(c: str) -> str:
            return f"P({target} = {c})"
    elif hasattr(model, "decision_function"):
        fn = model.decision_function
        logistic = type(model).__name__.startswith(("Logistic", "HistGradient", "GradientBoosting")) or (
            getattr(model, "loss", "") in ("log_loss", "log"))
        space = "log-odds" if logistic else "decision score"

        def phrase(c: str) -> str:
            return f"the {space} of {target} = {c}"
    else:
        raise ValueError(f"{type(model).__name__} gives neither probabilities nor decision scores, "
                         "so there is no continuous output to attribute")

    binary = len(classes) == 2

    def outputs(Z: Any) -> Any:
        out = np.asarray(fn(Z), dtype=float)
        out = out.reshape(-1, 1) if out.ndim == 1 else out
        return out[:, 1:] if binary and out.shape[1] == 2 else out  # binary: the positive class

    return _Output(outputs, space, classes[1:] if binary else classes, phrase)


# ---------------------------------------------------------------- the explainers


def _as3d(values: Any, base: Any, n_out: int) -> tuple[Any, Any]:
    import numpy as np

    if isinstance(values, list):  # older shap: a list per class
        values = np.stack(values, axis=-1)
    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        values = values[:, :, None]
    base = np.atleast_1d(np.asarray(base, dtype=float)).ravel()
    if base.size != values.shape[2]:
        base = np.resize(base, values.shape[2])
    if values.shape[2] == 2 and n_out == 1:  # binary with both classes: keep the positive one
        values, base = values[:, :, 1:], base[1:]
    return values, base


def _dense(Z: Any) -> Any:
    import numpy as np

    return Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z, dtype=float)


class _TreeRun:
    """TreeExplainer, path-dependent: exact, no background rows needed."""

    name = "TreeExplainer"

    def __init__(self, prep: _Prepared, out: _Output, Z_bg: Any, seed: int) -> None:
        import shap

        self.explainer = shap.TreeExplainer(prep.model, feature_perturbation="tree_path_dependent")
        self.n_out = len(out.classes)

    def __call__(self, Z: Any) -> tuple[Any, Any]:
        values = self.explainer.shap_values(_dense(Z), check_additivity=False)
        return _as3d(values, self.explainer.expected_value, self.n_out)

    background = (0, "none: the tree path-dependent algorithm uses the training data's node counts")


class _LinearRun:
    name = "LinearExplainer"

    def __init__(self, prep: _Prepared, out: _Output, Z_bg: Any, seed: int) -> None:
        import shap

        self.explainer = shap.LinearExplainer(prep.model, Z_bg)
        self.n_out = len(out.classes)
        self.background = (Z_bg.shape[0], "random sample of the table; only its mean is used (interventional)")

    def __call__(self, Z: Any) -> tuple[Any, Any]:
        return _as3d(self.explainer.shap_values(Z), self.explainer.expected_value, self.n_out)


class _KernelRun:
    """KernelExplainer over whole original columns.

    Each original column is one "player": its masked value is the block of
    transformed features taken from a background row. The explainer's input
    is a matrix of row numbers (one per column) into a pool holding the
    background rows and the rows to explain, so masking never re-runs the
    ColumnTransformer. (KernelExplainer rather than PermutationExplainer:
    the latter spends ~10 s compiling numba code on first use, a whole budget.)
    """

    name = "KernelExplainer"

    def __init__(self, prep: _Prepared, out: _Output, Z_bg: Any, seed: int) -> None:
        import numpy as np

        owner = np.argmax(prep.weights, axis=1)  # features shared by columns go to their main column
        self.groups = [np.flatnonzero(owner == j) for j in range(prep.weights.shape[1])]
        self.out, self.seed, self.Z_bg = out, seed, Z_bg
        self.background = (Z_bg.shape[0], "random sample of the table, whole rows (independent masking)")
        self.min_samples = 2 * len(self.groups) + 2
        self.nsamples = self.min_samples

    def size(self, Z: Any, budget: float) -> None:
        """Choose the background size and coalitions per row from the model's speed.

        One explained row costs (coalitions x background rows) predictions, so the
        model's time per prediction, measured here, sets both: a slow model gets a
        smaller background (at least 5 rows) so that about 20 rows can be explained;
        a fast one gets more coalitions (every one of them when columns are few).
        """
        import numpy as np
        import scipy.sparse as sp

        probe = sp.vstack([self.Z_bg, Z[:50]]) if sp.issparse(Z) else np.vstack([_dense(self.Z_bg), _dense(Z[:50])])
        t0 = time.perf_counter()
        self.out.fn(probe)
        per_prediction = max((time.perf_counter() - t0) / probe.shape[0], 1e-7)
        n_bg = int(np.clip(budget / (20 * self.min_samples * per_prediction), 5, self.Z_bg.shape[0]))
        self.Z_bg = self.Z_bg[:n_bg]
        self.background = (n_bg, self.background[1])
        most = min(2 ** min(len(self.groups), 30), self.min_samples + 2046)  # 2^columns: every coalition
        wanted = budget / (min(Z.shape[0], 100) * n_bg * per_prediction)
        self.nsamples = int(np.clip(wanted, self.min_samples, max(most, self.min_samples)))

    def __call__(self, Z: Any) -> tuple[Any, Any]:
        import numpy as np
        import scipy.sparse as sp
        import shap

        n_bg, n_cols = self.Z_bg.shape[0], len(self.groups)
        sparse = sp.issparse(Z)
        pool = sp.vstack([self.Z_bg, Z]).tocsr() if sparse else np.vstack([_dense(self.Z_bg), _dense(Z)])
        order = np.argsort(np.concatenate(self.groups))

        def f(index: Any) -> Any:
            index = index.astype(int)
            if sparse:
                blocks = [pool[index[:, j]][:, g] for j, g in enumerate(self.groups)]
                return self.out.fn(sp.hstack(blocks).tocsr()[:, order])
            built = np.empty((index.shape[0], pool.shape[1]))
            for j, g in enumerate(self.groups):
                built[:, g] = pool[index[:, j]][:, g]
            return self.out.fn(built)

        bg_index = np.repeat(np.arange(n_bg, dtype=float)[:, None], n_cols, axis=1)
        rows = np.repeat(np.arange(n_bg, n_bg + Z.shape[0], dtype=float)[:, None], n_cols, axis=1)
        # KernelExplainer samples coalitions from numpy's global generator: seed it, then restore it.
        state = np.random.get_state()
        try:
            np.random.seed(self.seed)
            with warnings.catch_warnings():  # "singular equation" warnings when coalitions are few
                warnings.simplefilter("ignore")
                explainer = shap.KernelExplainer(f, bg_index)
                values = explainer.shap_values(rows, nsamples=self.nsamples, l1_reg=False, silent=True)
        finally:
            np.random.set_state(state)
        return _as3d(values, explainer.expected_value, len(self.out.classes))


_RUNNERS: dict[str, Any] = {"tree": _TreeRun, "linear": _LinearRun, "agnostic": _KernelRun}


# ---------------------------------------------------------------- sampling within the budget


@dataclass
class _Plan:
    explain_idx: Any  # positions in X to explain (row of interest first when given)
    background_idx: Any
    holdout_idx: Any  # positions in X not used above (for permutation importance)
    row: int | None  # when set, it is explain_idx[0]


def _plan(n: int, row: int | None, seed: int, kind: str) -> _Plan:
    import numpy as np

    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    cap = {"tree": 2000, "linear": 5000, "agnostic": 200}[kind]
    n_bg = {"tree": 0, "linear": min(500, n), "agnostic": min(50, n)}[kind]
    # The background may overlap the explained rows: SHAP values of a background row are as valid.
    background = order[:n_bg]
    explain = order[:cap]
    if row is not None:
        explain = np.concatenate([[row], explain[explain != row]])
    used = np.union1d(background, explain)
    holdout = order[~np.isin(order, used)]
    return _Plan(explain, background, holdout, row)


def _explain_within_budget(runner: Any, Z: Any, budget: float, check: Callable[[], None]) -> tuple[Any, Any, str]:
    """Explain rows in chunks, timing each, until the rows run out or the next chunk would not fit."""
    import numpy as np

    kernel = isinstance(runner, _KernelRun)
    t0 = time.perf_counter()
    if kernel:
        runner.size(Z, budget)
    parts, base, done, chunk = [], None, 0, min(Z.shape[0], 1 if kernel else 50)
    while done < Z.shape[0] and chunk >= 1:
        check()
        values, base = runner(Z[done:done + chunk])
        parts.append(values)
        done += values.shape[0]
        elapsed = time.perf_counter() - t0
        per_row = max(elapsed / done, 1e-7)
        chunk = min(int((budget - elapsed) / per_row), 20 if kernel else 1000, Z.shape[0] - done)
    how = (f"{done} of the {Z.shape[0]} sampled rows fit in the {budget:.1f} s share of the budget"
           if done < Z.shape[0] else f"every sampled row fit in the {budget:.1f} s share of the budget")
    return np.concatenate(parts, axis=0), base, how


# ---------------------------------------------------------------- the public entry points


def explain_pipeline(
    pipeline: Any,
    X: Any,
    y: Any | None,
    *,
    task: str,
    budget: float = 30.0,
    seed: int = 0,
    row: int | None = None,
    X_holdout: Any | None = None,
    y_holdout: Any | None = None,
    identifier_columns: Sequence[str] = (),
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Explanation:
    """Explain a fitted pipeline (or plain estimator) on the rows of ``X``.

    ``task`` is "binary", "multiclass" or "regression"; ``row`` is a 0-based
    row position in ``X`` to explain on its own. ``budget`` bounds the wall-clock
    time: about 60% for SHAP values, 30% for the permutation-importance check.
    The per-row values stay available to :func:`render_plots` through
    :func:`shap_values`.
    """
    from threadpoolctl import threadpool_limits

    _check_args(X, task, budget, row)
    # Small prediction batches on many OpenMP threads run up to 40x slower on a busy
    # machine (threads spin waiting for each other); one thread keeps timing predictable.
    # The explainers pass arrays to models fitted on DataFrames: that warning is noise here.
    with threadpool_limits(limits=1, user_api="openmp"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return _explain(pipeline, X, y, task, budget, seed, row, X_holdout, y_holdout,
                        identifier_columns, progress, should_stop)


def _explain(pipeline: Any, X: Any, y: Any | None, task: str, budget: float, seed: int, row: int | None,
             X_holdout: Any | None, y_holdout: Any | None, identifier_columns: Sequence[str],
             progress: Progress | None, should_stop: Callable[[], bool] | None) -> Explanation:
    started = time.perf_counter()

    def say(message: str, fraction: float) -> None:
        if should_stop and should_stop():
            raise Cancelled("The explanation was stopped before it finished.")
        if progress:
            progress(message, fraction)

    say("opening the pipeline", 0.0)
    target = str(getattr(y, "name", None) or "target")
    try:
        prep = _prepare(pipeline, X)
    except Exception as exc:  # not a pipeline this module can open: permutation importance still can
        prep = _opaque(pipeline, X)
        reason = f"The pipeline could not be opened: {type(exc).__name__}: {_one_line(exc)}"
        return _fallback(pipeline, X, y, task, prep, _plan(len(X), row, seed, "agnostic"), budget, seed,
                         reason, started, X_holdout, y_holdout, identifier_columns, say)
    plan = _plan(len(X), row, seed, prep.kind)
    try:
        raw = _shap_values(prep, X, task, target, plan, 0.6 * budget, seed, say)
        if not raw.additivity.ok and prep.kind != "agnostic":  # the fast explainer misread the model
            prep.notes.append(f"{raw.runner.name} values did not add up to the model output (max error "
                              f"{raw.additivity.max_error:.3g}), so a model-agnostic explainer was used instead.")
            prep.kind, plan = "agnostic", _plan(len(X), row, seed, "agnostic")
            left = max(0.2 * budget, 0.6 * budget - (time.perf_counter() - started))
            raw = _shap_values(prep, X, task, target, plan, left, seed, say)
    except Cancelled:
        raise
    except Exception as exc:  # the explainer could not run: permutation importance instead
        reason = f"{_RUNNERS[prep.kind].name} failed: {type(exc).__name__}: {_one_line(exc)}"
        return _fallback(pipeline, X, y, task, prep, plan, budget, seed, reason, started,
                         X_holdout, y_holdout, identifier_columns, say)
    say("mapping features back to columns", 0.55)
    core = _summarise(raw, prep, X, task, target, plan, seed)
    say("checking against permutation importance", 0.65)
    left = max(0.1 * budget, 0.95 * budget - (time.perf_counter() - started))
    agreement = _agreement(pipeline, X, y, plan, X_holdout, y_holdout, core.importances, left, seed)
    if isinstance(agreement, str):
        core.notes.append(f"The permutation-importance check was skipped: {agreement}.")
    else:
        core.permutation = agreement
    core.findings = _findings(core, identifier_columns)
    core.budget, core.seconds = float(budget), round(time.perf_counter() - started, 3)
    say("done", 1.0)
    return core


def _check_args(X: Any, task: str, budget: float, row: int | None) -> None:
    if task not in TASKS:
        raise OptionError(f"The 'task' option must be one of {', '.join(TASKS)}. Got '{task}' instead.")
    if not (isinstance(budget, (int, float)) and budget > 0 and math.isfinite(budget)):
        raise OptionError(f"The 'budget' option must be a positive number of seconds. Got {budget} instead.")
    if len(X) == 0:
        raise OptionError("The table to explain has no rows.")
    if row is not None and not (0 <= row < len(X)):
        raise OptionError(f"The 'row' option must be a row position from 0 to {len(X) - 1}. Got {row} instead.")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")


@dataclass
class _Shap:
    """Raw results of one explainer run, before they are put into words."""

    out: _Output
    runner: Any
    Z: Any  # the explained rows, transformed
    values: Any  # (rows, features or columns, outputs)
    base: Any  # (outputs,)
    additivity: Additivity
    how: str


def _shap_values(prep: _Prepared, X: Any, task: str, target: str, plan: _Plan, budget: float,
                 seed: int, say: Callable[[str, float], None]) -> _Shap:
    """Everything that may fail for a reason of the model: it is what the fallback catches."""
    out = _output(prep, target)
    say("preparing the sampled rows", 0.05)
    Z_bg = prep.encode.transform(X.iloc[plan.background_idx]) if len(plan.background_idx) else None
    Z = prep.encode.transform(X.iloc[plan.explain_idx])
    runner = _RUNNERS[prep.kind](prep, out, Z_bg, seed)
    say(f"computing SHAP values ({runner.name})", 0.1)
    values, base, how = _explain_within_budget(runner, Z, budget, lambda: say("computing SHAP values", 0.4))
    Z = Z[:values.shape[0]]
    additivity = _additivity(values, base, out.fn(Z), out.space)
    return _Shap(out, runner, Z, values, base, additivity, how)


def _opaque(pipeline: Any, X: Any) -> _Prepared:
    """What the fallback needs of a pipeline that could not be opened: its name and the columns."""
    import numpy as np

    final = _flatten(pipeline)[-1]
    columns = [str(c) for c in X.columns]
    return _Prepared(None, final, type(final).__name__, "agnostic", columns, np.eye(len(columns)), columns,
                     {}, [], [], False)


def _summarise(raw: _Shap, prep: _Prepared, X: Any, task: str, target: str, plan: _Plan, seed: int) -> Explanation:
    """Per-column importances, directions, the row, in words; the values are kept for plots."""
    import numpy as np

    out, runner, Z, values, base, additivity, how = (raw.out, raw.runner, raw.Z, raw.values, raw.base,
                                                     raw.additivity, raw.how)
    n = values.shape[0]
    feature_values = values
    if runner.name != "KernelExplainer":
        values = np.einsum("nfk,fc->nck", values, prep.weights)
    X_exp = X.iloc[plan.explain_idx[:n]]
    row_expl = None
    if plan.row is not None:
        row_expl = _row_explanation(plan.row, X_exp.iloc[0], values[0], base, out, prep.columns)
    skip = 1 if row_expl is not None and n > 1 else 0  # the chosen row is not part of the random sample
    global_values, global_X = values[skip:], X_exp.iloc[skip:]
    per_feature = (feature_values[skip:], Z[skip:n]) if runner.name != "KernelExplainer" else None
    importances = _importances(global_values, global_X, prep, out, per_feature)
    n_bg, bg_how = runner.background
    multi = len(out.classes) > 1
    expl = Explanation(
        task=task, model=prep.name, method="shap", explainer=runner.name, output_space=out.space,
        output_label=out.label(out.classes[0]) if not multi else f"{out.space} of each class of {target}",
        n_rows=len(X), n_background=int(n_bg), background_method=bg_how, n_explained=int(global_values.shape[0]),
        explained_method=f"random sample of the table (seed {seed}); {how}",
        base_value=None if multi else float(base[0]),
        base_value_by_class={c: float(b) for c, b in zip(out.classes, base, strict=True)} if multi else {},
        classes=[str(c) for c in getattr(prep.model, "classes_", [])], importances=importances,
        unused_columns=prep.unused, row=row_expl, additivity=additivity, permutation=None, findings=[],
        fallback_reason=None, surrogate=None, notes=list(prep.notes), budget=0.0, seconds=0.0,
    )
    bundle = ShapValues(prep.columns, global_values[:, :, 0] if not multi else global_values,
                        _numeric_values(global_X, prep.columns), list(out.classes),
                        expl.output_label, base.copy())
    expl._values = bundle  # type: ignore[attr-defined]  # kept off the JSON fields on purpose
    return expl


def _additivity(values: Any, base: Any, output: Any, space: str) -> Additivity:
    import numpy as np

    total = values.sum(axis=1) + base[None, :]
    if output.shape[1] != total.shape[1]:  # binary probability: positive class only
        output = output[:, -total.shape[1]:]
    error = float(np.max(np.abs(total - output))) if total.size else 0.0
    scale = float(np.max(np.abs(output))) if output.size else 1.0
    tolerance = 1e-4 * max(1.0, scale)
    return Additivity(max_error=error, tolerance=tolerance, ok=error <= tolerance, output_space=space)


# ---------------------------------------------------------------- from numbers to words


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _value_text(value: Any) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return "(missing)"
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _column_kind(series: Any, column: str, prep: _Prepared) -> str:
    import pandas as pd

    if column in prep.text_features:
        return "text"
    if pd.api.types.is_bool_dtype(series):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    return "categorical"


def _as_numbers(series: Any) -> Any:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dtype, "tz", None) is not None:  # a zoned column (UTC offsets in the file): UTC times
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        stamps = series.astype("datetime64[ns]")
        numbers = stamps.astype("int64").astype(float)
        return np.where(stamps.isna().to_numpy(), np.nan, numbers)
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return pd.to_numeric(series, errors="coerce").astype(float).to_numpy()
    return np.full(len(series), np.nan)


def _numeric_values(X: Any, columns: list[str]) -> Any:
    import numpy as np

    if not columns:
        return np.empty((len(X), 0))
    return np.column_stack([_as_numbers(X[c]) for c in columns])


def _importances(values: Any, X: Any, prep: _Prepared, out: _Output, per_feature: Any | None) -> list[ColumnImportance]:
    """Mean |SHAP| per column (and per class), ranked, each with its direction in words."""
    import numpy as np

    by_class = np.abs(values).mean(axis=0) if len(values) else np.zeros(values.shape[1:])  # (columns, outputs)
    by_class[by_class < 1e-12] = 0.0  # rounding noise, e.g. of a constant model
    overall = by_class.mean(axis=1)
    total = float(overall.sum()) or 1.0
    multi = len(out.classes) > 1
    ranked = sorted(range(len(prep.columns)), key=lambda j: (-overall[j], prep.columns[j]))
    result = []
    for rank, j in enumerate(ranked, start=1):
        column = prep.columns[j]
        text, sign = _direction(column, X[column], values[:, j, :], by_class[j], prep, out, per_feature)
        result.append(ColumnImportance(
            column=column, importance=float(overall[j]),
            importance_by_class={c: float(v) for c, v in zip(out.classes, by_class[j], strict=True)} if multi else {},
            direction=text, sign=sign, rank=rank, share=float(overall[j]) / total,
        ))
    return result


def _direction(column: str, series: Any, contrib: Any, by_class: Any, prep: _Prepared, out: _Output,
               per_feature: Any | None) -> tuple[str, int]:
    """One sentence on how the column moves the output, and a sign for numeric columns."""
    import numpy as np

    if len(series) < 3:
        return "too few rows explained to tell a direction", 0
    if not np.any(contrib):
        return "no effect on the explained rows", 0
    k = int(np.argmax(by_class))  # multiclass: speak about the class this column matters most for
    label = out.label(out.classes[k])
    kind = _column_kind(series, column, prep)
    if kind == "text":
        if per_feature is None:
            return "free text: the model-agnostic explainer treats it as one column, so no terms are singled out", 0
        return _text_direction(prep, column, per_feature[0][:, :, k], per_feature[1], label), 0
    if kind == "categorical":
        return _category_direction(series, contrib[:, k], label), 0
    x = _as_numbers(series)
    if len(out.classes) > 1:
        return _multiclass_direction(x, contrib, out, kind), 0
    r = _corr(x, contrib[:, 0])
    higher = "later dates" if kind == "datetime" else "higher values"
    if r is None or abs(r) < DIRECTION_MIN_CORR:
        return "no single direction: the effect depends on the value or on other columns", 0
    return f"{higher} push {label} {'up' if r > 0 else 'down'}", 1 if r > 0 else -1


def _corr(x: Any, c: Any) -> float | None:
    import numpy as np

    keep = np.isfinite(x)
    if keep.sum() < 3 or np.std(x[keep]) == 0 or np.std(c[keep]) == 0:
        return None
    return float(np.corrcoef(x[keep], c[keep])[0, 1])


def _multiclass_direction(x: Any, contrib: Any, out: _Output, kind: str) -> str:
    corr = [_corr(x, contrib[:, k]) for k in range(contrib.shape[1])]
    toward = [f"'{c}'" for c, r in zip(out.classes, corr, strict=True) if r is not None and r >= DIRECTION_MIN_CORR]
    away = [f"'{c}'" for c, r in zip(out.classes, corr, strict=True) if r is not None and r <= -DIRECTION_MIN_CORR]
    higher = "later dates" if kind == "datetime" else "higher values"
    if not toward and not away:
        return "no single direction: the effect depends on the value or on other columns"
    parts = ([f"toward {', '.join(toward)}"] if toward else []) + ([f"away from {', '.join(away)}"] if away else [])
    return f"{higher} push {' and '.join(parts)}"


def _category_direction(series: Any, contrib: Any, label: str) -> str:
    import pandas as pd

    keys = series.astype(object).where(series.notna(), "(missing)").map(_value_text)
    stats = pd.Series(contrib, index=series.index).groupby(keys.to_numpy()).agg(["mean", "size"])
    means = stats[stats["size"] >= 2]["mean"].sort_values()
    if means.empty:
        return ""
    parts = []
    if means.iloc[-1] > 0:
        parts.append(f"'{means.index[-1]}' pushes {label} up most ({means.iloc[-1]:+.3g})")
    if means.iloc[0] < 0:
        parts.append(f"'{means.index[0]}' pushes it down most ({means.iloc[0]:+.3g})")
    return "; ".join(parts)


def _text_direction(prep: _Prepared, column: str, contrib: Any, Z: Any, label: str) -> str:
    """The terms that push most, each judged on the rows that contain it."""
    import numpy as np

    idx = np.asarray(prep.text_features[column])
    present = Z[:, idx] != 0
    if hasattr(present, "multiply"):
        counts = np.asarray(present.sum(axis=0)).ravel()
        sums = np.asarray(present.multiply(contrib[:, idx]).sum(axis=0)).ravel()
    else:
        counts, sums = present.sum(axis=0), (contrib[:, idx] * present).sum(axis=0)
    mean = np.where(counts >= 2, sums / np.maximum(counts, 1), 0.0)
    order = np.argsort(mean)
    terms = [prep.feature_names[i] for i in idx]
    up = [f"'{terms[i]}'" for i in order[::-1][:3] if mean[i] > 0]
    down = [f"'{terms[i]}'" for i in order[:3] if mean[i] < 0]
    parts = []
    if up:
        parts.append(f"{_terms(up)} {'push' if len(up) > 1 else 'pushes'} {label} up most")
    if down:
        parts.append(f"{_terms(down)} {'push' if len(down) > 1 else 'pushes'} it down most")
    return "; ".join(parts)


def _terms(quoted: list[str]) -> str:
    return ("terms " if len(quoted) > 1 else "term ") + ", ".join(quoted)


def _row_explanation(row: int, values_row: Any, contrib: Any, base: Any, out: _Output,
                     columns: list[str]) -> RowExplanation:
    """The top contributions for one row, in words, for the output it ends up highest on."""
    import numpy as np

    totals = base + contrib.sum(axis=0)
    k = int(np.argmax(totals)) if len(out.classes) > 1 else 0
    label = out.label(out.classes[k])
    order = sorted(range(len(columns)), key=lambda j: -abs(contrib[j, k]))
    top = [j for j in order[:ROW_TOP] if contrib[j, k] != 0]
    items = []
    for j in top:
        c = float(contrib[j, k])
        value = _value_text(values_row[columns[j]])
        text = f"{columns[j]} = {value} pushes {label} {'up' if c > 0 else 'down'} by {_fmt(abs(c))}"
        items.append(Contribution(columns[j], value, c, text))
    rest = float(sum(contrib[j, k] for j in order[ROW_TOP:]))
    summary = f"For row {row}, {label} is {_fmt(float(totals[k]))} against a base value of {_fmt(float(base[k]))}"
    summary += f"; the largest push: {items[0].text}." if items else "; no column moves it."
    return RowExplanation(row, label, float(base[k]), float(totals[k]), items, rest, summary)


# ---------------------------------------------------------------- permutation importance


def _agreement(pipeline: Any, X: Any, y: Any | None, plan: _Plan, X_holdout: Any | None, y_holdout: Any | None,
               importances: list[ColumnImportance] | None, budget: float, seed: int) -> PermutationAgreement | str:
    """Permutation importance on held-out rows, and its rank agreement with the SHAP ranking.

    Returns the reason instead when it cannot run (no target values, or too slow for the budget).
    """
    import numpy as np
    from sklearn.base import is_classifier
    from sklearn.inspection import permutation_importance

    held_out = X_holdout is not None and y_holdout is not None
    if X_holdout is not None and y_holdout is not None:
        Xh, yh, where = X_holdout, _series(y_holdout, X_holdout), "held-out rows"
    elif y is not None:
        spare = len(plan.holdout_idx) >= 200
        idx = plan.holdout_idx if spare else np.arange(len(X))
        Xh, yh = X.iloc[idx], _series(y, X).iloc[idx]
        where = (f"rows {'not used for SHAP' if spare else 'of the table'} "
                 "(no held-out rows were given: the model may have been fitted on them)")
    else:
        return "no target values were given"
    keep = yh.notna().to_numpy()
    Xh, yh = Xh[keep], yh[keep]
    rng = np.random.default_rng(seed)
    pick = rng.permutation(len(Xh))[:5000]
    columns = [str(c) for c in Xh.columns]
    n, repeats = _permutation_size(pipeline, Xh.iloc[pick[:100]], len(pick), len(columns), budget)
    if n == 0:
        return f"the model predicts too slowly to shuffle each column even once within {budget:.1f} s"
    Xs, ys = Xh.iloc[pick[:n]], yh.iloc[pick[:n]]
    # Log loss sees a shuffled column move probabilities even when no predicted label flips.
    scoring = "neg_log_loss" if is_classifier(pipeline) and hasattr(pipeline, "predict_proba") else None
    try:
        result = permutation_importance(pipeline, Xs, ys, scoring=scoring, n_repeats=repeats,
                                        random_state=seed, n_jobs=1)
    except ValueError:  # e.g. a class missing from the held-out rows: fall back to the default score
        scoring = None
        result = permutation_importance(pipeline, Xs, ys, n_repeats=repeats, random_state=seed, n_jobs=1)
    name = "log loss" if scoring else "accuracy" if is_classifier(pipeline) else "R²"
    perm = {c: float(v) for c, v in zip(columns, result.importances_mean, strict=True)}
    return _agreement_result(perm, importances, name, len(Xs), repeats, held_out, where)


def _permutation_size(pipeline: Any, probe: Any, available: int, n_columns: int, budget: float) -> tuple[int, int]:
    """Rows and repeats for permutation importance within ``budget``; (0, 0) when even 50 rows x 1 will not fit."""
    t0 = time.perf_counter()
    pipeline.predict(probe)
    per_row = max((time.perf_counter() - t0) / max(len(probe), 1), 1e-7)
    for repeats, least in ((5, 500), (3, 200), (1, 50)):
        n = min(available, int(budget / (per_row * (n_columns * repeats + 1))))
        if n >= min(least, available):
            return n, repeats
    return (0, 0) if budget / (per_row * (n_columns + 1)) < 25 else (min(available, 50), 1)


def _series(y: Any, X: Any) -> Any:
    import pandas as pd

    return y.reset_index(drop=True).set_axis(X.index) if isinstance(y, pd.Series) else pd.Series(y, index=X.index)


def _agreement_result(perm: dict[str, float], importances: list[ColumnImportance] | None, scoring: str,
                      n_rows: int, repeats: int, held_out: bool, where: str) -> PermutationAgreement:
    from scipy.stats import spearmanr

    columns = [i.column for i in importances] if importances else list(perm)
    perm = {c: perm.get(c, 0.0) for c in columns}
    ranking = sorted(columns, key=lambda c: (-perm[c], c))
    spearman, compared = None, _compared(perm, importances)
    if importances and len(compared) >= 3:
        shap_by_column = {i.column: i.importance for i in importances}
        with warnings.catch_warnings():  # constant input: the correlation is undefined, reported as None
            warnings.simplefilter("ignore")
            rho = spearmanr([shap_by_column[c] for c in compared], [perm[c] for c in compared]).statistic
        spearman = float(rho) if math.isfinite(rho) else None
    disagree = spearman is not None and spearman < DISAGREE_SPEARMAN
    over = f"over the {len(compared)} columns that matter to either"
    if importances is None:
        message = f"Permutation importance on {n_rows} {where}: how much worse the {scoring} gets when a column is shuffled."
    elif spearman is None:
        message = "Too few columns (or no variation) to compare the two rankings."
    elif disagree:
        message = (f"SHAP and permutation importance disagree strongly (Spearman {spearman:.2f} {over}): the model "
                   "may lean on correlated columns, or its SHAP values may not reflect held-out performance.")
    else:
        message = f"SHAP and permutation importance agree (Spearman {spearman:.2f} {over}) on {n_rows} {where}."
    return PermutationAgreement(spearman, disagree, ranking, perm, scoring, n_rows, repeats, held_out,
                                len(compared) if spearman is not None else 0, message)


def _compared(perm: dict[str, float], importances: list[ColumnImportance] | None) -> list[str]:
    """Columns with at least 1% of either method's total: the ranks of near-zero columns are noise."""
    if not importances:
        return []
    positive = sum(max(v, 0.0) for v in perm.values()) or 1.0
    picked = [i.column for i in importances if i.share >= 0.01 or max(perm[i.column], 0.0) / positive >= 0.01]
    return picked if len(picked) >= 3 else [i.column for i in importances]


def _fallback(pipeline: Any, X: Any, y: Any | None, task: str, prep: _Prepared, plan: _Plan, budget: float,
              seed: int, reason: str, started: float, X_holdout: Any | None, y_holdout: Any | None,
              identifier_columns: Sequence[str], say: Callable[[str, float], None]) -> Explanation:
    """Permutation importance as the explanation, saying why SHAP did not run."""
    say("SHAP failed: computing permutation importance instead", 0.5)
    remaining = max(0.2 * budget, 0.9 * budget - (time.perf_counter() - started))
    found = _agreement(pipeline, X, y, plan, X_holdout, y_holdout, None, remaining, seed)
    agreement = None if isinstance(found, str) else found
    notes = list(prep.notes)
    importances: list[ColumnImportance] = []
    if isinstance(found, str):
        notes.append(f"Permutation importance could not run either: {found}.")
    else:
        scores = {c: found.importances.get(c, 0.0) for c in prep.columns}
        total = sum(max(v, 0.0) for v in scores.values()) or 1.0
        for rank, c in enumerate(sorted(scores, key=lambda c: (-scores[c], c)), start=1):
            importances.append(ColumnImportance(c, scores[c], {}, "permutation importance gives no direction",
                                                0, rank, max(scores[c], 0.0) / total))
    scoring = agreement.scoring if agreement else "score"
    expl = Explanation(
        task=task, model=prep.name, method="permutation", explainer="permutation_importance",
        output_space=f"loss of {scoring}", output_label=f"how much worse the {scoring} gets when the column is shuffled",
        n_rows=len(X), n_background=0, background_method="none", n_explained=agreement.n_rows if agreement else 0,
        explained_method=agreement.message if agreement else "none", base_value=None, base_value_by_class={},
        classes=[str(c) for c in getattr(prep.model, "classes_", [])], importances=importances,
        unused_columns=prep.unused, row=None, additivity=None, permutation=agreement, findings=[],
        fallback_reason=reason, surrogate=None, notes=notes, budget=float(budget), seconds=0.0,
    )
    if plan.row is not None:
        notes.append("A per-row explanation needs SHAP values, so none is given for the requested row.")
    expl.findings = _findings(expl, identifier_columns)
    expl.seconds = round(time.perf_counter() - started, 3)
    say("done", 1.0)
    return expl


# ---------------------------------------------------------------- findings


def _finding(code: str, columns: list[str], message: str, advice: str) -> Finding:
    return Finding(code, CODES[code].severity, columns, message, advice)


def _findings(expl: Explanation, identifier_columns: Sequence[str]) -> list[Finding]:
    """What a reader should act on: leakage suspects, identifiers, ignored columns, disagreements."""
    found: list[Finding] = []
    imps = expl.importances
    what = "attribution" if expl.method == "shap" else "permutation importance"
    if len(imps) >= 2 and imps[0].share >= DOMINANT_SHARE and imps[0].importance >= DOMINANT_RATIO * max(imps[1].importance, 1e-12):
        found.append(_finding("dominant_feature", [imps[0].column],
                              f"'{imps[0].column}' carries {imps[0].share:.0%} of the model's {what}, "
                              f"{imps[0].importance / max(imps[1].importance, 1e-12):.1f}x the next column.",
                              "Check that it is known at prediction time and is not derived from the target."))
    ids = [i.column for i in imps[:IDENTIFIER_TOP] if i.column in set(identifier_columns) and i.share >= IGNORED_SHARE]
    if ids:
        found.append(_finding("identifier_in_top", ids,
                              f"Identifier column(s) {', '.join(ids)} rank among the top {IDENTIFIER_TOP} features.",
                              "Drop identifiers from the features; use them for grouped cross-validation instead."))
    ignored = [i.column for i in imps if i.share < IGNORED_SHARE] if len(imps) >= 2 else []
    if ignored:
        found.append(_finding("ignored_features", ignored,
                              f"The model gets almost nothing from {len(ignored)} column(s) "
                              f"(under {IGNORED_SHARE:.1%} of the {what} each).",
                              "Consider dropping them: a smaller model is cheaper and easier to explain."))
    if expl.permutation and expl.permutation.disagree:
        found.append(_finding("explainers_disagree", expl.permutation.ranking[:3], expl.permutation.message,
                              "Trust neither ranking alone: look for correlated columns and check held-out scores."))
    if expl.additivity and not expl.additivity.ok:
        found.append(_finding("additivity_failed", [],
                              f"Base value plus contributions misses the model output by up to "
                              f"{expl.additivity.max_error:.3g} (tolerance {expl.additivity.tolerance:.3g}).",
                              "Read the contributions as approximate."))
    if expl.fallback_reason:
        found.append(_finding("explainer_fallback", [], expl.fallback_reason,
                              "Permutation importance ranks columns but gives no direction or per-row view."))
    return found


# ---------------------------------------------------------------- clustering: a surrogate classifier


def explain_clusters(
    labels: Any,
    X: Any,
    *,
    budget: float = 30.0,
    seed: int = 0,
    identifier_columns: Sequence[str] = (),
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Explanation:
    """Explain cluster membership through a classifier trained to predict the cluster labels.

    The surrogate (gradient-boosted trees on ordinal-coded columns) is only as
    good as its fit: its cross-validated accuracy against the labels is
    reported, and a poor fit becomes a finding.
    """
    from threadpoolctl import threadpool_limits

    _check_args(X, "multiclass", budget, None)
    with threadpool_limits(limits=1, user_api="openmp"):  # see explain_pipeline
        return _explain_clusters(labels, X, budget, seed, identifier_columns, progress, should_stop)


def _explain_clusters(labels: Any, X: Any, budget: float, seed: int, identifier_columns: Sequence[str],
                      progress: Progress | None, should_stop: Callable[[], bool] | None) -> Explanation:
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import KFold, cross_val_score

    started = time.perf_counter()
    names = pd.Series([("noise" if str(v) == "-1" else f"cluster {v}") for v in np.asarray(labels)],
                      index=X.index, name="cluster")
    n_clusters = int(names.nunique())
    if n_clusters < 2:
        raise OptionError("Explaining clusters needs at least two clusters. Got 1 instead.")
    if progress:
        progress("fitting the surrogate classifier", 0.0)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(X), min(len(X), 20000), replace=False))
    Xs, ys = X.iloc[pick], names.iloc[pick]
    surrogate, dropped = _surrogate_pipeline(Xs, seed)
    t0 = time.perf_counter()
    cv = KFold(3, shuffle=True, random_state=seed)
    accuracy = float(np.mean(cross_val_score(surrogate, Xs, ys, cv=cv)))
    surrogate.fit(Xs, ys)
    spent = time.perf_counter() - t0
    task = "multiclass" if n_clusters > 2 else "binary"
    expl = explain_pipeline(surrogate, Xs, ys, task=task, budget=max(0.2 * budget, budget - spent), seed=seed,
                            identifier_columns=identifier_columns, progress=progress, should_stop=should_stop)
    faithful = accuracy >= SURROGATE_FAITHFUL
    message = (f"A {type(surrogate[-1]).__name__} predicts the cluster labels with {accuracy:.0%} cross-validated "
               f"accuracy on {len(Xs)} rows, so " + ("its explanation describes the clusters well."
                                                     if faithful else "its explanation describes the clusters only roughly."))
    expl.task = "clustering"
    expl.surrogate = Surrogate(type(surrogate[-1]).__name__, accuracy, n_clusters, len(Xs), faithful, message)
    expl.n_rows = len(X)
    if dropped:
        expl.notes.append(f"Left out of the surrogate (too many distinct values to code): {', '.join(dropped)}.")
    if not faithful:
        expl.findings.append(_finding("surrogate_unfaithful", [], message,
                                      "Read the ranking as a rough guide; a better-fitting surrogate needs more budget."))
    expl.seconds = round(time.perf_counter() - started, 3)
    return expl


def _surrogate_pipeline(X: Any, seed: int) -> tuple[Any, list[str]]:
    """Numbers pass through, low-cardinality categories are ordinal-coded, dates become numbers."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

    numeric, dates, categories, dropped = [], [], [], []
    for c in X.columns:
        s = X[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            dates.append(c)
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            numeric.append(c)
        elif s.nunique() <= max(50, 0.05 * len(s)):
            categories.append(c)
        else:
            dropped.append(str(c))
    parts: list[tuple[str, Any, list[Any]]] = [("numbers", "passthrough", numeric)]
    if dates:
        parts.append(("dates", FunctionTransformer(_dates_as_numbers, feature_names_out="one-to-one"), dates))
    if categories:
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2)
        parts.append(("categories", Pipeline([("text", FunctionTransformer(_as_text, feature_names_out="one-to-one")),
                                              ("codes", encoder)]), categories))
    prepare = ColumnTransformer(parts, remainder="drop", sparse_threshold=0)
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    return Pipeline([("prepare", prepare), ("model", model)]), dropped


def _dates_as_numbers(frame: Any) -> Any:
    import numpy as np

    return np.column_stack([_as_numbers(frame[c]) for c in frame.columns])


def _as_text(frame: Any) -> Any:
    return frame.astype(object).where(frame.notna(), "(missing)").astype(str)


# ---------------------------------------------------------------- plots


PLOT_NAMES = ("importance", "beeswarm")
_TOP_PLOTTED = 15
_UP, _DOWN, _NEUTRAL = "#d6604d", "#4393c3", "#8c8c8c"


def render_plots(explanation: Explanation, out_dir: Any, *, values: ShapValues | None = None,
                 formats: Sequence[str] = ("png", "svg")) -> list[str]:
    """Write the importance bar plot (and the beeswarm when values exist) to ``out_dir``; return the paths."""
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in _figures(explanation, values).items():
        for fmt in formats:
            path = out / f"{name}.{fmt}"
            path.write_bytes(_fig_bytes(fig, fmt))
            paths.append(str(path))
    return paths


def embedded_plots(explanation: Explanation, *, values: ShapValues | None = None, fmt: str = "svg") -> dict[str, str]:
    """The plots as self-contained HTML: inline ``<svg>`` or ``<img src="data:image/png;base64,...">``."""
    import base64

    result = {}
    for name, fig in _figures(explanation, values).items():
        data = _fig_bytes(fig, fmt)
        if fmt == "svg":
            text = data.decode("utf-8")
            result[name] = text[text.index("<svg"):]
        else:
            encoded = base64.b64encode(data).decode("ascii")
            result[name] = f'<img alt="{name} plot" src="data:image/{fmt};base64,{encoded}">'
    return result


def _fig_bytes(fig: Any, fmt: str) -> bytes:
    """Deterministic bytes: no date stamp, a fixed SVG id salt."""
    import io

    import matplotlib

    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt in ("svg", "pdf") else {"Software": None} if fmt == "png" else None
    with matplotlib.rc_context({"svg.hashsalt": "advisor", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata=metadata, dpi=110)
    return buffer.getvalue()


def _figures(explanation: Explanation, values: ShapValues | None) -> dict[str, Any]:
    values = values or shap_values(explanation)
    figures = {"importance": _bar_figure(explanation)}
    if values is not None and len(values.columns):
        figures["beeswarm"] = _beeswarm_figure(explanation, values)
    return figures


def _new_figure(n_rows: int) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 1.2 + 0.32 * max(n_rows, 1)))
    FigureCanvasAgg(fig)
    return fig


def _bar_figure(explanation: Explanation) -> Any:
    items = explanation.importances[:_TOP_PLOTTED][::-1]
    fig = _new_figure(len(items))
    ax = fig.add_subplot()
    labels = [i.column for i in items]
    classes = list(items[0].importance_by_class) if items and items[0].importance_by_class else []
    if classes:  # multiclass: one stacked segment per class, each worth its share of the mean
        left = [0.0] * len(items)
        for c in classes:
            widths = [i.importance_by_class[c] / len(classes) for i in items]
            ax.barh(labels, widths, left=left, label=c)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.legend(title="class", fontsize=8, loc="lower right")
    else:
        colours = [_UP if i.sign > 0 else _DOWN if i.sign < 0 else _NEUTRAL for i in items]
        ax.barh(labels, [i.importance for i in items], color=colours)
    unit = "mean |SHAP|" if explanation.method == "shap" else explanation.output_space
    ax.set_xlabel(f"{unit} ({explanation.output_space})" if explanation.method == "shap" else unit)
    ax.set_title(f"What drives {explanation.model}: {explanation.explainer}, {explanation.n_explained} rows", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _beeswarm_figure(explanation: Explanation, values: ShapValues) -> Any:
    import numpy as np

    contrib = np.asarray(values.values, dtype=float)
    if contrib.ndim == 3:  # multiclass: each row's contributions toward the class it scores highest on
        k = np.argmax(contrib.sum(axis=1) + np.asarray(values.base)[None, :], axis=1)
        contrib = contrib[np.arange(len(k)), :, k]
        xlabel = f"contribution toward each row's top class ({explanation.output_space})"
    else:
        xlabel = f"contribution to {values.output_label}"
    order = [values.columns.index(i.column) for i in explanation.importances[:_TOP_PLOTTED]
             if i.column in values.columns]
    fig = _new_figure(len(order))
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)
    for pos, j in enumerate(order[::-1]):
        x = contrib[:, j]
        colour = _normalised(values.feature_values[:, j])
        y = pos + _swarm_offsets(x, rng)
        known = np.isfinite(colour)
        ax.scatter(x[~known], y[~known], s=6, color=_NEUTRAL, alpha=0.6, linewidths=0)
        points = ax.scatter(x[known], y[known], s=6, c=colour[known], cmap="coolwarm", vmin=0, vmax=1,
                            alpha=0.8, linewidths=0)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_yticks(range(len(order)), [values.columns[j] for j in order[::-1]])
    ax.set_xlabel(xlabel)
    ax.set_title("Each dot is one row; colour is the column's value (grey: not a number)", fontsize=10)
    if order:
        bar = fig.colorbar(points, ax=ax, pad=0.01, aspect=40)
        bar.set_ticks([0, 1], labels=["low", "high"])
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _normalised(x: Any) -> Any:
    import numpy as np

    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return x
    lo, hi = np.percentile(finite, [5, 95])
    return np.clip((x - lo) / (hi - lo), 0, 1) if hi > lo else np.where(np.isfinite(x), 0.5, np.nan)


def _swarm_offsets(x: Any, rng: Any) -> Any:
    """Vertical spread that grows with the local density of points, like a beeswarm."""
    import numpy as np

    if x.size < 2 or np.ptp(x) == 0:
        return rng.uniform(-0.3, 0.3, x.size)
    bins = np.clip(((x - x.min()) / np.ptp(x) * 60).astype(int), 0, 59)
    counts = np.bincount(bins, minlength=60)
    spread = 0.4 * counts[bins] / counts.max()
    return rng.uniform(-1, 1, x.size) * spread
