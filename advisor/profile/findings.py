"""Findings: each thing the profile noticed, with a stable code and concrete advice.

Every code is documented in ``CODES`` (rendered into the README by
``advisor findings``), and every check below is a small function of the
profile's parts. All checks run; none stops the others.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from advisor.profile.config import Thresholds
from advisor.profile.model import CATEGORY_KINDS, NUMERIC_KINDS, ColumnProfile, Finding, Profile
from advisor.text import listed, pct


@dataclass(frozen=True)
class CodeDoc:
    code: str
    severity: str
    meaning: str


CODES: dict[str, CodeDoc] = {
    d.code: d
    for d in [
        CodeDoc("too_few_rows", "critical", "50 usable rows or fewer: the map's first answer is 'get more data' "
                "(a warning when clustering, info when just looking)."),
        CodeDoc("few_rows_per_feature", "warning", "Fewer than 10 rows per feature: regularise strongly or reduce dimensions."),
        CodeDoc("target_missing", "warning", "Some rows have no target value: they cannot be used for training."),
        CodeDoc("class_imbalance", "warning", "The majority class outnumbers the minority by 3x or more (critical from 20x)."),
        CodeDoc("rare_classes", "warning", "A class has fewer rows than the cross-validation folds need."),
        CodeDoc("target_skewed", "info", "A regression target with heavy skew: model its logarithm."),
        CodeDoc("target_leakage", "critical", "A column predicts the target almost perfectly on its own (warning below a score of 0.98), or 2-3 columns rebuild it in a linear fit."),
        CodeDoc("missing_values", "warning", "Feature columns with missing values: impute, or use a model that handles them (info while every column misses under 5%)."),
        CodeDoc("mostly_missing_column", "warning", "A column is at least 95% missing: drop it or keep only a missing flag."),
        CodeDoc("constant_column", "info", "A column with one value (or nearly): it carries no signal."),
        CodeDoc("near_constant_column", "info", "A column where 99.5% of rows share one value."),
        CodeDoc("identifier_column", "warning", "An identifier: drop it from the features, or use it for grouped CV."),
        CodeDoc("panel_data", "warning", "One row per entity and period (a person per year): random folds put an entity in both training and test."),
        CodeDoc("duplicate_rows", "warning", "Rows that repeat an earlier row exactly: copies inflate CV scores (info under 1% of rows)."),
        CodeDoc("duplicate_columns", "warning", "Columns that are exact copies of another column."),
        CodeDoc("high_cardinality", "warning", "A categorical column with more levels than one-hot encoding handles well."),
        CodeDoc("integer_code", "info", "Integers with few values, named like a category or with counts that rise and fall across them: possibly categories stored as numbers."),
        CodeDoc("datetime_column", "info", "Dates: expand into parts (year, month, weekday, hour) or elapsed time."),
        CodeDoc("free_text", "info", "Free text: vectorise it (TF-IDF) or embed it."),
        CodeDoc("long_text", "info", "Long free text: pretrained text embeddings usually beat TF-IDF."),
        CodeDoc("media_paths", "info", "Paths to images or audio: pretrained networks, not a tabular model on file names."),
        CodeDoc("skewed_feature", "info", "A numeric feature with heavy skew: log or quantile transform for linear and distance models."),
        CodeDoc("outliers", "info", "More than 1% of values lie beyond 3 IQR from the quartiles."),
        CodeDoc("scaling_needed", "info", "Numeric features on very different scales (standard deviations 10x apart or more): standardise for distance and gradient models."),
        CodeDoc("suspicious_zeros", "warning", "Zeros in a column that is otherwise strictly positive: they may stand for missing."),
        CodeDoc("sentinel_values", "warning", "Values such as 99, 999 or -1 set far apart from the rest of a column: missing-value codes to replace with NaN."),
        CodeDoc("nonlinear_feature", "info", "A column whose relation to the target is not monotonic: binning or splines help linear models."),
        CodeDoc("correlated_features", "info", "A few feature pairs with a Spearman correlation (either sign) or Cramér's V of 0.9 or more."),
        CodeDoc("many_correlated_features", "warning", "Five or more such pairs (listed here instead): reduce dimensions (PCA) or regularise."),
        CodeDoc("no_target", "info", "No target: the task is unsupervised (clustering or dimensionality reduction)."),
        CodeDoc("sampled", "info", "The profile was computed on a sample of the file's rows."),
    ]
}


def _cols(cols: list[ColumnProfile]) -> list[str]:
    return [c.name for c in cols]


def _names(cols: list[str], n: int = 4) -> str:
    return listed([f"'{c}'" for c in cols], n)


def _v(items: list, one: str, many: str) -> str:
    """The verb or noun that agrees with the number of items."""
    return _n(len(items), one, many)


def _n(count: int, one: str, many: str) -> str:
    """The verb or noun that agrees with a count."""
    return one if count == 1 else many


def _f(code: str, columns: list[str], message: str, advice: str, severity: str | None = None) -> Finding:
    return Finding(code, severity or CODES[code].severity, columns, message, advice)


Check = Callable[[Profile, Thresholds, dict], list[Finding]]


def check_rows(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    out = []
    facts_rows = extra["n_samples"]
    if facts_rows <= th.too_few_rows:  # the map's ">50 samples?": 50 -> get more data, 51 -> go on
        out.append(_too_few_rows(p.task, facts_rows, th.too_few_rows))
    n_feat = len(p.features)
    if n_feat and facts_rows > th.too_few_rows and facts_rows / n_feat < th.few_rows_per_feature:
        out.append(_f("few_rows_per_feature", [], f"{facts_rows} rows for {n_feat} features ({facts_rows / n_feat:.1f} per feature)",
                      "regularise (Ridge, Lasso, LogisticRegression with C<1) or reduce dimensions (PCA) before "
                      "flexible models; prefer fewer, stronger features"))
    if p.table.is_sample:
        out.append(_f("sampled", [], f"statistics come from {p.table.n_rows:,} sampled rows of {p.table.n_rows_in_file:,}",
                      "counts and shares are estimates from the sample; profile the whole file when it fits in memory"))
    return out


def _too_few_rows(task: str, rows: int, limit: int) -> Finding:
    """What few rows mean depends on the task: noisy scores when learning a target, fragile groups when
    clustering, little at all when only looking."""
    message = f"only {rows} usable rows"
    if task == "clustering":
        return _f("too_few_rows", [], message,
                  f"with {limit} rows or fewer, clusters are hard to tell from noise: prefer few clusters and "
                  "the simplest models (KMeans, GaussianMixture), check that they hold across seeds and numbers "
                  "of clusters, and treat them as a first look rather than a segmentation", "warning")
    if task == "dimensionality_reduction":
        return _f("too_few_rows", [], message,
                  "enough for a first look: PCA works on few rows, but only its first components are stable; "
                  "neighbourhood embeddings (Isomap, LLE, spectral) need more rows than this", "info")
    return _f("too_few_rows", [], message,
              f"get more data: with {limit} rows or fewer any model choice is mostly noise; prefer a simple, "
              "strongly regularised model (Ridge, LogisticRegression) and leave-one-out or repeated CV")


def check_target(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    t = p.target
    if t is None:
        return [_f("no_target", [], "no target column: " + p.task_reason,
                   "unsupervised task: clustering (KMeans, GaussianMixture, HDBSCAN) or dimensionality reduction (PCA); "
                   "pass --target COLUMN if one of the columns is what you want to predict")]
    out = []
    if t.n_missing:
        share = t.n_missing / p.table.n_rows
        out.append(_f("target_missing", [t.name], f"{t.n_missing:,} {'row' if t.n_missing == 1 else 'rows'} ({pct(share)}) {'has' if t.n_missing == 1 else 'have'} no value in '{t.name}'",
                      "drop these rows for training (they can be scored by the model later); do not impute a target"))
    if t.imbalance_ratio and t.imbalance_ratio >= th.imbalance_ratio:
        sev = "critical" if t.imbalance_ratio >= th.severe_imbalance_ratio else "warning"
        minority = t.classes[-1].label if t.classes else "?"
        out.append(_f("class_imbalance", [t.name],
                      f"the majority class outnumbers the minority '{minority}' {t.imbalance_ratio:.1f} to 1 "
                      f"(minority share {t.minority_share:.1%})",
                      "use StratifiedKFold, score with balanced_accuracy or average_precision rather than accuracy, "
                      "and set class_weight='balanced'; resample only inside the CV folds", sev))
    rare = [c.label for c in t.classes if c.count < 5]
    if rare:
        out.append(_f("rare_classes", [t.name], f"classes with fewer than 5 rows: {_names(rare)}",
                      "merge rare classes or collect more examples: stratified 5-fold CV needs 5 rows per class"))
    if t.numeric and t.task == "regression" and t.numeric.skew is not None and abs(t.numeric.skew) >= th.target_skew:
        positive = (t.numeric.min or 0) >= 0
        how = "TransformedTargetRegressor(func=np.log1p, inverse_func=np.expm1)" if positive else \
            "TransformedTargetRegressor with QuantileTransformer(output_distribution='normal')"
        out.append(_f("target_skewed", [t.name], f"the target's skew is {t.numeric.skew:.2f}",
                      f"fit on a transformed target: {how}; report errors on the original scale (MAE, RMSE)"))
    return out


def check_leakage(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    out = []
    together = set()
    for j in p.joint_leakage:
        together |= set(j.columns)
        alone = listed([f"'{c}' {a:.3f}" for c, a in zip(j.columns, j.alone, strict=True)], len(j.columns))
        drops = " ".join(f"--drop {shlex.quote(c)}" for c in j.columns)
        names = " + ".join(f"'{c}'" for c in j.columns)
        out.append(_f("target_leakage", list(j.columns),
                      f"{names} together reconstruct the target: a linear fit on "
                      f"them reaches {j.metric} {j.score:.3f} on held-out rows (alone: {alone})",
                      "the target is a linear combination of these columns (a sum or a mean of its parts?): unless "
                      f"they are known at prediction time, drop them before training ({drops})",
                      "critical"))
    out += [
        _f("target_leakage", [s.column],
           f"'{s.column}' alone predicts the target with {s.metric} {s.score:.3f} (chance {s.baseline:.2f})",
           "check whether this column is known at prediction time; if it is derived from the target or recorded "
           "after the outcome, drop it before training",
           "critical" if s.score >= th.leakage_certain else "warning")
        for s in p.leakage if s.column not in together
    ]
    return out


def check_columns(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    feats = p.features
    by_kind: dict[str, list[ColumnProfile]] = {}
    for c in p.columns:
        if c.role != "target":
            by_kind.setdefault(c.kind, []).append(c)
    out = []
    missing = [c for c in feats if c.n_missing]
    if missing:
        worst = max(missing, key=lambda c: c.missing_share)
        few = f"{worst.n_missing:,} {_n(worst.n_missing, 'value', 'values')}, " if worst.missing_share < 0.001 else ""
        out.append(_f("missing_values", _cols(missing),
                      f"{len(missing)} feature {_v(missing, 'column has', 'columns have')} missing values (worst: '{worst.name}', {few}{pct(worst.missing_share)})",
                      "impute inside the pipeline: SimpleImputer(strategy='median') for numbers, 'most_frequent' for "
                      "categories, with add_indicator=True when missingness may carry signal; "
                      "HistGradientBoosting handles missing values natively",
                      "warning" if worst.missing_share >= th.missing_warning else "info"))
    if by_kind.get("empty"):
        out.append(_f("mostly_missing_column", _cols(by_kind["empty"]),
                      f"{_names(_cols(by_kind['empty']))} {_v(by_kind['empty'], 'is', 'are')} at least {th.mostly_missing:.0%} missing",
                      "drop them, or keep only a was-missing flag (MissingIndicator) if the absence itself is informative"))
    if by_kind.get("constant"):
        out.append(_f("constant_column", _cols(by_kind["constant"]), f"{_names(_cols(by_kind['constant']))} {_v(by_kind['constant'], 'holds', 'hold')} a single value",
                      "drop them (VarianceThreshold does it inside a pipeline)"))
    near = [c for c in feats if c.top_values and c.top_values[0].share >= th.near_constant_top_share]
    if near:
        out.append(_f("near_constant_column", _cols(near), f"{_names(_cols(near))}: over {th.near_constant_top_share:.1%} of rows share one value",
                      "keep them only if the rare values matter (a fraud flag may); otherwise drop them"))
    if by_kind.get("identifier"):
        out.append(_identifiers(p, th, by_kind["identifier"], extra.get("panel")))
    return out + _check_kinds(p, th, feats)


def _identifiers(p: Profile, th: Thresholds, cols: list[ColumnProfile], panel: object) -> Finding:
    """Identifiers, with what the profile saw of their repeats: an id whose rows come back (a household's
    purchases) must be a CV group; an id seen once per row is only to be dropped. The second part of a
    two-column key repeats too, but grouping by it (person 1 of every family) means nothing."""
    from advisor.profile.kinds import KEY_PART

    ids = _cols(cols)
    rows = p.table.n_rows_in_file if p.scan is not None else p.table.n_rows
    message = f"{_names(ids)} {_v(ids, 'looks like an identifier', 'look like identifiers')}"
    advice = f"drop {_v(ids, 'it', 'them')} from the features"
    present = {c.name: rows * (1.0 - c.missing_share) for c in cols}
    parts = {c.name for c in cols if c.kind_reason.endswith(KEY_PART)}
    grouped = [c for c in cols if c.n_distinct and present[c.name] / c.n_distinct >= th.group_rows_per_id
               and c.name not in parts]
    if grouped:
        c = max(grouped, key=lambda c: (present[c.name] / c.n_distinct, c.name))
        most = f", up to {c.top_values[0].count:,}" if c.top_values and c.top_values[0].count > 1 else ""
        message += (f"; '{c.name}' repeats: {c.n_distinct:,} values over {present[c.name]:,.0f} rows, "
                    f"{present[c.name] / c.n_distinct:,.1f} rows each on average{most}")
        entity = getattr(panel, "entity", None)
        advice += (f"; rows are grouped by '{c.name}'{' (see panel_data)' if entity == c.name else ''}, so validate "
                   f"with --groups {shlex.quote(c.name)}: GroupKFold keeps each value's rows in one fold, where random "
                   "folds would score the model on rows of ids it has already seen")
    elif repeating := [c for c in cols if c.n_distinct < present[c.name] and c.name not in parts]:
        c = max(repeating, key=lambda c: (present[c.name] - c.n_distinct, c.name))
        again = present[c.name] - c.n_distinct
        share = again / max(present[c.name], 1)
        repeated = f"{again:,.0f} {'row repeats' if round(again) == 1 else 'rows repeat'} an earlier value"
        if share >= th.group_repeat_share:  # a family's number on each member's row: not a few
            advice += (f"; values of '{c.name}' come back on many rows ({repeated}, {share:.0%}): rows sharing one are "
                       f"likely the same entity, so validate with --groups {shlex.quote(c.name)} (GroupKFold keeps "
                       "them in one fold; random folds would score the model on ids it has already seen)")
        else:
            advice += (f"; a few values of '{c.name}' come back ({repeated}): if their rows are the same entity, "
                       f"validate with --groups {shlex.quote(c.name)} so GroupKFold keeps them in one fold")
    else:
        advice += f": every value appears once, so a model could only memorise {_v(ids, 'it', 'them')}"
    return _f("identifier_column", ids, message, advice)


def _check_kinds(p: Profile, th: Thresholds, feats: list[ColumnProfile]) -> list[Finding]:
    out = []
    high = [c for c in feats if c.kind == "categorical" and c.n_distinct > th.one_hot_max_levels]
    if high:
        out.append(_f("high_cardinality", _cols(high),
                      f"{_names([f'{c.name} ({c.n_distinct:,} levels)' for c in high])} {_v(high, 'has', 'have')} more than {th.one_hot_max_levels} levels",
                      "use TargetEncoder (cross-fitted, no leakage) or OneHotEncoder(max_categories=20, handle_unknown='infrequent_if_exist'); "
                      "HistGradientBoosting can take them as native categoricals"))
    codes = [c for c in feats if c.kind == "code" and c.n_distinct > 2]
    if codes:
        out.append(_f("integer_code", _cols(codes), f"{_names(_cols(codes))} {_v(codes, 'holds', 'hold')} few distinct integers that "
                      "look like labels (named like a category, or counts that rise and fall across the values)",
                      "if the numbers are labels (a region code, a product type) rather than amounts, encode them with "
                      "OneHotEncoder, or pass --kind COL=categorical"))
    dts = [c for c in feats if c.kind == "datetime"]
    if dts:
        out.append(_f("datetime_column", _cols(dts), f"{_names(_cols(dts))} {_v(dts, 'holds', 'hold')} dates",
                      "expand into year, month, day of week and hour (a FunctionTransformer), or days since a reference; "
                      "if rows are ordered in time, validate with TimeSeriesSplit (--time COL)"))
    texts = [c for c in feats if c.kind == "text"]
    if texts:
        out.append(_f("free_text", _cols(texts), f"{_names(_cols(texts))} {_v(texts, 'holds', 'hold')} free text",
                      "vectorise with TfidfVectorizer (word or char n-grams) inside a ColumnTransformer; linear models "
                      "and naive Bayes work well on the result"))
    long = [c for c in texts if c.text and c.text.mean_length > th.long_text_chars]
    if long:
        out.append(_f("long_text", _cols(long), f"{_names(_cols(long))} {_v(long, 'averages', 'average')} over {th.long_text_chars:.0f} characters",
                      "pretrained text embeddings (a sentence-transformer) usually beat TF-IDF trained from scratch; "
                      "feed the embeddings to a linear model or gradient boosting"))
    media = [c for c in p.columns if c.media]
    if media:
        out.append(_f("media_paths", _cols(media), f"{_names(_cols(media))} {_v(media, 'holds', 'hold')} paths to {media[0].media} files",
                      "the signal is in the files, not their names: use a pretrained network (an image or audio model) "
                      "to embed them, then a tabular model on the embeddings"))
    return out + _check_numbers(p, th, feats)


def _check_numbers(p: Profile, th: Thresholds, feats: list[ColumnProfile]) -> list[Finding]:
    out = []
    coded = [c for c in p.columns if c.role != "dropped" and c.numeric and c.numeric.sentinels]
    if coded:
        out.append(_sentinels(coded))
    nums = [c for c in feats if c.kind in ("numeric", "count") and c.numeric]
    # A column's codes (99 among 0-10) make its skew and outliers: those findings wait until they are NaN.
    shaped = [c for c in nums if c.numeric and not c.numeric.sentinels]
    skewed = [c for c in shaped if c.numeric and c.numeric.skew is not None and abs(c.numeric.skew) >= th.skew_heavy]
    if skewed:
        out.append(_f("skewed_feature", _cols(skewed), f"{_names(_cols(skewed))} {_v(skewed, 'has', 'have')} |skew| of {th.skew_heavy:g} or more",
                      "for linear, SVM and kNN models apply np.log1p (FunctionTransformer) to positive columns or "
                      "QuantileTransformer(output_distribution='normal'); tree models need nothing"))
    outl = [c for c in shaped if c.numeric and c.numeric.outlier_share >= th.outlier_share]
    if outl:
        out.append(_f("outliers", _cols(outl), f"{_names(_cols(outl))} {_v(outl, 'has', 'have')} over {th.outlier_share:.0%} of values beyond 3 IQR",
                      "check they are real; RobustScaler or QuantileTransformer limits their pull on linear and distance "
                      "models; tree models are robust to them"))
    spread = sorted((c.numeric.std, c.name) for c in shaped if c.numeric and c.numeric.std)
    if len(spread) >= 2 and spread[-1][0] / spread[0][0] >= th.scale_ratio:
        (lo, lo_name), (hi, hi_name) = spread[0], spread[-1]
        out.append(_f("scaling_needed", _cols(nums),
                      f"standard deviations range from {lo:.3g} ('{lo_name}') to {hi:.3g} ('{hi_name}'), {hi / lo:,.0f} times as wide",
                      "StandardScaler before SVM, kNN, linear models with penalties, PCA and clustering; "
                      "tree ensembles do not need it"))
    zeros = [c for c in nums if c.numeric and th.zeros_as_missing_share <= c.numeric.zero_share < 0.5
             and c.numeric.negative_share == 0 and c.numeric.q01 is not None and _gap_above_zero(c, th.zero_gap_steps)]
    if zeros:
        out.append(_f("suspicious_zeros", _cols(zeros),
                      f"{_zero_shares(zeros)} {_v(zeros, 'is', 'are')} otherwise far above zero",
                      "if 0 means 'not measured', replace it with NaN before imputing (SimpleImputer(missing_values=0)) "
                      "so the model does not learn from a fake value"))
    return out


def _sentinels(cols: list[ColumnProfile]) -> Finding:
    """'kids' (118 rows, 2.4%, at 98, 99): codes to replace with NaN, in the features and in the target."""
    def codes(c: ColumnProfile) -> list[str]:
        return [v.value for v in c.numeric.sentinels] if c.numeric else []

    def described(c: ColumnProfile) -> str:
        found = c.numeric.sentinels if c.numeric else []
        rows = sum(v.count for v in found)
        at = " and ".join([", ".join(codes(c)[:-1]), codes(c)[-1]] if len(found) > 1 else codes(c))
        return f"'{c.name}' ({at} in {rows:,} {'row' if rows == 1 else 'rows'}, {sum(v.share for v in found):.1%})"

    first = cols[0]
    listing = ", ".join(codes(first))
    advice = (f"if they mean 'unknown' or 'refused', replace them with NaN before anything else "
              f"(df['{first.name}'].replace([{listing}], np.nan)), then impute inside the pipeline "
              "(SimpleImputer with add_indicator=True keeps the fact that the value was missing), or let "
              f"HistGradientBoosting take the NaN; SimpleImputer(missing_values={codes(first)[-1]}) does it for a "
              "single code. The skew, outlier, spread and non-linearity checks skip these columns until then")
    target = [c.name for c in cols if c.role == "target"]
    if target:
        advice += f"; in the target '{target[0]}' drop those rows for training instead"
    advice += ". If the values are real (a top-coded amount), keep them"
    return _f("sentinel_values", _cols(cols),
              f"{listed([described(c) for c in cols], 4)} {_v(cols, 'holds', 'hold')} values far beyond "
              f"{_v(cols, 'its', 'their')} others that read as missing-value codes", advice)


def _zero_shares(cols: list[ColumnProfile], n: int = 4) -> str:
    """'glucose' (4.9% zeros), 'insulin' (48.7% zeros) and 1 more."""
    return listed([f"'{c.name}' ({c.numeric.zero_share:.1%} zeros)" for c in cols if c.numeric], n)


def _gap_above_zero(c: ColumnProfile, steps: float) -> bool:
    """Zeros sit far below the rest: even the smallest positive value is a sizeable share of the
    median, and the step from zero to it is ``steps`` times the usual step between the column's values.

    The second test keeps counts quiet: in a column of 0, 1, 2, ... children, zero is one step
    below 1 like every other value, not a stand-in for missing. The usual step is the spread up to
    the 99th percentile (so one outlier does not widen it) over the distinct positive values, and
    at least 1 for integers (doctor visits 0-77 with a long, sparse tail: zero is still next to 1).
    """
    s = c.numeric
    if s is None or s.min_positive is None or not s.median or s.median <= 0 or s.q99 is None:
        return False
    positive_values = c.n_distinct - 1  # every distinct value but zero
    if positive_values < 2:
        return False  # zero and one other value: a flag or a code, not a measurement with a gap
    usual_step = max(s.q99 - s.min_positive, 0.0) / (positive_values - 1)
    if c.kind in ("count", "code"):  # integers: no step is under 1, so zero below a 1 is never apart
        usual_step = max(usual_step, 1.0)
    return s.min_positive >= 0.2 * s.median and s.min_positive >= steps * usual_step


def check_relations(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    out = []
    if p.correlations:
        # Spearman's rho has a sign; Cramér's V (two categories) has none
        pairs = [f"{c.a}~{c.b} (V {c.value:.2f})" if c.method == "cramers_v" else f"{c.a}~{c.b} ({c.value:+.2f})"
                 for c in p.correlations]
        cols = sorted({c.a for c in p.correlations} | {c.b for c in p.correlations})
        numeric = any(c.method != "cramers_v" for c in p.correlations)
        many = len(p.correlations) >= th.many_correlated_pairs  # then one finding, not the same pairs twice
        advice = []
        if many:
            advice.append(f"reduce dimensions before linear, SVM or kNN models: {'PCA (with StandardScaler) or ' if numeric else ''}"
                          "feature selection; tree ensembles cope without it")
        if numeric:
            advice.append("with linear models, prefer Ridge or ElasticNet (their penalties share weight among "
                          "correlated columns), or drop one of each pair for readable coefficients")
        if any(c.method == "cramers_v" for c in p.correlations):
            advice.append("two categories that nearly determine each other say the same thing twice: keep one of "
                          "each pair, or combine them into one column, before one-hot encoding both")
        message = f"{len(pairs)} strongly correlated {_v(pairs, 'pair', 'pairs')}: {_names(pairs, 3)}"
        out.append(_f("many_correlated_features" if many else "correlated_features", cols, message, "; ".join(advice)))
    nonlinear = extra.get("nonlinear", [])
    if nonlinear:
        out.append(_f("nonlinear_feature", nonlinear, f"{_names(nonlinear)} {_v(nonlinear, 'relates', 'relate')} to the target in a non-monotonic way",
                      "for linear models, bin them (KBinsDiscretizer(n_bins=10, encode='onehot')) or use "
                      "SplineTransformer; tree models capture this as is"))
    return out


def check_duplicates(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    out = []
    t = p.table
    if t.n_duplicate_rows:
        n, share = t.n_duplicate_rows, t.duplicate_row_share
        fine = max(p.columns, key=lambda c: (c.distinct_share, c.name))
        # distinct among the rows that are not repeats (copies would lower the share of the column they copy)
        if fine.distinct_share / max(1.0 - share, 1e-9) >= th.copy_distinct_share:
            advice = (f"they repeat even '{fine.name}', which is nearly unique per row, so they look like copies of "
                      "one record: drop them (DataFrame.drop_duplicates) or keep each row's copies in one CV fold "
                      "(GroupKFold); a copy in both training and test folds inflates the score")
        else:
            advice = ("check before dropping them: no column is close to unique per row (the most varied, "
                      f"'{fine.name}', has {fine.n_distinct:,} values), so identical rows can be distinct people or "
                      "events; drop them (DataFrame.drop_duplicates) only if they are copies of one record, since a "
                      "copy in both training and test folds inflates the score")
        out.append(_f("duplicate_rows", [], f"{n:,} {_n(n, 'row', 'rows')} ({pct(share)}) {_n(n, 'repeats', 'repeat')} an earlier row",
                      advice, "warning" if share >= th.duplicate_warning else "info"))
    for group in t.duplicate_columns:
        out.append(_f("duplicate_columns", group, f"{_names(group)} are identical", "keep one of them"))
    return out


def check_panel(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    panel = extra.get("panel")
    if panel is None:
        return []
    e, t = panel.entity, panel.period
    return [_f("panel_data", [e, t],
               f"rows are one per '{e}' and '{t}': {panel.n_entities:,} values of '{e}', about "
               f"{panel.rows_per_entity:,.0f} rows each",
               f"random folds put rows of one '{e}' in both training and test, so the score rewards recognising it: "
               f"validate with --groups {shlex.quote(e)} (GroupKFold) to score on unseen ones, or --time "
               f"{shlex.quote(t)} (TimeSeriesSplit) to score on later periods")]


CHECKS: list[Check] = [check_rows, check_target, check_leakage, check_columns, check_relations, check_duplicates,
                       check_panel]
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def collect_findings(p: Profile, th: Thresholds, extra: dict) -> list[Finding]:
    found: list[Finding] = []
    for check in CHECKS:
        found.extend(check(p, th, extra))
    unknown = {f.code for f in found} - set(CODES)
    assert not unknown, unknown
    order = list(CODES)
    found.sort(key=lambda f: (SEVERITY_ORDER[f.severity], order.index(f.code), f.columns))
    return found


def describe_codes() -> str:
    lines = ["| code | severity | meaning |", "|---|---|---|"]
    lines += [f"| `{d.code}` | {d.severity} | {d.meaning} |" for d in CODES.values()]
    return "\n".join(lines)


__all__ = ["CATEGORY_KINDS", "CODES", "NUMERIC_KINDS", "collect_findings", "describe_codes"]
