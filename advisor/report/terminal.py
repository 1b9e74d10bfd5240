"""Terminal rendering with Rich: the report a person reads first, at 80 to 120 columns.

Rich is imported inside the functions so that ``advisor --help`` and the core
never load it. Without colour the output is plain text (Unicode box drawing
only), which is what the golden files pin.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from advisor.report._format import (
    DRIFT_ADVICE,
    SEVERITY_ORDER,
    SIGN_MARK,
    STATUS_TEXT,
    TIME_WIDTH,
    additivity_text,
    advice_of,
    agreement_text,
    background_text,
    base_value_text,
    baseline_text,
    budget_text,
    cancelled_text,
    class_importances,
    column_kinds,
    component_call,
    contribution_words,
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
    fact_text,
    gap_text,
    importance_label,
    leaderboard_notes,
    leakage_caution,
    metric_label,
    no_pick_text,
    note_tag,
    num,
    numbers_text,
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
    row_headline,
    saved_model_items,
    score_text,
    secondary_metrics,
    severity_counts,
    short_name,
    sign_legend,
    size,
    sureness,
    timings_text,
    trace_groups,
    traits,
    unmeasured,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "blue"}
SEVERITY_MARK = {"critical": "✖", "warning": "▲", "info": "●"}
MAX_PAIRS = 10  # the strongest pairs; the rest are in the other formats
MAX_CLASSES = 15
PLOTTED_KINDS = frozenset({"numeric", "count", "code"})
ROLE_STYLE = {"target": "bold magenta", "dropped": "dim", "feature": ""}


def render_terminal(report: Any, *, width: int = 100, color: bool = False) -> str:
    """Render every section into an in-memory console and return its text."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(
        file=buf, width=width, force_terminal=color, color_system="truecolor" if color else None,
        no_color=not color, legacy_windows=False, record=False, highlight=False, emoji=False,
        soft_wrap=False,
    )
    for part in _sections(report, width):
        console.print(part)
    text = buf.getvalue()
    if not color:  # Rich pads table rows; trailing blanks only make golden diffs noisy
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text


def _sections(report: Any, width: int) -> list[RenderableType]:
    from rich.text import Text

    p = report.profile
    explained = _explanation_terminal(explanation_of(report), width)
    answer = _recommend_terminal(report, width)
    first = explanation_first(report)  # advisor explain: the explanation is the answer
    parts: list[RenderableType] = [*_header(report), *(explained + answer if first else answer + explained)]
    parts += [*_target(p), *_columns(p, width), *_findings(p)]
    parts += _target_distribution(p, width) + _relations(p) + _advice_terminal(advice_of(report), width, column_kinds(report))
    parts += [Text(""), Text(f"timings: {timings_text(report)} · advisor {report.advisor_version}", style="dim")]
    return parts


def _rule(title: str) -> RenderableType:
    from rich.rule import Rule

    return Rule(f"[bold]{title}[/]", align="left", style="dim", characters="─")


# ---------------------------------------------------------------- header and target


def _header(report: Any) -> list[RenderableType]:
    from rich.text import Text

    src, t = report.source, report.profile.table
    fmt = [src.format.upper() + (f" ({src.compression})" if src.compression else ""), size(src.size_bytes)]
    if src.format in ("csv", "tsv"):
        fmt += [src.encoding or "?", "delimiter '" + ("\\t" if src.delimiter == "\t" else str(src.delimiter)) + "'"]
        if src.decimal and src.decimal != ".":
            fmt.append(f"decimal '{src.decimal}'")
    lines: list[RenderableType] = [
        Text.assemble((f"advisor {_command(report)}  ", "bold"), (src.file_name, "bold cyan")),
        Text(f"{t.n_rows:,} rows × {t.n_columns:,} columns · {pct(t.missing_share)} of cells missing · "
             f"{t.n_duplicate_rows:,} duplicate {'row' if t.n_duplicate_rows == 1 else 'rows'}"),
        Text(" · ".join(fmt), style="dim"),
    ]
    if t.is_sample:
        lines.append(Text(f"sample: statistics from {t.n_rows:,} of {t.n_rows_in_file:,} rows", style="yellow"))
    lines += [Text(f"note: {n}", style="dim") for n in src.notes]
    return lines


def _target(p: Any) -> list[RenderableType]:
    from rich.text import Text

    t = p.target
    if t is None:
        line = Text.assemble(("no target: ", "bold"), ("unsupervised", "bold green"), f" ({p.task})")
        return [Text(""), line, _indented(p.task_reason)]
    out: list[RenderableType] = [
        Text(""),
        Text.assemble(("target ", "bold"), (t.name, "bold magenta"), " → ", (t.task, "bold green"),
                      f" · {t.task_reason}"),
        _indented(sureness(t)),
    ]
    if t.runners_up:
        out.append(_indented("runners-up: " + ", ".join(t.runners_up)))
    return out


