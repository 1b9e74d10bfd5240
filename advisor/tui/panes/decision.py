"""Decision: the path through scikit-learn's map as a tree, the candidates in order, and the
questions the profile could not answer (answering them walks the map again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static, Tree

from advisor.tui.messages import AnswersGiven
from advisor.tui.modals import PromptModal
from advisor.tui.panes.base import Palette, Pane

if TYPE_CHECKING:
    from textual.widgets.tree import TreeNode

    from advisor.report.model import Report
    from advisor.ruletree.model import Advice, CandidateAdvice, TraceStep

FEW = "few_features_important"
ORIGIN_STYLE = {"map": "$primary", "advisor": "$warning"}
INTERPRETABILITY = {"glass_box": "glass box", "partly": "partly", "black_box": "black box"}
NEXT_ANSWER = {None: "yes", "yes": "no", "no": None}


def _fmt(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def origin_tag(origin: str, palette: Palette) -> Text:
    return Text(f"{origin:<8}", style=palette(f"b {ORIGIN_STYLE.get(origin, '')}"))


def step_label(step: TraceStep, palette: Palette, tag: bool = False) -> Text:
    answer_style = palette("b $success" if step.answer == "yes" else "b $error")
    fact = f"{step.fact} = {_fmt(step.value)}" if "=" not in str(step.value) else str(step.value)
    label = Text.assemble(origin_tag(step.origin, palette) if tag else "", (step.question, "b"), " → ",
                          (step.answer, answer_style))
    if step.assumed:
        label.append(" (assumed)", style=palette("i $warning"))
    label.append(f"  {fact}", style="dim")
    return label


def map_events(advice: Advice) -> list[tuple[str, TraceStep | str]]:
    """The map's walk in path order: ('step', TraceStep) for its questions, ('node', id) for start and leaves.

    The advisor's own checks are left out: they are a group of their own (see :func:`added_steps`).
    """
    pending: dict[str, list[TraceStep]] = {}
    for step in advice.trace:
        if step.origin == "map":
            pending.setdefault(step.node_id, []).append(step)
    events: list[tuple[str, TraceStep | str]] = []
    for node_id in advice.path:
        steps = pending.get(node_id)
        events.append(("step", steps.pop(0)) if steps else ("node", node_id))
    events += [("step", step) for steps in pending.values() for step in steps]  # off the path: still shown
    return events


def added_steps(advice: Advice) -> list[TraceStep]:
    """The advisor's checks on top of the map, in the order it made them."""
    return [step for step in advice.trace if step.origin != "map"]


def _add_step(parent: TreeNode[str], step: TraceStep, palette: Palette) -> None:
    node = parent.add(step_label(step, palette), data=step.node_id)
    node.add_leaf(Text.assemble(("read ", "dim"), f"{step.fact} = {_fmt(step.value)}"))
    node.add_leaf(Text.assemble(("node ", "dim"), step.node_id))
    if step.note:
        node.add_leaf(Text(step.note, style="i"))


def fill_tree(tree: Tree[str], report: Report, palette: Palette) -> None:
    """Two groups, as the reports have them: the map's questions along the path, then the advisor's additions."""
    advice = report.advice
    tree.clear()
    if advice is None:
        tree.root.set_label("no advice")
        return
    tree.root.set_label(Text.assemble("path → ", (advice.outcome, "b"), f"  ({advice.rules_source})"))
    by_node: dict[str, list[CandidateAdvice]] = {}
    for cand in advice.candidates:
        by_node.setdefault(cand.node_id, []).append(cand)
    on_map = tree.root.add(Text.assemble(("scikit-learn's map", palette(f"b {ORIGIN_STYLE['map']}")),
                                         (" — its questions along the path", "dim")), data="map")
    leaves_seen = 0
    reached = None
    for kind, item in map_events(advice):
        if kind == "step":
            assert not isinstance(item, str)
            _add_step(on_map, item, palette)
            continue
        node_id = str(item)
        names = [c.name for c in by_node.get(node_id, []) if c.origin == "map"]
        if node_id == advice.path[0]:
            on_map.add_leaf(Text("START", style="b"), data=node_id)
            continue
        arrow = "leaf" if leaves_seen == 0 else "not working →"
        leaves_seen += 1
        label = Text.assemble((f"{arrow} ", "dim"), (node_id, palette("b $accent")), "  " + ", ".join(names))
        leaf = on_map.add_leaf(label, data=node_id)
        reached = reached or leaf
    on_map.expand()
    added = added_steps(advice)
    if added:
        group = tree.root.add(Text.assemble(("advisor's additions", palette(f"b {ORIGIN_STYLE['advisor']}")),
                                            (" — checks on top of the map", "dim")), data="advisor")
        for step in added:
            _add_step(group, step, palette)
        group.expand()
    for note in advice.notes:
        tree.root.add_leaf(Text(note, style="i dim"))
    tree.root.expand()
    if reached is not None:
        # Start on the leaf the map reached: the questions that led there are just above it.
        tree.call_after_refresh(tree.move_cursor, reached, animate=False)


