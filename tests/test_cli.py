"""The command line: help, exit codes, stdout carries only the report, atomic outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_no_arguments_prints_help(cli):
    code, out, err = cli()
    assert code == 0 and "profile" in out and err == ""


def test_version(cli, capsys):
    from advisor import __version__

    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--version"])
    assert exc.value.code == 0 and __version__ in capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0 and "usage: advisor" in capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_readme(command):
    readme = (ROOT / "README.md").read_text()
    assert f"advisor {command}" in readme


def test_versions_lists_key_libraries(cli):
    code, out, _ = cli("versions")
    assert code == 0
    for lib in ("python", "pandas", "scikit-learn", "shap", "textual", "rich"):
        assert lib in out


def test_profile_json_to_stdout_is_only_the_report(cli, penguins_path):
    code, out, _err = cli("profile", penguins_path, "--target", "species", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["profile"]["task"] == "multiclass" and data["schema_version"]


def test_output_file_format_from_extension(cli, penguins_path, tmp_path):
    out_file = tmp_path / "report.json"
    code, out, err = cli("profile", penguins_path, "--target", "species", "-o", out_file)
    assert code == 0 and out == "" and "wrote json report" in err
    assert json.loads(out_file.read_text())["source"]["file_name"] == "penguins.csv"
    assert not list(tmp_path.glob(".*.tmp"))


def test_output_never_overwrites_the_input(cli, tmp_path, penguins_path):
    data = tmp_path / "data.txt"
    data.write_bytes(penguins_path.read_bytes())
    code, _, err = cli("profile", data, "--target", "species", "-o", data)
    assert code == 2 and "never overwrites its input" in err
    assert data.read_bytes() == penguins_path.read_bytes()


def test_unwritable_outputs_are_said_before_any_work(cli, penguins_path, tmp_path, monkeypatch):
    """-o, --save and --plots where nothing can be written: one line, exit 2, before the table is read,
    and no temporary file left behind."""
    import advisor.pipeline

    def never(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr(advisor.pipeline, "build_profile_report", never)
    monkeypatch.setattr(advisor.pipeline, "build_recommend_report", never)
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)
    try:
        writable = os.access(locked, os.W_OK)  # root writes anywhere: use a folder no one can write in
        folder = Path("/proc") if writable else locked
        for args in (["profile", penguins_path, "-o", folder / "r.json"],
                     ["recommend", penguins_path, "--target", "species", "--save", folder / "m.skops"],
                     ["explain", penguins_path, "--target", "species", "--plots", folder]):
            code, out, err = cli(*args)
            assert code == 2 and out == "" and err.count("\n") == 1, err
            assert "cannot write in the folder" in err and "choose another folder" in err
    finally:
        os.chmod(locked, 0o755)
    assert list(locked.iterdir()) == []


def test_output_to_a_pipe_writes_through_and_never_replaces_it(cli, penguins_path, tmp_path):
    """An atomic rename over a pipe or a device (-o /dev/null) would replace it with a file: such
    outputs are written straight through. (A FIFO stands for /dev/null here: a failing test must not
    replace the machine's /dev/null.)"""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    code, out, _ = cli("profile", penguins_path, "--format", "md", "-o", fifo)
    reader.join(timeout=30)
    assert code == 0 and out == "" and got and got[0].startswith(b"# Data profile")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_save_onto_a_folder_is_said_before_the_run(cli, penguins_path, tmp_path):
    (tmp_path / "m.skops").mkdir()
    code, out, err = cli("recommend", penguins_path, "--target", "species", "--save", tmp_path / "m.skops")
    assert code == 2 and out == "" and "m.skops: is a folder; give a file name" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skops"]


def test_output_into_missing_folder(cli, penguins_path, tmp_path):
    code, _, err = cli("profile", penguins_path, "-o", tmp_path / "nope" / "r.md")
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize("args,needle", [
    (["profile", "missing.csv"], "no such file"),
    (["profile", "{tmp}"], "is a directory"),
    (["profile", "{pen}", "--target", "specis"], "Did you mean 'species'"),
    (["profile", "{pen}", "--sample", "0"], "positive integer"),
    (["profile", "{pen}", "--sample", "many"], "positive integer"),
    (["profile", "{pen}", "--kind", "year=categoric"], "unknown kind"),
    (["profile", "{pen}", "--kind", "year"], "NAME=VALUE"),
    (["profile", "{pen}", "--kind", "yaer=code"], "Did you mean 'year'"),
    (["profile", "{pen}", "--kind", "weight=code"], "The columns are: species, island, bill_length_mm"),
    (["profile", "{pen}", "--drop", "weight"], "The columns are: species, island, bill_length_mm"),
    (["profile", "{pen}", "--format", "pdf"], "must be one of"),
    (["profile", "{pen}", "-o", "{tmp}/r.pdf"], "cannot tell the format"),
    (["profile", "{pen}", "--task", "regression", "--target", "species"], "holds labels"),
    (["profile", "{pen}", "--answer", "few-features-important=maybe"], "must be yes, no, true or false"),
    (["profile", "{pen}", "--answer", "few-features-importnt=yes"], "Did you mean 'few-features-important'"),
    (["profile", "{pen}", "--n-clusters", "1"], "at least 2"),
    (["profile", "{pen}", "--bogus"], "unrecognized arguments"),
    (["frobnicate"], "invalid choice"),
    (["profile", "{pen}", "-o", "{tmp}"], "is a folder; give a file name"),
    (["profile", "{pen}", "--seed", "-1"], "from 0 to 4294967295"),
    (["profile", "{pen}", "--seed", "99999999999999999999"], "from 0 to 4294967295"),
    (["profile", "{pen}", "--width", "100000000"], "from 20 to 1000"),
    (["profile", "{pen}", "--delimiter", ",,"], "The 'delimiter' option must be one character"),
    (["profile", "{pen}", "--kind", "island=numeric"], "--kind island=numeric: 'island' holds values like"),
    (["profile", "{pen}", "--kind", "sex=datetime"], "that are not dates or times"),
    (["profile", "{pen}", "--kind", "bill_length_mm=boolean"], "a boolean two"),
    (["profile", "{pen}", "--target", "bill_length_mm", "--task", "multiclass"], "holds fractional numbers"),
    (["profile", "{pen}", "--drop", "species", "--drop", "island", "--drop", "bill_length_mm", "--drop",
      "bill_depth_mm", "--drop", "flipper_length_mm", "--drop", "body_mass_g", "--drop", "sex", "--drop", "year"],
     "--drop leaves no column"),
    (["profile", "{pen}", "--target", "species", "--n-clusters", "3"], "--n-clusters is the number of clusters"),
    (["recommend", "{pen}", "--target", "species", "--groups", "island", "--time", "year"], "pass one of them"),
    (["recommend", "{pen}", "--target", "species", "--time", "species"], "--time species: that is the target"),
    (["explain", "{pen}", "--target", "species", "--plots", "{pen}"], "is a file, not a folder"),
])
def test_user_mistakes_are_one_line_exit_2(cli, tmp_path, penguins_path, args, needle):
    args = [a.replace("{tmp}", str(tmp_path)).replace("{pen}", str(penguins_path)) for a in args]
    code, out, err = cli(*args)
    assert code == 2, err
    assert out == ""
    assert err.startswith("advisor: error: ") and err.count("\n") == 1 and needle in err
    assert "Traceback" not in err


def test_demo_runs_on_the_bundled_table(cli):
    code, out, _ = cli("demo", "--format", "md")
    assert code == 0 and "species" in out
    code, out, _ = cli("demo", "--path")
    assert code == 0 and out.strip().endswith("penguins.csv")


def test_findings_and_facts_docs(cli):
    code, out, _ = cli("findings")
    assert code == 0 and "| `class_imbalance` |" in out
    code, out, _ = cli("facts")
    assert code == 0 and "| `n_samples` |" in out


def test_same_input_same_json_apart_from_timings(cli, penguins_path):
    outs = []
    for _ in range(2):
        _, out, _ = cli("profile", penguins_path, "--target", "species", "--format", "json")
        data = json.loads(out)
        data.pop("timings")
        outs.append(data)
    assert outs[0] == outs[1]


def test_python_dash_m_and_console_script(penguins_path):
    res = subprocess.run([sys.executable, "-m", "advisor", "profile", str(penguins_path), "--format", "json", "-q"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0 and json.loads(res.stdout)["profile"]["table"]["n_rows"] == 344
    res = subprocess.run([sys.executable, "-m", "advisor", "profile", "nope.csv"], capture_output=True, text=True, check=False)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and res.stdout == ""


def test_rules_check_show_and_a_broken_tree(cli, tmp_path, penguins_path):
    code, out, _ = cli("rules", "check")
    assert code == 0 and "rules are valid" in out
    code, out, _ = cli("rules", "show")
    assert code == 0 and "predicting a category?" in out and "+ advisor" in out
    code, out, _ = cli("rules", "show", "--mermaid")
    assert code == 0 and out.startswith("flowchart")
    from advisor.ruletree import default_rules_dir

    broken = tmp_path / "house"
    broken.mkdir()
    text = (default_rules_dir() / "flowchart.yaml").read_text()
    (broken / "flowchart.yaml").write_text(text.replace("fact: n_samples, op: gt", "fact: n_sample, op: gt"))
    code, out, err = cli("rules", "check", broken)
    assert code == 2 and "unknown fact 'n_sample'" in err and "Did you mean 'n_samples'" in err
    code, out, err = cli("profile", penguins_path, "--rules", broken)
    assert code == 2 and out == "" and err.count("\n") == 1 and "flowchart.yaml:" in err


def test_profile_report_carries_the_advice(cli, penguins_path):
    code, out, _ = cli("profile", penguins_path, "--target", "species", "--format", "json")
    assert code == 0
    advice = json.loads(out)["advice"]
    assert advice["outcome"] == "classification"
    assert advice["path"][:3] == ["start", "enough_samples", "predicting_category"]
    assert {c["origin"] for c in advice["candidates"]} == {"map", "advisor"}
    assert advice["mermaid"].startswith("flowchart")
    code, out, _ = cli("profile", penguins_path, "--target", "species", "--format", "md")
    assert code == 0 and "```mermaid" in out


def test_output_file_gets_the_usual_permissions(cli, penguins_path, tmp_path):
    import os

    out_file = tmp_path / "r.md"
    old = os.umask(0o022)
    try:
        assert cli("profile", penguins_path, "-o", out_file, "-q")[0] == 0
    finally:
        os.umask(old)
    assert out_file.stat().st_mode & 0o777 == 0o644


def test_recommend_save_and_predict_round_trip(cli, penguins_path, tmp_path):
    model = tmp_path / "penguins.skops"
    code, out, err = cli("recommend", penguins_path, "--target", "species", "--budget", "30", "--format", "json",
                         "--save", model)
    assert code == 0, err
    data = json.loads(out)
    pick = data["leaderboard"]["pick"]
    assert pick["beats_baseline"] and pick["score"] > 0.9
    assert data["saved_model"]["candidate"] == pick["name"] and data["saved_model"]["fingerprint"]["rows"] == 344
    assert "Pipeline" in data["pipeline_code"] and model.exists()
    assert f"saved {pick['name']}" in err
    scored = tmp_path / "scored.csv"
    code, out, err = cli("predict", model, penguins_path, "-o", scored)
    assert code == 0 and out == "" and "ignored" in err and "species" in err
    lines = scored.read_text().splitlines()
    assert lines[0].startswith("species") and len(lines) == 345


def test_pipeline_code_rebuilds_a_pipeline_that_fits(cli, penguins_path):
    import pandas as pd

    code, out, _ = cli("recommend", penguins_path, "--target", "species", "--budget", "30", "--format", "json")
    assert code == 0
    source = json.loads(out)["pipeline_code"]
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F", "--stdin-filename", "pick.py", "-"],
                          input=source, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout  # no undefined or unused names in code meant for a design doc
    namespace: dict = {}
    exec(compile(source, "pipeline_code", "exec"), namespace)
    frame = pd.read_csv(penguins_path)
    frame = frame[frame["species"].notna()]
    fitted = namespace["pipeline"].fit(frame.drop(columns="species"), frame["species"])
    assert (fitted.predict(frame.drop(columns="species")) == frame["species"]).mean() > 0.9


@pytest.mark.parametrize("args,needle", [
    (["--budget", "0"], "positive number of seconds"),
    (["--budget", "soon"], "positive number of seconds"),
    (["--metric", "accurcy"], "Did you mean 'accuracy'"),
    (["--metric", "r2"], "r2"),
    (["--groups", "islnd"], "Did you mean 'island'"),
    (["--time", "when"], "The columns are: species, island,"),
    (["--save", "model.pkl"], ".skops"),
])
def test_recommend_option_errors(cli, penguins_path, args, needle):
    code, out, err = cli("recommend", penguins_path, "--target", "species", *args)
    assert code == 2 and out == "" and needle in err and err.count("\n") == 1


def test_predict_errors(cli, penguins_path, tmp_path):
    code, _, err = cli("predict", tmp_path / "none.skops", penguins_path)
    assert code == 2 and "none.skops" in err
    bad = tmp_path / "bad.skops"
    bad.write_bytes(b"not a model")
    code, _, err = cli("predict", bad, penguins_path)
    assert code == 2 and "bad.skops" in err and err.count("\n") == 1


def test_drop_columns_before_profiling(cli, penguins_path):
    code, out, _ = cli("profile", penguins_path, "--target", "species", "--drop", "island", "--drop", "year", "--format", "json")
    data = json.loads(out)
    assert code == 0 and [c["name"] for c in data["profile"]["columns"]] == [
        "species", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"]
    assert data["settings"]["drop"] == ["island", "year"]
    code, _, err = cli("profile", penguins_path, "--drop", "islnd")
    assert code == 2 and "Did you mean 'island'" in err
    code, _, err = cli("profile", penguins_path, "--target", "species", "--drop", "species")
    assert code == 2 and "target" in err


def test_explain_the_recommended_pick_with_a_row_and_plots(cli, penguins_path, tmp_path):
    code, out, err = cli("explain", penguins_path, "--target", "species", "--budget", "20", "--row", "5",
                         "--plots", tmp_path, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    e = data["explanation"]
    columns = {i["column"] for i in e["importances"]}
    assert columns <= {"island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"}
    assert not any("_" in c and c.split("_")[-1] in ("Biscoe", "Dream", "male") for c in columns)  # mapped back
    assert e["row"]["row"] == 5 and e["row"]["summary"].startswith("For data row 5,")
    assert e["additivity"]["ok"] is True
    assert {p.name for p in tmp_path.iterdir()} >= {"importance.png", "importance.svg", "beeswarm.png", "beeswarm.svg"}
    assert data["settings"]["command"] == "explain"


def test_explain_a_saved_model_on_unlabelled_rows(cli, penguins_path, tmp_path):
    import pandas as pd

    model = tmp_path / "m.skops"
    assert cli("recommend", penguins_path, "--target", "species", "--budget", "20", "--save", model, "-q",
               "--format", "json")[0] == 0
    unlabelled = tmp_path / "new.csv"
    pd.read_csv(penguins_path).drop(columns="species").to_csv(unlabelled, index=False)
    code, out, err = cli("explain", unlabelled, "--model", model, "--format", "json", "--budget", "10")
    assert code == 0, err
    e = json.loads(out)["explanation"]
    assert e["importances"] and e["permutation"] is None
    code, _, err = cli("explain", unlabelled, "--model", model, "--row", "9999")
    assert code == 2 and "between 1 and 344" in err
    code, _, err = cli("explain", unlabelled, "--model", model, "--plots", tmp_path / "nope")
    assert code == 2 and "does not exist" in err


def test_recommend_report_includes_the_explanation(cli, penguins_path):
    code, out, _ = cli("recommend", penguins_path, "--target", "species", "--budget", "20", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["explanation"]["importances"][0]["rank"] == 1
    assert data["explanation"]["model"] in data["leaderboard"]["pick"]["name"]  # the pick's estimator class


@pytest.mark.parametrize(("command", "tuned"), [("profile", "-1"), ("rules", None)])
def test_short_lived_commands_keep_freed_memory_from_before_pyarrow_loads(command, tuned):
    # mimalloc reads its options when pyarrow's library loads: the setting must come first
    probe = (
        "import os, sys\n"
        "from advisor import cli\n"
        "def main():\n"
        "    print(os.environ.get('MIMALLOC_PURGE_DELAY'), 'pyarrow' in sys.modules, flush=True)\n"
        "    return 0\n"
        "cli.main = main\n"
        f"sys.argv = ['advisor', {command!r}]\n"
        "cli.entry()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_PURGE_DELAY"}
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [str(tuned), "False"]


def test_tui_passes_every_profile_option_through(cli, penguins_path, monkeypatch):
    """What `advisor tui FILE ...` hands the app: --drop too (the leakage caution's advice), none silently lost."""
    import advisor.cli

    seen: dict = {}
    monkeypatch.setattr(advisor.cli, "_run_tui", lambda path, options: seen.update(path=path, **options) or 0)
    code, _, err = cli("tui", penguins_path, "--target", "species", "--drop", "bill_length_mm", "--drop", "year",
                       "--kind", "flipper_length_mm=count", "--seed", "3")
    assert code == 0, err
    assert seen["path"] == str(penguins_path) and seen["target"] == "species"
    assert seen["drop"] == ["bill_length_mm", "year"] and seen["kinds"] == {"flipper_length_mm": "count"}
    assert seen["seed"] == 3


def test_tui_checks_the_columns_it_is_given(cli, penguins_path, monkeypatch):
    import advisor.cli

    monkeypatch.setattr(advisor.cli, "_run_tui", lambda path, options: 0)
    code, _, err = cli("tui", penguins_path, "--groups", "islnd")
    assert code == 2 and "--groups names column 'islnd'" in err and "Did you mean 'island'" in err
    code, _, err = cli("tui", penguins_path, "--drop", "weight")
    assert code == 2 and "The columns are: species, island" in err
    code, _, err = cli("tui", "--time", "year")
    assert code == 2 and "give the table on the command line" in err
    seen: dict = {}
    monkeypatch.setattr(advisor.cli, "_run_tui", lambda path, options: seen.update(options) or 0)
    assert cli("tui", penguins_path, "--groups", "island")[0] == 0 and seen["groups"] == "island"
    assert cli("tui", penguins_path, "--time", "year")[0] == 0 and seen["time_col"] == "year"


@pytest.mark.parametrize("spelled", ["\\t", "tab", "TAB", "\t"])
def test_a_tab_delimiter_may_be_spelled_as_the_shell_passes_it(cli, tmp_path, spelled):
    """--delimiter '\\t' (a backslash and a t, as a shell passes it) and 'tab' mean a tab, as the
    wrong-delimiter message advises."""
    path = tmp_path / "t.csv"
    path.write_text("a\tb\tc\n1\t2\t3\n4\t5\t6\n7\t8\t9\n")
    code, out, err = cli("profile", path, "--delimiter", spelled, "--format", "json", "--no-target")
    assert code == 0, err
    assert [c["name"] for c in json.loads(out)["profile"]["columns"]] == ["a", "b", "c"]


def test_library_warnings_stay_off_stderr_unless_debugging(cli, penguins_path, monkeypatch):
    """A warning raised inside a command (scikit-learn's ConvergenceWarning in a refit, say) is not
    printed with its library's file path; ADVISOR_DEBUG=1 shows it."""
    import warnings

    import advisor.cli

    def noisy(args):
        warnings.warn("lbfgs failed to converge", UserWarning, stacklevel=1)
        return 0

    monkeypatch.setitem(advisor.cli.COMMANDS, "profile", noisy)
    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = lambda message, *rest, **kw: print(f"warned: {message}", file=sys.stderr)
        code, _, err = cli("profile", penguins_path)
        assert code == 0 and err == ""
        monkeypatch.setenv("ADVISOR_DEBUG", "1")
        with pytest.warns(UserWarning, match="lbfgs"):
            cli("profile", penguins_path)