def _indented(text: str, style: str = "dim") -> RenderableType:
    from rich.padding import Padding
    from rich.text import Text

    return Padding(Text(text, style=style), (0, 0, 0, 2))


# ---------------------------------------------------------------- columns


def _columns(p: Any, width: int) -> list[RenderableType]:
    """One row per column; the last cell is a box plot for numbers, the top value otherwise."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    name_w = min(max(len(c.name) for c in p.columns), 22 if width < 100 else 32)
    kind_w = max(len("kind"), *(len(c.kind) for c in p.columns))
    role_w = max(len("role"), *(len(c.role) for c in p.columns))
    distinct_w = max(len("distinct"), *(len(distinct_text(c)) for c in p.columns))
    fixed = name_w + kind_w + role_w + len("missing") + distinct_w
    values_w = max(12, width - fixed - 2 * 5)  # a space of padding and one between columns
    summaries = _summary_cells(p.columns, avail=values_w)
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False,
                  header_style="bold")
    # Every column but the last keeps its width; the values are cut to what is left, so a long
    # date range or category never squeezes the names out.
    table.add_column("column", overflow="fold", min_width=name_w, max_width=name_w)
    table.add_column("kind", no_wrap=True, min_width=kind_w)
    table.add_column("role", no_wrap=True, min_width=role_w)
    table.add_column("missing", justify="right", no_wrap=True, min_width=len("missing"))
    table.add_column("distinct", justify="right", no_wrap=True, min_width=distinct_w)
    table.add_column("values", overflow="ellipsis", no_wrap=True, max_width=values_w)
    for c, summary in zip(p.columns, summaries, strict=True):
        miss_style = "yellow" if c.missing_share >= 0.05 else ("dim" if not c.n_missing else "")
        table.add_row(c.name, c.kind, c.role, Text(pct(c.missing_share), style=miss_style),
                      distinct_text(c), _fit(summary, values_w), style=ROLE_STYLE.get(c.role, ""))
    return [Text(""), _rule(f"columns ({len(p.columns)})"), table]


def _summary_cells(columns: list[Any], avail: int) -> list[str]:
    """Box plots with their min and max aligned across rows, sized to the space left."""
    ranged = {c.name: (short(c.numeric.min), short(c.numeric.max)) for c in columns
              if c.kind in PLOTTED_KINDS and c.numeric is not None and c.numeric.min is not None}
    lo_w = max((len(lo) for lo, _ in ranged.values()), default=0)
    hi_w = max((len(hi) for _, hi in ranged.values()), default=0)
    plot_w = min(16, avail - lo_w - hi_w - 2)
    out = []
    for c in columns:
        if c.name in ranged:
            lo, hi = ranged[c.name]
            middle = boxplot(c.numeric, plot_w) if plot_w >= 6 else ".."
            out.append(f"{lo:>{lo_w}} {middle} {hi}")
        elif c.datetime_min or c.datetime_max:
            lo, hi = c.datetime_min or "?", c.datetime_max or "?"
            if len(lo) + len(hi) + 4 > avail:  # the days alone, rather than a range cut short
                lo, hi = lo[:10], hi[:10]
            out.append(f"{lo} .. {hi}")
        elif c.top_values:
            out.append(f"{c.top_values[0].value} {pct(c.top_values[0].share)}")
        else:
            out.append("")
    return out


def _fit(text: str, width: int) -> str:
    """One line of at most ``width`` characters: line breaks inside a value shown as spaces."""
    line = " ".join(text.split("\n")).replace("\r", " ").replace("\t", " ")
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def short(v: float | None) -> str:
    """Three significant digits, k/M suffixes: a box plot's ends need no more precision."""
    if v is None:
        return "?"
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if abs(v) >= limit:
            return f"{v / limit:.3g}{suffix}"
    if v != 0 and abs(v) < 1e-3:
        return f"{v:.1e}"
    return f"{v:.3g}" if not float(v).is_integer() else f"{v:.0f}"


def boxplot(s: Any, w: int) -> str:
    """A one-line box plot over [min, max]: whiskers q01..q99, box q25..q75, median '┃'."""
    lo, hi = s.min, s.max
    if lo is None or hi is None or hi <= lo:
        return "─" * w

    def at(v: float | None, default: float) -> int:
        v = default if v is None else v
        return max(0, min(w - 1, round((v - lo) / (hi - lo) * (w - 1))))

    cells = [" "] * w
    for i in range(at(s.q01, lo), at(s.q99, hi) + 1):
        cells[i] = "─"
    for i in range(at(s.q25, lo), at(s.q75, hi) + 1):
        cells[i] = "━"
    cells[at(s.median, lo)] = "┃"
    cells[0] = cells[0] if cells[0] != " " else "·"
    cells[-1] = cells[-1] if cells[-1] != " " else "·"
    return "".join(cells)


# ---------------------------------------------------------------- findings


