"""Formatters the terminal, Markdown and HTML renderers share, so the three show the same numbers the same way."""

from __future__ import annotations

from typing import Any

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
    return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"


def size(n_bytes: int) -> str:
    """File sizes the way people say them (kB = 1000 bytes, as file managers show)."""
    value = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover - the loop always returns


def pct(share: float | None) -> str:
    """A share as a percentage; tiny non-zero shares stay visible as '<0.1%'."""
    if share is None:
        return "–"
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{share:.1%}"


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


# ---------------------------------------------------------------- escaping
