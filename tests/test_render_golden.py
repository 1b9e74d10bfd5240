"""Golden files for the terminal, Markdown and JSON reports, plus checks on HTML and the schema.

The tables are the bundled penguins and CSVs written at test time from
scikit-learn's bundled loaders (no network). Timings, file paths and the
advisor version are masked before comparing. To refresh the goldens after an
intended change, run::

    ADVISOR_UPDATE_GOLDENS=1 .venv/bin/pytest tests/test_render_golden.py

and review the diff in ``tests/golden/``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from advisor.pipeline import (
    build_explain_report,
    build_profile_report,
    build_recommend_report,
    bundled_path,
)
from advisor.report._format import TIME_PATTERN, TIME_WIDTH, TINY_ERROR, duration
from advisor.report.html import render_html
from advisor.report.jsonout import render_json
from advisor.report.markdown import render_markdown
from advisor.report.terminal import render_terminal

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
SCHEMA = ROOT / "schemas" / "report.schema.json"
UPDATE = os.environ.get("ADVISOR_UPDATE_GOLDENS") == "1"

# name -> (file written by _write_tables or the bundled file, build_profile_report options)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "penguins": ("<bundled>", {"target": "species"}),
    "diabetes": ("diabetes.csv", {"target": "target"}),
    "breast_cancer": ("breast_cancer.csv", {"target": "target"}),
    "linnerud_weight": ("linnerud.csv", {"target": "Weight", "task": "regression"}),
    "iris_unlabelled": ("iris.csv", {}),
}
# Recommend reports: each cross-validates the candidates once per module (a few seconds), seed 0.
RECOMMEND_BUDGET = 30
RECOMMEND_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "penguins_recommend": ("<bundled>", {"target": "species"}),
    "diabetes_recommend": ("diabetes.csv", {"target": "target"}),
}
# Explain reports: recommend, refit the pick, explain it and data row 5, seed 0. Both picks are linear
# models (LinearExplainer), whose SHAP values are exact and the same run to run and process to process.
EXPLAIN_BUDGET = 20
EXPLAIN_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "penguins_explain": ("<bundled>", {"target": "species"}),
    "diabetes_explain": ("diabetes.csv", {"target": "target"}),
}
RICH_ENV = ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
            "JUPYTER_COLUMNS", "JUPYTER_LINES", "TERM", "COLORTERM")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _pinned_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich reads the terminal's size and colour wishes from the environment: pin them."""
    for name in RICH_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CSVs from scikit-learn's bundled datasets, written the same way every run."""
    from sklearn import datasets

    out = tmp_path_factory.mktemp("tables")
    datasets.load_diabetes(as_frame=True).frame.to_csv(out / "diabetes.csv", index=False)
    datasets.load_breast_cancer(as_frame=True).frame.to_csv(out / "breast_cancer.csv", index=False)
    datasets.load_linnerud(as_frame=True).frame.to_csv(out / "linnerud.csv", index=False)
    datasets.load_iris(as_frame=True).frame.drop(columns="target").to_csv(out / "iris.csv", index=False)
    return out


@pytest.fixture(scope="module")
def reports(table_dir: Path) -> dict[str, Any]:
    """Each case profiled once per module (seed pinned to 0); a failure is kept, not raised here."""
    built: dict[str, Any] = {}
    for name, (file, options) in CASES.items():
        path = bundled_path() if file == "<bundled>" else table_dir / file
        try:
            built[name] = build_profile_report(str(path), seed=0, **options)
        except Exception as exc:  # reported by the test that needs this case
            built[name] = exc
    return built


@pytest.fixture(scope="module")
def recommend_reports(table_dir: Path) -> dict[str, Any]:
    """Each recommend case built once per module and reused by every format; a failure is kept, not raised here."""
    built: dict[str, Any] = {}
    for name, (file, options) in RECOMMEND_CASES.items():
        path = bundled_path() if file == "<bundled>" else table_dir / file
        try:
            # explain=False: the explanation stage has its own tests and its own share of the budget
            # tune=False: what the light tuning manages to try depends on the machine's load, a golden must not
            built[name] = build_recommend_report(str(path), budget=RECOMMEND_BUDGET, seed=0, explain=False,
                                                 tune=False, **options)
        except Exception as exc:  # reported by the test that needs this case
            built[name] = exc
    return built


@pytest.fixture(scope="module")
def explain_reports(table_dir: Path) -> dict[str, Any]:
    """Each explain case built once per module and reused by every format; a failure is kept, not raised here."""
    built: dict[str, Any] = {}
    for name, (file, options) in EXPLAIN_CASES.items():
        path = bundled_path() if file == "<bundled>" else table_dir / file
        try:
            built[name] = build_explain_report(str(path), budget=EXPLAIN_BUDGET, seed=0, row=5, tune=False, **options)
        except Exception as exc:  # reported by the test that needs this case
            built[name] = exc
    return built


def _report(reports: dict[str, Any], name: str) -> Any:
    report = reports[name]
    if isinstance(report, Exception):
        raise report
    return report


# ---------------------------------------------------------------- golden helper


def _mask(text: str, table_dir: Path) -> str:
    """Blank out what changes between runs and machines: paths and timings."""
    text = text.replace(str(table_dir), "<tables>").replace(str(ROOT), "<repo>")
    text = re.sub(r"(?ms)^timings: .*\Z", "timings: <masked>\n", text)  # the last line; it wraps when long
    return re.sub(r"(?m)^_Timings: .*$", "_Timings: <masked>_", text)


# Every measured time is rendered by _format.duration, so one pattern finds them all. The
# spaces before one go too: a right-aligned timing in a fixed-width terminal column is
# padded by how long its text is, and the columns after it do not move.
_TIMING = re.compile(rf"( *)\b{TIME_PATTERN}")


def _mask_timings(text: str) -> str:
    return _TIMING.sub(lambda m: (" " if m.group(1) else "") + "<time>", text)


# Leaderboard fields measured with a clock; the scores are seeded and stay unmasked.
TIMING_FIELDS = ("fit_seconds", "predict_seconds_per_1000_rows", "elapsed_seconds", "estimated_seconds")


