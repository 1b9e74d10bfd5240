"""Data drift: does the current table still look like the reference (training) table?

Three views, each reported, none hidden:

* schema: columns added, removed, renamed-looking, or changed in kind or dtype;
* per column, a test suited to its kind: Kolmogorov-Smirnov and a normalised
  Wasserstein distance for numbers; chi-squared, Jensen-Shannon distance and
  PSI for categories; plus categories never seen in the reference, the change
  in the missing rate and values outside the reference range. p-values are
  adjusted for testing many columns (Benjamini-Hochberg), and *effect sizes*
  decide the severity, so a million rows do not flag every tiny shift;
* whole table: a classifier trained to tell reference rows from current rows.
  Its cross-validated ROC AUC is the drift score (0.5: indistinguishable) and
  its SHAP importances name the columns that give the new data away.

Severity levels and their thresholds are in ``DRIFT_THRESHOLDS`` (documented
in the README). The core never prints; ``progress(message, fraction)``
reports long work.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.profile.model import CATEGORY_KINDS, NUMERIC_KINDS
from advisor.profile.stats import clean_float

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from advisor.profile.model import Profile

LEVELS = ("none", "low", "medium", "high")
SHARED_ROWS_GROUPED = 10  # equal rows seen at most this often are kept in one fold of the domain classifier
ALPHA = 0.01  # family-wise false discovery rate for "the shift is real"

# effect -> (low, medium, high) lower bounds; a column is flagged only when its
# adjusted p-value is below ALPHA too (where the check has a test).
DRIFT_THRESHOLDS: dict[str, tuple[float, float, float]] = {
    "wasserstein_std": (0.1, 0.25, 0.5),   # Wasserstein distance / reference std
    "psi": (0.1, 0.25, 0.5),               # population stability index
    "unseen_share": (0.01, 0.05, 0.2),     # share of current rows in categories never seen
    "missing_change": (0.05, 0.15, 0.3),   # absolute change in the missing rate
    "out_of_range_share": (0.01, 0.05, 0.2),  # share of current values outside the reference range
    "domain_auc": (0.6, 0.7, 0.85),        # ROC AUC of the reference-vs-current classifier
    "prediction_shift": (0.1, 0.2, 0.3),   # total variation between predicted class shares, or |mean shift| / std
    "confidence_drop": (0.05, 0.1, 0.2),   # fall in the mean top-class probability
    "score_drop": (0.02, 0.05, 0.1),       # fall in the model's score when the current table has the target
}
MAX_TEST_ROWS = 200_000  # per side for the per-column tests; a seeded sample beyond that
DOMAIN_ROWS = 5_000  # per side for the domain classifier


@dataclass
class SchemaChange:
    change: str  # added | removed | renamed | kind_changed | dtype_changed
    column: str
    detail: str
    severity: str


@dataclass
class CheckResult:
    check: str  # ks_wasserstein | chi2_psi | unseen_categories | missing_rate | range
    statistic: float | None
    p_value: float | None
    p_adjusted: float | None
    effect: float | None
    effect_name: str
    severity: str
    detail: str


@dataclass
class ColumnDrift:
    column: str
    kind: str
    severity: str
    checks: list[CheckResult]


@dataclass
class DomainClassifier:
    status: str  # ok | skipped | failed
    auc: float | None
    auc_std: float | None
    severity: str
    top_columns: list[dict[str, float]] = field(default_factory=list)  # [{column: importance}] by mean |SHAP|
    importance_method: str = "shap"
    n_rows_each: int = 0
    reason: str | None = None


@dataclass
class ModelDrift:
    """What the drift means for a saved model: its inputs, its outputs, its confidence and its score."""

    candidate: str | None
    target: str | None
    task: str | None
    out_of_distribution_share: float
    prediction_shift: float | None
    prediction_shift_detail: str
    confidence_reference: float | None
    confidence_current: float | None
    score_name: str | None
    score_reference: float | None
    score_current: float | None
    severity: str
    notes: list[str] = field(default_factory=list)


@dataclass
class DriftSummary:
    severity: str
    n_columns_checked: int
    n_columns_drifted: int
    headline: str
    advice: list[str]


@dataclass
class DriftReport:
    reference: str
    current: str
    n_reference_rows: int
    n_current_rows: int
    schema: list[SchemaChange]
    columns: list[ColumnDrift]
    domain: DomainClassifier
    summary: DriftSummary
    thresholds: dict[str, list[float]]
    alpha: float
    seed: int
    model: ModelDrift | None = None
    advisor_version: str = ""
    schema_version: str = "1.0"
    timings: dict[str, float] = field(default_factory=dict)


def level(effect: float | None, name: str) -> str:
    """The severity of an effect size against its documented thresholds."""
    if effect is None or not math.isfinite(effect):
        return "none"
    low, medium, high = DRIFT_THRESHOLDS[name]
    if effect >= high:
        return "high"
    if effect >= medium:
        return "medium"
    return "low" if effect >= low else "none"


def worst(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index, default="none")


def compare_tables(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    ref_profile: Profile,
    *,
    reference_name: str = "reference",
    current_name: str = "current",
    seed: int = 0,
    domain_classifier: bool = True,
    progress: Callable[[str, float], None] | None = None,
) -> DriftReport:
    """Compare ``current`` with ``reference``; ``ref_profile`` gives each column's kind."""
    report = progress or (lambda m, f: None)
    kinds = {c.name: c.kind for c in ref_profile.columns}
    report("schema", 0.0)
    schema = schema_changes(reference, current, kinds)
    shared = [c for c in reference.columns if c in current.columns and kinds.get(c) not in ("identifier", "empty")]
    ref_s, cur_s = _sample(reference, seed), _sample(current, seed + 1)
    columns: list[ColumnDrift] = []
    for i, name in enumerate(shared):
        report(f"column {name}", 0.1 + 0.5 * i / max(len(shared), 1))
        columns.append(ColumnDrift(name, kinds[name], "none", column_checks(ref_s[name], cur_s[name], kinds[name])))
    _adjust_and_grade(columns)
    report("domain classifier", 0.6)
    feats = [c for c in shared if kinds[c] in NUMERIC_KINDS | CATEGORY_KINDS | {"datetime"}
             and c != (ref_profile.target.name if ref_profile.target else None)]
    domain = domain_check(ref_s, cur_s, feats, kinds, seed) if domain_classifier else DomainClassifier(
        "skipped", None, None, "none", reason="turned off")
    report("done", 1.0)
    return DriftReport(
        reference=reference_name, current=current_name, n_reference_rows=len(reference),
        n_current_rows=len(current), schema=schema, columns=columns, domain=domain,
        summary=summarise(schema, columns, domain),
        thresholds={k: list(v) for k, v in DRIFT_THRESHOLDS.items()}, alpha=ALPHA, seed=seed,
    )


