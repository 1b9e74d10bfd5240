"""Formatters the terminal, Markdown and HTML renderers share, so the three show the same numbers the same way."""

from __future__ import annotations

from typing import Any

from advisor.text import pct

SEVERITY_ORDER = ("critical", "warning", "info")


# ---------------------------------------------------------------- shared formatters


def num(value: float | int | None) -> str:
    """A number short enough for a table cell: thousands separators, 4 significant digits."""
    if value is None:
        return "–"
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) >= 1e7 or abs(v) < 1e-3:
        return f"{v:.2e}"
    if v.is_integer():  # no separator below 10,000 so years read as years
        return f"{v:.0f}" if abs(v) < 1e4 else f"{v:,.0f}"
    return f"{v:.4g}" if abs(v) < 1e4 else f"{v:,.0f}"  # 4 digits below 10,000: no separator either


def size(n_bytes: int) -> str:
    """File sizes the way people say them (kB = 1000 bytes, as file managers show)."""
    value = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover - the loop always returns


def corr_value(pair: Any, digits: int = 3) -> str:
    """A correlated pair's strength: Spearman's rho with its sign, Cramér's V (which has none) without."""
    return f"{pair.value:.{digits}f}" if pair.method == "cramers_v" else f"{pair.value:+.{digits}f}"


