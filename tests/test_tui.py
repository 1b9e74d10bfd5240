"""The Textual app: Pilot tests that drive whole flows, and SVG snapshots of every screen.

Pilot tests assert on the app's state, the files it writes and the messages
it posts (``run_test(message_hook=...)``). Snapshots use the bundled penguins
table, a fixed home folder (paths show as ``~/...``), no clock, no timings
and no cursor blink, so they are the same on every machine. Regenerate them
with ``pytest tests/test_tui.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TabbedContent, Tree

from advisor.errors import OptionError
from advisor.pipeline import bundled_path
from advisor.tui import messages as m
from advisor.tui.app import AdvisorApp
from advisor.tui.modals import ChoiceModal, ErrorModal, PromptModal
from advisor.tui.recent import load_recent, remember
from advisor.tui.session import ProfileRequest, is_data_file, rewalk

PENGUINS = str(bundled_path())


def pilot_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test in its own event loop (no pytest-asyncio needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fixed home folder: data files to browse, a reports folder, and the XDG state inside it."""
    home = tmp_path / "home"
    data = home / "data"
    (data / "archive").mkdir(parents=True)
    (data / "customers.csv").write_text("id,age,churn\n1,30,yes\n2,41,no\n")
    (data / "events.jsonl.gz").write_bytes(b"")
    (data / "notes.md").write_text("not data")
    (data / ".hidden.csv").write_text("a\n1\n")
    (home / "reports").mkdir()
    monkeypatch.delenv("NO_COLOR", raising=False)  # conftest sets it for the CLI; snapshots want colour
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    return home


def make_app(home: Path, path: str | None = None, **options: Any) -> AdvisorApp:
    app = AdvisorApp(path, start_dir=home / "data", export_dir=home / "reports", cursor_blink=False, **options)
    # No animations: the tabs' underline slides to a new tab, and on a busy machine a snapshot caught it mid-way.
    app.animation_level = "none"
    return app


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.025)):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.025)
    raise AssertionError(f"timed out waiting for {what}")


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until no profile is running and the screen has caught up."""
    app = pilot.app
    assert isinstance(app, AdvisorApp)
    await wait_for(pilot, lambda: not app.busy, "the profile worker")
    await pilot.pause()


async def place_underlines(pilot: Pilot[Any]) -> None:
    """For snapshots: the tabs' underline is placed after a refresh, and when tabs are added on a busy
    machine it can stay at the first tab until the next resize (a snapshot caught it there); a resize
    there and back places it, as a user's terminal would."""
    app = pilot.app
    if not _underlines_placed(app):
        width, height = app.size
        await pilot.resize_terminal(width + 1, height)
        await pilot.resize_terminal(width, height)
    await wait_for(pilot, lambda: _underlines_placed(app), "the tabs' underline")


def _underlines_placed(app: Any) -> bool:
    """Every shown tab underline spans its active tab (an unplaced one spans nothing)."""
    return all(not bar.show_highlight or bar.highlight_end > bar.highlight_start
               for bar in app.screen.query("Underline"))


def of_type(messages: list[Message], kind: type[Message]) -> list[Any]:
    return [msg for msg in messages if isinstance(msg, kind)]


async def select_column(pilot: Pilot[Any], name: str) -> None:
    app = pilot.app
    table = app.query_one("#columns", DataTable)
    table.focus()
    names = [str(key.value) for key in table.rows]
    table.move_cursor(row=names.index(name), animate=False)
    await pilot.pause()


# ------------------------------------------------------------------ full flows


