"""HTML rendering: one self-contained page that opens offline and can be mailed or archived.

No scripts, fonts, stylesheets or images are fetched: the CSS is inline, the
charts are small inline SVGs, and every value from the data passes through
``html.escape``. Light and dark themes follow ``prefers-color-scheme``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from advisor.report._format import (
    SEVERITY_ORDER,
    advice_of,
    answer_text,
    column_kinds,
    component_call,
    fact_parts,
    note_tag,
    num,
    numbers_text,
    numeric_summary,
    pct,
    prep_legend,
    prep_parts,
    prep_short,
    prep_summary,
    prep_target,
    severity_counts,
    size,
    sureness,
    task_line,
    timings_text,
    trace_groups,
)

CSS = """
:root { --bg:#fff; --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --card:#f6f8fa;
  --bar:#8250df; --miss:#bf8700; --critical:#cf222e; --warning:#9a6700; --info:#0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg:#0d1117; --fg:#e6edf3; --muted:#8d96a0; --line:#30363d; --card:#161b22;
    --bar:#a371f7; --miss:#d29922; --critical:#f85149; --warning:#d29922; --info:#58a6ff; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
  border-bottom: 1px solid var(--line); padding-bottom: .25rem; } h3 { font-size: 1rem; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.cards li { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; }
.cards b { display: block; font-size: 1.15rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--card); } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.target td { font-weight: 600; } tr.dropped td { color: var(--muted); }
svg .bar { fill: var(--bar); } svg .miss { fill: var(--miss); } svg .track { fill: var(--line); }
svg text { fill: var(--fg); font: 12px system-ui, sans-serif; }
.sev { display: inline-block; min-width: 5.5rem; font-weight: 600; }
.sev-critical { color: var(--critical); } .sev-warning { color: var(--warning); } .sev-info { color: var(--info); }
.finding { border-left: 4px solid var(--line); padding: .25rem .75rem; margin: .6rem 0; }
.finding.critical { border-color: var(--critical); } .finding.warning { border-color: var(--warning); }
.finding.info { border-color: var(--info); }
.finding p { margin: .2rem 0; } .advice { color: var(--muted); }
.tag { display: inline-block; padding: 0 .4rem; border-radius: 4px; font-size: .8rem; font-weight: 600;
  border: 1px solid var(--line); } .tag-map { color: var(--info); } .tag-advisor { color: var(--bar); }
