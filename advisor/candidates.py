"""One scikit-learn ``Pipeline`` per candidate: the preparation the rules asked for, then the estimator.

A candidate's :class:`~advisor.ruletree.model.CandidateAdvice` lists its
preparation steps (from ``rules/preparation.yaml``) and the profile gives each
feature column's kind. :func:`plan_pipeline` turns both into a :class:`Plan`,
plain data naming every scikit-learn component and its parameters; the same
plan is materialized by :func:`build_pipeline` and written out as Python
source by :func:`pipeline_code`, so the code in a design doc is exactly the
pipeline that was measured.

Decisions the rule files leave open are made here, each for robustness on
real tables:

- every numeric column first goes through :func:`as_numbers` (numbers stored
  as text, pandas nullable dtypes and booleans become floats);
- every categorical column first goes through :func:`as_categories` (one
  string per value, missing kept missing, ``2007.0`` and ``2007`` the same);
- an estimator that cannot take NaN gets a median imputer on numeric and date
  parts even when the profile saw no missing value, so new rows with gaps
  still predict;
- date parts are scaled when the candidate scales its numeric columns;
- target-encoded columns are standardised after the encoder when the
  ``scale_encoded`` step asks (scale-sensitive families): the encoder's output
  is in the target's units;
- Multinomial/Complement naive Bayes need non-negative inputs, so their
  numeric columns are min-max scaled to [0, 1];
- estimators that need dense input (HistGradientBoosting, GaussianNB) get a
  dense matrix and at most 300 TF-IDF terms per text column.

scikit-learn and pandas are imported inside functions only.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.catalog import CATALOG, EstimatorInfo, get_estimator_info
from advisor.profile.model import CATEGORY_KINDS, DROPPED_KINDS, NUMERIC_KINDS
from advisor.ruletree.model import CandidateAdvice, PreparationStep

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from advisor.profile.model import Profile

DENSE_TEXT_FEATURES = 300
NONNEGATIVE = {"MultinomialNB", "ComplementNB"}
DENSE_ONLY = {"HistGradientBoostingClassifier", "HistGradientBoostingRegressor", "GaussianNB"}
INTERPRETABILITY_RANK = {"glass_box": 0, "partly": 1, "black_box": 2}
COST_RANK = {"cheap": 0, "moderate": 1, "expensive": 2}


# ---------------------------------------------------------------- column helpers (kept in fitted models)


def as_numbers(X: Any) -> np.ndarray:
    """Every column as float: text that is not a number, and missing values, become NaN."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(X)
    out = np.empty(frame.shape, dtype=float)
    for i, name in enumerate(frame.columns):
        col = frame[name]
        if col.dtype == bool:
            col = col.astype(float)
        out[:, i] = pd.to_numeric(col, errors="coerce").astype(float).to_numpy(na_value=np.nan)
    return out