@pilot_test
async def test_sample_to_export_flow(home: Path) -> None:
    """Open the sample, change the target, answer a question, export Markdown."""
    seen: list[Message] = []
    app = make_app(home)
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        assert app.report is None
        await pilot.press("s")
        await settle(pilot)
        assert app.report is not None
        assert app.report.profile.target is not None and app.report.profile.target.name == "species"
        assert app.report.profile.task == "multiclass"
        assert app.query_one("#tabs", TabbedContent).active == "profile"
        assert of_type(seen, m.ProfileRequested) and of_type(seen, m.ProfileReady)
        assert of_type(seen, m.JobProgress), "the core's progress callback should reach the app"
        assert load_recent() == [str(Path(PENGUINS).resolve())]

        await select_column(pilot, "body_mass_g")
        await pilot.press("t")
        await settle(pilot)
        assert app.request is not None and app.request.target == "body_mass_g"
        assert app.report.profile.task == "regression"
        assert "regression" in str(app.query_one("#summary", Static).render())

        await pilot.press("d")
        await pilot.pause()
        assert app.query_one("#tabs", TabbedContent).active == "decision"
        assert app.report.advice is not None
        before = list(app.report.advice.path)
        assert before[-1] == "lasso_elasticnet"  # the advisor's L1 estimate says yes
        await pilot.press("f")  # auto -> yes: same path, now the user's answer
        await pilot.pause()
        assert app.report.settings.answers == {"few_features_important": "yes"}
        assert app.report.advice.path == before
        await pilot.press("f")  # yes -> no: the map goes to Ridge / SVR
        await pilot.pause()
        after = app.report.advice.path
        assert after != before and "ridge_svr_linear" in after
        assert [c.name for c in app.report.advice.candidates][2] == "Ridge"
        assert len(of_type(seen, m.AdviceChanged)) == 2
        tree = app.query_one("#map-path", Tree)
        groups = tree.root.children
        assert [str(g.data) for g in groups[:2]] == ["map", "advisor"]  # the map's walk first, then the additions
        labels = [str(node.label) for node in groups[0].children]
        assert any("few features should be important?" in lab and "→ no" in lab for lab in labels)

        await pilot.press("e")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        written = home / "reports" / "penguins-advice.md"
        assert written.is_file()
        text = written.read_text()
        assert "body_mass_g" in text and "Ridge" in text
        exported = of_type(seen, m.ReportExported)
        assert [(e.fmt, e.path) for e in exported] == [("md", str(written))]
        assert "penguins-advice.md" in str(app.query_one("#saved", Static).render())


@pilot_test
async def test_export_json_and_html_follow_the_typed_name(home: Path) -> None:
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        app.query_one("#stem", Input).value = str(home / "reports" / "design.md")
        await pilot.press("j", "h")
        await pilot.pause()
        assert sorted(p.name for p in (home / "reports").iterdir()) == ["design.html", "design.json"]
        assert json.loads((home / "reports" / "design.json").read_text())["profile"]["target"]["name"] == "species"
        assert (home / "reports" / "design.html").read_text().lstrip().lower().startswith("<!doctype html")