def _sample(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    if len(frame) <= MAX_TEST_ROWS:
        return frame
    return frame.sample(n=MAX_TEST_ROWS, random_state=seed).sort_index()


# ---------------------------------------------------------------- schema


def schema_changes(reference: pd.DataFrame, current: pd.DataFrame, kinds: dict[str, str]) -> list[SchemaChange]:
    from advisor.profile import profile_frame

    out: list[SchemaChange] = []
    removed = [c for c in reference.columns if c not in current.columns]
    added = [c for c in current.columns if c not in reference.columns]
    renamed = _renamed(reference, current, removed, added)
    for old, new in renamed:
        out.append(SchemaChange("renamed", new, f"'{new}' looks like '{old}' renamed (same dtype and distribution)", "medium"))
    gone = {o for o, _ in renamed}
    came = {n for _, n in renamed}
    out += [SchemaChange("removed", c, f"'{c}' is missing from the current table", "high") for c in removed if c not in gone]
    out += [SchemaChange("added", c, f"'{c}' is new in the current table; a model trained on the reference ignores it", "low")
            for c in added if c not in came]
    shared = [c for c in reference.columns if c in current.columns]
    for c in shared:
        if str(reference[c].dtype) != str(current[c].dtype):
            out.append(SchemaChange("dtype_changed", c, f"dtype {reference[c].dtype} -> {current[c].dtype}", "medium"))
    if shared:
        cur_kinds = {col.name: col.kind for col in profile_frame(current[shared], no_target=True).columns}
        for c in shared:
            if kinds.get(c) and cur_kinds.get(c) and kinds[c] != cur_kinds[c] and "constant" not in (kinds[c], cur_kinds[c]):
                out.append(SchemaChange("kind_changed", c, f"kind {kinds[c]} -> {cur_kinds[c]}", "medium"))
    return out


def _renamed(reference: pd.DataFrame, current: pd.DataFrame, removed: list[str], added: list[str]) -> list[tuple[str, str]]:
    """Pairs (old, new) whose values look the same: same dtype and a near-identical distribution."""
    pairs = []
    used: set[str] = set()
    for old in removed:
        for new in added:
            if new in used or str(reference[old].dtype) != str(current[new].dtype):
                continue
            if _same_distribution(reference[old], current[new]):
                pairs.append((old, new))
                used.add(new)
                break
    return pairs


def _same_distribution(a: pd.Series, b: pd.Series) -> bool:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
        x, y = _finite(a), _finite(b)
        if len(x) < 5 or len(y) < 5:
            return False
        from scipy.stats import ks_2samp

        return bool(ks_2samp(x, y).statistic < 0.05)
    pa, pb = a.astype(str).value_counts(normalize=True), b.astype(str).value_counts(normalize=True)
    keys = pa.index.union(pb.index)
    return bool(np.abs(pa.reindex(keys, fill_value=0) - pb.reindex(keys, fill_value=0)).sum() / 2 < 0.05)


# ---------------------------------------------------------------- per column


def _finite(s: pd.Series) -> np.ndarray:
    import numpy as np

    arr = s.to_numpy(dtype="float64", na_value=np.nan)
    return arr[np.isfinite(arr)]


def column_checks(ref: pd.Series, cur: pd.Series, kind: str) -> list[CheckResult]:
    checks = [_missing_check(ref, cur)]
    if kind in NUMERIC_KINDS and _is_number(ref) and _is_number(cur):
        checks += _numeric_checks(ref, cur)
    elif kind in CATEGORY_KINDS or kind in NUMERIC_KINDS:
        checks += _categorical_checks(ref, cur)
    return [c for c in checks if c is not None]


def _is_number(s: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def _missing_check(ref: pd.Series, cur: pd.Series) -> CheckResult | None:
    from scipy.stats import norm

    p1, p2 = float(ref.isna().mean()), float(cur.isna().mean())
    n1, n2 = len(ref), len(cur)
    if n1 == 0 or n2 == 0:
        return None
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(max(pooled * (1 - pooled) * (1 / n1 + 1 / n2), 1e-300))
    z = (p2 - p1) / se if se > 0 else 0.0
    p = float(2 * norm.sf(abs(z))) if pooled not in (0.0, 1.0) else 1.0
    change = abs(p2 - p1)
    return CheckResult("missing_rate", clean_float(z, 4), clean_float(p, 4), None, clean_float(change, 4),
                       "missing_change", "none", f"missing {p1:.1%} -> {p2:.1%}")


def _numeric_checks(ref: pd.Series, cur: pd.Series) -> list[CheckResult]:
    import numpy as np
    from scipy.stats import ks_2samp, wasserstein_distance

    x, y = _finite(ref), _finite(cur)
    if len(x) < 2 or len(y) < 2:
        return []
    ks = ks_2samp(x, y)
    scale = float(np.std(x)) or float(np.subtract(*np.quantile(x, [0.75, 0.25]))) or 1.0
    w = float(wasserstein_distance(x, y)) / scale
    lo, hi = float(x.min()), float(x.max())
    outside = float(np.mean((y < lo) | (y > hi)))
    shift = float(np.mean(y) - np.mean(x)) / scale
    return [
        CheckResult("ks_wasserstein", clean_float(ks.statistic, 4), clean_float(ks.pvalue, 4), None, clean_float(w, 4),
                    "wasserstein_std", "none",
                    f"mean {np.mean(x):.4g} -> {np.mean(y):.4g} ({shift:+.2f} std); KS {ks.statistic:.3f}"),
        CheckResult("range", None, None, None, clean_float(outside, 4), "out_of_range_share", "none",
                    f"{outside:.1%} of current values outside the reference range [{lo:.4g}, {hi:.4g}]"),
    ]


def _categorical_checks(ref: pd.Series, cur: pd.Series) -> list[CheckResult]:
    import numpy as np
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2_contingency

    rc = ref.dropna().astype(str).value_counts()
    cc = cur.dropna().astype(str).value_counts()
    if rc.empty or cc.empty:
        return []
    keys = sorted(set(rc.index) | set(cc.index))
    r = rc.reindex(keys, fill_value=0).to_numpy(dtype=float)
    c = cc.reindex(keys, fill_value=0).to_numpy(dtype=float)
    pr, pc = r / r.sum(), c / c.sum()
    eps = 1e-4
    psi = float(np.sum((pc - pr) * np.log((pc + eps) / (pr + eps))))
    js = float(jensenshannon(pr, pc, base=2))
    p = None
    stat = None
    if len(keys) > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            chi = chi2_contingency(np.vstack([r, c]))
        stat, p = float(chi.statistic), float(chi.pvalue)
    unseen_keys = [k for k in cc.index if k not in rc.index]
    unseen = float(cc[unseen_keys].sum() / cc.sum()) if unseen_keys else 0.0
    moved = max(keys, key=lambda k: abs(pc[keys.index(k)] - pr[keys.index(k)]))
    i = keys.index(moved)
    out = [CheckResult("chi2_psi", clean_float(stat, 4), clean_float(p, 4), None, clean_float(psi, 4), "psi", "none",
                       f"PSI {psi:.3f}, Jensen-Shannon {js:.3f}; biggest move '{moved}' {pr[i]:.1%} -> {pc[i]:.1%}")]
    if unseen_keys:
        from advisor.text import listed

        shown = listed([f"'{k}'" for k in unseen_keys], 3)
        out.append(CheckResult("unseen_categories", float(len(unseen_keys)), None, None, clean_float(unseen, 4),
                               "unseen_share", "none", f"{unseen:.1%} of current rows hold categories never seen: {shown}"))
    return out


def _adjust_and_grade(columns: list[ColumnDrift]) -> None:
    """Benjamini-Hochberg over every tested check, then grade each check by its effect."""
    import numpy as np

    tested = [chk for col in columns for chk in col.checks if chk.p_value is not None]
    if tested:
        p = np.array([chk.p_value for chk in tested], dtype=float)
        order = np.argsort(p)
        m = len(p)
        adj = np.empty(m)
        running = 1.0
        for rank in range(m - 1, -1, -1):
            idx = order[rank]
            running = min(running, p[idx] * m / (rank + 1))
            adj[idx] = running
        for chk, a in zip(tested, adj, strict=True):
            chk.p_adjusted = clean_float(float(a), 4)
    for col in columns:
        for chk in col.checks:
            sev = level(chk.effect, chk.effect_name)
            if chk.p_value is not None and (chk.p_adjusted is None or chk.p_adjusted >= ALPHA):
                sev = "none"  # not distinguishable from chance, whatever its size
            chk.severity = sev
        col.severity = worst([chk.severity for chk in col.checks])


# ---------------------------------------------------------------- whole table


def domain_check(ref: pd.DataFrame, cur: pd.DataFrame, feats: list[str], kinds: dict[str, str], seed: int) -> DomainClassifier:
    """Cross-validated AUC of a classifier telling reference rows from current rows."""
    import numpy as np
    import pandas as pd

    if not feats:
        return DomainClassifier("skipped", None, None, "none", reason="no shared feature columns")
    n = min(len(ref), len(cur), DOMAIN_ROWS)
    if n < 20:
        return DomainClassifier("skipped", None, None, "none", reason=f"too few rows ({n}) on one side")
    a = ref[feats].sample(n=n, random_state=seed)
    b = cur[feats].sample(n=n, random_state=seed + 1)
    x = _encode_for_domain(pd.concat([a, b], ignore_index=True), kinds)
    y = np.r_[np.zeros(n), np.ones(n)]
    try:
        return _fit_domain(x, y, seed, n)
    except (ValueError, MemoryError) as exc:
        return DomainClassifier("failed", None, None, "none", n_rows_each=n, reason=" ".join(str(exc).split())[:200])


def _encode_for_domain(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    out = {}
    for name in frame.columns:
        s = frame[name]
        if kinds[name] in NUMERIC_KINDS and _is_number(s):
            out[name] = s.to_numpy(dtype="float64", na_value=np.nan)
        elif kinds[name] == "datetime":
            # UTC throughout: one table may carry UTC offsets and the other not (naive times are read as UTC)
            parsed = pd.to_datetime(s, errors="coerce", format="mixed", utc=True)
            out[name] = (parsed - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy(
                dtype="float64", na_value=np.nan)
        else:
            codes, _ = pd.factorize(s.astype(str).where(s.notna()), sort=True)
            out[name] = np.where(codes < 0, np.nan, codes).astype("float64")
    return pd.DataFrame(out)


def _fit_domain(x: pd.DataFrame, y: np.ndarray, seed: int, n: int) -> DomainClassifier:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_score

    model = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, random_state=seed)
    groups = _same_rows(x)
    if groups is None:
        cv: Any = StratifiedKFold(3, shuffle=True, random_state=seed)
    else:
        cv = StratifiedGroupKFold(3, shuffle=True, random_state=seed)
    scores = cross_val_score(model, x, y, groups=groups, cv=cv, scoring="roc_auc")
    auc = float(np.mean(scores))
    model.fit(x, y)
    top, method = _domain_importances(model, x, y, seed)
    return DomainClassifier("ok", clean_float(auc, 4), clean_float(float(np.std(scores)), 4),
                            level(auc, "domain_auc"), top, method, n)


def _same_rows(x: pd.DataFrame) -> np.ndarray | None:
    """Group numbers that put equal rows together, or None when every row is unlike the others.

    A row found in both tables (a table compared with itself, an export that
    repeats part of the last one) has a twin with the other label: in a training
    fold the twin teaches the classifier the opposite of the truth for the row,
    and the AUC falls far below 0.5. Rows repeated up to ``SHARED_ROWS_GROUPED``
    times are kept in one fold instead. A row seen more often than that is one of
    a few common patterns (a table of a couple of categories): the training folds'
    share of each label for it is then the estimate the classifier should learn,
    and grouping would leave it with patterns it has never seen.
    """
    import numpy as np
    import pandas as pd

    hashes = pd.util.hash_pandas_object(x, index=False).to_numpy()
    codes, uniques = pd.factorize(hashes)
    seen = np.bincount(codes)[codes]
    grouped = (seen > 1) & (seen <= SHARED_ROWS_GROUPED)
    if not grouped.any():
        return None
    return np.where(grouped, codes, len(uniques) + np.arange(len(x)))


def _domain_importances(model: Any, x: pd.DataFrame, y: np.ndarray, seed: int) -> tuple[list[dict[str, float]], str]:
    """Mean |SHAP| per column (TreeExplainer); permutation importance if SHAP fails."""
    import numpy as np

    sample = x.sample(n=min(len(x), 1000), random_state=seed)
    try:
        import shap

        values = np.asarray(shap.TreeExplainer(model).shap_values(sample))
        if values.ndim == 3:
            values = values[..., -1]
        imp = np.abs(values).mean(axis=0)
        method = "shap"
    except Exception:  # SHAP is optional here: fall back rather than lose the drift report
        from sklearn.inspection import permutation_importance

        imp = permutation_importance(model, x, y, scoring="roc_auc", n_repeats=3, random_state=seed).importances_mean
        method = "permutation"
    order = np.argsort(-imp, kind="stable")[:5]
    return [{str(x.columns[i]): clean_float(float(imp[i]), 4) or 0.0} for i in order if imp[i] > 0], method


# ---------------------------------------------------------------- summary


def summarise(schema: list[SchemaChange], columns: list[ColumnDrift], domain: DomainClassifier,
              model: ModelDrift | None = None) -> DriftSummary:
    drifted = [c for c in columns if c.severity != "none"]
    sev = worst([*(s.severity for s in schema), *(c.severity for c in columns), domain.severity,
                 model.severity if model else "none"])
    parts = []
    if domain.auc is not None:
        parts.append(f"a classifier tells the tables apart with ROC AUC {domain.auc:.2f} (0.5 = indistinguishable)")
    parts.append(f"{len(drifted)} of {len(columns)} columns drifted")
    if schema:
        parts.append(f"{len(schema)} schema {'change' if len(schema) == 1 else 'changes'}")
    advice = []
    if sev in ("medium", "high"):
        names = ", ".join(c.column for c in sorted(drifted, key=lambda c: -LEVELS.index(c.severity))[:5])
        advice.append(f"investigate the drifted columns first ({names}); if the change is real, retrain on recent data")
    if any(s.change == "removed" for s in schema):
        advice.append("a column the model needs is missing: predictions will fail or be imputed; fix the feed")
    if any(chk.check == "unseen_categories" and chk.severity != "none" for c in columns for chk in c.checks):
        advice.append("new categories appear: the encoder maps them to 'unknown'; retrain once they are common")
    if model is not None and model.severity != "none":
        advice.append(f"the model's view ({model.severity}): {model.prediction_shift_detail}; "
                      f"{model.out_of_distribution_share:.1%} of current rows fall outside what it was trained on")
    if sev == "none":
        advice.append("no drift above the thresholds: keep checking on each new batch")
    return DriftSummary(sev, len(columns), len(drifted), "; ".join(parts), advice)


# ---------------------------------------------------------------- the model's view


def model_drift(pipeline: Any, metadata: dict[str, Any], ref: pd.DataFrame, cur: pd.DataFrame,
                kinds: dict[str, str]) -> ModelDrift:
    """Out-of-distribution rows, shift in predictions, confidence and (with a target) the score."""
    import numpy as np

    target = metadata.get("target")
    task = metadata.get("task")
    features = [c for c in metadata.get("features", {}) if c in ref.columns and c in cur.columns]
    ood = _out_of_distribution_share(ref, cur, features, kinds)
    xr = ref.drop(columns=[target], errors="ignore")
    xc = cur.drop(columns=[target], errors="ignore")
    pr, pc = pipeline.predict(xr), pipeline.predict(xc)
    notes: list[str] = []
    if task in ("binary", "multiclass"):
        shift, detail = _class_share_shift(pr, pc)
    else:
        scale = float(np.std(pr)) or 1.0
        shift = abs(float(np.mean(pc)) - float(np.mean(pr))) / scale
        detail = f"mean prediction {np.mean(pr):.4g} -> {np.mean(pc):.4g} ({shift:.2f} std)"
    conf_r = conf_c = None
    if hasattr(pipeline, "predict_proba") and task in ("binary", "multiclass"):
        conf_r = clean_float(float(np.max(pipeline.predict_proba(xr), axis=1).mean()), 4)
        conf_c = clean_float(float(np.max(pipeline.predict_proba(xc), axis=1).mean()), 4)
    score_name, s_r, s_c = _score_change(pipeline, ref, cur, target, task, notes)
    levels = [level(ood, "out_of_range_share"), level(shift, "prediction_shift")]
    if conf_r is not None and conf_c is not None:
        levels.append(level(conf_r - conf_c, "confidence_drop"))
    if s_r is not None and s_c is not None:
        levels.append(level(s_r - s_c, "score_drop"))
    return ModelDrift(metadata.get("candidate"), target, task, clean_float(ood, 4) or 0.0, clean_float(shift, 4), detail,
                      conf_r, conf_c, score_name, s_r, s_c, worst(levels), notes)


def _out_of_distribution_share(ref: pd.DataFrame, cur: pd.DataFrame, features: list[str], kinds: dict[str, str]) -> float:
    """Share of current rows with a number outside the reference range or a category never seen."""
    import numpy as np

    outside = np.zeros(len(cur), dtype=bool)
    for name in features:
        if kinds.get(name) in NUMERIC_KINDS and _is_number(ref[name]) and _is_number(cur[name]):
            r = _finite(ref[name])
            if len(r):
                v = cur[name].to_numpy(dtype="float64", na_value=np.nan)
                outside |= (v < r.min()) | (v > r.max())
        elif kinds.get(name) in CATEGORY_KINDS:
            seen = set(ref[name].dropna().astype(str))
            outside |= cur[name].notna().to_numpy() & ~cur[name].astype(str).isin(seen).to_numpy()
    return float(outside.mean()) if len(cur) else 0.0


def _class_share_shift(pr: Any, pc: Any) -> tuple[float, str]:
    import pandas as pd

    a = pd.Series(pr).astype(str).value_counts(normalize=True)
    b = pd.Series(pc).astype(str).value_counts(normalize=True)
    keys = sorted(set(a.index) | set(b.index))
    a, b = a.reindex(keys, fill_value=0), b.reindex(keys, fill_value=0)
    tvd = float((a - b).abs().sum() / 2)
    moved = max(keys, key=lambda k: abs(a[k] - b[k]))
    return tvd, f"predicted share of '{moved}' {a[moved]:.1%} -> {b[moved]:.1%} (total variation {tvd:.3f})"


def _score_change(pipeline: Any, ref: pd.DataFrame, cur: pd.DataFrame, target: str | None, task: str | None,
                  notes: list[str]) -> tuple[str | None, float | None, float | None]:
    from sklearn.metrics import balanced_accuracy_score, r2_score

    if not target or target not in cur.columns or target not in ref.columns:
        notes.append("the current table has no target column: the model's score cannot be compared")
        return None, None, None
    scorer, name = (balanced_accuracy_score, "balanced_accuracy") if task in ("binary", "multiclass") else (r2_score, "r2")
    out = []
    for frame in (ref, cur):
        rows = frame[frame[target].notna()]
        y = rows[target].astype(str) if task in ("binary", "multiclass") else rows[target]
        pred = pipeline.predict(rows.drop(columns=[target]))
        out.append(clean_float(float(scorer(y, pred.astype(str) if task in ("binary", "multiclass") else pred)), 4))
    notes.append("the reference score is measured on the rows the model was trained on, so it is optimistic")
    return name, out[0], out[1]
