"""The advice-quality benchmark runs end to end on one small table and writes every field it promises.

The peers (LazyPredict, FLAML) come from the optional ``bench`` extra: when
they are installed they run too; when they are not, the advisor and Dummy rows
still run and the peers are reported as not installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCH / "advice_quality.py"


def _load_harness() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_advice_quality", SCRIPT)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.slow
def test_one_table_with_a_15_second_budget(tmp_path: Path) -> None:
    out = tmp_path / "aq.jsonl"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tables", "wine", "--seeds", "0", "--budget", "15",
         "--peer-timeout", "120", "--workdir", str(tmp_path), "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr

    (line,) = out.read_text().splitlines()
    record = json.loads(line)
    assert record["table"] == "wine" and record["seed"] == 0 and record["task"] == "classification"
    assert record["metric"] == "balanced_accuracy" and record["budget"] == 15
    assert record["split"] == "stratified" and record["train_rows"] + record["test_rows"] == record["rows"] == 178
    assert set(record["methods"]) == {"advisor", "lazypredict", "flaml", "hindsight", "dummy"}
    for key in ("regret_points", "time_ratio_lazypredict", "time_ratio_flaml", "machine", "versions"):
        assert key in record

    advisor = record["methods"]["advisor"]
    assert advisor["status"] == "ok", advisor
    assert 0.0 <= advisor["score"] <= 1.0 and advisor["pick"] in advisor["candidates"]
    assert advisor["seconds"] > 0 and isinstance(advisor["inside_budget"], bool)
    assert advisor["task_inferred"] == "multiclass" and advisor["pick"] in advisor["candidates_test"]
    dummy = record["methods"]["dummy"]
    assert dummy["status"] == "ok" and dummy["score"] == pytest.approx(1 / 3)

    for peer in ("lazypredict", "flaml"):
        entry = record["methods"][peer]
        if importlib.util.find_spec(peer) is None:
            assert entry["status"] == "not installed"
        else:
            assert entry["status"] in ("ok", "timeout", "oom", "crashed", "killed", "failed"), entry
            if entry["status"] == "ok":
                assert 0.0 <= entry["score"] <= 1.0 and entry["seconds"] > 0 and entry["pick"]
    hindsight = record["methods"]["hindsight"]
    if importlib.util.find_spec("lazypredict") is None:
        assert hindsight["status"] == "missing" and record["regret_points"] is None
    elif hindsight["status"] == "ok":
        assert hindsight["models"] >= 20
        assert record["regret_points"] == pytest.approx(100 * (hindsight["score"] - advisor["score"]), abs=0.01)

    assert "| wine | clf | 178 | 0 |" in done.stdout
    assert "| summary |" in done.stdout and "Targets (issue 5):" in done.stdout
    assert "iris_no_species: skipped" in done.stdout


def _record(table: str, advisor: float | None, lazy: float, hind: float, dummy: float, seconds: float) -> dict[str, Any]:
    methods = {
        "advisor": {"status": "ok", "score": advisor, "pick": "A", "seconds": seconds, "inside_budget": seconds <= 35},
        "lazypredict": {"status": "ok", "score": lazy, "pick": "L", "seconds": 2 * seconds},
        "flaml": {"status": "not installed"},
        "hindsight": {"status": "ok", "score": hind, "pick": "H"},
        "dummy": {"status": "ok", "score": dummy},
    }
    record: dict[str, Any] = {"table": table, "seed": 0, "methods": methods}
    harness = _load_harness()
    record.update(harness.derived(record))
    return record


def test_summary_and_targets_arithmetic() -> None:
    harness = _load_harness()
    records = [
        _record("a", 0.90, 0.90, 0.905, 0.5, 30.0),   # regret 0.5, ties LazyPredict
        _record("b", 0.80, 0.85, 0.86, 0.5, 31.0),    # regret 6, loses to LazyPredict
        _record("c", 0.70, 0.60, 0.70, 0.5, 40.0),    # regret 0, beats LazyPredict, over the budget
    ]
    s = harness.summary(records)
    assert s["median_regret"] == pytest.approx(0.5)
    assert s["worst_regret"][0] == "b" and s["worst_regret"][1] == pytest.approx(6.0)
    assert s["vs"]["lazypredict"] == (1, 1, 1, 3)
    assert s["vs"]["flaml"] == (0, 0, 0, 0)
    assert s["inside_budget"] == (2, 3) and not s["below_dummy"]
    verdicts = {label: passed for label, passed, _ in harness.targets(s)}
    assert verdicts["median shortfall vs hindsight best <= 1 point"] is True
    assert verdicts["within 1 point of hindsight best on >= 60% of tables"] is True  # 2 of 3
    assert verdicts["as good as LazyPredict's pick (within 0.5 pt) on >= 80% of tables"] is False  # 2 of 3
    assert verdicts["never below the Dummy baseline"] is True
    assert verdicts["every run inside the budget (+5 s)"] is False

    failed = _record("d", None, 0.9, 0.9, 0.5, 10.0)  # an advisor run without a score counts against it
    s = harness.summary([*records, failed])
    assert s["below_dummy"] == ["d/0"] and s["regret_by_table"]["d"] == float("inf")


def test_ablation_summary_scores_each_strategy_against_the_same_peers() -> None:
    harness = _load_harness()
    records = [
        _record("a", 0.90, 0.90, 0.905, 0.5, 30.0),
        _record("b", 0.80, 0.85, 0.86, 0.5, 31.0),
        _record("c", 0.70, 0.60, 0.70, 0.5, 20.0),
    ]
    scores = {"a": 0.905, "b": 0.86, "c": 0.40}  # six-defaults: best on a and b, below Dummy on c
    for r in records:
        r["ablation"] = {"six-defaults": {"status": "ok", "score": scores[r["table"]], "pick": "S", "seconds": 5.0,
                                          "inside_budget": True}}
    full = harness.ablation_summary(records, "advisor")
    six = harness.ablation_summary(records, "six-defaults")
    assert full["median_regret"] == pytest.approx(0.5) and full["within1"] == 2 and full["as_good_as_lazy"] == 2
    assert six["median_regret"] == pytest.approx(0.0) and six["within1"] == 2
    assert six["as_good_as_lazy"] == 2 and six["below_dummy"] == 1 and six["seconds"] == 15.0
    lines = harness.ablation_lines(records)
    assert lines[2].startswith("| advisor (full) | +0.50 |")
    assert lines[3].startswith("| six defaults, plain preparation, best mean | +0.00 |")
    assert any(line.startswith("| c | 0.700 | 0.700 A | 0.400 S |") for line in lines)
    assert harness.ablation_lines([_record("d", 0.9, 0.9, 0.9, 0.5, 1.0)]) == []  # no --ablation, no table


def test_peers_are_reused_by_table_and_seed(tmp_path: Path) -> None:
    harness = _load_harness()
    record = _record("wine", 0.9, 0.95, 0.97, 0.33, 5.0)
    record["git"] = "abc123"
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(record) + "\n")
    peers = harness.load_peers(path)
    assert set(peers) == {("wine", 0)}
    assert set(peers[("wine", 0)]) == {"lazypredict", "flaml", "hindsight"}
    assert peers[("wine", 0)]["lazypredict"]["score"] == 0.95
    assert "abc123" in peers[("wine", 0)]["hindsight"]["reused_from"]


def test_ablation_candidates_leave_out_one_layer() -> None:
    import pandas as pd

    from advisor.pipeline import advise_profile
    from advisor.profile import profile_frame
    from advisor.ruletree import load_rules

    harness = _load_harness()
    frame = pd.DataFrame({"x": [1.0, 2.0, None, 4.0] * 15, "c": ["a", "b", "a", None] * 15,
                          "y": [1.5, 2.5, 3.5, 4.0] * 15})
    profile = profile_frame(frame, target="y")
    advice = advise_profile(profile, load_rules(None))
    six = harness.strategy_candidates("six-defaults", profile, advice)
    assert [c.name for c in six] == ["DummyRegressor", *harness.SIX_DEFAULTS["regression"]]
    plain = {s.id for s in six[1].preparation}
    assert plain == {"impute_numeric", "scale", "impute_categorical", "one_hot_encode"}
    every = {c.name for c in harness.strategy_candidates("no-rules", profile, advice)}
    assert {c.name for c in advice.candidates} <= every and "ElasticNet" in every and "SVR_rbf" in every
    noprep = harness.strategy_candidates("no-prep", profile, advice)
    assert [c.name for c in noprep] == [c.name for c in advice.candidates]
    assert all({s.id for s in c.preparation} == plain for c in noprep)
    assert harness.strategy_candidates("no-tuning", profile, advice) == list(advice.candidates)