@pilot_test
async def test_no_target_and_number_of_clusters(home: Path) -> None:
    seen: list[Message] = []
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test(message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert app.report is not None and app.report.profile.task == "clustering"
        assert app.report.advice is not None and "n_categories_known" in app.report.advice.path
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("c")
        assert isinstance(app.screen, PromptModal)
        await pilot.press("3", "enter")
        await pilot.pause()
        assert app.report.settings.n_clusters == 3
        assert app.report.advice.candidates[0].name == "KMeans"
        assert of_type(seen, m.AnswersGiven)[-1].n_clusters == 3
        await pilot.press("c", "1", "enter")  # fewer than 2 clusters: a modal, the advice stays
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert app.report.settings.n_clusters == 3


@pilot_test
async def test_kind_and_task_changes_profile_again(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new kind or task profiles the table in memory again: the file is read once."""
    import advisor.load

    reads: list[str] = []
    real_load = advisor.load.load_table

    def counting_load(path: str, **kwargs: Any) -> Any:
        reads.append(path)
        return real_load(path, **kwargs)

    monkeypatch.setattr(advisor.load, "load_table", counting_load)
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test() as pilot:
        await settle(pilot)
        await select_column(pilot, "year")
        await pilot.press("k")
        assert isinstance(app.screen, ChoiceModal)
        app.screen.dismiss("categorical")
        await settle(pilot)
        assert app.request is not None and dict(app.request.kinds) == {"year": "categorical"}
        assert app.report is not None and app.report.profile.column("year").kind == "categorical"
        assert app.report.profile.column("year").hinted
        assert reads == [PENGUINS]
        await pilot.press("a")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("escape")  # cancel: nothing changes
        assert app.request.task is None and not app.busy


# ------------------------------------------------------------------ benchmark, explain, save the model
# The budget is generous: penguins' nine candidates take a few seconds, and with every one measured
# the leaderboard is the same on any machine (a tight budget would make rows time out under load).


async def run_benchmark(pilot: Pilot[Any], budget: str = "60") -> None:
    """On the Benchmark tab: type the budget, press r, wait until the run has ended."""
    app = pilot.app
    assert isinstance(app, AdvisorApp)
    await pilot.press("b")
    await pilot.pause()
    app.query_one("#budget", Input).value = budget
    await pilot.press("r")
    await wait_for(pilot, lambda: not app.working, "the benchmark", timeout=90)


async def idle(pilot: Pilot[Any], what: str) -> None:
    app = pilot.app
    assert isinstance(app, AdvisorApp)
    await wait_for(pilot, lambda: not app.working, what, timeout=30)


@pilot_test
async def test_benchmark_explain_export_flow(home: Path, tmp_path: Path) -> None:
    """Open the sample, benchmark, explain the pick and row 5, save the report and the model."""
    from advisor.modelio import load_model

    seen: list[Message] = []
    app = make_app(home)
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.press("s")
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        await pilot.press("x")  # no pick yet: a warning, no tab
        assert tabs.active == "profile"
        await pilot.press("b")
        await pilot.pause()
        leaderboard = app.query_one("#leaderboard", DataTable)
        assert leaderboard.row_count == 9  # the candidates in the order they will run, before any run

        await run_benchmark(pilot)
        assert tabs.active == "benchmark"
        board = app.report.leaderboard if app.report else None
        assert board is not None and board.pick is not None and not board.cancelled
        assert [str(k.value) for k in leaderboard.rows] == [r.name for r in board.rows]
        assert all(r.status == "ok" for r in board.rows) and board.rows[0].rank == 1
        assert board.pick.name in str(app.query_one("#pick", Static).render())
        labels = [msg.label for msg in of_type(seen, m.JobProgress)]
        assert any(": fold 5/5 · " in label and "s left" in label for label in labels)
        assert len({id(msg) for msg in of_type(seen, m.BenchmarkDone)}) == 1  # the hook sees each hop as it bubbles
        assert app.report is not None and app.report.pipeline_code and app.report.settings.budget == 60
        fitted = app.fitted_pick()
        assert fitted is not None  # refitted once, reused by Explain and Export
        assert not app.query_one("#status").has_class("-busy")

        await pilot.press("x")
        await pilot.pause()
        assert tabs.active == "explain"
        app.query_one("#explain-budget", Input).value = "10"
        await pilot.press("r")
        await idle(pilot, "the explanation")
        explanation = app.report.explanation
        assert explanation is not None and explanation.importances and explanation.row is None
        assert app.query_one("#importances", DataTable).row_count >= len(explanation.importances)
        await pilot.press("slash")
        await pilot.pause()
        row_field = app.query_one("#row", Input)
        assert row_field.has_focus
        await pilot.press("5", "enter")
        await idle(pilot, "the row explanation")
        explained = app.report.explanation
        assert explained is not None and explained.row is not None
        assert explained.row.row == 5 and explained.row.summary.startswith("For data row 5,")
        assert explained.importances == explanation.importances  # only the row is new
        assert "For data row 5" in str(app.query_one("#row-explanation", Static).render())
        assert app.fitted_pick() is fitted

        await pilot.press("e")
        await pilot.pause()
        model = tmp_path / "penguins.skops"
        app.query_one("#model-path", Input).value = str(model)
        app.query_one("#stem", Input).value = str(tmp_path / "design")
        await pilot.press("w")
        await idle(pilot, "saving the model")
        assert model.is_file()
        assert app.report.saved_model is not None and app.report.saved_model.path == str(model)
        assert app.fitted_pick() is fitted
        notes = [n.notification.message for n in of_type(seen, Notify)]
        assert f"Saved the model ({board.pick.name}) to {model}" in notes
        _pipeline, metadata = load_model(str(model))
        assert metadata["candidate"] == board.pick.name and metadata["target"] == "species"
        await pilot.press("m")
        await pilot.pause()
        text = (tmp_path / "design.md").read_text()
        for part in ("## Leaderboard", "## Saved model", str(model), "For data row 5", board.pick.name):
            assert part in text

        await pilot.press("x")
        app.post_message(m.TargetChosen("body_mass_g"))  # a new profile: the leaderboard and the pick go
        await settle(pilot)
        assert app.report.leaderboard is None and app.fitted_pick() is None
        assert tabs.active == "benchmark"  # Explain hid itself; the tab before it opens


@pilot_test
async def test_escape_stops_the_benchmark_and_keeps_what_was_measured(home: Path) -> None:
    seen: list[Message] = []
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test(message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        app.query_one("#budget", Input).value = "600"
        await pilot.press("r")
        second = app.report.leaderboard if app.report else None
        assert second is None and app.working
        # Wait until the second candidate runs: the baseline before it has been measured.
        await wait_for(pilot, lambda: any(msg.label.startswith("LogisticRegression") for msg in of_type(seen, m.JobProgress)),
                       "the second candidate", timeout=60)
        await pilot.press("escape")
        await idle(pilot, "the stop")
        board = app.report.leaderboard if app.report else None
        assert board is not None and board.cancelled and board.budget_seconds == 600
        statuses = {r.name: r.status for r in board.rows}
        assert statuses["DummyClassifier"] == "ok"
        assert "cancelled" in statuses.values()
        assert board.elapsed_seconds < 60
        assert "Stopped early" in str(app.query_one("#pick", Static).render())
        assert app.fitted_pick() is None  # a stopped run's pick is refitted only when it is needed
        await pilot.press("d")  # still answering keys
        await pilot.pause()
        assert app.query_one("#tabs", TabbedContent).active == "decision" and app.is_running


@pilot_test
async def test_failing_benchmark_shows_the_error_dialog(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.errors import AdvisorError

    def boom(*args: object, **kwargs: object) -> None:
        raise AdvisorError("The candidates could not be cross-validated: the disk is full")

    monkeypatch.setattr("advisor.benchmark.cross_validate_candidates", boom)
    seen: list[Message] = []
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test(message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        app.query_one("#budget", Input).value = "0"  # not a budget: a dialog before anything runs
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal) and not app.working
        assert "positive number of seconds" in of_type(seen, m.WorkFailed)[-1].message
        await pilot.press("escape")
        app.query_one("#budget", Input).value = "5"
        await pilot.press("r")
        await idle(pilot, "the failing benchmark")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        failed = of_type(seen, m.WorkFailed)[-1]
        assert failed.title == "Cannot do that" and "disk is full" in failed.message
        assert app.report is not None and app.report.leaderboard is None
        assert not app.query_one("#status").has_class("-busy")
        await pilot.press("escape")
        await pilot.press("x")  # still no pick
        assert app.query_one("#tabs", TabbedContent).active == "benchmark"


# ------------------------------------------------------------------ drift


def shifted_penguins(path: Path) -> Path:
    """The sample with heavier penguins and a new island: drift the Drift tab should flag."""
    import pandas as pd

    frame = pd.read_csv(PENGUINS)
    frame["body_mass_g"] = frame["body_mass_g"] + 400
    frame.loc[:10, "island"] = "Atlantis"
    frame.to_csv(path, index=False)
    return path


async def compare(pilot: Pilot[Any], path: str) -> None:
    """Open the Drift tab, type ``path`` and press Enter; wait for the worker."""
    app = pilot.app
    await pilot.press("g")
    await pilot.pause()
    assert app.query_one("#tabs", TabbedContent).active == "drift"
    field = app.query_one("#drift-path", Input)
    assert field.has_focus
    field.value = path
    await pilot.press("enter")
    pane = app.query_one("DriftPane")
    await wait_for(pilot, lambda: "drift" not in pane.jobs, "the drift worker", timeout=20.0)  # type: ignore[attr-defined]


@pilot_test
async def test_drift_tab_flags_the_shifted_file_and_saves_markdown(home: Path, tmp_path: Path) -> None:
    current = shifted_penguins(tmp_path / "penguins-2025.csv")
    seen: list[Message] = []
    app = make_app(home)
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await compare(pilot, str(current))
        ready = of_type(seen, m.DriftReady)
        assert ready and not of_type(seen, m.WorkFailed)
        drift = ready[0].drift
        assert drift.summary.severity == "medium"
        summary = str(app.query_one("#drift-summary", Static).render())
        assert "Drift: medium" in summary and drift.summary.headline in summary
        table = app.query_one("#drift-checks", DataTable)
        assert table.row_count > 0 and table.has_focus
        columns = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert columns[0] == "body_mass_g"
        assert "island" in columns
        detail = str(app.query_one("#drift-detail", Static).render())
        assert "Domain classifier" in detail and "ROC AUC" in detail
        await pilot.press("m")
        await pilot.pause()
        saved = home / "reports" / "penguins-vs-penguins-2025-drift.md"
        assert saved.is_file()
        assert "body_mass_g" in saved.read_text()


@pilot_test
async def test_drift_with_a_missing_file_is_a_modal(home: Path) -> None:
    seen: list[Message] = []
    app = make_app(home)
    async with app.run_test(message_hook=seen.append) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await compare(pilot, str(home / "data" / "no-such-file.csv"))
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        failed = {id(msg): msg for msg in of_type(seen, m.WorkFailed)}  # one message, seen as it bubbles up
        assert len(failed) == 1
        (only,) = failed.values()
        assert only.title == "Cannot do that" and "no-such-file.csv" in only.message and "\n" not in only.message
        assert not of_type(seen, m.DriftReady)
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorModal)
        assert not app.working


# ------------------------------------------------------------------ failures are modals


@pytest.mark.parametrize("what", ["directory", "garbage"])
@pilot_test
async def test_failing_worker_shows_a_modal(home: Path, what: str) -> None:
    """Opening a folder or a file that is not a table: a modal with one line, never a crash."""
    target = home / "data"
    if what == "garbage":
        target = home / "data" / "garbage.parquet"
        target.write_bytes(b"\x00\x01 not a parquet file at all \xff" * 10)
    seen: list[Message] = []
    app = make_app(home)
    async with app.run_test(message_hook=seen.append) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        field = app.query_one("#path-input", Input)
        assert field.has_focus
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        failed = of_type(seen, m.WorkFailed)
        assert len(failed) == 1 and "\n" not in failed[0].message and failed[0].title == "Cannot do that"
        assert app.report is None and app.is_running
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorModal)


@pilot_test
async def test_unexpected_exception_is_a_modal_too(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: ProfileRequest, *args: object, **kwargs: object) -> None:
        raise RuntimeError("something broke\nacross lines")

    monkeypatch.setattr(ProfileRequest, "build", boom)
    seen: list[Message] = []
    async with make_app(home).run_test(message_hook=seen.append) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await pilot.pause()
        assert isinstance(pilot.app.screen, ErrorModal)
        failed = of_type(seen, m.WorkFailed)[0]
        assert failed.title == "Internal error"
        assert failed.message.startswith("RuntimeError: something broke across lines")


@pilot_test
async def test_bad_target_keeps_the_previous_profile(home: Path) -> None:
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test() as pilot:
        await settle(pilot)
        before = app.report
        app.post_message(m.TargetChosen("no_such_column"))
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert app.report is before and app.request is not None and app.request.target == "species"


@pilot_test
async def test_export_into_a_missing_folder_is_a_modal(home: Path) -> None:
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        app.query_one("#stem", Input).value = str(home / "nowhere" / "report")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)


# ------------------------------------------------------------------ keys, palette, help, theme


@pilot_test
async def test_tabs_appear_only_with_a_report(home: Path) -> None:
    app = make_app(home)
    async with app.run_test() as pilot:
        tabs = app.query_one("#tabs", TabbedContent)
        visible = [t.id for t in tabs.query("ContentTab") if t.display]
        assert visible == ["--content-tab-open", "--content-tab-help"]
        await pilot.press("d")  # not available yet: a notification, no crash
        assert tabs.active == "open"
        await pilot.press("s")
        await settle(pilot)
        visible = [t.id for t in tabs.query("ContentTab") if t.display]
        assert len(visible) == 7  # Explain waits for a pick
        assert "--content-tab-explain" not in visible


@pilot_test
async def test_palette_help_and_theme(home: Path) -> None:
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test() as pilot:
        await settle(pilot)
        titles = {cmd.title for cmd in app.get_system_commands(app.screen)}
        for expected in ("Open the bundled sample", "Set the target", "Choose the task", "Change a column's kind",
                         "Answer: few features important?", "Answer: number of clusters", "Export Markdown",
                         "Export JSON", "Export HTML", "Show Decision", "Show Benchmark", "Toggle light/dark theme"):
            assert expected in titles
        help_text = str(app.query_one("#help-text", Static).render())
        for pane in app.panes():
            for binding in Binding.make_bindings(pane.BINDINGS):
                assert binding.description in help_text
        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        assert not app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark


@pilot_test
async def test_palette_command_runs_a_pane_action(home: Path) -> None:
    app = make_app(home, PENGUINS, target="species")
    async with app.run_test() as pilot:
        await settle(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Answer: few features important?")
        command.callback()
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#tabs", TabbedContent).active == "decision"
        assert app.report is not None and app.report.settings.answers == {"few_features_important": "yes"}


def test_run_rejects_unknown_options() -> None:
    from advisor.tui import run

    with pytest.raises(OptionError, match="colour"):
        run(None, colour="blue")


# ------------------------------------------------------------------ the plain parts


def test_rewalk_matches_a_fresh_profile() -> None:
    from advisor.pipeline import build_profile_report
    from advisor.ruletree import load_rules

    base = build_profile_report(PENGUINS, no_target=True)
    again = rewalk(base, load_rules(None), {}, 4)
    fresh = build_profile_report(PENGUINS, no_target=True, n_clusters=4)
    assert again.advice == fresh.advice
    assert again.facts == fresh.facts
    assert again.settings.n_clusters == 4


def test_recent_files_are_kept_atomically(home: Path) -> None:
    state = home / ".local" / "state" / "advisor" / "recent.json"
    assert load_recent() == []
    remember(PENGUINS)
    remember(str(home / "data" / "customers.csv"))
    remember(PENGUINS)
    assert load_recent() == [str(Path(PENGUINS).resolve()), str(home / "data" / "customers.csv")]
    assert [p.name for p in state.parent.iterdir()] == ["recent.json"]  # no temporary files left
    state.write_text("{ not json")
    assert load_recent() == []


def test_file_filter() -> None:
    for name in ("a.csv", "a.TSV", "a.txt", "a.parquet", "a.pq", "a.feather", "a.arrow", "a.jsonl",
                 "a.ndjson", "a.xlsx", "a.csv.gz", "a.bz2", "a.zip", "a.csv.xz"):
        assert is_data_file(Path(name)), name
    for name in ("a.md", "a.py", "README", "a.png"):
        assert not is_data_file(Path(name)), name


# ------------------------------------------------------------------ snapshots

SnapCompare = Callable[..., bool]


def loaded(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """run_before for snapshots: wait for the profile, then press ``keys``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, AdvisorApp)
        await wait_for(pilot, lambda: app.report is not None and not app.busy, "the profile")
        if app.focused is None or app.focused.id != "columns":  # focus lands there when the tab opens; under load, make sure
            app.query_one("#columns").focus()
            await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        if keys:
            await pilot.pause(0.5)  # a theme switch repaints every widget; let the last frame land
        await settle(pilot)
        await place_underlines(pilot)

    return run_before


def test_snapshot_open(home: Path, snap_compare: SnapCompare) -> None:
    """Open tab, nothing loaded: the path box, the file tree of ~/data listing only the folder
    'archive', customers.csv and events.jsonl.gz (not notes.md or hidden files), an empty recent
    list with the 's' hint; only the Open and Help tabs exist."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.2)

    assert snap_compare(make_app(home), run_before=run_before)


def test_snapshot_profile(home: Path, snap_compare: SnapCompare) -> None:
    """Profile tab for penguins: summary (344 rows x 8 columns, target species given, multiclass);
    the column table with kind, role, missing, distinct, range and a shape sparkline; findings
    coloured by severity (missing_values warning first); the species column's detail."""
    assert snap_compare(make_app(home, PENGUINS, target="species"), run_before=loaded())


def test_snapshot_profile_light(home: Path, snap_compare: SnapCompare) -> None:
    """The Profile tab in the light theme (ctrl+t), bill_length_mm highlighted: its detail shows
    min/median/max, skew and a 24-bin sparkline drawn from the quantiles."""
    assert snap_compare(make_app(home, PENGUINS, target="species"),
                        run_before=loaded("down", "down", "ctrl+t"))


def test_snapshot_decision(home: Path, snap_compare: SnapCompare) -> None:
    """Decision tab for penguins with body_mass_g as target and 'few features important' answered
    no: the answers line, the path tree (advisor steps, then map questions with fact = value and
    the answer; the last question answered no by the user) and the candidates starting with
    DummyRegressor, DecisionTreeRegressor, Ridge."""
    app = make_app(home, PENGUINS, target="body_mass_g", answers={"few_features_important": "no"})
    assert snap_compare(app, run_before=loaded("d"))


def test_snapshot_decision_wide(home: Path, snap_compare: SnapCompare) -> None:
    """At 120x40 the Decision tab puts the path tree and the candidates side by side; the tree
    shows the map's 'not working' arrows through linear_svc, kneighbors_classifier and
    svc_ensemble_classifiers for the species target."""
    assert snap_compare(make_app(home, PENGUINS, target="species"), run_before=loaded("d"),
                        terminal_size=(120, 40))


def test_snapshot_export(home: Path, snap_compare: SnapCompare) -> None:
    """Export tab after pressing m: the name box holds ~/reports/penguins-advice, the three format
    buttons, 'Saved Markdown to ~/reports/penguins-advice.md' and the notification saying where."""
    assert snap_compare(make_app(home, PENGUINS, target="species"), run_before=loaded("e", "m"))


def test_snapshot_help(home: Path, snap_compare: SnapCompare) -> None:
    """Help tab: the introduction (map vs advisor marks, ctrl+p) and the key bindings, starting
    with the ones that work everywhere."""
    assert snap_compare(make_app(home, PENGUINS, target="species"), run_before=loaded("question_mark"))


def test_snapshot_error_modal(home: Path, snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error modal over the Open tab after trying to open the folder 'data' as a table: a red
    'Cannot do that' dialog with the loader's one-line message and an OK button."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        pilot.app.post_message(m.OpenFile("data"))  # relative to the home folder: the same text everywhere
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ErrorModal), "the error modal")
        await pilot.pause(0.1)

    monkeypatch.chdir(home)
    assert snap_compare(make_app(home), run_before=run_before)


