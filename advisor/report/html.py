"""HTML rendering: one self-contained page that opens offline and can be mailed or archived.

No scripts, fonts, stylesheets or images are fetched: the CSS is inline, the
charts are small inline SVGs, and every value from the data passes through
``html.escape``. Light and dark themes follow ``prefers-color-scheme``.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from advisor.report._format import (
    DRIFT_ADVICE,
    SEVERITY_ORDER,
    SIGN_MARK,
    additivity_text,
    advice_of,
    agreement_text,
    answer_text,
    background_text,
    base_value_text,
    baseline_text,
    budget_text,
    cancelled_text,
    class_importances,
    column_kinds,
    component_call,
    corr_value,
    curve_text,
    cv_text,
    disagreement_warning,
    distinct_text,
    drift_command,
    duration,
    explained_rows_text,
    explainer_text,
    explanation_first,
    explanation_notes,
    explanation_of,
    explanation_summary,
    fact_parts,
    gap_text,
    importance_label,
    leaderboard_notes,
    leakage_caution,
    metric_label,
    no_pick_text,
    note_tag,
    num,
    numbers_text,
    numeric_summary,
    operating_items,
    pct,
    pick_headline,
    pick_row,
    predict_command,
    prep_legend,
    prep_parts,
    prep_short,
    prep_summary,
    prep_target,
    rest_words,
    saved_model_items,
    score_text,
    secondary_metrics,
    severity_counts,
    sign_legend,
    signed,
    size,
    status_reason,
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
.pick { border-left: 4px solid var(--bar); padding: .25rem .75rem; margin: .6rem 0; }
.pick .headline { font-size: 1.1rem; } .caution { color: var(--warning); } .bad { color: var(--critical); }
tr.chosen td { font-weight: 600; } tr.baseline td { color: var(--muted); } tr.unmeasured td { color: var(--muted); }
td.over { color: var(--warning); font-weight: 600; }
pre { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
figure.plot { margin: .5rem 0; padding: .5rem; background: #fff; border: 1px solid var(--line); border-radius: 6px;
  max-width: 100%; } figure.plot svg { display: block; max-width: 100%; height: auto; }
figure.plot svg text { fill: #000; } figure.plot figcaption { color: #57606a; font-size: .85rem; }
.nowrap { white-space: nowrap; } .sign-up { color: #1a7f37; } .sign-down { color: var(--critical); } .sign-none { color: var(--muted); }
"""


