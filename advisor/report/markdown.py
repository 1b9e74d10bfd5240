"""Markdown rendering: GitHub-flavoured, no ANSI, deterministic, ready to paste into a design doc.

The formatters it shares with the terminal and HTML renderers live in
``advisor.report._format``.
"""

from __future__ import annotations

from typing import Any

from advisor.report._format import (
    DRIFT_ADVICE,
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
    signed,
    size,
    status_reason,
    sureness,
    task_line,
    timings_text,
    trace_groups,
)


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
    board = getattr(report, "leaderboard", None)
    first = explanation_first(report)
    title = "Model explanation" if first else "Model recommendation" if board is not None else "Data profile"
    explained = _explanation_markdown(explanation_of(report))
    answer = _recommend_markdown(report)
    blocks = [
        [f"# {title}: {cell(report.source.file_name)}"],
        *([explained, *answer] if first else [*answer, explained]),
        _summary(report),
        _target(p),
        _columns(p),
        _findings(p),
        _relations(p),
        _advice_markdown(advice_of(report), column_kinds(report)),
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
        if src.decimal and src.decimal != ".":
            fmt += f", decimal mark {code(src.decimal)}"
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
         distinct_text(c), cell(numeric_summary(c)), cell(c.kind_reason)]
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
        rows = [[code(c.a), code(c.b), c.method, corr_value(c)] for c in p.correlations]
        lines += _table(["column", "column", "method", "value"], rows, "lllr")
    else:
        lines.append("No strongly correlated pairs.")
    lines += ["", "## Leakage suspects", ""]
    if p.leakage:
        rows = [[code(s.column), s.metric, f"{s.score:.3f}", f"{s.baseline:.3f}"] for s in p.leakage]
        lines += _table(["column", "metric", "score alone", "chance"], rows, "llrr")
    for j in p.joint_leakage:
        lines += [""] if p.leakage else []
        lines.append(f"Together, {' + '.join(code(c) for c in j.columns)} rebuild the target in a linear fit "
                     f"({j.metric} {j.score:.3f} on held-out rows).")
    if p.target is None:
        lines.append("Not checked: there is no target.")
    elif not p.leakage and not p.joint_leakage:
        lines.append("No column predicts the target suspiciously well on its own.")
    return lines


def _advice_markdown(advice: Any, kinds: dict[str, str] | None = None) -> list[str]:
    """The rule tree's walk and candidates; empty until the Report carries advice.

    The map's questions and the advisor's own checks are separate tables, so a
    reader always knows which of the two said what.
    """
    if advice is None:
        return []
    kinds = kinds or {}
    lines = ["## Advice", "", f"**Outcome:** {cell(advice.outcome)}  ", f"**Path:** {' → '.join(code(n) for n in advice.path)}"]
    mermaid = getattr(advice, "mermaid", None)
    if mermaid:
        lines += ["", "```mermaid", mermaid.rstrip("\n"), "```"]
    on_map, added = trace_groups(advice)
    if on_map:
        lines += ["", "### scikit-learn's map", "", "The map's questions along the path, in order.", "",
                  *_trace_table(on_map, "node")]
    if added:
        lines += ["", "### Advisor's additions", "", "Checks the advisor makes on top of the map.", "",
                  *_trace_table(added, "rule")]
    lines += _advice_candidates(advice.candidates, kinds)
    lines += _advice_preparation(advice.candidates)
    if advice.assumptions:
        lines += ["", "### Assumptions", "", *[f"- {cell(i)}" for i in advice.assumptions]]
    if advice.notes:
        lines += ["", "### Notes", ""]
        for note in advice.notes:
            tag, text = note_tag(note)
            lines.append(f"- {'**' + tag + ':** ' if tag else ''}{cell(text)}")
    lines += ["", f"Rules: {code(advice.rules_source)}"]
    return lines


def _trace_table(steps: list[Any], id_header: str) -> list[str]:
    rows = []
    for s in steps:
        fact, value = fact_parts(s)
        rows.append([answer_text(s), cell(s.question), code(value) if fact is None else f"{code(fact)} = {code(value)}",
                     code(s.node_id), cell(s.note or "")])
    return _table(["answer", "question", "fact = value", id_header, "note"], rows)