def as_categories(X: Any) -> pd.DataFrame:
    """Every column as Python strings (object dtype) with missing values as NaN."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(X)
    out = {}
    for name in frame.columns:
        col = frame[name]
        missing = col.isna().to_numpy()
        values = col.astype(object).to_numpy()
        text = np.array([_category_text(v) for v in values], dtype=object)
        text[missing] = np.nan
        out[name] = text
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _category_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_text(X: Any) -> np.ndarray:
    """One text column as strings, missing values as empty text (TfidfVectorizer rejects NaN)."""
    import numpy as np
    import pandas as pd

    series = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else pd.Series(np.asarray(X, dtype=object).ravel())
    return series.astype(object).where(series.notna(), "").astype(str).to_numpy()


DATE_PARTS = ("year", "month", "day", "day_of_week", "hour")


def expand_datetime(X: Any) -> np.ndarray:
    """Each date column as year, month, day, day of week and hour (NaN when unparseable)."""
    import warnings

    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(X)
    parts = []
    for name in frame.columns:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamps = pd.to_datetime(frame[name], errors="coerce", utc=True)
        for part in DATE_PARTS:
            parts.append(getattr(stamps.dt, part).astype(float).to_numpy(na_value=np.nan))
    return np.column_stack(parts) if parts else np.empty((len(frame), 0))


def datetime_names(transformer: Any, input_features: Any) -> list[str]:
    """Output names of :func:`expand_datetime`: ``<column>_<part>``."""
    return [f"{name}_{part}" for name in input_features for part in DATE_PARTS]


HELPERS = {f.__name__: f for f in (as_numbers, as_categories, as_text, expand_datetime, datetime_names)}


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Ref:
    """A function or constant by import path (``numpy.log1p``, ``advisor.candidates.as_text``)."""

    path: str


@dataclass
class Part:
    """One scikit-learn object to build: its import path and keyword arguments."""

    path: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Branch:
    """One entry of the ColumnTransformer: a name, its steps (none means 'drop') and its columns."""

    name: str
    columns: list[str] | str
    steps: list[Part]


@dataclass
class Plan:
    """Everything needed to build (or write out) one candidate's pipeline."""

    name: str
    branches: list[Branch]
    sparse_threshold: float
    before: list[tuple[str, Part]]
    model: Part
    log_target: bool
    scale_target: bool = False
    notes: list[str] = field(default_factory=list)


def _step(steps: list[PreparationStep], step_id: str) -> PreparationStep | None:
    return next((s for s in steps if s.id == step_id), None)


def _columns_of(steps: list[PreparationStep], step_id: str) -> set[str]:
    step = _step(steps, step_id)
    return set(step.columns) if step else set()


def _params(step: PreparationStep | None, seed: int) -> dict[str, Any]:
    params = dict(step.params) if step else {}
    if "random_state" in params:
        params["random_state"] = seed
    return params


def _fn(name: str, **params: Any) -> Part:
    return Part("sklearn.preprocessing.FunctionTransformer", {"func": Ref(f"advisor.candidates.{name}"), **params})


def plan_pipeline(
    candidate: CandidateAdvice,
    columns: Mapping[str, str],
    task: str,
    *,
    seed: int = 0,
    target_min: float | None = None,
    params: Mapping[str, Any] | None = None,
) -> Plan:
    """Decide the pipeline for one candidate; ``columns`` maps each feature column to its kind.

    ``target_min`` is the smallest target value (regression): the log-target
    step is left out, with a note, when the target has values of -1 or less.
    ``params`` override the estimator's parameters (a clustering's ``n_clusters``).
    """
    info = get_estimator_info(candidate.name)
    steps = candidate.preparation
    dropped = _columns_of(steps, "drop_unusable") | {c for c, k in columns.items() if k in DROPPED_KINDS}
    kinds = {c: k for c, k in columns.items() if c not in dropped}
    branches = _categorical_branches(info, steps, kinds, seed, task)
    branches += _numeric_branches(info, steps, kinds, seed)
    branches += _datetime_branches(info, steps, kinds)
    branches += _text_branches(info, kinds)
    drop_cols = sorted(c for c in _columns_of(steps, "drop_unusable") if c in columns or c not in kinds)
    if drop_cols:
        branches.append(Branch("drop_unusable", drop_cols, []))
    plan = Plan(
        name=info.name,
        branches=branches,
        sparse_threshold=0.0 if info.name in DENSE_ONLY else 0.3,
        before=[(path.rpartition(".")[2].lower(), Part(path, _seeded(params, seed))) for path, params in info.steps_before],
        model=Part(info.import_path, {**_model_params(info, steps, task, seed, branches), **dict(params or {})}),
        log_target=False,
    )
    if _step(steps, "scale_target") and task == "regression":
        plan.scale_target = True
    if _step(steps, "log_target") and task == "regression":
        if target_min is not None and target_min <= -1:
            plan.notes.append("log_target left out: the target has values of -1 or less, where log1p is undefined")
        else:
            plan.log_target = True
    return plan