def severity_counts(findings: list[Any]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def numeric_summary(col: Any) -> str:
    """One short cell describing a column: range for numbers, top value for labels, span for dates."""
    if col.numeric is not None and col.kind in ("numeric", "count", "code"):
        return f"{num(col.numeric.min)} .. {num(col.numeric.max)} (median {num(col.numeric.median)})"
    if col.datetime_min or col.datetime_max:
        return f"{col.datetime_min or '?'} .. {col.datetime_max or '?'}"
    if col.top_values:
        top = col.top_values[0]
        return f"{top.value} ({pct(top.share)})"
    return ""


def task_line(report: Any) -> str:
    """The target and task in one sentence, or why there is no target."""
    p = report.profile
    t = p.target
    if t is None:
        return f"no target: {p.task} (unsupervised)"
    return f"{t.name} → {t.task} ({sureness(t)}; {t.task_reason})"


def sureness(t: Any) -> str:
    """How the target was chosen: the reason alone when the user gave it."""
    return t.reason if t.confidence == "given" else f"inferred with {t.confidence} confidence: {t.reason}"


def timings_text(report: Any) -> str:
    parts = [f"{k.removesuffix('_seconds')} {v:.2f} s" for k, v in report.timings.items()]
    return ", ".join(parts) or "none recorded"


def advice_of(report: Any) -> Any:
    """The rule tree's advice when the Report carries it (the attribute lands later)."""
    return getattr(report, "advice", None)


def prep_parts(step: Any) -> tuple[str, str, list[str], str]:
    """(id, component, columns, reason) from a PreparationStep or a plain tuple."""
    if isinstance(step, (tuple, list)):
        sid, component, columns, reason = step
        return str(sid), str(component), list(columns), str(reason)
    return step.id, step.component, list(step.columns), step.reason


# ---------------------------------------------------------------- shared advice helpers

# Short names for the bundled preparation rules; other rule ids read as themselves.
PREP_SHORT = {
    "drop_unusable": "drop",
    "expand_datetime": "date parts",
    "impute_numeric": "impute",
    "impute_categorical": "impute",
    "one_hot_encode": "one-hot",
    "one_hot_capped": "one-hot capped",
    "native_categorical": "ordinal",
    "target_encode": "target-encode",
    "tfidf": "tf-idf",
    "reduce_skew": "quantile",
    "scale": "scale",
    "scale_encoded": "scale encoded",
    "balance_classes": "class weights",
    "log_target": "log target",
}
KIND_SHORT = {
    "numeric": "num", "count": "num", "code": "num", "categorical": "cat", "boolean": "cat",
    "datetime": "date", "text": "text", "identifier": "id", "constant": "const", "empty": "empty",
}
NAMES_INLINE = 20  # up to two column names this short are shown instead of counted


def column_kinds(report: Any) -> dict[str, str]:
    """Every column's kind, so preparation summaries can say '5 num' instead of five names."""
    return {c.name: c.kind for c in report.profile.columns}


def value_text(value: object) -> str:
    """A fact's value as the rule files spell it: lower-case booleans, 'unknown' for null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "unknown" if value is None else str(value)


def fact_parts(step: Any) -> tuple[str | None, str]:
    """(fact, value) of a trace step; fact is None when the value already spells ``name=value`` pairs."""
    value = step.value
    if isinstance(value, str):
        names = [n.strip() for n in str(step.fact).split(",") if n.strip()]
        if names and all(f"{n}=" in value for n in names):
            return None, value
    return str(step.fact), value_text(value)


def fact_text(step: Any) -> str:
    fact, value = fact_parts(step)
    return value if fact is None else f"{fact} = {value}"


def trace_groups(advice: Any) -> tuple[list[Any], list[Any]]:
    """(the map's questions in path order, the advisor's own checks in walk order)."""
    order: dict[str, int] = {}
    for i, node in enumerate(advice.path):
        order.setdefault(node, i)
    on_map = sorted((s for s in advice.trace if s.origin == "map"), key=lambda s: order.get(s.node_id, len(order)))
    return on_map, [s for s in advice.trace if s.origin != "map"]


def answer_text(step: Any) -> str:
    """The answer, marked when it was assumed and no note says so already."""
    said = step.note and str(step.note).startswith("assumed")
    return step.answer + (" (assumed)" if step.assumed and not said else "")


def note_tag(note: str) -> tuple[str, str]:
    """('map' or 'advisor', the rest) for notes that carry that prefix, else ('', note)."""
    for tag in ("map", "advisor"):
        if note.startswith(f"{tag}: "):
            return tag, note[len(tag) + 2:]
    return "", note


def traits(c: Any) -> list[str]:
    """Family, interpretability and the API flags of a candidate, in that order."""
    out = [c.family, c.interpretability.replace("_", " ")]
    return out + [t for t, on in (("partial_fit", c.partial_fit), ("predict_proba", c.predict_proba)) if on]


def prep_short(step: Any) -> str:
    """A step's short name: from PREP_SHORT, else its id, else its component's class name."""
    sid, component, _columns, _reason = prep_parts(step)
    if sid in PREP_SHORT:
        return PREP_SHORT[sid]
    return sid.replace("_", "-") if sid else component.rsplit(".", 1)[-1]


def columns_short(columns: list[str], kinds: dict[str, str]) -> str:
    """Two short names as they are, more as counts by kind: '5 num', '(5 num + 2 cat)'."""
    if not columns:
        return ""
    if len(columns) <= 2 and len(", ".join(columns)) <= NAMES_INLINE:
        return ", ".join(columns)
    counts: dict[str, int] = {}
    for col in columns:
        kind = KIND_SHORT.get(kinds.get(col, ""), "col")
        counts[kind] = counts.get(kind, 0) + 1
    parts = [f"{n} {kind}" for kind, n in counts.items()]
    return parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"


def prep_summary(steps: list[Any], kinds: dict[str, str]) -> str:
    """One line for a candidate's preparation; steps with the same short name merge."""
    groups: dict[str, list[str]] = {}
    for step in steps:
        groups.setdefault(prep_short(step), []).extend(prep_parts(step)[2])
    out = []
    for name, cols in groups.items():
        part = columns_short(list(dict.fromkeys(cols)), kinds)
        out.append(f"{name} {part}" if part else name)
    return " · ".join(out)


def _prep_key(step: Any) -> tuple[object, ...]:
    sid, component, columns, reason = prep_parts(step)
    params = getattr(step, "params", None) or {}
    return sid, component, tuple(columns), reason, getattr(step, "scope", "columns"), tuple(sorted(params.items()))


def prep_legend(candidates: list[Any]) -> list[tuple[Any, list[int]]]:
    """Each distinct preparation step once, with the candidate numbers that use it.

    A step first seen in a candidate goes before the next of that candidate's
    steps already listed, so the legend keeps the order a pipeline applies them.
    """
    keys: list[tuple[object, ...]] = []
    entries: dict[tuple[object, ...], tuple[Any, list[int]]] = {}
    for i, c in enumerate(candidates, 1):
        steps = list(c.preparation)
        for j, step in enumerate(steps):
            key = _prep_key(step)
            if key in entries:
                if i not in entries[key][1]:
                    entries[key][1].append(i)
                continue
            entries[key] = (step, [i])
            later = [k for k in (_prep_key(s) for s in steps[j + 1:]) if k in keys]
            keys.insert(keys.index(later[0]) if later else len(keys), key)
    return [entries[k] for k in keys]


def numbers_text(numbers: list[int]) -> str:
    """Candidate numbers, runs of three or more folded: [2, 4, 5, 6] -> '2, 4-6'."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(", ".join(map(str, r)) if len(r) < 3 else f"{r[0]}-{r[-1]}" for r in runs)


def component_call(step: Any, *, full: bool = True) -> str:
    """The component as a call with its parameters: ``SimpleImputer(strategy='median')``."""
    component = prep_parts(step)[1]
    name = component if full else component.rsplit(".", 1)[-1]
    params = getattr(step, "params", None) or {}
    return name + ("(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")" if params else "")


def prep_target(step: Any) -> str:
    """What a step works on, in words, when it names no columns."""
    scope = getattr(step, "scope", "columns")
    return {"target": "the target", "estimator": "the estimator"}.get(scope, "all columns")



# ---------------------------------------------------------------- recommend: timings

# Every measured time the renderers show goes through ``duration``, so its text always
# matches TIME_PATTERN: the golden tests mask timings (which vary run to run) with it.
TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
TIME_PATTERN = r"\d+(?:\.\d+)? (?:s|ms|µs|ns)\b"
TIME_WIDTH = 7  # the longest duration text: '14.6 ms', '1000 ms'


def duration(seconds: float | None) -> str:
    """A measured time as '<number> <unit>', three significant digits: '12.3 s', '14.6 ms', '117 µs'."""
    if seconds is None:
        return "–"
    v = float(seconds)
    if v <= 0:
        return "0 s"
    for scale, unit in TIME_UNITS:
        if v >= scale or unit == "ns":
            x = v / scale
            return f"{x:.0f} {unit}" if x >= 100 else f"{x:.3g} {unit}"
    return f"{v:.3g} s"  # pragma: no cover - the loop always returns


def budget_text(board: Any) -> str:
    """Time spent against the budget; the budget is spelled so the timing mask leaves it alone."""
    return f"{duration(board.elapsed_seconds)} of the {board.budget_seconds:g}-second cross-validation budget"


# ---------------------------------------------------------------- recommend: scores

STATUS_TEXT = {"ok": "ok", "failed": "failed", "timeout": "timed out", "skipped": "skipped", "cancelled": "cancelled"}
NAME_SUFFIXES = ("Classifier", "Regressor")


def _decimals(value: float) -> int:
    a = abs(value)
    return 3 if a < 10 else 1 if a < 1000 else 0


def score_text(mean: float | None, std: float | None = None) -> str:
    """A metric's mean (± std) with as many decimals as its size needs: '0.995 ± 0.006', '55.3 ± 2.1'."""
    if mean is None:
        return "–"
    d = _decimals(mean)
    out = f"{mean:,.{d}f}"
    return out if std is None else f"{out} ± {std:,.{d}f}"


def gap_text(row: Any) -> str:
    """The train-test gap, signed, with '!' when the leaderboard flags overfitting."""
    if row.train_test_gap is None:
        return "–"
    d = _decimals(row.score if row.score is not None else row.train_test_gap)
    return f"{row.train_test_gap:+.{d}f}" + ("!" if row.overfitting else "")


def metric_label(board: Any, key: str | None = None) -> str:
    key = key or board.metric
    return next((m.label for m in board.metrics if m.name == key), key)


def primary_info(board: Any) -> Any:
    return next((m for m in board.metrics if m.name == board.metric), None)


def secondary_metrics(board: Any) -> list[Any]:
    return [m for m in board.metrics if m.name != board.metric]


def direction_text(board: Any) -> str:
    info = primary_info(board)
    return "higher is better" if info is None or info.greater_is_better else "lower is better"


def cv_text(cv: Any) -> str:
    """'StratifiedKFold, 5 folds, 344 rows, shuffled with seed 0'."""
    parts = [cv.strategy, f"{cv.n_splits} folds", f"{cv.n_rows:,} rows"]
    if cv.groups:
        parts.append(f"grouped by '{cv.groups}'")
    if cv.time_column:
        parts.append(f"in time order of '{cv.time_column}'")
    parts.append(f"shuffled with seed {cv.seed}" if cv.shuffle else "not shuffled")
    return ", ".join(parts)


def short_name(name: str) -> str:
    """'HistGradientBoostingClassifier' -> 'HistGradientBoosting' (for narrow terminals)."""
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def baseline_row(board: Any) -> Any:
    return next((r for r in board.rows if r.is_baseline), None)


def pick_row(board: Any) -> Any:
    if board.pick is None:
        return None
    return next((r for r in board.rows if r.name == board.pick.name), None)


def unmeasured(board: Any) -> list[Any]:
    """Rows that have no score: failed, timed out, skipped or cancelled."""
    return [r for r in board.rows if r.status != "ok"]


def status_reason(row: Any) -> str:
    return STATUS_TEXT.get(row.status, row.status) + (f": {row.reason}" if row.reason else "")


# ---------------------------------------------------------------- recommend: the pick in words


def pick_headline(board: Any) -> str:
    """'balanced accuracy 0.995 ± 0.006 over 5 folds'."""
    pick = board.pick
    return f"{metric_label(board, pick.metric)} {score_text(pick.score, pick.score_std)} over {board.cv.n_splits} folds"


def baseline_text(board: Any) -> str | None:
    """Whether the pick beats the Dummy baseline, with the baseline's score."""
    base, pick = baseline_row(board), board.pick
    if pick is None:
        return None
    if base is None or base.score is None:
        return "no baseline was measured, so there is no floor to compare with"
    what = f"the {base.name} baseline ({metric_label(board)} {score_text(base.score)})"
    if pick.beats_baseline:
        return f"clearly beats {what}"
    return f"does not clearly beat {what}: treat the pick with caution"


def leakage_caution(report: Any) -> str | None:
    """The profile's leakage suspects, said beside the pick: a column that alone predicts the target
    makes every score in the leaderboard suspect until someone checks it is known at prediction time."""
    import shlex

    profile = getattr(report, "profile", None)
    joint = list(getattr(profile, "joint_leakage", None) or [])
    together = [c for j in joint for c in j.columns]
    suspects = [s for s in getattr(profile, "leakage", None) or [] if s.column not in together]
    if not suspects and not joint:
        return None
    from advisor.text import listed

    parts = [" + ".join(f"'{c}'" for c in j.columns) + f" together rebuild the target (R² {j.score:.3f})" for j in joint]
    if suspects:
        shown = listed([f"'{s.column}'" for s in suspects], 3)
        top = max(suspects, key=lambda s: s.score)
        one = len(suspects) == 1
        metric = {"r2": "R²"}.get(top.metric, top.metric.replace("_", " "))
        score = f"{metric} {top.score:.3f}" if one else f"{metric} up to {top.score:.3f}"
        parts.append(f"{shown} alone {'predicts' if one else 'predict'} the target ({score})")
    one = not joint and len(suspects) == 1
    drops = " ".join(f"--drop {shlex.quote(c)}" for c in together + [s.column for s in suspects])
    return (f"{'; '.join(parts)}: if {'it is' if one else 'they are'} "
            f"not known at prediction time, these scores are inflated; rerun with {drops}")


def no_pick_text(board: Any) -> str:
    if board.cancelled:
        return "the run was stopped before any candidate could be measured; the leaderboard shows how far it got"
    return ("every candidate failed, ran out of time or was skipped, so there is nothing to recommend; "
            "the leaderboard says why for each")


def curve_text(board: Any) -> str | None:
    curve = board.learning_curve
    return None if curve is None else curve.verdict


def cancelled_text(board: Any) -> str | None:
    if not board.cancelled:
        return None
    return "the run was stopped early: the pick is the best of what was measured before the stop"


def leaderboard_notes(board: Any) -> list[str]:
    return [*board.cv.notes, *board.notes, *full_fit_lines(getattr(board, "full_fit", None))]


def full_fit_lines(ff: Any) -> list[str]:
    """What --full-fit did, in words: rows, batches and the held-out scores side by side."""
    if ff is None:
        return []
    head = (f"full fit: {ff.candidate} learned from {ff.rows_trained:,} rows in {ff.batches:,} batches; "
            f"{ff.rows_held_out:,} rows outside the sample were held out")
    if ff.holdout_score is not None:
        head += f" and score {ff.metric} {ff.holdout_score:.4f}"
        if ff.sample_fit_holdout_score is not None:
            head += f" (fitted on the sample only: {ff.sample_fit_holdout_score:.4f})"
    return [head, *ff.notes]


# ---------------------------------------------------------------- recommend: operating the model


def online_learners(report: Any) -> list[str]:
    """Candidates that can learn from new batches (partial_fit), from the advice, else from the rows' tags."""
    advice = advice_of(report)
    if advice is not None and advice.candidates:
        return [c.name for c in advice.candidates if getattr(c, "partial_fit", False)]
    board = report.leaderboard
    return [r.name for r in board.rows if r.tags.get("partial_fit") is True] if board else []


def drift_command(report: Any) -> str:
    return f"advisor drift {report.source.file_name} new.csv --fail-on medium"


def operating_items(report: Any) -> list[tuple[str, str, str]]:
    """(label, sentence, detail) triples on running the pick, from what the leaderboard measured for it.

    Timings stay in the short sentence and never in the detail, so a timing's length cannot
    move where the terminal wraps a line. The drift advice is left to the renderers, which
    format its command as code.
    """
    board = report.leaderboard
    row = pick_row(board) if board is not None else None
    if row is None:
        return []
    items: list[tuple[str, str, str]] = []
    per_1000 = row.predict_seconds_per_1000_rows
    if per_1000 is not None:
        items.append(("predict", f"about {duration(per_1000 / 1000)} per row, {duration(per_1000)} per 1,000 rows",
                      "one batch of 1,000 held-out rows (a small fold's rows repeated); one row per call costs more"))
    if row.model_bytes is not None:
        items.append(("size", f"{size(row.model_bytes)} pickled (one fitted fold model)", ""))
    if row.fit_seconds is not None:
        items.append(("refit", f"about {duration(row.fit_seconds)} per fit on {_train_rows(board.cv):,} rows",
                      "a training fold: roughly what retraining on new data costs"))
    online = online_learners(report)
    if row.name in online or row.tags.get("partial_fit") is True:
        text = f"yes: {row.name} has partial_fit, so it can learn from new batches without a full refit"
    else:
        text = f"no: {row.name} has no partial_fit, so new data means a full refit"
    others = [n for n in online if n != row.name]
    if others:
        text += f"; candidates that learn online, for when retraining must be cheap: {', '.join(others)}"
    else:
        text += "; none of the other candidates learns online" if row.name in online else "; none of the candidates learns online"
    items.append(("online", text, ""))
    return items


def _train_rows(cv: Any) -> int:
    if cv.n_splits <= 1:
        return int(cv.n_rows)
    if cv.strategy == "TimeSeriesSplit":  # the last fold trains on all but one test block
        return int(cv.n_rows - cv.n_rows // (cv.n_splits + 1))
    return round(cv.n_rows * (cv.n_splits - 1) / cv.n_splits)


DRIFT_ADVICE = ("on each new batch, before trusting its predictions; it exits non-zero at medium drift "
                "or worse, so it can gate a scheduled job")


# ---------------------------------------------------------------- recommend: the saved model


def saved_model_items(saved: Any) -> list[tuple[str, str]]:
    """(label, text) pairs describing where the refitted pick was saved and on which rows."""
    fp = saved.fingerprint or {}
    fmt = {"skops": "skops (safe to load: no arbitrary code runs)",
           "joblib": "joblib (loading it runs arbitrary code: only load files you trust)"}.get(saved.format, saved.format)
    data = []
    if fp.get("rows") is not None:
        data.append(f"{fp['rows']:,} rows")
    if fp.get("columns") is not None:
        data.append(f"{fp['columns']:,} columns")
    if fp.get("sha256"):
        data.append(f"sha256 {str(fp['sha256'])[:12]}")
    items = [("path", saved.path), ("format", fmt), ("candidate", saved.candidate)]
    if data:
        items.append(("trained on", ", ".join(data)))
    return items


def predict_command(saved: Any) -> str:
    return f"advisor predict {saved.path} new.csv -o predictions.csv"


# ---------------------------------------------------------------- explain

SIGN_MARK = {1: "+", -1: "−", 0: "~"}
SIGN_LEGEND = {1: "+ higher values push the output up", -1: "− higher values push it down",
               0: "~ no single direction (categories, or classes)"}
TINY_ERROR = 1e-9  # additivity errors below this are floating-point noise, shown as '< 1e-9' so goldens hold


def explanation_of(report: Any) -> Any:
    """The report's explanation when it carries one."""
    return getattr(report, "explanation", None)


def explanation_first(report: Any) -> bool:
    """``advisor explain`` puts the explanation first, right after the header."""
    settings = getattr(report, "settings", None)
    return explanation_of(report) is not None and getattr(settings, "command", None) == "explain"


def importance_label(e: Any) -> str:
    """What the importance numbers are: 'mean |SHAP|', or the drop in score for permutation importance."""
    return "mean |SHAP|" if e.method == "shap" else f"drop in {e.permutation.scoring if e.permutation else 'score'}"


def explainer_text(e: Any) -> str:
    """'LinearExplainer (SHAP) on the decision score' or 'permutation importance (SHAP failed)'."""
    if e.method != "shap":
        return "permutation importance" + (" (SHAP could not run)" if e.fallback_reason else "")
    return f"{e.explainer} (SHAP) on the {e.output_space}"


def explained_rows_text(e: Any) -> str:
    text = f"{e.n_explained:,} of {e.n_rows:,} rows"
    return text + (f": {e.explained_method}" if e.explained_method and e.explained_method != "none" else "")


def background_text(e: Any) -> str:
    if not e.n_background:
        return "none needed" if e.method == "shap" else "none"
    return f"{e.n_background:,} rows: {e.background_method}"


def base_value_text(e: Any) -> str | None:
    """The base value, or one per class: what the contributions start from."""
    if e.base_value is not None:
        return f"{num(e.base_value)} ({e.output_label})"
    if e.base_value_by_class:
        return ", ".join(f"{c} {num(v)}" for c, v in e.base_value_by_class.items()) + f" ({e.output_space})"
    return None


def error_text(value: float) -> str:
    return "< 1e-9" if abs(value) < TINY_ERROR else num(value)


def additivity_text(a: Any) -> str:
    """'ok: base value + contributions = model output (max error < 1e-9, tolerance 6.63e-04)'."""
    verdict = "ok" if a.ok else "failed"
    relation = "=" if a.ok else "≠"
    return (f"{verdict}: base value + contributions {relation} the model's {a.output_space} "
            f"(max error {error_text(a.max_error)}, tolerance {num(a.tolerance)})")


def agreement_text(p: Any) -> str:
    """The permutation check in one line: its verdict, then how it was computed."""
    how = f"{p.n_rows:,} rows, {p.n_repeats} repeat{'s' if p.n_repeats != 1 else ''}, scored by {p.scoring}"
    if p.spearman is None:
        return f"too few columns to compare the rankings (permutation importance on {how})"
    verdict = "disagree" if p.disagree else "agree"
    return f"SHAP and permutation importance {verdict}: Spearman {p.spearman:.2f} over {p.n_compared} columns ({how})"


def disagreement_warning(p: Any) -> str | None:
    if p is None or not p.disagree:
        return None
    return ("the two rankings disagree strongly: the model may lean on correlated columns, or its SHAP values "
            "may not reflect held-out performance; trust neither ranking alone")


def sign_legend(e: Any) -> str:
    """The meaning of the signs that appear in the importance table, in the order +, −, ~."""
    present = {i.sign for i in e.importances}
    return " · ".join(text for sign, text in SIGN_LEGEND.items() if sign in present)


def row_headline(row: Any) -> str:
    """'The decision score of species = Adelie is 3.98 against a base value of -0.398.'"""
    label = row.output_label[0].upper() + row.output_label[1:]
    return f"{label} is {row.prediction:.3g} against a base value of {row.base_value:.3g}."


def contribution_words(c: Any) -> str:
    """'bill_length_mm = 36.7 pushes it up by 2.59': the row's output is named once, above."""
    return f"{c.column} = {c.value} pushes it {'up' if c.contribution > 0 else 'down'} by {abs(c.contribution):.3g}"


def rest_words(rest: float) -> str:
    return f"the other columns together push it {'up' if rest > 0 else 'down'} by {abs(rest):.3g}"


def signed(value: float) -> str:
    """A contribution with its sign, three significant digits: '+2.59', '-0.511'."""
    return f"{value:+.3g}"


def explanation_summary(e: Any) -> str:
    """One sentence on what drives the model: the top columns and their shares."""
    top = [i for i in e.importances[:3] if i.share > 0]
    if not top:
        return f"{e.model} gets nothing measurable from any column."
    what = "attribution" if e.method == "shap" else "permutation importance"
    parts = [f"{top[0].column} ({pct(top[0].share)} of the {what})", *[f"{i.column} ({pct(i.share)})" for i in top[1:]]]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    text = f"{e.model} leans most on {listed}"
    if len(e.importances) > len(top):
        text += f"; together they carry {pct(sum(i.share for i in top))} of it"
    return text + "."


def explanation_notes(e: Any) -> list[str]:
    """Notes, unused columns and the fallback reason, as sentences."""
    out = []
    if e.fallback_reason:
        out.append(f"SHAP could not run, so permutation importance is shown instead: {e.fallback_reason}")
    if e.unused_columns:
        out.append("Columns the pipeline drops before the model: " + ", ".join(e.unused_columns) + ".")
    return out + list(e.notes)


def class_importances(e: Any) -> list[str]:
    """The classes the per-class importances are given for (multiclass only)."""
    for i in e.importances:
        if i.importance_by_class:
            return list(i.importance_by_class)
    return []


def distinct_text(col: Any) -> str:
    """The distinct count, with '≈' when it is an estimate (a streamed profile's HyperLogLog)."""
    return f"≈{col.n_distinct:,}" if "n_distinct" in col.approximate else f"{col.n_distinct:,}"