footer { margin-top: 2rem; font-size: .85rem; color: var(--muted); }
"""


def render_html(report: Any) -> str:
    """The whole page as one string; sections mirror the terminal and Markdown reports."""
    p = report.profile
    title = f"Data profile: {report.source.file_name}"
    body = "\n".join([
        f"<h1>{escape(title)}</h1>",
        f"<p class=\"muted\">{escape(task_line(report))}</p>",
        _summary(report),
        _target(p),
        _columns(p),
        _findings(p),
        _relations(p),
        _advice_html(advice_of(report), column_kinds(report)),
        _facts(report.facts),
        f"<footer>Timings: {escape(timings_text(report))} · advisor {escape(report.advisor_version)}"
        f" · report schema {escape(report.schema_version)}</footer>",
    ])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light dark\">\n"
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None,
           row_classes: list[str] | None = None) -> str:
    """A table from cells that are already escaped HTML; ``numeric`` column indexes align right."""
    numeric = numeric or set()
    num_cls = ' class="num"'
    head = "".join(f"<th{num_cls if i in numeric else ''}>{h}</th>" for i, h in enumerate(header))
    body = []
    for r, row in enumerate(rows):
        cls = f" class=\"{row_classes[r]}\"" if row_classes else ""
        cells = "".join(f"<td{num_cls if i in numeric else ''}>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _code(value: object) -> str:
    return f"<code>{escape(str(value))}</code>"


def _bar(share: float, css: str, width: int = 120, height: int = 12) -> str:
    """An inline SVG bar for a share in [0, 1], with a track so zero still shows its scale."""
    filled = max(0.0, min(1.0, share)) * width
    return (f"<svg width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{pct(share)}\">"
            f"<rect class=\"track\" width=\"{width}\" height=\"{height}\" rx=\"2\"/>"
            f"<rect class=\"{css}\" width=\"{filled:.1f}\" height=\"{height}\" rx=\"2\"/></svg>")


# ---------------------------------------------------------------- sections


def _summary(report: Any) -> str:
    src, t = report.source, report.profile.table
    fmt = src.format.upper() + (f" ({src.compression})" if src.compression else "")
    if src.format in ("csv", "tsv"):
        delim = "\\t" if src.delimiter == "\t" else str(src.delimiter)
        fmt += f", {src.encoding}, delimiter '{delim}'"
    counts = severity_counts(report.profile.findings)
    cards = [
        ("rows", f"{t.n_rows:,}"), ("columns", f"{t.n_columns:,}"), ("file", size(src.size_bytes)),
        ("missing cells", pct(t.missing_share)), ("duplicate rows", f"{t.n_duplicate_rows:,}"),
        *[(sev, str(n)) for sev, n in counts.items()],
    ]
    items = "".join(f"<li><b>{escape(v)}</b><span class=\"muted\">{escape(k)}</span></li>" for k, v in cards)
    notes = [f"Read as {fmt}."]
    if t.is_sample:
        notes.append(f"Statistics from a sample of {t.n_rows:,} of {t.n_rows_in_file:,} rows.")
    notes += list(src.notes)
    return f"<ul class=\"cards\">{items}</ul>\n" + "".join(f"<p class=\"muted\">{escape(n)}</p>" for n in notes)


def _target(p: Any) -> str:
    t = p.target
    if t is None:
        return f"<h2>Target</h2><p>No target: unsupervised ({escape(p.task)}). {escape(p.task_reason)}</p>"
    parts = [f"<h2>Target</h2><p>{_code(t.name)} → <b>{escape(t.task)}</b> ({escape(t.task_reason)}); "
             f"{escape(sureness(t))}.</p>"]
    if t.runners_up:
        parts.append(f"<p class=\"muted\">Runners-up: {', '.join(_code(r) for r in t.runners_up)}</p>")
    if t.classes:
        parts.append(_class_chart(t.classes))
    elif t.numeric is not None:
        keys = ["min", "q25", "median", "q75", "max", "mean", "std", "skew"]
        parts.append(_table(keys, [[escape(num(getattr(t.numeric, k))) for k in keys]], set(range(len(keys)))))
    return "\n".join(parts)


def _class_chart(classes: list[Any]) -> str:
    """Horizontal bars, one per class, scaled to the largest class."""
    top = max(c.share for c in classes) or 1.0
    row_h, label_w, bar_w = 22, 160, 300
    rows = []
    for i, c in enumerate(classes):
        y = i * row_h
        label = c.label if len(c.label) <= 24 else c.label[:23] + "…"
        rows.append(
            f"<text x=\"0\" y=\"{y + 15}\">{escape(label)}</text>"
            f"<rect class=\"bar\" x=\"{label_w}\" y=\"{y + 4}\" width=\"{c.share / top * bar_w:.1f}\" height=\"14\" rx=\"2\"/>"
            f"<text x=\"{label_w + bar_w + 8}\" y=\"{y + 15}\">{c.count:,} ({pct(c.share)})</text>"
        )
    height = len(classes) * row_h
    return (f"<svg width=\"{label_w + bar_w + 110}\" height=\"{height}\" role=\"img\" "
            f"aria-label=\"class counts\">{''.join(rows)}</svg>")


def _columns(p: Any) -> str:
    rows = [
        [_code(c.name), escape(c.kind), escape(c.role), f"{_bar(c.missing_share, 'miss', 60, 10)} {pct(c.missing_share)}",
         f"{c.n_distinct:,}", escape(numeric_summary(c)), f"<span class=\"muted\">{escape(c.kind_reason)}</span>"]
        for c in p.columns
    ]
    header = ["column", "kind", "role", "missing", "distinct", "range / top value", "why this kind"]
    return "<h2>Columns</h2>\n" + _table(header, rows, {3, 4}, [c.role for c in p.columns])


def _findings(p: Any) -> str:
    if not p.findings:
        return "<h2>Findings</h2><p>No findings.</p>"
    out = ["<h2>Findings</h2>"]
    for sev in SEVERITY_ORDER:
        for f in (f for f in p.findings if f.severity == sev):
            cols = ", ".join(_code(c) for c in f.columns)
            out.append(
                f"<div class=\"finding {escape(sev)}\"><p><span class=\"sev sev-{escape(sev)}\">{escape(sev)}</span>"
                f"{_code(f.code)}{' · ' + cols if cols else ''}</p><p>{escape(f.message)}</p>"
                f"<p class=\"advice\">→ {escape(f.advice)}</p></div>"
            )
    return "\n".join(out)


def _relations(p: Any) -> str:
    out = []
    if p.correlations:
        rows = [[_code(c.a), _code(c.b), escape(c.method), f"{c.value:+.3f}"] for c in p.correlations]
        out += ["<h2>Correlated pairs</h2>", _table(["column", "column", "method", "value"], rows, {3})]
    if p.leakage:
        rows = [[_code(s.column), escape(s.metric), f"{s.score:.3f}", f"{s.baseline:.3f}"] for s in p.leakage]
        out += ["<h2>Leakage suspects</h2>", _table(["column", "metric", "score alone", "chance"], rows, {2, 3})]
    return "\n".join(out)


def _facts(facts: dict[str, Any]) -> str:
    """The facts the rule tree reads, folded away: useful when a rule's answer surprises."""
    rows = [[_code(k), escape(str(v))] for k, v in facts.items()]
    return f"<details><summary>Facts for the rule tree ({len(rows)})</summary>{_table(['fact', 'value'], rows)}</details>"