def _advice_candidates(candidates: list[Any], kinds: dict[str, str]) -> list[str]:
    lines = ["", "### Candidates", ""]
    if not candidates:
        return [*lines, "No estimator to recommend."]
    rows = [
        [str(i), f"**{cell(c.name)}**", c.origin, cell(c.family), cell(c.interpretability.replace("_", " ")),
         "yes" if c.partial_fit else "no", "yes" if c.predict_proba else "no",
         cell(prep_summary(c.preparation, kinds)) or "–", ", ".join(code(n) for n in c.try_next) or "–"]
        for i, c in enumerate(candidates, 1)
    ]
    header = ["#", "estimator", "from", "family", "interpretability", "partial_fit", "predict_proba",
              "preparation", "try next"]
    lines += _table(header, rows, "r")
    lines += ["", "Why each candidate:", ""]
    lines += [f"{i}. **{cell(c.name)}**: {cell(c.why)} _Interpretability:_ {cell(c.interpretability_reason)}"
              for i, c in enumerate(candidates, 1)]
    return lines


def _advice_preparation(candidates: list[Any]) -> list[str]:
    """Each distinct preparation step once; the candidates table names them by short name."""
    legend = prep_legend(candidates)
    if not legend:
        return []
    rows = []
    for step, used in legend:
        columns = prep_parts(step)[2]
        on = ", ".join(code(col) for col in columns) if columns else prep_target(step)
        rows.append([f"{cell(prep_short(step))} ({code(prep_parts(step)[0])})", code(component_call(step)), on,
                     cell(prep_parts(step)[3]), numbers_text(used)])
    return ["", "### Preparation", "", *_table(["step", "component", "columns", "reason", "used by"], rows)]


# ---------------------------------------------------------------- recommend


def _recommend_markdown(report: Any) -> list[list[str]]:
    """Recommendation, leaderboard, operating notes, rebuild code and saved model: the answer comes first."""
    board = getattr(report, "leaderboard", None)
    if board is None:
        return []
    blocks = [_recommendation(board, report), _leaderboard(board), _operating(report), _rebuild(report)]
    saved = getattr(report, "saved_model", None)
    if saved is not None:
        blocks.append(_saved_model(saved))
    return [b for b in blocks if b]


def _recommendation(board: Any, report: Any) -> list[str]:
    pick = board.pick
    if pick is None:
        return ["## Recommendation", "", f"**No recommendation:** {cell(no_pick_text(board))}."]
    row = pick_row(board)
    origin = f" (from {'the map' if row.origin == 'map' else 'the advisor'})" if row is not None else ""
    lines = ["## Recommendation", "", f"**{cell(pick.name)}**{origin}: {cell(pick_headline(board))}.", "",
             f"- **Why:** {cell(pick.reason)}"]
    for label, text in (("Caution", leakage_caution(report)), ("Baseline", baseline_text(board)),
                        ("More data", curve_text(board)),
                        ("Stopped", cancelled_text(board))):
        if text:
            lines.append(f"- **{label}:** {cell(text[0].upper() + text[1:])}" + ("" if text.endswith(".") else "."))
    return lines