def _findings(p: Any) -> list[RenderableType]:
    """Findings by severity, worst first; message, columns and advice hang under the code."""
    from rich.text import Text

    out: list[RenderableType] = [Text(""), _rule(f"findings ({_counts_text(p.findings)})")]
    if not p.findings:
        return [*out, Text("nothing to flag", style="dim")]
    return [*out, _finding_grid(p.findings)]


def _counts_text(findings: list[Any]) -> str:
    return " · ".join(f"{n} {sev}" for sev, n in severity_counts(findings).items())


def _finding_grid(findings: list[Any]) -> RenderableType:
    """Findings by severity, worst first, in the profile's style (the explanation's findings use it too)."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for sev in SEVERITY_ORDER:
        for f in (f for f in findings if f.severity == sev):
            style = SEVERITY_STYLE.get(sev, "")
            grid.add_row(Text(SEVERITY_MARK.get(sev, "-"), style=style),
                         Text.assemble((f.code, f"bold {style}"), (f"  {sev}", style)))
            grid.add_row("", Text(f.message))
            if f.columns:
                grid.add_row("", _hanging("in", _some(f.columns), "cyan"))
            grid.add_row("", _hanging("→", f.advice, "dim"))
    return grid


def _hanging(mark: str, text: str, style: str) -> RenderableType:
    """``mark`` then ``text`` whose wrapped lines stay indented under its first word."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(ratio=1, style=style)
    grid.add_row(mark, Text(text))
    return grid


def _some(names: list[str], n: int = 8) -> str:
    """Up to ``n`` column names; a long list would push the advice off the screen."""
    shown = ", ".join(names[:n])
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")


# ---------------------------------------------------------------- target, relations


def _target_distribution(p: Any, width: int) -> list[RenderableType]:
    """Class bars for classification, quantiles and a box plot for regression."""
    t = p.target
    if t is None:
        return []
    if t.classes:
        return _class_bars(t, width)
    return _target_numbers(t, width) if t.numeric is not None else []


def _target_numbers(t: Any, width: int) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    s, keys = t.numeric, ("min", "q25", "median", "q75", "max", "mean", "std", "skew")
    grid = Table.grid(padding=(0, 2))
    for _ in keys:
        grid.add_column(justify="right")
    grid.add_row(*[Text(k, style="dim") for k in keys])
    grid.add_row(*[num(getattr(s, k)) for k in keys])
    plot = f"{short(s.min)} {boxplot(s, min(40, width - 20))} {short(s.max)}"
    return [Text(""), _rule(f"target '{t.name}' distribution"), Text(plot), grid]


def _class_bars(t: Any, width: int) -> list[RenderableType]:
    """One bar per class, scaled to the largest, so imbalance is visible at a glance."""
    from rich.table import Table
    from rich.text import Text

    bar_w = 24 if width < 100 else 40
    grid = Table.grid(padding=(0, 1))
    grid.add_column(overflow="ellipsis", no_wrap=True, max_width=24)
    grid.add_column(justify="right")
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right")
    top = max(c.share for c in t.classes) or 1.0
    for c in t.classes[:MAX_CLASSES]:
        bar = "█" * max(1, round(c.share / top * bar_w)) if c.count else ""
        grid.add_row(c.label, f"{c.count:,}", Text(bar.ljust(bar_w), style="magenta"), pct(c.share))
    out: list[RenderableType] = [Text(""), _rule(f"classes of '{t.name}' ({t.n_classes})"), grid]
    if len(t.classes) > MAX_CLASSES:
        out.append(Text(f"and {len(t.classes) - MAX_CLASSES} smaller classes", style="dim"))
    if t.imbalance_ratio:
        out.append(Text(f"imbalance {t.imbalance_ratio:.2f} : 1 · minority share {pct(t.minority_share)}", style="dim"))
    return out


def _relations(p: Any) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    out: list[RenderableType] = []
    if p.correlations:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(overflow="fold")
        grid.add_column(no_wrap=True)
        grid.add_column(justify="right")
        for c in p.correlations[:MAX_PAIRS]:
            grid.add_row(f"{c.a} ~ {c.b}", Text(c.method, style="dim"), corr_value(c, 2))
        out += [Text(""), _rule(f"correlated pairs ({len(p.correlations)})"), grid]
        if len(p.correlations) > MAX_PAIRS:
            more = len(p.correlations) - MAX_PAIRS
            out.append(Text(f"and {more} more (all of them in --format md, json or html)", style="dim"))
    if p.leakage or p.joint_leakage:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(overflow="fold", style="bold red")
        grid.add_column(no_wrap=True)
        for j in p.joint_leakage:
            grid.add_row(" + ".join(j.columns), f"{j.metric} {j.score:.3f} together (a linear fit)")
        for s in p.leakage:
            grid.add_row(s.column, f"{s.metric} {s.score:.3f} alone (chance {s.baseline:.2f})")
        out += [Text(""), _rule("leakage suspects"), grid]
    return out


# ---------------------------------------------------------------- advice