def _advice_html(advice: Any, kinds: dict[str, str] | None = None) -> str:
    """The rule tree's walk and candidates; empty until the Report carries advice.

    The map's questions and the advisor's own checks are separate tables, so a
    reader always knows which of the two said what.
    """
    if advice is None:
        return ""
    kinds = kinds or {}
    out = ["<h2>Advice</h2>", f"<p><b>Outcome:</b> {escape(advice.outcome)}<br>"
           f"<b>Path:</b> {' → '.join(_code(n) for n in advice.path)}</p>"]
    on_map, added = trace_groups(advice)
    if on_map:
        out += ["<h3>scikit-learn's map</h3>", "<p class=\"muted\">The map's questions along the path, in order.</p>",
                _trace_table(on_map, "node")]
    if added:
        out += ["<h3>Advisor's additions</h3>", "<p class=\"muted\">Checks the advisor makes on top of the map.</p>",
                _trace_table(added, "rule")]
    out += _candidates(advice.candidates, kinds)
    out += _preparation(advice.candidates)
    if advice.assumptions:
        out += ["<h3>Assumptions</h3><ul>", *[f"<li>{escape(i)}</li>" for i in advice.assumptions], "</ul>"]
    if advice.notes:
        out.append("<h3>Notes</h3><ul>")
        for note in advice.notes:
            tag, text = note_tag(note)
            out.append(f"<li>{_tag(tag) + ' ' if tag else ''}{escape(text)}</li>")
        out.append("</ul>")
    out.append(f"<p class=\"muted\">Rules: {escape(str(advice.rules_source))}</p>")
    return "\n".join(out)


def _tag(origin: str) -> str:
    return f"<span class=\"tag tag-{escape(origin)}\">{escape(origin)}</span>"


def _trace_table(steps: list[Any], id_header: str) -> str:
    rows = []
    for s in steps:
        fact, value = fact_parts(s)
        rows.append([escape(answer_text(s)), escape(s.question),
                     _code(value) if fact is None else f"{_code(fact)} = {_code(value)}",
                     _code(s.node_id), f"<span class=\"muted\">{escape(s.note)}</span>" if s.note else ""])
    return _table(["answer", "question", "fact = value", id_header, "note"], rows)


def _candidates(candidates: list[Any], kinds: dict[str, str]) -> list[str]:
    if not candidates:
        return ["<h3>Candidates</h3>", "<p>No estimator to recommend.</p>"]
    rows = [
        [str(i), f"<b>{escape(c.name)}</b>", _tag(c.origin), escape(c.family),
         escape(c.interpretability.replace("_", " ")), "yes" if c.partial_fit else "no",
         "yes" if c.predict_proba else "no", escape(prep_summary(c.preparation, kinds) or "–"),
         ", ".join(_code(n) for n in c.try_next) or "–"]
        for i, c in enumerate(candidates, 1)
    ]
    header = ["#", "estimator", "from", "family", "interpretability", "partial_fit", "predict_proba",
              "preparation", "try next"]
    why = [f"<li><b>{escape(c.name)}</b>: {escape(c.why)} <span class=\"muted\">Interpretability: "
           f"{escape(c.interpretability_reason)}</span></li>" for c in candidates]
    return ["<h3>Candidates</h3>", _table(header, rows, {0}), "<p>Why each candidate:</p>", "<ol>", *why, "</ol>"]


def _preparation(candidates: list[Any]) -> list[str]:
    """Each distinct preparation step once; the candidates table names them by short name."""
    legend = prep_legend(candidates)
    if not legend:
        return []
    rows = []
    for step, used in legend:
        sid, _component, columns, reason = prep_parts(step)
        on = ", ".join(_code(col) for col in columns) if columns else escape(prep_target(step))
        rows.append([f"{escape(prep_short(step))} <span class=\"muted\">({_code(sid)})</span>",
                     _code(component_call(step)), on, escape(reason), escape(numbers_text(used))])
    return ["<h3>Preparation</h3>", _table(["step", "component", "columns", "reason", "used by"], rows)]
