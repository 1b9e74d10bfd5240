"""Markdown rendering: GitHub-flavoured, no ANSI, deterministic, ready to paste into a design doc.

The small formatters at the top (``num``, ``size``, ``pct``, ``severity_counts``,
``numeric_summary``) are plain string helpers the terminal and HTML renderers
share, so the three formats show the same numbers the same way.
"""

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


# ---------------------------------------------------------------- escaping


def cell(text: object) -> str:
    """Text safe inside a GFM table cell: pipes, HTML brackets, emphasis stars and newlines escaped."""
    out = str(text).replace("\\", "\\\\")
    for ch in "|<>*`":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split("\n")).strip()


def code(text: object) -> str:
    """A code span that survives backticks and pipes in the value (column names are data)."""
    s = str(text).replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    """A GFM table; ``align`` holds one of l/r per column (default left)."""
    marks = [("---:" if a == "r" else "---") for a in align.ljust(len(header), "l")]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


# ---------------------------------------------------------------- sections


def render_markdown(report: Any) -> str:
    """The whole report; timings go last on one ``_Timings:`` line so golden tests can mask them."""
    p = report.profile
    blocks = [
        [f"# Data profile: {cell(report.source.file_name)}"],
        _summary(report),
        _target(p),
        _columns(p),
        _findings(p),
        _relations(p),
        _advice_markdown(advice_of(report)),
        [f"_Timings: {timings_text(report)} (advisor {report.advisor_version})_"],
    ]
    return "\n\n".join("\n".join(b) for b in blocks if b) + "\n"


def _summary(report: Any) -> list[str]:
    src, p = report.source, report.profile
    t = p.table
    fmt = src.format + (f", {src.compression}" if src.compression else "")
    if src.format in ("csv", "tsv"):
        delim = "\\t" if src.delimiter == "\t" else src.delimiter
        fmt += f", {src.encoding}, delimiter {code(delim)}"
    counts = severity_counts(p.findings)
    lines = [
        "## Summary",
        "",
        f"- **File:** {code(src.file_name)} ({fmt}, {size(src.size_bytes)})",
        f"- **Shape:** {t.n_rows:,} rows × {t.n_columns:,} columns",
        f"- **Missing cells:** {t.n_missing_cells:,} ({pct(t.missing_share)})",
        f"- **Duplicate rows:** {t.n_duplicate_rows:,} ({pct(t.duplicate_row_share)})",
        f"- **Task:** {cell(task_line(report))}",
        "- **Findings:** " + ", ".join(f"{n} {sev}" for sev, n in counts.items()),
    ]
    if t.is_sample:
        lines.append(f"- **Sample:** statistics from {t.n_rows:,} of {t.n_rows_in_file:,} rows")
    lines += [f"- **Note:** {cell(n)}" for n in src.notes]
    return lines


def _target(p: Any) -> list[str]:
    t = p.target
    if t is None:
        return ["## Target", "", f"No target: the task is **{cell(p.task)}** ({cell(p.task_reason)})."]
    lines = ["## Target", "", f"{code(t.name)}: **{t.task}** ({cell(t.task_reason)}); {cell(sureness(t))}."]
    if t.runners_up:
        lines += ["", "Runners-up: " + ", ".join(code(r) for r in t.runners_up)]
    if t.n_missing:
        lines += ["", f"{t.n_missing:,} rows have no target value."]
    if t.classes:
        rows = [[code(c.label), f"{c.count:,}", pct(c.share)] for c in t.classes]
        lines += ["", *_table(["class", "rows", "share"], rows, "lrr")]
        if t.imbalance_ratio:
            lines += ["", f"Imbalance ratio {t.imbalance_ratio:.2f} : 1 (minority share {pct(t.minority_share)})."]
    elif t.numeric is not None:
        s = t.numeric
        keys = ["min", "q25", "median", "q75", "max", "mean", "std", "skew"]
        lines += ["", *_table(keys, [[num(getattr(s, k)) for k in keys]], "r" * len(keys))]
    return lines