def render_html(report: Any) -> str:
    """The whole page as one string; sections mirror the terminal and Markdown reports."""
    p = report.profile
    board = getattr(report, "leaderboard", None)
    first = explanation_first(report)
    kind = "Model explanation" if first else "Model recommendation" if board is not None else "Data profile"
    title = f"{kind}: {report.source.file_name}"
    explained = _explanation_html(explanation_of(report))
    answer = _recommend_html(report)
    body = "\n".join([
        f"<h1>{escape(title)}</h1>",
        f"<p class=\"muted\">{escape(task_line(report))}</p>",
        *([explained, *answer] if first else [*answer, explained]),
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
        cls = f" class=\"{row_classes[r]}\"" if row_classes and row_classes[r] else ""
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
        if src.decimal and src.decimal != ".":
            fmt += f", decimal '{src.decimal}'"
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
         distinct_text(c), escape(numeric_summary(c)), f"<span class=\"muted\">{escape(c.kind_reason)}</span>"]
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
        rows = [[_code(c.a), _code(c.b), escape(c.method), corr_value(c)] for c in p.correlations]
        out += ["<h2>Correlated pairs</h2>", _table(["column", "column", "method", "value"], rows, {3})]
    if p.leakage:
        rows = [[_code(s.column), escape(s.metric), f"{s.score:.3f}", f"{s.baseline:.3f}"] for s in p.leakage]
        out += ["<h2>Leakage suspects</h2>", _table(["column", "metric", "score alone", "chance"], rows, {2, 3})]
    if p.joint_leakage:
        out += [] if p.leakage else ["<h2>Leakage suspects</h2>"]
        out += [f"<p>Together, {' + '.join(_code(c) for c in j.columns)} rebuild the target in a linear fit "
                f"({escape(j.metric)} {j.score:.3f} on held-out rows).</p>" for j in p.joint_leakage]
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


# ---------------------------------------------------------------- recommend


def _recommend_html(report: Any) -> list[str]:
    """Recommendation, leaderboard, operating notes, rebuild code and saved model: the answer comes first."""
    board = getattr(report, "leaderboard", None)
    if board is None:
        return []
    out = [_recommendation(board, report), _leaderboard(board), _operating(report), _rebuild(report)]
    saved = getattr(report, "saved_model", None)
    if saved is not None:
        out.append(_saved_model(saved))
    return [part for part in out if part]


def _facts_list(items: list[tuple[str, str]]) -> str:
    """Label/text pairs as a definition list; the text is already escaped HTML."""
    return "<dl class=\"facts\">" + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _recommendation(board: Any, report: Any) -> str:
    pick = board.pick
    if pick is None:
        return (f"<h2>Recommendation</h2><div class=\"pick\"><p class=\"headline bad\"><b>No recommendation</b></p>"
                f"<p>{escape(no_pick_text(board))}.</p></div>")
    row = pick_row(board)
    origin = f" {_tag(row.origin)}" if row is not None else ""
    items = [("why", escape(pick.reason))]
    caution = leakage_caution(report)
    if caution:
        items.append(("caution", f"<span class=\"caution\">{escape(caution)}</span>"))
    beats = baseline_text(board)
    if beats:
        items.append(("baseline", escape(beats) if pick.beats_baseline else f"<span class=\"caution\">{escape(beats)}</span>"))
    for label, text in (("more data", curve_text(board)), ("stopped", cancelled_text(board))):
        if text:
            items.append((label, escape(text)))
    return (f"<h2>Recommendation</h2><div class=\"pick\"><p class=\"headline\"><b>{escape(pick.name)}</b>{origin} "
            f"{escape(pick_headline(board))}</p>{_facts_list(items)}</div>")


def _leaderboard(board: Any) -> str:
    """Every row with its status, score, train score and gap, timings, size, tie and reason; then all metrics."""
    label = metric_label(board)
    pick = board.pick.name if board.pick is not None else None
    rows, classes = [], []
    for r in board.rows:
        ok = r.status == "ok"
        name = f"<b>{escape(r.name)}</b> ✔" if r.name == pick else escape(r.name)
        if r.is_baseline:
            name += " <span class=\"muted\">(baseline)</span>"
        notes = [status_reason(r)] if not ok else []
        notes += list(r.notes)
        gap = escape(gap_text(r)) if ok else "–"
        rows.append([
            "–" if r.rank is None else str(r.rank), name, _tag(r.origin), escape(r.status),
            escape(score_text(r.score, r.score_std)) if ok else "–", escape(score_text(r.train_score)) if ok else "–",
            gap, escape(duration(r.fit_seconds)) if ok else "–",
            escape(duration(r.predict_seconds_per_1000_rows)) if ok else "–",
            escape(size(r.model_bytes)) if ok and r.model_bytes is not None else "–",
            "pick" if r.name == pick else "≈" if r.tied_with_best else "",
            "–" if r.p_value_vs_best is None else f"{r.p_value_vs_best:.3f}",
            escape("; ".join(notes)),
        ])
        classes.append("chosen" if r.name == pick else "baseline" if r.is_baseline else "" if ok else "unmeasured")
    header = ["#", "candidate", "from", "status", f"{escape(label)} (mean ± std)", "train", "gap", "fit",
              "predict /1k rows", "size", "tied", "p vs best", "reason / notes"]
    table = _table(header, rows, {0, 4, 5, 6, 7, 8, 9, 11}, classes)
    for r in board.rows:  # mark the overfitting gaps
        if r.overfitting:
            table = table.replace(f"<td class=\"num\">{escape(gap_text(r))}</td>",
                                  f"<td class=\"num over\">{escape(gap_text(r))}</td>", 1)
    higher = next((m.greater_is_better for m in board.metrics if m.name == board.metric), True)
    legend = (f"Scores are {escape(label)} on the held-out folds ({'higher' if higher else 'lower'} is better); "
              "<i>train</i> is the same metric on the training folds and <i>gap</i> how much better the model does "
              "on rows it has seen (<b>!</b> overfitting). <i>Fit</i> is the mean time per fold, <i>predict</i> the "
              "time per 1,000 rows, <i>size</i> the pickled fitted model. ✔ marks the pick; ≈ marks candidates "
              "statistically tied with the best (corrected resampled t-test, p ≥ 0.05).")
    out = ["<h2>Leaderboard</h2>",
           f"<p class=\"muted\">Cross-validation: {escape(cv_text(board.cv))}; {escape(budget_text(board))}.</p>",
           table, f"<p class=\"muted\">{legend}</p>", _all_metrics(board)]
    notes = leaderboard_notes(board)
    if notes:
        out += ["<h3>Leaderboard notes</h3><ul>", *[f"<li>{escape(n)}</li>" for n in notes], "</ul>"]
    return "\n".join(part for part in out if part)


def _all_metrics(board: Any) -> str:
    others = secondary_metrics(board)
    measured = [r for r in board.rows if r.status == "ok"]
    if not others or not measured:
        return ""
    metrics = [m for m in board.metrics if m.name == board.metric] + others
    rows = []
    for r in measured:
        cells = []
        for m in metrics:
            s = r.scores.get(m.name)
            cells.append(escape(score_text(s.mean, s.std) if s is not None else "–"))
        rows.append([escape(r.name) + (" <span class=\"muted\">(baseline)</span>" if r.is_baseline else ""), *cells])
    header = ["candidate", *[f"{escape(m.label)} {'↑' if m.greater_is_better else '↓'}" for m in metrics]]
    return ("<h3>All metrics</h3><p class=\"muted\">Mean ± std over the held-out folds; ↑ higher is better, "
            "↓ lower is better, – where the estimator cannot give the metric.</p>"
            + _table(header, rows, set(range(1, len(metrics) + 1))))


def _operating(report: Any) -> str:
    items = operating_items(report)
    if not items:
        return ""
    labels = {"online": "learns online"}
    facts = [(labels.get(k, k), escape(v) + (f" <span class=\"muted\">({escape(d)})</span>" if d else ""))
             for k, v, d in items]
    facts.append(("drift", f"run {_code(drift_command(report))} {escape(DRIFT_ADVICE)}"))
    return "<h2>Operating the model</h2>" + _facts_list(facts)


def _rebuild(report: Any) -> str:
    source = getattr(report, "pipeline_code", None)
    if not source:
        return ""
    return ("<h2>Rebuild the pick</h2><p>Python that rebuilds the recommended pipeline, unfitted; fit it on the "
            "training rows with <code>pipeline.fit(X, y)</code>.</p>"
            f"<pre><code class=\"language-python\">{escape(source.rstrip(chr(10)))}</code></pre>")


def _saved_model(saved: Any) -> str:
    facts = [(k, _code(v) if k in ("path", "candidate") else escape(v)) for k, v in saved_model_items(saved)]
    facts += [("warning", f"<span class=\"caution\">{escape(w)}</span>") for w in saved.warnings]
    facts.append(("use", _code(predict_command(saved))))
    return "<h2>Saved model</h2>" + _facts_list(facts)


# ---------------------------------------------------------------- explain

SIGN_CLASS = {1: "sign-up", -1: "sign-down", 0: "sign-none"}


def _explanation_html(e: Any) -> str:
    """Why the model predicts what it does: the same tables as Markdown, plus the bar and beeswarm plots."""
    if e is None:
        return ""
    out = ["<h2>Explanation</h2>"]
    if e.importances:
        out.append(f"<p>{escape(explanation_summary(e))}</p>")
    facts = [("model", _code(e.model)), ("explainer", escape(explainer_text(e))), ("output", escape(e.output_label)),
             ("rows explained", escape(explained_rows_text(e))), ("background", escape(background_text(e)))]
    base = base_value_text(e)
    if base:
        facts.append(("base value", escape(base)))
    if e.surrogate is not None:
        text = escape(e.surrogate.message)
        facts.append(("surrogate", text if e.surrogate.faithful else f"<span class=\"caution\">{text}</span>"))
    out.append(_facts_list(facts))
    out += [_importances_html(e), _plots_html(e), _classes_html(e), _checks_html(e)]
    if e.row is not None:
        out.append(_row_html(e.row))
    out.append("<h3>Findings from the explanation</h3>")
    out.append(_finding_divs(e.findings) if e.findings else "<p>No findings.</p>")
    notes = explanation_notes(e)
    if notes:
        out += ["<h3>Explanation notes</h3><ul>", *[f"<li>{escape(n)}</li>" for n in notes], "</ul>"]
    return "\n".join(part for part in out if part)


def _finding_divs(findings: list[Any]) -> str:
    out = []
    for sev in SEVERITY_ORDER:
        for f in (f for f in findings if f.severity == sev):
            cols = ", ".join(_code(c) for c in f.columns)
            out.append(
                f"<div class=\"finding {escape(sev)}\"><p><span class=\"sev sev-{escape(sev)}\">{escape(sev)}</span>"
                f"{_code(f.code)}{' · ' + cols if cols else ''}</p><p>{escape(f.message)}</p>"
                f"<p class=\"advice\">→ {escape(f.advice)}</p></div>"
            )
    return "\n".join(out)


def _importances_html(e: Any) -> str:
    if not e.importances:
        return "<p>No column importances could be measured.</p>"
    label = importance_label(e)
    top = max((i.importance for i in e.importances), default=0.0) or 1.0
    rows = []
    for i in e.importances:
        sign = f"<span class=\"{SIGN_CLASS.get(i.sign, 'sign-none')}\">{SIGN_MARK.get(i.sign, '~')}</span>"
        rows.append([str(i.rank), _code(i.column), escape(num(i.importance)),
                     f"<span class=\"nowrap\">{_bar(max(i.importance, 0.0) / top, 'bar')} {escape(pct(i.share))}</span>",
                     sign if e.method == "shap" else "", escape(i.direction)])
    table = _table(["#", "column", escape(label), "share", "", "direction"], rows, {0, 2})
    legend = f"Bars are {escape(label)} scaled to the top column"
    legend += f"; {escape(sign_legend(e))}." if e.method == "shap" else "."
    return f"<h3>What drives the model</h3>{table}<p class=\"muted\">{legend}</p>"


def _plots_html(e: Any) -> str:
    """The bar and beeswarm plots as inline SVG, or one line saying why they are missing."""
    from advisor.explain import embedded_plots, shap_values

    if shap_values(e) is None:
        why = ("permutation importance has no per-row values to plot" if e.method != "shap"
               else "the per-row SHAP values are not part of the JSON report; run advisor explain with "
                    "--format html to get them")
        return f"<p class=\"muted\">No plots: {escape(why)}.</p>"
    try:
        plots = embedded_plots(e)
    except Exception as exc:  # plotting is an extra: the tables above carry the numbers
        return f"<p class=\"muted\">No plots: they could not be drawn ({escape(type(exc).__name__)}: {escape(str(exc))}).</p>"
    captions = {"importance": f"{importance_label(e)} per column", "beeswarm": "each row's contribution per column"}
    figures = [f"<figure class=\"plot\">{_inline_svg(svg, name)}<figcaption>{escape(captions.get(name, name))}"
               "</figcaption></figure>" for name, svg in plots.items()]
    return "<div class=\"plots\">" + "".join(figures) + "</div>"


def _inline_svg(svg: str, prefix: str) -> str:
    """A Matplotlib SVG ready to sit in the page: no metadata or namespace URLs, ids and styles kept to itself."""
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"(<style[^>]*>)\s*\*\s*\{", r"\1figure.plot svg *{", svg)
    return svg.replace("<svg ", f"<svg role=\"img\" aria-label=\"{escape(prefix)} plot\" ", 1).strip()