def _leaderboard(board: Any) -> list[str]:
    """Every row with its status, score, train score and gap, timings, size, tie and reason; then all metrics."""
    label = metric_label(board)
    pick = board.pick.name if board.pick is not None else None
    lines = ["## Leaderboard", "", f"Cross-validation: {cell(cv_text(board.cv))}; {cell(budget_text(board))}.", ""]
    rows = []
    for r in board.rows:
        name = f"**{cell(r.name)}** ✔" if r.name == pick else cell(r.name)
        if r.is_baseline:
            name += " (baseline)"
        ok = r.status == "ok"
        tied = "pick" if r.name == pick else "≈" if r.tied_with_best else ""
        p_value = "–" if r.p_value_vs_best is None else f"{r.p_value_vs_best:.3f}"
        notes = [status_reason(r)] if not ok else []
        notes += list(r.notes)
        rows.append([
            "–" if r.rank is None else str(r.rank), name, r.origin, r.status,
            score_text(r.score, r.score_std) if ok else "–", score_text(r.train_score) if ok else "–",
            gap_text(r) if ok else "–", duration(r.fit_seconds) if ok else "–",
            duration(r.predict_seconds_per_1000_rows) if ok else "–",
            size(r.model_bytes) if ok and r.model_bytes is not None else "–", tied, p_value,
            cell("; ".join(notes)) or "",
        ])
    header = ["#", "candidate", "from", "status", f"{cell(label)} (mean ± std)", "train", "gap", "fit",
              "predict /1k rows", "size", "tied", "p vs best", "reason / notes"]
    lines += _table(header, rows, "rlllrrrrrrlrl")
    direction = "higher" if next((m.greater_is_better for m in board.metrics if m.name == board.metric), True) else "lower"
    lines += ["", f"Scores are {cell(label)} on the held-out folds ({direction} is better); _train_ is the same metric "
              "on the training folds and _gap_ how much better the model does on rows it has seen (`!`: overfitting). "
              "_Fit_ is the mean time per fold, _predict_ the time per 1,000 rows, _size_ the pickled fitted model. "
              "✔ marks the pick; ≈ marks candidates statistically tied with the best (corrected resampled t-test, "
              "p ≥ 0.05)."]
    lines += _all_metrics(board)
    notes = leaderboard_notes(board)
    if notes:
        lines += ["", "### Leaderboard notes", "", *[f"- {cell(n)}" for n in notes]]
    return lines


def _all_metrics(board: Any) -> list[str]:
    others = secondary_metrics(board)
    measured = [r for r in board.rows if r.status == "ok"]
    if not others or not measured:
        return []
    metrics = [m for m in board.metrics if m.name == board.metric] + others
    rows = []
    for r in measured:
        cells = []
        for m in metrics:
            s = r.scores.get(m.name)
            cells.append(score_text(s.mean, s.std) if s is not None else "–")
        rows.append([cell(r.name) + (" (baseline)" if r.is_baseline else ""), *cells])
    header = ["candidate", *[f"{cell(m.label)} ({'↑' if m.greater_is_better else '↓'})" for m in metrics]]
    return ["", "### All metrics", "", "Mean ± std over the held-out folds; ↑ higher is better, ↓ lower is better, "
            "– where the estimator cannot give the metric.", "", *_table(header, rows, "l" + "r" * len(metrics))]


def _operating(report: Any) -> list[str]:
    items = operating_items(report)
    if not items:
        return []
    labels = {"predict": "Predict", "size": "Size", "refit": "Refit", "online": "Learns online"}
    lines = ["## Operating the model", ""]
    lines += [f"- **{labels.get(k, k)}:** {cell(v[0].upper() + v[1:])}" + (f" ({cell(d)})." if d else ".")
              for k, v, d in items]
    lines.append(f"- **Drift:** run {code(drift_command(report))} {cell(DRIFT_ADVICE)}.")
    return lines


def _rebuild(report: Any) -> list[str]:
    source = getattr(report, "pipeline_code", None)
    if not source:
        return []
    fence = "```"
    while fence in source:
        fence += "`"
    return ["## Rebuild the pick", "", "Python that rebuilds the recommended pipeline, unfitted; "
            "fit it on the training rows with `pipeline.fit(X, y)`.", "",
            f"{fence}python", source.rstrip("\n"), fence]


def _saved_model(saved: Any) -> list[str]:
    labels = {"path": "Path", "format": "Format", "candidate": "Candidate", "trained on": "Trained on"}
    lines = ["## Saved model", ""]
    for key, value in saved_model_items(saved):
        text = code(value) if key in ("path", "candidate") else cell(value)
        lines.append(f"- **{labels.get(key, key)}:** {text}")
    lines += [f"- **Warning:** {cell(w)}" for w in saved.warnings]
    lines.append(f"- **Use:** {code(predict_command(saved))}")
    return lines


