"""Renderers for a DriftReport: Markdown and HTML here, the terminal in terminal.py (Rich).

All three take their rows from ``drift_rows`` so they show the same checks the same way.
"""

from __future__ import annotations

from html import escape
from typing import Any

SEVERITY_MARK = {"none": "·", "low": "○", "medium": "▲", "high": "✖"}


def drift_rows(report: Any) -> list[list[str]]:
    """One row per check that is not 'none', worst first; then a row per clean column."""
    rows = []
    order = {"high": 0, "medium": 1, "low": 2, "none": 3}
    for col in sorted(report.columns, key=lambda c: (order[c.severity], c.column)):
        flagged = [k for k in col.checks if k.severity != "none"] or col.checks[:1]
        for k in sorted(flagged, key=lambda k: order[k.severity]):
            effect = "–" if k.effect is None else f"{k.effect:.3g}"
            p = "–" if k.p_adjusted is None else f"{k.p_adjusted:.2g}"
            rows.append([col.column, col.kind, k.severity, k.check, f"{k.effect_name} {effect}", p, k.detail])
    return rows


def schema_rows(report: Any) -> list[list[str]]:
    return [[s.change, s.column, s.severity, s.detail] for s in report.schema]


def domain_text(report: Any) -> str:
    d = report.domain
    if d.status != "ok":
        return f"domain classifier {d.status}: {d.reason}"
    tops = ", ".join(f"{k} ({v:.3g})" for item in d.top_columns for k, v in item.items())
    return (f"ROC AUC {d.auc:.3f} ± {d.auc_std:.3f} on {d.n_rows_each:,} rows from each table "
            f"(0.5 = indistinguishable) → {d.severity}; columns that give the new data away "
            f"({d.importance_method}): {tops or 'none'}")


def model_rows(report: Any) -> list[list[str]]:
    """The saved model's view, as (what, reference, current, severity-free detail) rows."""
    m = report.model
    if m is None:
        return []
    rows = [["model", m.candidate or "?", f"target {m.target}, task {m.task}", f"severity {m.severity}"],
            ["rows outside the training data", "–", f"{m.out_of_distribution_share:.1%}",
             "a number outside the reference range or a category never seen"],
            ["predictions", "", "", m.prediction_shift_detail]]
    if m.confidence_reference is not None:
        rows.append(["mean top-class probability", f"{m.confidence_reference:.3f}", f"{m.confidence_current:.3f}", ""])
    if m.score_name:
        rows.append([m.score_name, f"{m.score_reference:.3f}", f"{m.score_current:.3f}", "; ".join(m.notes)])
    elif m.notes:
        rows.append(["score", "–", "–", "; ".join(m.notes)])
    return rows


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]


def render_drift_markdown(report: Any) -> str:
    s = report.summary
    lines = [
        f"# Drift: {report.current} against {report.reference}", "",
        f"**Overall drift: {s.severity}** — {s.headline}.", "",
        f"- Reference: `{report.reference}`, {report.n_reference_rows:,} rows",
        f"- Current: `{report.current}`, {report.n_current_rows:,} rows",
        f"- Columns checked: {s.n_columns_checked}, drifted: {s.n_columns_drifted}",
        "", "## What to do", "", *[f"- {a}" for a in s.advice],
    ]
    if report.schema:
        lines += ["", "## Schema changes", "", *_md_table(["change", "column", "severity", "detail"], schema_rows(report))]
    lines += ["", "## Columns", "",
              *_md_table(["column", "kind", "severity", "check", "effect", "p (adjusted)", "detail"], drift_rows(report)),
              "", "## Whole table", "", domain_text(report) + ".", "",
              *(["## The model", "", *_md_table(["", "reference", "current", "detail"], model_rows(report)), ""]
                if report.model else []),
              _thresholds_md(report),
              "", f"_Timings: {_timings(report)}_", ""]
    return "\n".join(lines)


def _thresholds_md(report: Any) -> str:
    parts = [f"{name} {lo:g}/{mid:g}/{hi:g}" for name, (lo, mid, hi) in report.thresholds.items()]
    return (f"Severity thresholds (low/medium/high): {'; '.join(parts)}. A tested shift counts only when its "
            f"Benjamini-Hochberg adjusted p-value is below {report.alpha:g}.")


def _timings(report: Any) -> str:
    return ", ".join(f"{k.replace('_seconds', '')} {v:.2f} s" for k, v in report.timings.items()) or "none"


def render_drift_html(report: Any) -> str:
    from advisor.report.html import CSS

    s = report.summary

    def table(header: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join(
            f"<tr class=\"sev-{escape(r[2]) if len(r) > 2 else ''}\">" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>"
            for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    parts = [
        f"<h1>Drift: {escape(report.current)} against {escape(report.reference)}</h1>",
        f"<p><strong>Overall drift: {escape(s.severity)}</strong> — {escape(s.headline)}.</p>",
        "<ul>" + "".join(f"<li>{escape(a)}</li>" for a in s.advice) + "</ul>",
    ]
    if report.schema:
        parts += ["<h2>Schema changes</h2>", table(["change", "column", "severity", "detail"],
                                                   [[r[0], r[1], r[2], r[3]] for r in schema_rows(report)])]
    parts += ["<h2>Columns</h2>",
              table(["column", "kind", "severity", "check", "effect", "p (adjusted)", "detail"], drift_rows(report)),
              "<h2>Whole table</h2>", f"<p>{escape(domain_text(report))}.</p>",
              *(["<h2>The model</h2>", table(["", "reference", "current", "detail"], model_rows(report))]
                if report.model else []),
              f"<p class=\"muted\">{escape(_thresholds_md(report))}</p>",
              f"<footer>Timings: {escape(_timings(report))} · advisor {escape(report.advisor_version)}</footer>"]
    title = f"Drift: {report.current}"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(parts)
            + "\n</body>\n</html>\n")