def _advice_terminal(advice: Any, width: int, kinds: dict[str, str] | None = None) -> list[RenderableType]:
    """The map's walk, the advisor's checks, then compact candidates and one preparation legend."""
    if advice is None:
        return []
    from rich.text import Text

    out: list[RenderableType] = [Text(""), _rule(f"advice: {advice.outcome}")]
    on_map, added = trace_groups(advice)
    out += [Text("scikit-learn's map", style="bold"), _indented_block(_hanging("path", " → ".join(advice.path), "dim"))]
    if on_map:
        out.append(_advice_trace(on_map))
    if added:
        out += [Text(""), Text("advisor's additions", style="bold"), _advice_trace(added)]
    out += _advice_candidates(advice.candidates, kinds or {}, width)
    out += _advice_preparation(advice.candidates)
    if advice.assumptions:
        out += [Text(""), Text("assumptions", style="bold")]
        out += [_indented(a, "yellow") for a in advice.assumptions]
    if advice.notes:
        out += [Text(""), Text("notes", style="bold"), _advice_notes(advice.notes)]
    out += [Text(""), Text(f"rules: {advice.rules_source}", style="dim")]
    return out


def _advice_trace(trace: list[Any]) -> RenderableType:
    """One row per question: answer, question, fact = value, [node]; its note hangs below."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, min_width=4)
    grid.add_column(ratio=1)
    for s in trace:
        mark = Text(s.answer, style="green" if s.answer == "yes" else "red")
        grid.add_row(mark, Text.assemble(s.question, (f"  {fact_text(s)}", "dim"), (f"  [{s.node_id}]", "dim cyan")))
        note = s.note or ""
        if s.assumed and not note.startswith("assumed"):  # the answer column stays one word wide
            note = "assumed" + (f": {note}" if note else "")
        if note:
            grid.add_row("", Text(note, style="yellow" if s.assumed else "dim"))
    return _indented_block(grid)


def _indented_block(renderable: RenderableType, left: int = 2) -> RenderableType:
    from rich.padding import Padding

    return Padding(renderable, (0, 0, 0, left))


ORIGIN_STYLE = {"map": "green", "advisor": "cyan"}
LABEL_W = len("try next")


def _advice_candidates(candidates: list[Any], kinds: dict[str, str], width: int) -> list[RenderableType]:
    """One header line per candidate, then why / prepare / try next, each on one labelled line."""
    from rich.table import Table
    from rich.text import Text

    n_map = sum(c.origin == "map" for c in candidates)
    title = f"candidates ({n_map} from the map, {len(candidates) - n_map} from the advisor)"
    if not candidates:
        return [Text(""), Text("candidates", style="bold"), _indented("none: the map recommends no estimator")]
    name_w = min(max(len(c.name) for c in candidates), 30)
    num_w = len(f"{len(candidates)}.")
    why_w = width - num_w - 1 - LABEL_W - 1
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(ratio=1)
    for i, c in enumerate(candidates, 1):
        head = Table.grid(padding=(0, 1))
        head.add_column(width=name_w, no_wrap=True, overflow="ellipsis")
        head.add_column(width=len("advisor") + 1, no_wrap=True)  # one blank more before the traits
        head.add_column(ratio=1)
        head.add_row(Text(c.name, style="bold"), Text(c.origin, style=ORIGIN_STYLE.get(c.origin, "")),
                     Text(" · ".join(traits(c)), style="dim"))
        body = Table.grid(padding=(0, 1))
        body.add_column(no_wrap=True, style="dim", width=LABEL_W)
        body.add_column(ratio=1)
        body.add_row("why", Text(_first_clause(c.why, why_w), no_wrap=True, overflow="ellipsis"))
        body.add_row("prepare", Text(prep_summary(c.preparation, kinds) or "nothing"))
        if c.try_next:
            body.add_row("try next", Text(", ".join(c.try_next)))
        grid.add_row(f"{i}.", head)
        grid.add_row("", body)
    return [Text(""), Text(title, style="bold"), grid]


def _first_clause(text: str, width: int) -> str:
    """The why up to its first semicolon, cut at a word to fit one line; the rest is in md and html."""
    head = text.split("; ", 1)[0].strip().rstrip(".")
    if len(head) <= width:
        return head
    cut = head[: max(1, width - 1)].rsplit(" ", 1)[0].rstrip(",:;")
    return cut + "…"


def _advice_preparation(candidates: list[Any]) -> list[RenderableType]:
    """Each distinct step once: short name and users on the left; call, columns, reason on the right."""
    from rich.table import Table
    from rich.text import Text

    legend = prep_legend(candidates)
    if not legend:
        return []
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for step, used in legend:
        _sid, _component, columns, reason = prep_parts(step)
        on = _some(columns, 8 if len(columns) > 10 else 10) if columns else prep_target(step)
        grid.add_row(Text(prep_short(step), style="bold"), Text(component_call(step, full=False)))
        grid.add_row(Text(f"used by {numbers_text(used)}", style="dim"), Text(f"on {on}", style="cyan"))
        grid.add_row("", Text(reason, style="dim"))
    return [Text(""), Text("preparation steps", style="bold"), _indented_block(grid)]


def _advice_notes(notes: list[str]) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for note in notes:
        tag, text = note_tag(note)
        grid.add_row(Text(tag or "note", style=ORIGIN_STYLE.get(tag, "dim")), Text(text))
    return _indented_block(grid)


def _command(report: Any) -> str:
    """'profile', 'recommend', ...: the header says which command made the report."""
    return str(getattr(getattr(report, "settings", None), "command", None) or "profile")


# ---------------------------------------------------------------- recommend

STATUS_STYLE = {"failed": "bold red", "timeout": "yellow", "skipped": "dim", "cancelled": "yellow"}
PICK_MARK, TIED_MARK, OVERFIT_MARK = "✔", "≈", "!"
BASELINE_TAG = " (baseline)"
MIN_NAME_W = 12


def _recommend_terminal(report: Any, width: int) -> list[RenderableType]:
    """The pick, the leaderboard, how to run the pick, where it was saved: first, since they are the answer."""
    board = getattr(report, "leaderboard", None)
    if board is None:
        return []
    out = _recommendation(board, report) + _leaderboard(board, width) + _operating(report)
    saved = getattr(report, "saved_model", None)
    if saved is not None:
        out += _saved_model(saved)
    return out


def _widest(head: str, texts: Iterable[str]) -> int:
    """The width of a column: its heading or its widest text (the heading alone when there is none)."""
    return max([len(head), *(len(t) for t in texts)])


def _labelled(items: list[tuple[str, str]], styles: dict[str, str] | None = None) -> RenderableType:
    """Label on the left, dim; text wrapping in its own column on the right."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(ratio=1)
    for label, text in items:
        grid.add_row(label, Text(text, style=(styles or {}).get(label, "")))
    return _indented_block(grid)