# ---------------------------------------------------------------- explain


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:] if text else text
    return cell(text) + ("" if text.endswith(".") else ".")


def _explanation_markdown(e: Any) -> list[str]:
    """Why the model predicts what it does: how it was explained, the ranked columns, checks, one row, findings."""
    if e is None:
        return []
    lines = ["## Explanation", ""]
    if e.importances:
        lines += [cell(explanation_summary(e)), ""]
    facts = [("Model", code(e.model)), ("Explainer", cell(explainer_text(e))), ("Output", cell(e.output_label)),
             ("Rows explained", cell(explained_rows_text(e))), ("Background", cell(background_text(e)))]
    base = base_value_text(e)
    if base:
        facts.append(("Base value", cell(base)))
    if e.surrogate is not None:
        facts.append(("Surrogate", _sentence(e.surrogate.message)))
    lines += [f"- **{k}:** {v}" for k, v in facts]
    lines += _importances_markdown(e) + _classes_markdown(e) + _checks_markdown(e)
    if e.row is not None:
        lines += _row_markdown(e.row)
    lines += ["", "### Findings from the explanation", ""]
    if e.findings:
        rows = [[f.severity, code(f.code), ", ".join(code(c) for c in f.columns) or "–", cell(f.message),
                 cell(f.advice)] for f in e.findings]
        lines += _table(["severity", "code", "columns", "message", "advice"], rows)
    else:
        lines.append("No findings.")
    notes = explanation_notes(e)
    if notes:
        lines += ["", "### Explanation notes", "", *[f"- {cell(n)}" for n in notes]]
    return lines


def _importances_markdown(e: Any) -> list[str]:
    if not e.importances:
        return ["", "No column importances could be measured."]
    label = importance_label(e)
    rows = [[str(i.rank), code(i.column), num(i.importance), pct(i.share), cell(i.direction)] for i in e.importances]
    lines = ["", "### What drives the model", "", *_table(["#", "column", cell(label), "share", "direction"], rows, "rlrrl")]
    what = ("mean absolute SHAP value over the explained rows, in the model's " + e.output_space
            if e.method == "shap" else "how much worse the score gets when the column is shuffled")
    return [*lines, "", f"_{cell(label[0].upper() + label[1:])}_: {cell(what)}; _share_: its part of the total."]


def _classes_markdown(e: Any) -> list[str]:
    classes = class_importances(e)
    if not classes:
        return []
    rows = [[code(i.column), *[num(i.importance_by_class.get(c, 0.0)) for c in classes]] for i in e.importances]
    header = ["column", *[code(c) for c in classes]]
    return ["", "### Importance per class", "", f"{cell(importance_label(e))} of each class's {cell(e.output_space)}.",
            "", *_table(header, rows, "l" + "r" * len(classes))]


def _checks_markdown(e: Any) -> list[str]:
    items = []
    if e.additivity is not None:
        items.append(f"- **Additivity:** {_sentence(additivity_text(e.additivity))}")
    p = e.permutation
    if p is not None:
        label = "Agreement with permutation importance" if e.method == "shap" else "Permutation importance"
        text = agreement_text(p) if e.method == "shap" else p.message
        held = "" if p.held_out else " Not held-out rows: the model may have been fitted on them."
        items.append(f"- **{label}:** {_sentence(text)}{held}")
        warning = disagreement_warning(p)
        if warning:
            items.append(f"- **Warning:** {_sentence(warning)}")
    return ["", "### Checks", "", *items] if items else []


def _row_markdown(row: Any) -> list[str]:
    rows = [[code(c.column), code(c.value), signed(c.contribution), cell(c.text)] for c in row.contributions]
    if row.rest:
        rows.append(["other columns", "", signed(row.rest), cell(rest_words(row.rest))])
    return ["", f"### Row {row.row}", "", cell(row.summary), "",
            *_table(["column", "value", "contribution", "in words"], rows, "llrl")]