def _classes_html(e: Any) -> str:
    classes = class_importances(e)
    if not classes:
        return ""
    rows = [[_code(i.column), *[escape(num(i.importance_by_class.get(c, 0.0))) for c in classes]]
            for i in e.importances]
    header = ["column", *[_code(c) for c in classes]]
    return (f"<h3>Importance per class</h3><p class=\"muted\">{escape(importance_label(e))} of each class's "
            f"{escape(e.output_space)}.</p>" + _table(header, rows, set(range(1, len(classes) + 1))))


def _checks_html(e: Any) -> str:
    facts = []
    if e.additivity is not None:
        text = escape(additivity_text(e.additivity))
        facts.append(("additivity", text if e.additivity.ok else f"<span class=\"caution\">{text}</span>"))
    p = e.permutation
    if p is not None:
        text = escape(agreement_text(p) if e.method == "shap" else p.message)
        if not p.held_out:
            text += " <span class=\"muted\">(not held-out rows: the model may have been fitted on them)</span>"
        facts.append(("agreement" if e.method == "shap" else "permutation", text))
        warning = disagreement_warning(p)
        if warning:
            facts.append(("warning", f"<span class=\"caution\"><b>{escape(warning)}</b></span>"))
    return "<h3>Checks</h3>" + _facts_list(facts) if facts else ""


def _row_html(row: Any) -> str:
    rows = [[_code(c.column), _code(c.value), escape(signed(c.contribution)), escape(c.text)] for c in row.contributions]
    if row.rest:
        rows.append(["other columns", "", escape(signed(row.rest)), escape(rest_words(row.rest))])
    return (f"<h3>Row {row.row}</h3><p>{escape(row.summary)}</p>"
            + _table(["column", "value", "contribution", "in words"], rows, {2}))