def _mask_json(text: str) -> str:
    data = json.loads(text)
    data["source"]["path"] = "<path>"
    data["advisor_version"] = "<version>"
    data["timings"] = dict.fromkeys(data["timings"], 0.0)
    board = data.get("leaderboard")
    if board:
        board["elapsed_seconds"] = 0.0
        for row in board["rows"]:
            for key in TIMING_FIELDS:
                if row.get(key) is not None:
                    row[key] = 0.0
            if row.get("reason"):
                row["reason"] = _mask_timings(row["reason"])
            for trial in (row.get("tuning") or {}).get("trials", []):
                trial["seconds"] = 0.0 if trial.get("seconds") is not None else None
                if trial.get("reason"):
                    trial["reason"] = _mask_timings(trial["reason"])
    explanation = data.get("explanation")
    if explanation:
        explanation["seconds"] = 0.0
        additivity = explanation.get("additivity")
        if additivity and abs(additivity["max_error"]) < TINY_ERROR:  # floating-point noise, machine-dependent
            additivity["max_error"] = 0.0
        # SHAP values of a model fitted on another CPU differ from about the 8th digit (its vector
        # instructions round differently); 6 significant digits are the same on every machine seen.
        data["explanation"] = _round_floats(explanation, 6)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _round_floats(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: _round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_floats(v, digits) for v in value]
    return value


def assert_golden(name: str, text: str) -> None:
    """Compare with ``tests/golden/name``, or write it when ADVISOR_UPDATE_GOLDENS=1."""
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no golden file {path}; create it with ADVISOR_UPDATE_GOLDENS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file; if intended, rerun with ADVISOR_UPDATE_GOLDENS=1"


# ---------------------------------------------------------------- goldens


@pytest.mark.parametrize("name", list(CASES))
def test_terminal_golden(reports: dict[str, Any], table_dir: Path, name: str) -> None:
    """The plain 80-column terminal report, byte for byte (rendered twice: no hidden state)."""
    report = _report(reports, name)
    first = render_terminal(report, width=80, color=False)
    assert render_terminal(report, width=80, color=False) == first
    assert_golden(f"{name}.terminal.txt", _mask(first, table_dir))


@pytest.mark.parametrize("name", list(CASES))
def test_markdown_golden(reports: dict[str, Any], table_dir: Path, name: str) -> None:
    report = _report(reports, name)
    first = render_markdown(report)
    assert render_markdown(report) == first
    assert_golden(f"{name}.md", _mask(first, table_dir))


@pytest.mark.parametrize("name", list(CASES))
def test_json_golden(reports: dict[str, Any], name: str) -> None:
    report = _report(reports, name)
    first = render_json(report)
    assert render_json(report) == first
    assert_golden(f"{name}.json", _mask_json(first))


def test_profile_is_reproducible(table_dir: Path) -> None:
    """Two runs on the same file give the same JSON: the goldens pin behaviour, not luck."""
    runs = [build_profile_report(str(table_dir / "breast_cancer.csv"), target="target", seed=0) for _ in range(2)]
    assert _mask_json(render_json(runs[0])) == _mask_json(render_json(runs[1]))


# ---------------------------------------------------------------- recommend goldens


def _recommend(recommend_reports: dict[str, Any], name: str) -> Any:
    report = _report(recommend_reports, name)
    board = report.leaderboard
    # A row that timed out or was skipped for lack of time would make the goldens depend on the
    # machine's load: fail loudly instead, so such a case is seen rather than papered over.
    slow = [(r.name, r.status, r.reason) for r in board.rows if r.status != "ok"]
    assert not slow, f"{name}: candidates not measured within {RECOMMEND_BUDGET} s: {slow}"
    assert board.learning_curve is not None and board.learning_curve.status == "ok"
    return report


@pytest.mark.parametrize("name", list(RECOMMEND_CASES))
def test_recommend_terminal_golden(recommend_reports: dict[str, Any], table_dir: Path, name: str) -> None:
    report = _recommend(recommend_reports, name)
    first = render_terminal(report, width=80, color=False)
    assert render_terminal(report, width=80, color=False) == first
    assert_golden(f"{name}.terminal.txt", _mask_timings(_mask(first, table_dir)))


@pytest.mark.parametrize("name", list(RECOMMEND_CASES))
def test_recommend_markdown_golden(recommend_reports: dict[str, Any], table_dir: Path, name: str) -> None:
    report = _recommend(recommend_reports, name)
    first = render_markdown(report)
    assert render_markdown(report) == first
    assert_golden(f"{name}.md", _mask_timings(_mask(first, table_dir)))


@pytest.mark.parametrize("name", list(RECOMMEND_CASES))
def test_recommend_json_golden(recommend_reports: dict[str, Any], name: str) -> None:
    report = _recommend(recommend_reports, name)
    first = render_json(report)
    assert render_json(report) == first
    assert_golden(f"{name}.json", _mask_json(first))