def test_snapshot_kind_dialog(home: Path, snap_compare: SnapCompare) -> None:
    """The kind dialog for the year column (k on the Profile tab): what the detectors decided and
    why, then 'let the detectors decide' and every kind."""
    assert snap_compare(make_app(home, PENGUINS, target="species"),
                        run_before=loaded(*["down"] * 7, "k"))


@pytest.fixture
def fixed_timings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Measured times on screen read '12.3 ms': the rest of a finished run is the same on every machine."""
    import advisor.tui.panes.benchmark

    monkeypatch.setattr(advisor.tui.panes.benchmark, "seconds", lambda value: "–" if value is None else "12.3 ms")


@pytest.fixture(scope="session")
def penguins_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """One real 60-second benchmark of penguins (species): (the report it made, the fitted pick).

    Computed once per test session and shared by the xdist workers through a pickle in the
    session's temporary folder (the first worker to claim it runs it, the others wait for it).
    """
    import os
    import pickle
    import time

    from advisor.pipeline import load_and_profile
    from advisor.tui.session import run_benchmark as real_run

    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "penguins-benchmark.pkl"
    claim = shared.with_suffix(".claim")
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL))
    except FileExistsError:  # another worker is running it
        for _ in range(1200):
            if shared.exists():
                return pickle.loads(shared.read_bytes())  # type: ignore[no-any-return]
            time.sleep(0.1)
    table, report = load_and_profile(PENGUINS, target="species")
    result = real_run(report, table, budget=60.0, metric=None)
    partial = shared.with_suffix(".part")
    partial.write_bytes(pickle.dumps(result))
    partial.replace(shared)
    return result


@pytest.fixture
def replayed_benchmark(penguins_run: tuple[Any, Any], fixed_timings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Benchmark tab's run replays ``penguins_run`` (its progress, leaderboard and fitted pick) on the
    app's own report, through the same worker, messages and panes: snapshots of a finished run that no
    machine's speed can change (under load, a live run could time a candidate out)."""
    import copy
    from dataclasses import replace

    import advisor.tui.panes.benchmark

    done, fitted = penguins_run

    def replay(report: Any, table: Any, *, budget: float, metric: str | None,
               progress: Callable[[str, float], None] | None = None, **_: Any) -> tuple[Any, Any]:
        board = copy.deepcopy(done.leaderboard)
        for i, row in enumerate(board.rows, 1):
            if progress is not None:
                progress(f"{row.name}: fold 5/5 · 30 s left", i / len(board.rows))
        settings = replace(report.settings, command="recommend", budget=budget, metric=metric)
        return replace(report, settings=settings, leaderboard=board, pipeline_code=done.pipeline_code), fitted

    monkeypatch.setattr(advisor.tui.panes.benchmark, "run_benchmark", replay)