def _recommendation(board: Any, report: Any) -> list[RenderableType]:
    from rich.text import Text

    out: list[RenderableType] = [Text(""), _rule("recommendation")]
    pick = board.pick
    if pick is None:
        return [*out, Text("no recommendation", style="bold red"), _indented(no_pick_text(board), "")]
    row = pick_row(board)
    origin = f" · from {'the map' if row.origin == 'map' else 'the advisor'}" if row is not None else ""
    out.append(Text.assemble((pick.name, "bold green"), "  ", pick_headline(board), (origin, "dim")))
    items = [("why", pick.reason)]
    caution = leakage_caution(report)
    if caution:
        items.append(("caution", caution))
    beats = baseline_text(board)
    if beats:
        items.append(("baseline", beats))
    curve = curve_text(board)
    if curve:
        items.append(("more data", curve))
    stopped = cancelled_text(board)
    if stopped:
        items.append(("stopped", stopped))
    styles = {"baseline": "" if pick.beats_baseline else "yellow", "stopped": "yellow", "caution": "yellow"}
    return [*out, _labelled(items, styles)]


def _leaderboard(board: Any, width: int) -> list[RenderableType]:
    """Rank, candidate, origin, score ± std, marks, train gap, timings and size: one row each, within ``width``.

    Timings sit in fixed-width columns so their varying text never moves the other columns.
    Train score and up to two secondary metrics appear when the width allows; names lose
    their 'Classifier'/'Regressor' suffix before the table would overflow.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rows, label = board.rows, metric_label(board)
    ok = [r for r in rows if r.status == "ok"]
    scores = {r.name: score_text(r.score, r.score_std) if r.status == "ok" else STATUS_TEXT.get(r.status, r.status)
              for r in rows}
    rank_w = max(len(str(r.rank)) if r.rank is not None else 1 for r in rows)
    from_w = max(len(r.origin) for r in rows)
    names = {r.name: r.name + BASELINE_TAG if r.is_baseline else r.name for r in rows}
    shorts = {r.name: short_name(r.name) + BASELINE_TAG if r.is_baseline else short_name(r.name) for r in rows}
    score_head = label if len(label) <= max(len(s) for s in scores.values()) else "score"
    score_w = _widest(score_head, scores.values())
    gap_w = _widest("gap", (gap_text(r) for r in ok))
    size_w = _widest("size", (size(r.model_bytes) for r in ok if r.model_bytes is not None))
    base = rank_w + from_w + score_w + 1 + gap_w + 2 * TIME_WIDTH + size_w + 8  # 8 one-space gaps
    full_w = _widest("candidate", names.values())
    room = width - base - min(full_w, max([MIN_NAME_W, *(len(n) for n in shorts.values())]))
    extras: list[tuple[str, Any, int]] = []  # ('train', None, width) or ('metric', MetricInfo, width)
    wanted: list[tuple[str, Any, list[str]]] = [("train", None, [score_text(r.train_score) for r in ok])]
    wanted += [("metric", m, [score_text(r.scores[m.name].mean, r.scores[m.name].std) for r in ok if m.name in r.scores])
               for m in secondary_metrics(board)[:2]]
    for kind, m, texts in wanted:
        w = _widest("train" if m is None else m.label, texts)
        if room < w + 1:
            break
        extras.append((kind, m, w))
        room -= w + 1
    name_w = width - base - sum(w + 1 for _, _, w in extras)
    shorten = full_w > name_w
    table = Table(box=box.SIMPLE_HEAD, padding=0, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("candidate", no_wrap=True, overflow="ellipsis", max_width=max(name_w, MIN_NAME_W))
    table.add_column("from", no_wrap=True)
    table.add_column(score_head, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True, width=1)
    for kind, m, _w in extras:
        table.add_column("train" if kind == "train" else m.label, justify="right", no_wrap=True)
    table.add_column("gap", justify="right", no_wrap=True)
    table.add_column("fit", justify="right", no_wrap=True, width=TIME_WIDTH)
    table.add_column("pred/1k", justify="right", no_wrap=True, width=TIME_WIDTH)
    table.add_column("size", justify="right", no_wrap=True)
    pick = board.pick.name if board.pick is not None else None
    for r in rows:
        measured = r.status == "ok"
        mark = PICK_MARK if r.name == pick else TIED_MARK if r.tied_with_best else ""
        cells: list[Any] = [
            str(r.rank) if r.rank is not None else "–",
            Text((shorts if shorten else names)[r.name], style="bold" if r.name == pick else ""),
            Text(r.origin, style="dim" if r.is_baseline else ORIGIN_STYLE.get(r.origin, "")),
            Text(scores[r.name], style="" if measured else STATUS_STYLE.get(r.status, "")),
            Text(mark, style="green"),
        ]
        for kind, m, _w in extras:
            if not measured:
                cells.append("")
            elif kind == "train":
                cells.append(score_text(r.train_score))
            else:
                s = r.scores.get(m.name)
                cells.append(score_text(s.mean, s.std) if s is not None else "–")
        gap = gap_text(r) + ("" if r.overfitting or r.train_test_gap is None else " ")  # numbers line up past the '!'
        cells += [Text(gap, style="yellow" if r.overfitting else "") if measured else "",
                  duration(r.fit_seconds) if measured else "",
                  duration(r.predict_seconds_per_1000_rows) if measured else "",
                  size(r.model_bytes) if measured and r.model_bytes is not None else ""]
        table.add_row(*cells, style="dim" if r.is_baseline else "")
    title = f"leaderboard ({len(ok)} of {len(rows)} measured)"
    legend = [f"score: {label}, mean ± std over the folds ({'higher' if _higher(board) else 'lower'} is better)"]
    if pick is not None:
        legend.append(f"{PICK_MARK} the pick · {TIED_MARK} tied with the best (corrected t-test, p ≥ 0.05)")
    legend += [f"gap: training-fold score minus held-out score, {OVERFIT_MARK} overfitting",
              "fit: per fold · pred/1k: predict time per 1,000 rows · size: pickled model"]
    if shorten:
        legend.append("names without their 'Classifier' or 'Regressor' suffix")
    out: list[RenderableType] = [Text(""), _rule(title), table, _dim_lines(legend)]
    out += [Text(""), _labelled([("cv", cv_text(board.cv)), ("time", budget_text(board))])]
    failed = unmeasured(board)
    if failed:
        out += [Text(""), Text("not measured", style="bold"), _reasons(failed, width)]
    notes = leaderboard_notes(board)
    if notes:
        out += [Text(""), Text("notes", style="bold"), *[_indented(n) for n in notes]]
    return out


def _higher(board: Any) -> bool:
    return next((m.greater_is_better for m in board.metrics if m.name == board.metric), True)


def _dim_lines(lines: list[str]) -> RenderableType:
    from rich.text import Text

    return _indented_block(Text("\n".join(lines), style="dim"))


def _reasons(rows: list[Any], width: int) -> RenderableType:
    """Each row that has no score: its name and status, then why on one line cut to the width (md/html have it all)."""
    from rich.console import Group
    from rich.text import Text

    lines: list[RenderableType] = []
    for r in rows:
        lines.append(Text.assemble((r.name, "bold"), "  ", (STATUS_TEXT.get(r.status, r.status), STATUS_STYLE.get(r.status, ""))))
        if r.reason:
            lines.append(_indented_block(Text(r.reason, style="dim", no_wrap=True, overflow="ellipsis"), 2))
    return _indented_block(Group(*lines))


def _operating(report: Any) -> list[RenderableType]:
    """Latency, size, refit cost, online learning and drift checks for the pick."""
    from rich.table import Table
    from rich.text import Text

    items = operating_items(report)
    if not items:
        return []
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(ratio=1)
    for label, text, detail in items:
        grid.add_row(label, Text(text))
        if detail:
            grid.add_row("", Text(detail, style="dim"))
    grid.add_row("drift", Text(drift_command(report)))
    grid.add_row("", Text(DRIFT_ADVICE, style="dim"))
    out: list[RenderableType] = [Text(""), _rule("operating the model"), _indented_block(grid)]
    if getattr(report, "pipeline_code", None):
        out += [Text(""), Text("rebuild: --format md or html adds the Python code that rebuilds this pipeline",
                               style="dim")]
    return out


def _saved_model(saved: Any) -> list[RenderableType]:
    from rich.text import Text

    items = saved_model_items(saved)
    items += [("warning", w) for w in saved.warnings]
    items.append(("use", predict_command(saved)))
    return [Text(""), _rule("saved model"), _labelled(items, {"warning": "yellow"})]


# ---------------------------------------------------------------- explain

MAX_IMPORTANCES = 15  # the top columns; the rest are in the other formats
IMPORTANCE_STYLE = {1: "green", -1: "red", 0: "dim"}


def _explanation_terminal(e: Any, width: int) -> list[RenderableType]:
    """How the model was explained, the ranked columns with bars, per class, the checks, one row, findings."""
    if e is None:
        return []
    from rich.text import Text

    title = f"explanation: {e.model}" if e.surrogate is None else f"explanation: the clusters, through {e.surrogate.model}"
    items = [("explainer", explainer_text(e)), ("output", e.output_label), ("rows", explained_rows_text(e)),
             ("background", background_text(e))]
    if e.base_value_by_class:
        items.append(("base value", base_value_text(e) or ""))
    elif e.base_value is not None:
        items.append(("base value", num(e.base_value)))
    styles = {}
    if e.surrogate is not None:
        items.append(("surrogate", e.surrogate.message))
        styles["surrogate"] = "" if e.surrogate.faithful else "yellow"
    out: list[RenderableType] = [Text(""), _rule(title), _labelled(items, styles)]
    if e.importances:
        out += [Text(""), _indented_block(Text(explanation_summary(e)), 0), *_importance_table(e, width)]
        out += _class_table(e, width)
    else:
        out += [Text(""), Text("no importances: nothing could be measured", style="yellow")]
    out += _explanation_checks(e)
    if e.row is not None:
        out += _row_terminal(e.row)
    counts = f" ({_counts_text(e.findings)})" if e.findings else ""
    out += [Text(""), Text(f"findings from the explanation{counts}", style="bold")]
    out.append(_finding_grid(e.findings) if e.findings else _indented("nothing to flag"))
    notes = explanation_notes(e)
    if notes:
        out += [Text(""), Text("notes", style="bold"), *[_indented(n) for n in notes]]
    return out


def _importance_table(e: Any, width: int) -> list[RenderableType]:
    """Rank, column, importance, share, a bar scaled to the top column and the sign; the direction below."""
    from rich.table import Table
    from rich.text import Text

    shown = e.importances[:MAX_IMPORTANCES]
    label = importance_label(e)
    rank_w = len(str(shown[-1].rank))
    name_w = min(_widest("column", (i.column for i in shown)), 24)
    imp_w = _widest(label, (num(i.importance) for i in shown))
    share_w = _widest("share", (pct(i.share) for i in shown))
    fixed = rank_w + 1 + name_w + 2 + imp_w + 2 + share_w + 2 + 2 + 1  # the bar, a space and the sign
    bar_w = max(6, min(24 if width < 100 else 40, width - fixed))
    top = max((i.importance for i in shown), default=0.0)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True, min_width=rank_w)
    grid.add_column(ratio=1)
    head = f"{'column':<{name_w}}  {label:>{imp_w}}  {'share':>{share_w}}"
    grid.add_row(Text("#", style="bold"), Text(head, style="bold", no_wrap=True, overflow="ellipsis"))
    for i in shown:
        name = i.column if len(i.column) <= name_w else i.column[: name_w - 1] + "…"
        cells = max(0, round(i.importance / top * bar_w)) if top > 0 and i.importance > 0 else 0
        if i.importance > 0 and cells == 0:
            cells = 1 if i.importance / top >= 0.01 else 0
        sign = SIGN_MARK.get(i.sign, "~")
        line = Text.assemble((f"{name:<{name_w}}", "bold" if i.rank == 1 else ""),
                             f"  {num(i.importance):>{imp_w}}  {pct(i.share):>{share_w}}  ",
                             ("█" * cells + " " * (bar_w - cells), "magenta"), " ",
                             (sign, IMPORTANCE_STYLE.get(i.sign, "")))
        line.no_wrap, line.overflow = True, "ellipsis"
        grid.add_row(str(i.rank), line)
        if i.direction:
            grid.add_row("", Text(i.direction, style="dim"))
    legend = [f"bars: {label}, scaled to the top column"]
    if e.method == "shap":
        legend.append(sign_legend(e))
    if len(e.importances) > len(shown):
        legend.append(f"and {len(e.importances) - len(shown)} more columns (all of them in --format md, json or html)")
    return [Text(""), grid, _dim_lines(legend)]


def _class_table(e: Any, width: int) -> list[RenderableType]:
    """Importance per class, for multiclass, when the classes fit in the width."""
    from rich.table import Table
    from rich.text import Text

    classes = class_importances(e)
    if not classes:
        return []
    shown = e.importances[:MAX_IMPORTANCES]
    name_w = min(_widest("column", (i.column for i in shown)), 24)
    cell_w = [_widest(c, (num(i.importance_by_class.get(c, 0.0)) for i in shown)) for c in classes]
    if 2 + name_w + sum(w + 2 for w in cell_w) > width:
        return [Text(""), _indented("per-class importances: --format md, json or html", "dim")]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, overflow="ellipsis", max_width=name_w)
    for _ in classes:
        grid.add_column(justify="right", no_wrap=True)
    grid.add_row(Text("column", style="bold"), *[Text(c, style="bold") for c in classes])
    for i in shown:
        grid.add_row(i.column, *[num(i.importance_by_class.get(c, 0.0)) for c in classes])
    return [Text(""), Text(f"per class ({importance_label(e)} of each class's {e.output_space})", style="bold"),
            _indented_block(grid)]


def _explanation_checks(e: Any) -> list[RenderableType]:
    """Additivity and the permutation check, with a warning when the two rankings disagree."""
    from rich.text import Text

    items: list[tuple[str, str]] = []
    styles: dict[str, str] = {}
    if e.additivity is not None:
        items.append(("additivity", additivity_text(e.additivity)))
        styles["additivity"] = "" if e.additivity.ok else "yellow"
    p = e.permutation
    if p is not None and e.method == "shap":
        items.append(("agreement", agreement_text(p)))
        warning = disagreement_warning(p)
        if warning:
            items.append(("warning", warning))
            styles["warning"] = "bold yellow"
        if not p.held_out:
            items.append(("", "not held-out rows: the model may have been fitted on them"))
            styles[""] = "dim"
    elif p is not None:
        items.append(("measured", p.message + ("" if p.held_out else " Not held-out rows.")))
    if not items:
        return []
    return [Text(""), Text("checks", style="bold"), _labelled(items, styles)]


def _row_terminal(row: Any) -> list[RenderableType]:
    """One row's prediction in words: the summary, then its largest contributions, up or down."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for c in row.contributions:
        up = c.contribution > 0
        grid.add_row(Text("↑" if up else "↓", style="green" if up else "red"), Text(contribution_words(c)))
    if row.rest:
        grid.add_row(Text("·", style="dim"), Text(rest_words(row.rest), style="dim"))
    return [Text(""), Text(f"row {row.row}", style="bold"), _indented_block(Text(row_headline(row))),
            _indented_block(grid)]