def why_markup(cand: CandidateAdvice) -> Content:
    prep = ", ".join(step.component for step in cand.preparation) or "none"
    nxt = ", ".join(cand.try_next) or "-"
    return Content.from_markup(
        "[b]$name[/b] [dim]($origin, at $node)[/]  $why\n[dim]interpretability:[/] $interp — $ireason\n"
        "[dim]preparation:[/] $prep\n[dim]if it is not working, try:[/] $next",
        name=cand.name, origin=cand.origin, node=cand.node_id, why=cand.why,
        interp=INTERPRETABILITY.get(cand.interpretability, cand.interpretability),
        ireason=cand.interpretability_reason, prep=prep, next=nxt,
    )


class DecisionPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_few", "Few features?"),
        Binding("c", "set_clusters", "Clusters"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="answers")
        with Horizontal(id="decision-body"):
            tree: Tree[str] = Tree("map", id="map-path")
            tree.border_title = "Path through the map"
            yield tree
            with Vertical(id="candidates-box"):
                table: DataTable[object] = DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
                table.border_title = "Candidates, in the order to try"
                yield table
                with VerticalScroll(id="why-box"):
                    yield Static(id="why")

    def on_mount(self) -> None:
        table = self.query_one("#candidates", DataTable)
        for label, key in (("#", "rank"), ("candidate", "name"), ("from", "origin"),
                           ("interpretability", "interp"), ("cost", "cost")):
            table.add_column(label, key=key)

    def focus_default(self) -> None:
        self.query_one("#map-path", Tree).focus()

    # The answers as the user has given them so far: keys pressed faster than the app
    # walks the map again build on each other instead of on the last drawn report.
    answers: dict[str, str] = {}  # noqa: RUF012 (replaced, never mutated in place)
    n_clusters: int | None = None

    def show_report(self, report: Report | None) -> None:
        self.report = report
        self.answers = dict(report.settings.answers) if report else {}
        self.n_clusters = report.settings.n_clusters if report else None
        if report is None or report.advice is None:
            return
        self.query_one("#answers", Static).update(self.answers_markup(report))
        fill_tree(self.query_one("#map-path", Tree), report, self.palette)
        table = self.query_one("#candidates", DataTable)
        table.clear()
        for rank, cand in enumerate(report.advice.candidates, 1):
            table.add_row(str(rank), cand.name, self.palette.text(cand.origin, ORIGIN_STYLE.get(cand.origin, "")),
                          INTERPRETABILITY.get(cand.interpretability, cand.interpretability), cand.cost,
                          key=cand.name)
        self.show_why(0)

    def answers_markup(self, report: Report) -> Content:
        advice = report.advice
        asked = {step.fact for step in advice.trace} if advice else set()
        few = report.settings.answers.get(FEW)
        few_step = next((s for s in advice.trace if s.fact == FEW), None) if advice else None
        if few is not None:
            few_text = Content.from_markup("[b]$v[/b] (your answer)", v=few)
        elif few_step is not None:
            few_text = Content.from_markup("[b]auto[/b] → $v (assumed)", v=few_step.answer)
        else:
            few_text = Content.from_markup("[b]auto[/b]")
        clusters = report.settings.n_clusters
        cl_text = Content.from_markup("[b]$n[/b]", n=str(clusters)) if clusters else Content.from_markup("[b]unknown[/b]")

        def on_path(fact: str) -> Content:
            return Content.styled(" on this path", "$accent") if fact in asked else Content.styled(" not asked", "dim")

        return Content.assemble(
            ("f", "b $accent"), " few features important? ", few_text, on_path(FEW), "\n",
            ("c", "b $accent"), " number of clusters: ", cl_text, on_path("n_clusters_known"),
        )

    def show_why(self, row: int) -> None:
        if self.report is None or self.report.advice is None or not self.report.advice.candidates:
            self.query_one("#why", Static).update("")
            return
        cands = self.report.advice.candidates
        self.query_one("#why", Static).update(why_markup(cands[min(row, len(cands) - 1)]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_why(event.cursor_row)

    def action_cycle_few(self) -> None:
        """auto → yes → no → auto."""
        answers = {k: v for k, v in self.answers.items() if k != FEW}
        nxt = NEXT_ANSWER[self.answers.get(FEW)]
        if nxt is not None:
            answers[FEW] = nxt
        self.answers = answers
        self.post_message(AnswersGiven(dict(answers), self.n_clusters))

    def action_set_clusters(self) -> None:
        def chosen(text: str | None) -> None:
            if text is None:
                return
            text = text.strip()
            if not text:
                self.post_message(AnswersGiven(self.answers, None))
            elif text.isdigit():
                self.post_message(AnswersGiven(self.answers, int(text)))
            else:
                from advisor.tui.messages import WorkFailed

                self.post_message(WorkFailed("Cannot do that", f"The number of clusters must be a whole number of at least 2. Got '{text}' instead."))

        current = str(self.n_clusters) if self.n_clusters else ""
        self.app.push_screen(PromptModal("Number of clusters",
                                         "How many groups do you expect? Leave empty for [b]unknown[/b].",
                                         current, "e.g. 3"), chosen)