def benchmarked(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """run_before for snapshots: wait for the profile, run the benchmark to the end, then press ``keys``
    (waiting for any job they start); notifications are cleared so they do not cover the screen."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, AdvisorApp)
        await loaded()(pilot)
        await run_benchmark(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            await idle(pilot, f"the job started by {key}")
        app.clear_notifications()
        await pilot.pause()
        await place_underlines(pilot)

    return run_before


def test_snapshot_benchmark(home: Path, snap_compare: SnapCompare, replayed_benchmark: None) -> None:
    """Benchmark tab after a finished 60-second run on penguins (species): the budget, metric and Run
    controls on one line; '✔ Pick: LinearSVC — clearly beats the Dummy baseline' and the reason
    (tied with the others, the most interpretable and cheapest); the leaderboard with all nine
    candidates ok, ranked, score ± std, ✔ on the pick and ≈ on the tied ones, fit times shown as the
    placeholder '12.3 ms'; under it the highlighted row's train score and the CV strategy."""
    assert snap_compare(make_app(home, PENGUINS, target="species"), run_before=benchmarked())


def test_snapshot_explain(home: Path, snap_compare: SnapCompare, replayed_benchmark: None) -> None:
    """Explain tab after the benchmark, r (explain) and data row 5: LinearSVC explained with SHAP
    (LinearExplainer), permutation importance agreeing; importance bars per column, bill_length_mm
    first (36%), each with its direction in words; the box 'Data row 5' says why that row's decision
    score for Adelie is high, the largest pushes first (bill_length_mm = 36.7 up)."""
    keys = ("x", "r", "slash", "5", "enter")
    assert snap_compare(make_app(home, PENGUINS, target="species"), run_before=benchmarked(*keys))


def test_benchmark_rows_reach_the_screen_as_they_finish() -> None:
    """The live leaderboard gets each candidate's final row (with its score) before the run ends."""
    from advisor.load import load_table
    from advisor.pipeline import profile_loaded
    from advisor.tui.session import run_benchmark

    table = load_table(str(bundled_path()))
    report = profile_loaded(table, target="species")
    rows: list = []
    new, _ = run_benchmark(report, table, budget=30, metric=None, on_row=rows.append)
    assert new.leaderboard is not None and rows
    assert all(r.status != "ok" or r.score is not None for r in rows)
    assert {r.name for r in rows} == {r.name for r in new.leaderboard.rows if r.status in ("ok", "failed", "timeout")}


@pilot_test
async def test_a_leakage_suspect_is_a_caution_beside_the_pick(home: Path, replayed_benchmark: None) -> None:
    """The profile's leakage suspect follows the pick on the Benchmark tab, with the --drop that reruns
    without it; the replayed penguins run itself has none, so no caution shows before it is added."""
    from advisor.profile.model import LeakageSuspect

    app = make_app(home, PENGUINS, target="species")
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded()(pilot)
        await run_benchmark(pilot)
        assert "Caution" not in str(app.query_one("#pick", Static).render())
        assert app.report is not None
        app.report.profile.leakage = [LeakageSuspect("bill_length_mm", "balanced_accuracy", 0.991, 0.333)]
        await run_benchmark(pilot)
        text = " ".join(str(app.query_one("#pick", Static).render()).split())
        assert "Caution: 'bill_length_mm' alone predicts the target (balanced accuracy 0.991)" in text
        assert "rerun with --drop bill_length_mm" in text


@pilot_test
async def test_drop_leaves_a_column_out_of_the_session(home: Path) -> None:
    """`advisor tui FILE --drop COL` (what the leakage caution tells you to run) profiles without the
    column, and keeps it out when the target changes; another file opened in the app has no drop."""
    app = make_app(home, PENGUINS, target="species", drop=["bill_length_mm"])
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded()(pilot)
        assert app.report is not None
        assert "bill_length_mm" not in [c.name for c in app.report.profile.columns]
        assert app.report.settings.drop == ["bill_length_mm"]
        assert "dropped with --drop: bill_length_mm" in app.report.source.notes
    request = ProfileRequest.from_options(PENGUINS, {"target": "species", "drop": ["bill_length_mm"]})
    again = request.with_target("island")
    assert again.drop == ("bill_length_mm",) and again.reads_like(request)
    assert request.for_file("other.csv").drop == ()
    assert not ProfileRequest.from_options(PENGUINS, {"target": "species"}).reads_like(request)


@pilot_test
async def test_groups_and_time_reach_the_benchmark_and_the_refit(home: Path, replayed_benchmark: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`advisor tui FILE --groups COL --time COL` (the panel_data advice): the Benchmark tab's run gets
    both; a refit of the pick keeps the group column out of the features, as the folds did."""
    import advisor.pipeline
    import advisor.tui.panes.benchmark
    from advisor.tui.session import fit_pick

    seen: dict[str, Any] = {}
    replay = advisor.tui.panes.benchmark.run_benchmark

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(groups=kwargs.get("groups"), time_col=kwargs.get("time_col"))
        return replay(*args, **kwargs)

    monkeypatch.setattr(advisor.tui.panes.benchmark, "run_benchmark", spy)
    app = make_app(home, PENGUINS, target="species", groups="island", time_col="year")
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded()(pilot)
        await run_benchmark(pilot)
        assert seen == {"groups": "island", "time_col": "year"}
        assert app.report is not None and app.request is not None and app.table is not None
        assert app.request.for_file("other.csv").groups is None
        refits: list[Any] = []
        monkeypatch.setattr(advisor.pipeline, "_refit_pick", lambda report, table, groups: refits.append(groups))
        app.report.leaderboard.cv.groups = "island"  # the replayed run was the plain one
        fit_pick(app.report, app.table)
        assert refits == ["island"]