def render_drift_terminal(report: Any, *, width: int = 100, color: bool = False) -> str:
    """The drift report: verdict, advice, schema changes, flagged checks, the domain classifier."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from advisor.report.drift_render import (
        SEVERITY_MARK,
        domain_text,
        drift_rows,
        model_rows,
        schema_rows,
    )

    styles = {"none": "dim", "low": "cyan", "medium": "yellow", "high": "bold red"}
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, color_system="truecolor" if color else None,
                      no_color=not color, legacy_windows=False, highlight=False, emoji=False)
    s = report.summary
    console.print(Text.assemble(("advisor drift  ", "bold"), f"{report.current} against {report.reference}"))
    console.print(f"{report.n_reference_rows:,} reference rows · {report.n_current_rows:,} current rows")
    console.print(Text.assemble("overall drift: ", (s.severity, styles[s.severity]), f" · {s.headline}"))
    for advice in s.advice:
        console.print(Text(f"→ {advice}", style="dim"))
    if report.schema:
        console.print(_rule("schema changes"))
        for change, column, sev, detail in schema_rows(report):
            console.print(Text.assemble((f"{SEVERITY_MARK[sev]} ", styles[sev]), (f"{change:<13} ", "bold"), f"{column}: {detail}"))
    console.print(_rule("columns"))
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for head in ("", "column", "check", "effect", "detail"):
        table.add_column(head, overflow="fold")
    for column, _kind, sev, check, effect, _p, detail in drift_rows(report):
        table.add_row(Text(SEVERITY_MARK[sev], style=styles[sev]), column, check, effect, detail)
    console.print(table)
    console.print(_rule("whole table"))
    console.print(domain_text(report))
    if report.model is not None:
        console.print(_rule("the model"))
        for what, ref, cur, detail in model_rows(report):
            values = f"{ref} → {cur}" if ref or cur else ""
            console.print(Text.assemble((f"{what}: ", "bold"), values, ("  " + detail if detail else "", "dim")))
    text = buf.getvalue()
    if not color:
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text