@pytest.mark.parametrize("name", list(RECOMMEND_CASES))
def test_recommend_formats_fit_and_stand_alone(recommend_reports: dict[str, Any], name: str) -> None:
    """80 and 120 columns with and without colour; the pick first; Markdown and HTML carry the code."""
    from rich.cells import cell_len

    report = _recommend(recommend_reports, name)
    for width in (80, 120):
        for color in (False, True):
            plain = re.sub(r"\x1b\[[0-9;]*m", "", render_terminal(report, width=width, color=color))
            too_long = [line for line in plain.splitlines() if cell_len(line) > width]
            assert not too_long, f"lines wider than {width}: {too_long[:3]}"
    term = render_terminal(report, width=80)
    pick = report.leaderboard.pick.name
    assert term.startswith("advisor recommend  ")
    assert term.index("recommendation ─") < term.index("leaderboard (") < term.index("operating the model")
    assert term.index("operating the model") < term.index("columns (")
    assert "--format md or html" in term and "def as_numbers" not in term
    assert f"advisor drift {report.source.file_name} new.csv --fail-on medium" in term
    assert "(baseline)" in term and "✔" in term
    md = render_markdown(report)
    assert md.index("## Recommendation") < md.index("## Leaderboard") < md.index("## Summary")
    assert f"**{pick}**" in md and "```python\n" + report.pipeline_code.rstrip("\n") + "\n```" in md
    assert "### All metrics" in md and md.rstrip("\n").splitlines()[-1].startswith("_Timings:")
    page = render_html(report)
    assert "<h2>Recommendation</h2>" in page and "<pre><code" in page
    assert escape_html(report.pipeline_code.rstrip("\n")) in page
    parser = _Collector()
    parser.feed(page)
    assert not [t for t, _ in parser.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    assert "http://" not in page and "https://" not in page


# ---------------------------------------------------------------- explain goldens


def _explained(explain_reports: dict[str, Any], name: str) -> Any:
    report = _report(explain_reports, name)
    slow = [(r.name, r.status, r.reason) for r in report.leaderboard.rows if r.status != "ok"]
    assert not slow, f"{name}: candidates not measured within {EXPLAIN_BUDGET} s: {slow}"
    e = report.explanation
    assert e is not None and e.method == "shap" and e.row is not None
    assert e.n_explained == e.n_rows - 1, f"{name}: the explanation ran out of time: {e.explained_method}"
    return report


@pytest.mark.parametrize("name", list(EXPLAIN_CASES))
def test_explain_terminal_golden(explain_reports: dict[str, Any], table_dir: Path, name: str) -> None:
    report = _explained(explain_reports, name)
    first = render_terminal(report, width=80, color=False)
    assert render_terminal(report, width=80, color=False) == first
    assert_golden(f"{name}.terminal.txt", _mask_timings(_mask(first, table_dir)))


@pytest.mark.parametrize("name", list(EXPLAIN_CASES))
def test_explain_markdown_golden(explain_reports: dict[str, Any], table_dir: Path, name: str) -> None:
    report = _explained(explain_reports, name)
    first = render_markdown(report)
    assert render_markdown(report) == first
    assert_golden(f"{name}.md", _mask_timings(_mask(first, table_dir)))


@pytest.mark.parametrize("name", list(EXPLAIN_CASES))
def test_explain_json_golden(explain_reports: dict[str, Any], name: str) -> None:
    report = _explained(explain_reports, name)
    first = render_json(report)
    assert render_json(report) == first
    assert_golden(f"{name}.json", _mask_json(first))


@pytest.mark.parametrize("name", list(EXPLAIN_CASES))
def test_explain_formats_fit_and_stand_alone(explain_reports: dict[str, Any], name: str) -> None:
    """The explanation comes first; terminal fits 80 and 120 columns; HTML embeds both plots as inline SVG."""
    from rich.cells import cell_len

    report = _explained(explain_reports, name)
    e = report.explanation
    for width in (80, 120):
        for color in (False, True):
            plain = re.sub(r"\x1b\[[0-9;]*m", "", render_terminal(report, width=width, color=color))
            too_long = [line for line in plain.splitlines() if cell_len(line) > width]
            assert not too_long, f"lines wider than {width}: {too_long[:3]}"
    term = render_terminal(report, width=80)
    assert term.startswith("advisor explain  ")
    assert term.index(f"explanation: {e.model} ─") < term.index("recommendation ─") < term.index("\ncolumns (")
    assert "█" in term and "additivity  ok" in term and "SHAP and permutation importance agree" in term
    assert f"row {e.row.row}" in term and e.importances[0].column in term
    md = render_markdown(report)
    assert md.startswith("# Model explanation: ")
    assert md.index("## Explanation") < md.index("### What drives the model") < md.index("## Recommendation")
    assert f"### Row {e.row.row}" in md and e.row.summary in md
    page = render_html(report)
    assert page.index("<h2>Explanation</h2>") < page.index("<h2>Recommendation</h2>")
    assert page.count('<figure class="plot"><svg') == 2
    assert 'aria-label="importance plot"' in page and 'aria-label="beeswarm plot"' in page
    parser = _Collector()
    parser.feed(page)
    parser.close()
    assert not [t for t, _ in parser.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    assert "http://" not in page and "https://" not in page and not re.search(r"@import|url\((?!#)", page)
    ids = [attrs["id"] for _, attrs in parser.tags if attrs.get("id")]
    assert len(ids) == len(set(ids)), "the two plots' SVG ids collide"
    referenced = set(re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', page))
    assert {ref for pair in referenced for ref in pair if ref} <= set(ids)


def test_explain_html_without_values_skips_the_plots(explain_reports: dict[str, Any]) -> None:
    """A report read back from JSON has no per-row values: one line says so, the tables stay."""
    report = copy.deepcopy(_explained(explain_reports, "penguins_explain"))
    del report.explanation._values
    page = render_html(report)
    assert "<figure" not in page and "No plots: the per-row SHAP values are not part of the JSON report" in page
    assert "<h3>What drives the model</h3>" in page and "<h3>Importance per class</h3>" in page


def test_the_explanation_sits_between_the_answer_and_the_profile() -> None:
    """Outside ``advisor explain`` the explanation follows the recommendation and precedes the profile."""
    report = _tiny_report()
    report.settings.command = "recommend"
    report.explanation = _hand_explanation()
    term, md, page = render_terminal(report, width=80), render_markdown(report), render_html(report)
    assert term.index("explanation: SVC") < term.index("target species")
    assert md.startswith("# Data profile:") and md.index("## Explanation") < md.index("## Summary")
    assert page.index("<h2>Explanation</h2>") < page.index("<h2>Target</h2>")


def _hand_explanation(**kw: Any) -> Any:
    """An explanation with everything that can go wrong: many long columns, failed additivity, disagreement."""
    from advisor.explain import (
        Additivity,
        ColumnImportance,
        Contribution,
        Explanation,
        PermutationAgreement,
        RowExplanation,
    )
    from advisor.profile.model import Finding

    classes = [f"class with a long name {k}" for k in range(6)]
    names = [f"column_{j}_with_a_rather_long_name_indeed" if j % 3 == 0 else f"c{j}" for j in range(20)]
    total = sum(1.0 / (j + 1) for j in range(20))
    importances = [ColumnImportance(n, 1.0 / (j + 1), {c: 0.5 / (j + 1) for c in classes},
                                    "higher values push P(y = a) up, and this sentence goes on for a while "
                                    "so that it has to wrap in an 80-column terminal", (1, -1, 0)[j % 3], j + 1,
                                    1.0 / (j + 1) / total) for j, n in enumerate(names)]
    row = RowExplanation(17, "P(y = a)", 0.3, 0.9, [Contribution(names[0], "x" * 40, 0.5, "text"),
                                                    Contribution("c1", "2", -0.1, "text")], 0.2, "For row 17, ...")
    perm = PermutationAgreement(0.1, True, names[:5], dict.fromkeys(names, 0.1), "log loss", 500, 3, True, 12,
                                "SHAP and permutation importance disagree strongly.")
    fields: dict[str, Any] = dict(
        task="multiclass", model="SVC", method="shap", explainer="KernelExplainer", output_space="probability",
        output_label="probability of each class of y", n_rows=5000, n_background=50,
        background_method="k-means summary", n_explained=120, explained_method="random sample",
        base_value=None, base_value_by_class={c: 0.1 for c in classes}, classes=classes, importances=importances,
        unused_columns=["notes"], row=row, additivity=Additivity(0.25, 0.001, False, "probability"),
        permutation=perm, findings=[Finding("explainers_disagree", "warning", names[:3], "They disagree.", "Look.")],
        fallback_reason=None, surrogate=None, notes=["a note"], budget=30.0, seconds=12.5)
    fields.update(kw)
    return Explanation(**fields)


@pytest.mark.parametrize("width", [80, 120])
def test_explanation_edge_cases_render_within_width(width: int) -> None:
    from rich.cells import cell_len

    report = _tiny_report()
    report.settings.command = "explain"
    report.explanation = _hand_explanation()
    for color in (False, True):
        plain = re.sub(r"\x1b\[[0-9;]*m", "", render_terminal(report, width=width, color=color))
        too_long = [line for line in plain.splitlines() if cell_len(line) > width]
        assert not too_long, f"lines wider than {width}: {too_long[:3]}"
    term = " ".join(render_terminal(report, width=width).split())
    assert "additivity failed: base value + contributions ≠ the model's probability (max error 0.25" in term
    assert "the two rankings disagree strongly" in term and "explainers_disagree" in term
    assert "and 5 more columns (all of them in --format md, json or html)" in term
    assert "per-class importances: --format md, json or html" in term  # six long class names do not fit
    assert "Columns the pipeline drops before the model: notes." in term and "a note" in term
    assert "the other columns together push it up by 0.2" in term
    md = render_markdown(report)
    assert md.count("| `c19` |") == 2 and "- **Warning:** The two rankings disagree strongly" in md
    assert "**Additivity:** Failed:" in md and "### Importance per class" in md
    page = render_html(report)
    assert "No plots: the per-row SHAP values are not part of the JSON report" in page
    assert '<span class="caution">failed: base value' in page


def test_explanation_fallback_and_surrogate() -> None:
    """Permutation importance instead of SHAP: no signs or row, the reason said; a clustering surrogate is named."""
    from advisor.explain import PermutationAgreement, Surrogate

    perm = PermutationAgreement(None, False, ["a", "b"], {"a": 0.2, "b": 0.0}, "accuracy", 300, 5, False, 0,
                                "Permutation importance on 300 rows of the table.")
    base = _hand_explanation()
    imps = base.importances[:2]
    for i in imps:
        i.importance_by_class, i.sign, i.direction = {}, 0, "permutation importance gives no direction"
    e = _hand_explanation(method="permutation", explainer="permutation_importance", output_space="loss of accuracy",
                          importances=imps, row=None, additivity=None, permutation=perm, findings=[],
                          fallback_reason="KernelExplainer failed: ValueError: boom", base_value_by_class={},
                          surrogate=Surrogate("HistGradientBoostingClassifier", 0.6, 3, 300, False, "Only roughly."))
    report = _tiny_report()
    report.explanation = e
    term = " ".join(render_terminal(report, width=80).split())
    assert "explanation: the clusters, through HistGradientBoostingClassifier" in term
    assert "explainer permutation importance (SHAP could not run)" in term and "drop in accuracy" in term
    assert "KernelExplainer failed: ValueError: boom" in term and "surrogate Only roughly." in term
    assert "measured Permutation importance on 300 rows" in term and "+ higher" not in term
    md = render_markdown(report)
    assert "| # | column | drop in accuracy | share | direction |" in md and "### Row" not in md
    assert "No plots: permutation importance has no per-row values to plot." in render_html(report)


def escape_html(text: str) -> str:
    from html import escape

    return escape(text)


@pytest.mark.parametrize("name", list(RECOMMEND_CASES))
def test_recommend_json_validates_against_schema(recommend_reports: dict[str, Any], name: str) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data = json.loads(render_json(_report(recommend_reports, name)))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_durations_match_the_timing_mask() -> None:
    """Every timing goes through one formatter, so the goldens mask them with one pattern."""
    values = [0.0, 3e-10, 4.2e-8, 9.6e-5, 0.000117, 0.0146, 0.09996, 0.9996, 1.0, 7.12, 31.2, 99.96, 123.4, 4321.0]
    for v in values:
        text = duration(v)
        assert re.fullmatch(TIME_PATTERN, text), text
        assert len(text) <= TIME_WIDTH, text
    assert [duration(v) for v in (0.0146, 0.000117, 7.123, 0.5e-6)] == ["14.6 ms", "117 µs", "7.12 s", "500 ns"]
    assert _mask_timings("| 11.5 ms |   96.3 ms   4.2 kB (5 s) 5 folds") == "| <time> | <time>   4.2 kB (<time>) 5 folds"


# ---------------------------------------------------------------- recommend: hand-built leaderboards


def _row(name: str, status: str, **kw: Any) -> Any:
    from advisor.leaderboard import CandidateResult

    return CandidateResult(name=name, label=name, origin=kw.pop("origin", "map"), status=status, **kw)


def _board(rows: list[Any], pick: Any = None, **kw: Any) -> Any:
    from advisor.leaderboard import CVInfo, Leaderboard, MetricInfo

    metrics = [MetricInfo("balanced_accuracy", "balanced accuracy", "balanced_accuracy", True, primary=True),
               MetricInfo("f1_macro", "F1 (macro)", "f1_macro", True)]
    return Leaderboard(task="multiclass", metric="balanced_accuracy", metrics=metrics,
                       cv=CVInfo("StratifiedKFold", 5, 344, True, 0), rows=rows, pick=pick,
                       baseline="DummyClassifier", budget_seconds=10.0, elapsed_seconds=10.4, seed=0, jobs=1, **kw)


LONG_REASON = ("fold 1 of 5: ValueError: Can only use these strategies: ['mean', 'median', 'most_frequent', "
               "'constant'] got strategy=no-such-strategy, which is not one of the strategies this imputer knows "
               "about; the end of this reason only shows in Markdown and HTML")


def _all_failed_report() -> Any:
    """What AllCandidatesFailed carries: only the baseline measured, every real candidate without a score."""
    from advisor.leaderboard import MetricScore

    report = _tiny_report()
    report.settings.command = "recommend"
    dummy = _row("DummyClassifier", "ok", origin="advisor", is_baseline=True, rank=1, score=0.333333, score_std=0.0,
                 scores={"balanced_accuracy": MetricScore(0.333333, 0.0, [0.333333] * 5),
                         "f1_macro": MetricScore(0.204291, 0.002081, [0.2] * 5)},
                 train_score=0.333333, train_test_gap=0.0, fit_seconds=0.0021, predict_seconds_per_1000_rows=0.0009,
                 model_bytes=2507, folds_done=5)
    rows = [
        dummy,
        _row("LogisticRegression", "failed", origin="advisor", reason=LONG_REASON),
        _row("SVC", "timeout", reason="stopped at the end of the 10 s budget after 9.8 s (2 of 5 folds done)"),
        _row("KNeighborsClassifier", "skipped", reason="no time left in the budget of 10 s"),
        _row("HistGradientBoostingClassifier", "cancelled", origin="advisor",
             reason="the run was stopped before it started"),
    ]
    report.leaderboard = _board(rows)
    return report


def test_all_candidates_failed_renders_the_reasons() -> None:
    report = _all_failed_report()
    term = render_terminal(report, width=80)
    assert max(len(line) for line in term.splitlines()) <= 80
    assert "no recommendation" in term and "every candidate failed" in term
    assert "leaderboard (1 of 5 measured)" in term and "not measured" in term
    for status in ("failed", "timed out", "skipped", "cancelled"):
        assert status in term
    assert "Can only use these strategies" in term and "the end of this reason" not in term and "…" in term
    assert "operating the model" not in term and "rebuild" not in term
    assert term.index("no recommendation") < term.index("columns (")
    md = render_markdown(report)
    assert "**No recommendation:**" in md and "## Operating the model" not in md and "```python" not in md
    assert cell_text(LONG_REASON) in md and "| failed |" in md and "| timeout |" in md
    assert "DummyClassifier (baseline)" in md
    page = render_html(report)
    assert "No recommendation" in page and escape_html(LONG_REASON) in page
    assert "<h2>Operating the model</h2>" not in page


def cell_text(text: str) -> str:
    from advisor.report.markdown import cell

    return cell(text)


def test_pick_that_learns_online_overfits_and_was_saved() -> None:
    """A hand-built pick: not clearly above the baseline, overfitting, online learning, a saved model with warnings."""
    from advisor.leaderboard import LearningCurve, MetricScore, Pick
    from advisor.report.model import SavedModel

    report = _tiny_report()
    report.settings.command = "recommend"
    report.advice = _advice_stand_in()
    report.advice.candidates[0].partial_fit = True  # LinearSVC stands in for an online learner here
    scores = {"balanced_accuracy": MetricScore(0.61, 0.05, [0.6] * 5), "f1_macro": MetricScore(0.6, 0.04, [0.6] * 5)}
    pick_row = _row("LinearSVC", "ok", rank=1, score=0.61, score_std=0.05, scores=scores, train_score=0.99,
                    train_test_gap=0.38, overfitting=True, fit_seconds=1.5, predict_seconds_per_1000_rows=0.002,
                    model_bytes=1_234_567, folds_done=5, tied_with_best=True, tags={"partial_fit": True},
                    notes=["overfitting: balanced accuracy 0.990 on training folds vs 0.610 on held-out folds"])
    other = _row("HistGradientBoostingClassifier", "ok", origin="advisor", rank=2, score=0.6, score_std=0.06,
                 scores=scores, train_score=0.7, train_test_gap=0.1, fit_seconds=0.3,
                 predict_seconds_per_1000_rows=0.01, model_bytes=300, folds_done=5, tied_with_best=True,
                 p_value_vs_best=0.8)
    pick = Pick("LinearSVC", "balanced_accuracy", 0.61, 0.05, "LinearSVC is tied with the best and simpler.",
                "LinearSVC", ["HistGradientBoostingClassifier"], beats_baseline=False)
    dummy = _row("DummyClassifier", "ok", origin="advisor", is_baseline=True, rank=3, score=0.55, score_std=0.0,
                 scores=scores, train_score=0.55, train_test_gap=0.0, folds_done=5)
    curve = LearningCurve("skipped", "Not measured: needs about 3.1 s, 0.2 s left in the budget.")
    report.leaderboard = _board([pick_row, other, dummy], pick, learning_curve=curve, cancelled=True,
                                notes=["followed the map's 'try next' arrow to wave 1"])
    report.pipeline_code = "pipeline = Pipeline([('model', LinearSVC(C=1 < 2))])\n"
    report.saved_model = SavedModel(path="out/penguins.joblib", format="joblib", candidate="LinearSVC",
                                    warnings=["joblib files run code when loaded"],
                                    fingerprint={"rows": 344, "columns": 8, "sha256": "0c047b4ccbd99706e18"})
    term = render_terminal(report, width=80)
    assert max(len(line) for line in term.splitlines()) <= 80
    assert "does not clearly beat the DummyClassifier baseline (balanced accuracy 0.550)" in " ".join(term.split())
    assert "+0.380!" in term and "stopped early" in term and "Dummy (baseline)" in term
    assert "yes: LinearSVC has partial_fit" in term and "Not measured: needs about" in term
    assert "out/penguins.joblib" in term and "sha256 0c047b4ccbd9" in term and "sha256 0c047b4ccbd99" not in term
    assert "joblib files run code when loaded" in term and "advisor predict out/penguins.joblib" in term
    assert "followed the map's 'try next' arrow" in term
    md = render_markdown(report)
    assert "## Saved model" in md and "- **Warning:** joblib files run code when loaded" in md
    assert "344 rows, 8 columns, sha256 0c047b4ccbd9" in md and "LinearSVC(C=1 < 2)" in md
    assert "overfitting: balanced accuracy 0.990" in md and "| +0.380! |" in md
    page = render_html(report)
    assert "LinearSVC(C=1 &lt; 2)" in page and "<h2>Saved model</h2>" in page and 'class="num over"' in page


def _picked_report(leakage: list[Any]) -> Any:
    from advisor.leaderboard import MetricScore, Pick

    report = _tiny_report()
    report.settings.command = "recommend"
    report.profile.leakage = leakage
    scores = {"balanced_accuracy": MetricScore(1.0, 0.0, [1.0] * 5), "f1_macro": MetricScore(1.0, 0.0, [1.0] * 5)}
    row = _row("LogisticRegression", "ok", rank=1, score=1.0, score_std=0.0, scores=scores, train_score=1.0,
               train_test_gap=0.0, folds_done=5)
    pick = Pick("LogisticRegression", "balanced_accuracy", 1.0, 0.0, "LogisticRegression has the best score.",
                "LogisticRegression")
    report.leaderboard = _board([row], pick)
    return report


@pytest.mark.parametrize("width", [60, 80, 120])
def test_leaderboard_without_sizes_or_scores_still_renders(width: int) -> None:
    """A measured row whose model could not be pickled has no size; a run where even the baseline failed
    has no measured row at all. Neither may break the table."""
    report = _picked_report([])
    report.leaderboard.rows[0].model_bytes = None  # pickling the fitted model failed
    term = render_terminal(report, width=width)
    assert "LogisticRegression" in term and max(len(line) for line in term.splitlines()) <= width
    assert "LogisticRegression" in render_markdown(report) and "LogisticRegression" in render_html(report)
    report.leaderboard = _board([_row("DummyClassifier", "failed", origin="advisor", is_baseline=True,
                                      reason="ValueError: no rows"),
                                 _row("SVC", "failed", reason="ValueError: no rows")])
    term = render_terminal(report, width=width)
    assert "no recommendation" in term and "leaderboard (0 of 2 measured)" in term
    assert max(len(line) for line in term.splitlines()) <= width
    assert "**No recommendation:**" in render_markdown(report) and "No recommendation" in render_html(report)


def test_leakage_is_said_unchecked_without_a_target(reports: dict[str, Any]) -> None:
    """With no target there is nothing to leak into: the report says leakage was not checked,
    not that no column predicts 'the target'."""
    unlabelled = render_markdown(reports["iris_unlabelled"])
    assert "## Leakage suspects\n\nNot checked: there is no target." in unlabelled
    assert "predicts the target suspiciously well" not in unlabelled
    assert "No column predicts the target suspiciously well on its own." in render_markdown(reports["diabetes"])


def test_numbers_below_ten_thousand_have_no_separator() -> None:
    """Males' year: a median of 1983.5 read '1,984'; a year reads as a year, as whole ones already did."""
    from advisor.profile.model import CorrelatedPair
    from advisor.report._format import corr_value, num
    from advisor.tui.panes.profile import num as tui_num

    assert num(1983.5) == "1984" and num(1987.0) == "1987" and num(12345.6) == "12,346" and num(2.5) == "2.5"
    assert tui_num(1983.5) == "1984" and tui_num(12345.6) == "12,346" and tui_num(0.25) == "0.25"
    assert corr_value(CorrelatedPair("a", "b", "cramers_v", 0.95)) == "0.950"
    assert corr_value(CorrelatedPair("a", "b", "spearman", -0.95), 2) == "-0.95"


def test_a_leakage_suspect_is_said_beside_the_pick() -> None:
    """A column that alone predicts the target makes the leaderboard's scores suspect: the pick says so,
    in every format, with the --drop that reruns without it; with no suspect there is no caution."""
    from advisor.profile.model import LeakageSuspect

    one = _picked_report([LeakageSuspect("affairs", "balanced_accuracy", 0.984, 0.5)])
    term = " ".join(render_terminal(one, width=80).split())
    said = ("'affairs' alone predicts the target (balanced accuracy 0.984): if it is not known at prediction time, "
            "these scores are inflated; rerun with --drop affairs")
    assert f"caution {said}" in term
    assert term.index("caution") < term.index("leaderboard (")
    assert f"- **Caution:** {cell_text(said[0].upper() + said[1:])}." in render_markdown(one)
    assert f'<span class="caution">{escape_html(said)}</span>' in render_html(one)

    many = _picked_report([LeakageSuspect("bwt", "r2", 0.97, 0.0), LeakageSuspect("birth weight", "r2", 0.99, 0.0)])
    term = " ".join(render_terminal(many, width=80).split())
    assert ("'bwt', 'birth weight' alone predict the target (R² up to 0.990): if they are not known at prediction "
            "time, these scores are inflated; rerun with --drop bwt --drop 'birth weight'") in term

    from advisor.profile.model import JointLeakage

    joint = _picked_report([LeakageSuspect("readscr", "r2", 0.964, 0.0), LeakageSuspect("mathscr", "r2", 0.959, 0.0),
                            LeakageSuspect("enrltot", "r2", 0.95, 0.0)])
    joint.profile.joint_leakage = [JointLeakage(["readscr", "mathscr"], "r2", 1.0, [0.964, 0.959])]
    term = " ".join(render_terminal(joint, width=80).split())
    assert ("'readscr' + 'mathscr' together rebuild the target (R² 1.000); 'enrltot' alone predicts the target "
            "(R² 0.950): if they are not known at prediction time, these scores are inflated; rerun with "
            "--drop readscr --drop mathscr --drop enrltot") in term
    assert "readscr + mathscr r2 1.000 together" in term
    assert "Together, `readscr` + `mathscr` rebuild the target" in render_markdown(joint)
    assert "rebuild the target in a linear fit" in render_html(joint)

    none = _picked_report([])
    assert "caution" not in render_terminal(none, width=80)
    assert "**Caution:**" not in render_markdown(none) and "alone predict" not in render_html(none)


# ---------------------------------------------------------------- schema


def test_committed_schema_is_not_stale() -> None:
    """Regenerate with: .venv/bin/python -m advisor.report.schema > schemas/report.schema.json"""
    from advisor.report.schema import report_schema

    assert SCHEMA.read_text(encoding="utf-8") == json.dumps(report_schema(), indent=2) + "\n"


@pytest.mark.parametrize("name", list(CASES))
def test_json_validates_against_schema(reports: dict[str, Any], name: str) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(render_json(_report(reports, name)))))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


# ---------------------------------------------------------------- format checks


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", list(CASES))
def test_terminal_fits_width(reports: dict[str, Any], name: str, width: int) -> None:
    from rich.cells import cell_len

    for color in (False, True):
        text = render_terminal(_report(reports, name), width=width, color=color)
        plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
        too_long = [line for line in plain.splitlines() if cell_len(line) > width]
        assert not too_long, f"lines wider than {width}: {too_long[:3]}"
        assert ("\x1b[" in text) == color


@pytest.mark.parametrize("name", list(CASES))
def test_markdown_has_no_ansi_and_masks_timings_last(reports: dict[str, Any], name: str) -> None:
    text = render_markdown(_report(reports, name))
    assert "\x1b" not in text
    assert text.rstrip("\n").splitlines()[-1].startswith("_Timings:")


class _Collector(HTMLParser):
    """Every tag with its attributes, and the page's visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("name", list(CASES))
def test_html_is_self_contained(reports: dict[str, Any], name: str) -> None:
    """No CDN, no fetched fonts or images; the data shows up as text."""
    report = _report(reports, name)
    page = render_html(report)
    parser = _Collector()
    parser.feed(page)
    parser.close()
    assert parser.tags[0][0] == "html"
    assert not [t for t, _ in parser.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    for tag, attrs in parser.tags:
        for key in ("src", "href", "xlink:href", "srcset"):
            value = attrs.get(key) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {key}={value}> fetches from the network"
    assert not re.search(r"@import|url\(", page)
    assert "http://" not in page and "https://" not in page
    text = "".join(parser.text)
    for col in report.profile.columns:
        assert col.name in text
    for code in report.profile.finding_codes():
        assert code in text


def test_html_escapes_data() -> None:
    report = _tiny_report()
    report.profile.columns[0].name = "<script>alert(1)</script>"
    page = render_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_renderers_do_not_import_rich_at_module_level() -> None:
    """``advisor --help`` must stay fast: importing the renderers may not pull in Rich."""
    code = ("import sys, advisor.report.terminal, advisor.report.markdown, advisor.report.html; "
            "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- advice section (stand-in)


def _tiny_report() -> Any:
    """The penguins report, built once and copied: cheap to decorate per test."""
    global _TINY
    if _TINY is None:
        _TINY = build_profile_report(str(bundled_path()), target="species", seed=0)
    return copy.deepcopy(_TINY)


_TINY: Any = None


def _advice_stand_in(mermaid: bool = True) -> SimpleNamespace:
    """The shape of advisor.ruletree.model.Advice, hand-built so the sections are exercised now."""
    step = SimpleNamespace
    prep = SimpleNamespace(id="impute_numeric", component="SimpleImputer", columns=["bill_length_mm", "body_mass_g"],
                           reason="missing values in numeric features")
    candidates = [
        SimpleNamespace(name="LinearSVC", origin="map", why="the map's first choice for < 100K samples",
                        try_next=["KNeighborsClassifier", "SVC"], interpretability="glass_box",
                        interpretability_reason="one weight per feature", partial_fit=False, predict_proba=False,
                        family="linear", preparation=[prep, ("scale", "StandardScaler", [], "SVMs need scaled inputs")]),
        SimpleNamespace(name="HistGradientBoostingClassifier", origin="advisor", why="handles missing values <natively>",
                        try_next=[], interpretability="black_box", interpretability_reason="hundreds of trees",
                        partial_fit=False, predict_proba=True, family="tree_ensemble", preparation=[]),
    ]
    advice = SimpleNamespace(
        trace=[
            step(node_id="start_samples", question="more than 50 samples?", fact="n_samples", value=344,
                 answer="yes", origin="map", assumed=False, note=None),
            step(node_id="predicting_category", question="predicting a category?", fact="predicting_category",
                 value=True, answer="yes", origin="map", assumed=False, note=None),
            step(node_id="text_data", question="working with text data?", fact="has_text_columns", value=None,
                 answer="no", origin="advisor", assumed=True, note="no column holds free text"),
        ],
        path=["start_samples", "predicting_category", "text_data", "linear_svc"],
        outcome="classification",
        candidates=candidates,
        assumptions=["treated 'year' as a number | not a label"],
        notes=["rules from the bundled map"],
        rules_source="bundled",
    )
    if mermaid:
        advice.mermaid = "flowchart TD\n  start_samples -->|yes| predicting_category\n"
    return advice


def test_advice_sections_render_when_present() -> None:
    report = _tiny_report()
    report.advice = _advice_stand_in()
    term = render_terminal(report, width=80)
    for text in ("advice: classification", "LinearSVC", "HistGradientBoostingClassifier",
                 "assumed: no column holds free text",
                 "StandardScaler", "on all columns", "on bill_length_mm, body_mass_g", "KNeighborsClassifier",
                 "prepare  impute 2 num · scale", "used by 1"):
        assert text in term
    assert max(len(line) for line in term.splitlines()) <= 80
    md = render_markdown(report)
    assert "## Advice" in md and "```mermaid\nflowchart TD\n  start_samples -->|yes| predicting_category\n```" in md
    assert "not a label" in md and "year' as a number \\| not" in md
    assert md.rstrip("\n").splitlines()[-1].startswith("_Timings:")
    page = render_html(report)
    assert "<h2>Advice</h2>" in page and "&lt;natively&gt;" in page and "glass box" in page


def test_advice_keeps_the_map_apart_from_the_advisor() -> None:
    """The map's questions come first under their own heading; the advisor's checks follow."""
    report = _tiny_report()
    report.advice = _advice_stand_in()
    report.advice.notes = ["map: get more data", "advisor: look for a pretrained model"]
    term = render_terminal(report, width=80)
    map_at, added_at = term.index("scikit-learn's map"), term.index("advisor's additions")
    assert map_at < term.index("more than 50 samples?") < added_at < term.index("working with text data?")
    assert "advisor  look for a pretrained model" in term and "map      get more data" in term
    md = render_markdown(report)
    assert md.index("### scikit-learn's map") < md.index("### Advisor's additions") < md.index("### Candidates")
    assert "- **advisor:** look for a pretrained model" in md
    page = render_html(report)
    assert page.index("<h3>scikit-learn's map</h3>") < page.index("<h3>Advisor's additions</h3>")


def test_multi_fact_values_are_not_repeated() -> None:
    report = _tiny_report()
    report.advice = _advice_stand_in()
    report.advice.trace[2].fact = "has_long_text, has_media_paths"
    report.advice.trace[2].value = "has_long_text=false, has_media_paths=false"
    term, md = render_terminal(report, width=120), render_markdown(report)
    assert "has_long_text=false, has_media_paths=false" in term and "has_media_paths =" not in term
    assert "| `has_long_text=false, has_media_paths=false` |" in md


def test_preparation_is_listed_once() -> None:
    """Candidates name their steps briefly; each step's component and reason appear once."""
    report = _tiny_report()
    report.advice = _advice_stand_in()
    shared = report.advice.candidates[0].preparation[0]
    report.advice.candidates[1].preparation = [shared]
    term, md = render_terminal(report, width=80), render_markdown(report)
    assert term.count("missing values in numeric features") == 1 and "used by 1, 2" in term
    assert md.count("missing values in numeric features") == 1
    assert "| impute (`impute_numeric`) | `SimpleImputer` |" in md


def test_preparation_short_names_and_legend_order() -> None:
    from advisor.report._format import numbers_text, prep_legend, prep_summary

    step = SimpleNamespace
    num_ = step(id="impute_numeric", component="sklearn.impute.SimpleImputer", columns=["a", "b", "c"], reason="r")
    cat = step(id="impute_categorical", component="sklearn.impute.SimpleImputer", columns=["s", "t", "u"], reason="r")
    hot = step(id="one_hot_encode", component="sklearn.preprocessing.OneHotEncoder", columns=["s", "t"], reason="r")
    own = step(id="my_rule", component="x.Custom", columns=[], reason="r", scope="estimator")
    kinds = {"a": "numeric", "b": "count", "c": "code", "s": "categorical", "t": "boolean", "u": "categorical"}
    assert prep_summary([num_, cat, hot, own], kinds) == "impute (3 num + 3 cat) · one-hot s, t · my-rule"
    first, second = SimpleNamespace(preparation=[hot]), SimpleNamespace(preparation=[num_, hot, own])
    assert [s.id for s, _ in prep_legend([first, second])] == ["impute_numeric", "one_hot_encode", "my_rule"]
    assert numbers_text([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7, 8"


def test_advice_sections_skip_when_absent() -> None:
    from advisor.report.html import _advice_html
    from advisor.report.markdown import _advice_markdown
    from advisor.report.terminal import _advice_terminal

    assert _advice_html(None) == "" and _advice_markdown(None) == [] and _advice_terminal(None, 80) == []
    report = _tiny_report()
    report.advice = _advice_stand_in(mermaid=False)
    assert "```mermaid" not in render_markdown(report)
    report.advice = None
    assert "Advice" not in render_markdown(report) and "advice:" not in render_terminal(report)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_long_values_never_squeeze_the_column_names_out(tmp_path: Path, width: int) -> None:
    """A datetime range, a long category label and a value with a line break in it are cut to the
    space left in the columns table, one line each; every column's name and role stay whole."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    n = 300
    path = tmp_path / "edge.csv"
    pd.DataFrame({
        "x": rng.normal(size=n),
        "note": rng.choice(["line one | pipe\nline two", "short"], n),
        "label": rng.choice(["A very long category label that goes on and on beyond the width", "B", "C"], n),
        "signup": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.permutation(n) * 3607, unit="s"),
        "target": rng.integers(0, 2, n),
    }).to_csv(path, index=False)
    term = render_terminal(build_profile_report(str(path), target="target"), width=width)
    assert max(len(line) for line in term.splitlines()) <= width
    table = term[term.index("columns (5)"):term.index("findings (")].splitlines()
    rows = {line.split()[0]: line for line in table[3:] if line.strip()}
    assert list(rows) == ["x", "note", "label", "signup", "target"]  # one line per column, names whole
    assert all(" feature " in rows[name] for name in ("x", "note", "label", "signup"))
    assert " target " in rows["target"]
    if width >= 80:
        assert "2022-01-01" in rows["signup"] and "line one | pipe line" in rows["note"]


def test_every_format_says_the_decimal_mark_when_it_is_a_comma(tmp_path: Path) -> None:
    """A ';'-separated export with decimal commas: the report says how it was read in every format,
    and says nothing of a decimal mark when it is the usual point."""
    path = tmp_path / "eu.csv"
    rows = [f"{i};{i * 0.25:.2f}".replace(".", ",") + f";{'ab'[i % 2]}" for i in range(200)]
    path.write_text("n;amount;k\n" + "\n".join(rows) + "\n")
    report = build_profile_report(str(path))
    assert report.source.decimal == "," and report.profile.column("amount").numeric is not None
    assert "decimal ','" in render_terminal(report, width=100)
    assert "delimiter `;`, decimal mark `,`" in render_markdown(report)
    assert "delimiter &#x27;;&#x27;, decimal &#x27;,&#x27;" in render_html(report)
    plain = tmp_path / "plain.csv"
    plain.write_text("n,amount\n" + "\n".join(f"{i},{i * 0.25}" for i in range(200)) + "\n")
    usual = build_profile_report(str(plain))
    assert "decimal" not in render_markdown(usual).split("## Summary")[1].split("##")[0]
    assert "decimal" not in render_html(usual).split("Read as")[1].split("</p>")[0]


def test_the_terminal_header_counts_one_duplicate_row_in_the_singular(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("a,b\n" + "\n".join(f"{i},{i % 3}" for i in range(60)) + "\n0,0\n")
    term = render_terminal(build_profile_report(str(path), no_target=True), width=100)
    assert "0.0% of cells missing · 1 duplicate row\n" in term