def _seeded(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    return {k: (seed if k == "random_state" else v) for k, v in params.items()}


def _model_params(
    info: EstimatorInfo, steps: list[PreparationStep], task: str, seed: int, branches: list[Branch]
) -> dict[str, Any]:
    params = _seeded(info.params, seed)
    if "random_state" not in params and _accepts(info, "random_state"):
        params["random_state"] = seed
    if _step(steps, "balance_classes") and info.supports_class_weight and task in ("binary", "multiclass"):
        params["class_weight"] = "balanced"
    if info.handles_categorical:
        native = [b for b in branches if b.name == "categorical_native"]
        width = len(native[0].columns) if native else 0
        params["categorical_features"] = list(range(width)) if width else None
    return params


def _accepts(info: EstimatorInfo, param: str) -> bool:
    module, _, attr = info.import_path.rpartition(".")
    cls = getattr(importlib.import_module(module), attr)
    return param in inspect.signature(cls).parameters


def _categorical_branches(
    info: EstimatorInfo, steps: list[PreparationStep], kinds: Mapping[str, str], seed: int, task: str
) -> list[Branch]:
    cats = [c for c, k in kinds.items() if k in CATEGORY_KINDS]
    imputed = _columns_of(steps, "impute_categorical")
    encoders = [
        ("categorical_native", "native_categorical", "sklearn.preprocessing.OrdinalEncoder"),
        ("categorical_onehot", "one_hot_encode", "sklearn.preprocessing.OneHotEncoder"),
        ("categorical_target", "target_encode", "sklearn.preprocessing.TargetEncoder"),
        ("categorical_capped", "one_hot_capped", "sklearn.preprocessing.OneHotEncoder"),
    ]
    claimed: set[str] = set()
    branches = []
    for name, step_id, path in encoders:
        step = _step(steps, step_id)
        chosen = [c for c in cats if step and c in step.columns and c not in claimed]
        claimed.update(chosen)
        if chosen:
            params = _params(step, seed)
            after = []
            if step_id == "target_encode":
                params = _target_encoder_params(params, task, seed)
                if set(chosen) & _columns_of(steps, "scale_encoded"):
                    after.append(Part("sklearn.preprocessing.StandardScaler"))
            branches.append(_category_branch(name, chosen, Part(path, params), imputed, steps, after))
    rest = [c for c in cats if c not in claimed]
    if rest:  # no encoding rule claimed them: a capped one-hot is safe for any estimator
        fallback = Part("sklearn.preprocessing.OneHotEncoder",
                        {"handle_unknown": "infrequent_if_exist", "max_categories": 20})
        branches.append(_category_branch("categorical_other", rest, fallback, imputed, steps))
    return branches


def _target_encoder_params(params: dict[str, Any], task: str, seed: int) -> dict[str, Any]:
    """scikit-learn 1.9 moved TargetEncoder's shuffling from ``random_state`` to a ``cv`` splitter."""
    import sklearn

    out = dict(params)
    if task == "regression":
        out["target_type"] = "continuous"  # 'auto' would read an integer target as classes
    major, minor = (int(x) for x in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 9) and "random_state" in out:
        out.pop("random_state")
        out.pop("shuffle", None)
        splitter = "KFold" if task == "regression" else "StratifiedKFold"
        out["cv"] = Part(f"sklearn.model_selection.{splitter}",
                         {"n_splits": 5, "shuffle": True, "random_state": seed})
    return out


def _category_branch(name: str, cols: list[str], encoder: Part, imputed: set[str],
                     steps: list[PreparationStep], after: list[Part] | None = None) -> Branch:
    parts = [_fn("as_categories", feature_names_out="one-to-one")]
    if imputed & set(cols):
        parts.append(Part("sklearn.impute.SimpleImputer", _params(_step(steps, "impute_categorical"), 0)))
    return Branch(name, cols, [*parts, encoder, *(after or [])])


def _numeric_branches(info: EstimatorInfo, steps: list[PreparationStep], kinds: Mapping[str, str],
                      seed: int = 0) -> list[Branch]:
    nums = [c for c, k in kinds.items() if k in NUMERIC_KINDS]
    groups: dict[tuple[bool, bool, bool], list[str]] = {}
    impute, skew, scale = (_columns_of(steps, s) for s in ("impute_numeric", "reduce_skew", "scale"))
    for col in nums:
        groups.setdefault((col in impute, col in skew, col in scale), []).append(col)
    branches = []
    for (imp, skw, scl), cols in groups.items():
        parts = [_fn("as_numbers", feature_names_out="one-to-one")]
        if imp:
            parts.append(Part("sklearn.impute.SimpleImputer", _params(_step(steps, "impute_numeric"), 0)))
        elif not info.handles_nan:
            parts.append(Part("sklearn.impute.SimpleImputer", {"strategy": "median"}))
        if skw:
            # Seeded: it fits on a random subsample of 10,000 rows, so unseeded it differs from run to run.
            parts.append(Part("sklearn.preprocessing.QuantileTransformer",
                              {**_params(_step(steps, "reduce_skew"), seed), "random_state": seed}))
        if scl:
            parts.append(Part("sklearn.preprocessing.StandardScaler"))
        if info.name in NONNEGATIVE:
            parts.append(Part("sklearn.preprocessing.MinMaxScaler", {"clip": True}))
        suffix = "_".join(n for n, on in (("imputed", imp), ("skewed", skw), ("scaled", scl)) if on)
        branches.append(Branch(f"numeric_{suffix}" if suffix else "numeric", cols, parts))
    return branches


def _datetime_branches(info: EstimatorInfo, steps: list[PreparationStep], kinds: Mapping[str, str]) -> list[Branch]:
    dates = [c for c, k in kinds.items() if k == "datetime"]
    if not dates:
        return []
    parts = [_fn("expand_datetime", feature_names_out=Ref("advisor.candidates.datetime_names"))]
    if not info.handles_nan:
        parts.append(Part("sklearn.impute.SimpleImputer", {"strategy": "median"}))
    if _step(steps, "scale"):
        parts.append(Part("sklearn.preprocessing.StandardScaler"))
    if info.name in NONNEGATIVE:
        parts.append(Part("sklearn.preprocessing.MinMaxScaler", {"clip": True}))
    return [Branch("datetime", dates, parts)]


def _text_branches(info: EstimatorInfo, kinds: Mapping[str, str]) -> list[Branch]:
    params: dict[str, Any] = {"sublinear_tf": True}
    if info.name in DENSE_ONLY:
        params["max_features"] = DENSE_TEXT_FEATURES
    return [
        Branch(f"text_{col}", col, [_fn("as_text"), Part("sklearn.feature_extraction.text.TfidfVectorizer", dict(params))])
        for col, kind in kinds.items()
        if kind == "text"
    ]


# ---------------------------------------------------------------- building


def _import(path: str) -> Any:
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _value(value: Any) -> Any:
    if isinstance(value, Ref):
        return _import(value.path)
    if isinstance(value, Part):
        return _make(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def _make(part: Part) -> Any:
    return _import(part.path)(**{k: _value(v) for k, v in part.params.items()})


def _branch_transformer(branch: Branch) -> Any:
    from sklearn.pipeline import make_pipeline

    if not branch.steps:
        return "drop"
    made = [_make(p) for p in branch.steps]
    return made[0] if len(made) == 1 else make_pipeline(*made)


def materialize(plan: Plan) -> Any:
    """Build the unfitted scikit-learn Pipeline a :class:`Plan` describes."""
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    prepare = ColumnTransformer(
        [(b.name, _branch_transformer(b), b.columns) for b in plan.branches],
        remainder="drop",
        sparse_threshold=plan.sparse_threshold,
    )
    model = _make(plan.model)
    if plan.log_target:
        import numpy as np

        model = TransformedTargetRegressor(regressor=model, func=np.log1p, inverse_func=np.expm1, check_inverse=False)
    elif plan.scale_target:
        from sklearn.preprocessing import StandardScaler

        model = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
    return Pipeline([("prepare", prepare), *[(n, _make(p)) for n, p in plan.before], ("model", model)])


def build_pipeline(
    candidate: CandidateAdvice,
    columns: Mapping[str, str],
    task: str,
    *,
    seed: int = 0,
    target_min: float | None = None,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """The unfitted ``Pipeline`` for one candidate (see :func:`plan_pipeline` for the arguments)."""
    return materialize(plan_pipeline(candidate, columns, task, seed=seed, target_min=target_min, params=params))


# ---------------------------------------------------------------- the code for design docs


def pipeline_code(
    candidate: CandidateAdvice,
    columns: Mapping[str, str],
    task: str,
    *,
    seed: int = 0,
    target_min: float | None = None,
    params: Mapping[str, Any] | None = None,
) -> str:
    """Self-contained Python source that rebuilds the candidate's pipeline as ``pipeline``."""
    plan = plan_pipeline(candidate, columns, task, seed=seed, target_min=target_min, params=params)
    return _Writer().write(plan, candidate)


class _Writer:
    def __init__(self) -> None:
        self.imports: dict[str, set[str]] = {}
        self.helpers: list[str] = []
        self.numpy = False

    def name(self, path: str) -> str:
        module, _, attr = path.rpartition(".")
        if module == "advisor.candidates":
            if attr not in self.helpers:
                self.helpers.append(attr)
            return attr
        if module == "numpy":
            self.numpy = True
            return f"np.{attr}"
        self.imports.setdefault(module, set()).add(attr)
        return attr

    def value(self, value: Any) -> str:
        if isinstance(value, Ref):
            return self.name(value.path)
        if isinstance(value, Part):
            return self.part(value)
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v) for v in value) + "]"
        return repr(value)

    def part(self, part: Part) -> str:
        args = ", ".join(f"{k}={self.value(v)}" for k, v in part.params.items())
        return f"{self.name(part.path)}({args})"

    def branch(self, branch: Branch) -> str:
        if not branch.steps:
            body = "'drop'"
        elif len(branch.steps) == 1:
            body = self.part(branch.steps[0])
        else:
            body = f"{self.name('sklearn.pipeline.make_pipeline')}({', '.join(self.part(p) for p in branch.steps)})"
        return f"        ({branch.name!r}, {body}, {branch.columns!r}),"

    def write(self, plan: Plan, candidate: CandidateAdvice) -> str:
        rows = [self.branch(b) for b in plan.branches]
        ct = self.name("sklearn.compose.ColumnTransformer")
        model = self.part(plan.model)
        if plan.log_target:
            ttr = self.name("sklearn.compose.TransformedTargetRegressor")
            model = f"{ttr}(regressor={model}, func=np.log1p, inverse_func=np.expm1, check_inverse=False)"
            self.numpy = True
        elif plan.scale_target:
            ttr = self.name("sklearn.compose.TransformedTargetRegressor")
            model = f"{ttr}(regressor={model}, transformer={self.name('sklearn.preprocessing.StandardScaler')}())"
        steps = ["    ('prepare', prepare),"]
        steps += [f"    ({n!r}, {self.part(p)})," for n, p in plan.before]
        steps.append(f"    ('model', {model}),")
        pipe = self.name("sklearn.pipeline.Pipeline")
        body = [
            "prepare = " + ct + "(",
            "    [",
            *rows,
            "    ],",
            "    remainder='drop',",
            f"    sparse_threshold={plan.sparse_threshold!r},",
            ")",
            f"pipeline = {pipe}([",
            *steps,
            "])",
        ]
        head = [f'"""Rebuild the {candidate.name} candidate measured by advisor."""', "", "from __future__ import annotations", ""]
        if self.helpers:  # the helper functions' annotations name these; a linter should find them defined
            head += ["from typing import Any", "", "import numpy as np", "import pandas as pd", ""]
        elif self.numpy:
            head.append("import numpy as np")
        head += [f"from {m} import {', '.join(sorted(names))}" for m, names in sorted(self.imports.items())]
        helpers = [inspect.getsource(HELPERS[h]).rstrip() for h in self._helpers_in_order()]
        if "expand_datetime" in self.helpers or "datetime_names" in self.helpers:
            helpers.insert(0, f"DATE_PARTS = {DATE_PARTS!r}")
        if "as_categories" in self.helpers:
            helpers.append(inspect.getsource(_category_text).rstrip())
        parts = ["\n".join(head)]
        parts += helpers
        parts.append("\n".join(body))
        return "\n\n\n".join(parts) + "\n"

    def _helpers_in_order(self) -> list[str]:
        return [h for h in HELPERS if h in self.helpers]


# ---------------------------------------------------------------- data, tags, refit


def candidate_tags(name: str) -> dict[str, str | bool]:
    """The catalog's registry tags for one candidate, as JSON-friendly values."""
    info = CATALOG[name]
    return {
        "family": info.family,
        "interpretability": info.interpretability,
        "cost": info.cost,
        "needs_scaling": info.needs_scaling,
        "handles_nan": info.handles_nan,
        "handles_categorical": info.handles_categorical,
        "partial_fit": info.partial_fit,
        "predict_proba": info.predict_proba,
        "supports_class_weight": info.supports_class_weight,
    }


def training_data(frame: pd.DataFrame, profile: Profile) -> tuple[pd.DataFrame, pd.Series]:
    """Features and target for learning: rows with a target value only, the target column removed.

    Other non-feature columns stay in ``X``: each pipeline's ColumnTransformer
    picks its columns by name and drops the rest.
    """
    from advisor.errors import TargetError

    if profile.target is None:
        raise TargetError("This step needs a target column; give one with --target.")
    target = profile.target.name
    if target not in frame.columns:
        raise TargetError(f"The target column '{target}' is not in the table.")
    rows = frame[frame[target].notna()].reset_index(drop=True)
    return rows.drop(columns=[target]), rows[target]


def target_minimum(y: pd.Series, task: str) -> float | None:
    """The smallest target value for regression (decides whether log1p is usable), else None."""
    if task != "regression":
        return None
    import pandas as pd

    return float(pd.to_numeric(y, errors="coerce").min())


def fit_candidate(frame: pd.DataFrame, profile: Profile, candidate: CandidateAdvice, *, seed: int = 0,
                  exclude: list[str] | None = None, params: Mapping[str, Any] | None = None) -> Any:
    """Refit one candidate on every row with a target value (the pick, before ``--save``).

    ``exclude`` names columns that must not be features (the ``--groups`` column);
    ``params`` override the estimator's defaults (the settings the light tuning chose).
    """
    X, y = training_data(frame, profile)
    kinds = {c: k for c, k in profile.feature_kinds().items() if c not in (exclude or [])}
    pipe = build_pipeline(candidate, kinds, profile.task, seed=seed,
                          target_min=target_minimum(y, profile.task), params=params)
    return pipe.fit(X, y)


def candidate_advice(name: str, profile: Profile, preparation: Any = None) -> CandidateAdvice:
    """A candidate outside the rule walk (a fixed shortlist, a test), prepared by the preparation rules.

    ``preparation`` is a :class:`~advisor.ruletree.model.PreparationFile`; the
    built-in ``rules/preparation.yaml`` by default.
    """
    from advisor.ruletree import load_rules
    from advisor.ruletree.prepare import normalize_findings, prepare

    info = get_estimator_info(name)
    rules = preparation if preparation is not None else load_rules(None).preparation
    steps = prepare(rules, info, profile.facts(), normalize_findings(profile.findings), profile.feature_kinds())
    return CandidateAdvice(
        name=name, origin="advisor", why="chosen directly, not by the rule walk", try_next=[],
        interpretability=info.interpretability, interpretability_reason=info.interpretability_reason,
        partial_fit=info.partial_fit, predict_proba=info.predict_proba, family=info.family, cost=info.cost,
        node_id="direct", preparation=steps,
    )