def _columns(p: Any) -> list[str]:
    rows = [
        [code(c.name), c.kind + (" (hint)" if c.hinted else ""), c.role, pct(c.missing_share),
         f"{c.n_distinct:,}", cell(numeric_summary(c)), cell(c.kind_reason)]
        for c in p.columns
    ]
    header = ["column", "kind", "role", "missing", "distinct", "range / top value", "why this kind"]
    return ["## Columns", "", *_table(header, rows, "lllrrll")]


def _findings(p: Any) -> list[str]:
    if not p.findings:
        return ["## Findings", "", "No findings."]
    rows = [
        [f.severity, code(f.code), ", ".join(code(c) for c in f.columns) or "–", cell(f.message), cell(f.advice)]
        for f in p.findings
    ]
    return ["## Findings", "", *_table(["severity", "code", "columns", "message", "advice"], rows)]


def _relations(p: Any) -> list[str]:
    lines = ["## Correlated pairs", ""]
    if p.correlations:
        rows = [[code(c.a), code(c.b), c.method, f"{c.value:+.3f}"] for c in p.correlations]
        lines += _table(["column", "column", "method", "value"], rows, "lllr")
    else:
        lines.append("No strongly correlated pairs.")
    lines += ["", "## Leakage suspects", ""]
    if p.leakage:
        rows = [[code(s.column), s.metric, f"{s.score:.3f}", f"{s.baseline:.3f}"] for s in p.leakage]
        lines += _table(["column", "metric", "score alone", "chance"], rows, "llrr")
    else:
        lines.append("No column predicts the target suspiciously well on its own.")
    return lines


def _advice_markdown(advice: Any) -> list[str]:
    """The rule tree's walk and candidates; empty until the Report carries advice."""
    if advice is None:
        return []
    lines = ["## Advice", "", f"**Outcome:** {cell(advice.outcome)}  ", f"**Path:** {' → '.join(code(n) for n in advice.path)}"]
    mermaid = getattr(advice, "mermaid", None)
    if mermaid:
        lines += ["", "```mermaid", mermaid.rstrip("\n"), "```"]
    if advice.trace:
        rows = [
            [code(s.node_id), cell(s.question), f"{code(s.fact)} = {code(s.value)}",
             s.answer + (" (assumed)" if s.assumed else ""), s.origin, cell(s.note or "")]
            for s in advice.trace
        ]
        lines += ["", "### Decisions", "", *_table(["node", "question", "fact", "answer", "origin", "note"], rows)]
    lines += _advice_candidates(advice.candidates)
    for title, items in (("Assumptions", advice.assumptions), ("Notes", advice.notes)):
        if items:
            lines += ["", f"### {title}", "", *[f"- {cell(i)}" for i in items]]
    lines += ["", f"Rules: {code(advice.rules_source)}"]
    return lines


def _advice_candidates(candidates: list[Any]) -> list[str]:
    lines = ["", "### Candidates"]
    for i, c in enumerate(candidates, 1):
        traits = [c.family, c.interpretability.replace("_", " ")]
        traits += [t for t, on in (("predict_proba", c.predict_proba), ("partial_fit", c.partial_fit)) if on]
        lines += ["", f"{i}. **{cell(c.name)}** ({c.origin}; {', '.join(traits)}): {cell(c.why)}"]
        lines.append(f"   - Interpretability: {cell(c.interpretability_reason)}")
        if c.try_next:
            lines.append("   - If it does not work: " + ", ".join(code(n) for n in c.try_next))
        for step in c.preparation:
            _sid, component, columns, reason = prep_parts(step)
            on = ", ".join(code(col) for col in columns) or "all"
            lines.append(f"   - Prepare: {code(component)} on {on}: {cell(reason)}")
    return lines
