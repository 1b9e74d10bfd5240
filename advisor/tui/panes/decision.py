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


def step_label(step: TraceStep, palette: Palette) -> Text:
    answer_style = palette("b $success" if step.answer == "yes" else "b $error")
    fact = f"{step.fact} = {_fmt(step.value)}" if "=" not in str(step.value) else str(step.value)
    label = Text.assemble(origin_tag(step.origin, palette), (step.question, "b"), " → ", (step.answer, answer_style))
    if step.assumed:
        label.append(" (assumed)", style=palette("i $warning"))
    label.append(f"  {fact}", style="dim")
    return label


def path_events(advice: Advice) -> list[tuple[str, TraceStep | str]]:
    """The walk in order: ('step', TraceStep) for questions, ('node', id) for start and leaves.

    The advisor's questions are asked at the map node they attach to, before it,
    so they come out just before that node's own step.
    """
    events: list[tuple[str, TraceStep | str]] = []
    trace, i = advice.trace, 0
    path_ids = set(advice.path)
    for node_id in advice.path:
        while i < len(trace) and trace[i].node_id not in path_ids:
            events.append(("step", trace[i]))
            i += 1
        if i < len(trace) and trace[i].node_id == node_id:
            events.append(("step", trace[i]))
            i += 1
        else:
            events.append(("node", node_id))
    events += [("step", step) for step in trace[i:]]
    return events


def fill_tree(tree: Tree[str], report: Report, palette: Palette) -> None:
    advice = report.advice
    tree.clear()
    if advice is None:
        tree.root.set_label("no advice")
        return
    tree.root.set_label(Text.assemble("scikit-learn's map → ", (advice.outcome, "b"), f"  ({advice.rules_source})"))
    by_node: dict[str, list[CandidateAdvice]] = {}
    for cand in advice.candidates:
        by_node.setdefault(cand.node_id, []).append(cand)
    leaves_seen = 0
    reached = None
    for kind, item in path_events(advice):
        if kind == "step":
            assert not isinstance(item, str)
            node = tree.root.add(step_label(item, palette), data=item.node_id)
            node.add_leaf(Text.assemble(("read ", "dim"), f"{item.fact} = {_fmt(item.value)}"))
            node.add_leaf(Text.assemble(("node ", "dim"), item.node_id))
            if item.note:
                node.add_leaf(Text(item.note, style="i"))
            continue
        node_id = str(item)
        names = [c.name for c in by_node.get(node_id, []) if c.origin == "map"]
        if node_id == advice.path[0]:
            tree.root.add_leaf(Text.assemble(origin_tag("map", palette), ("START", "b")), data=node_id)
            continue
        arrow = "leaf" if leaves_seen == 0 else "not working →"
        leaves_seen += 1
        label = Text.assemble(origin_tag("map", palette), (f"{arrow} ", "dim"), (node_id, palette("b $accent")),
                              "  " + ", ".join(names))
        leaf = tree.root.add_leaf(label, data=node_id)
        reached = reached or leaf
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
