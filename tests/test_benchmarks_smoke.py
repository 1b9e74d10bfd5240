"""The speed benchmark runs end to end on a small table and reports every figure it promises."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "profile_speed.py"


@pytest.mark.slow
def test_profile_speed_quick_run_prints_table_and_json(tmp_path: Path) -> None:
    out_json = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--rows", "20000", "--repeats", "1", "--skip-peers",
         "--workdir", str(tmp_path), "--json", str(out_json)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr

    for label in ("pyarrow read_csv (call only)", "advisor profile (whole process)", "advisor --help",
                  "profile time / pyarrow read_csv time", "profile peak RSS / file size"):
        assert label in done.stdout
    assert "PASS" in done.stdout or "FAIL" in done.stdout

    (line,) = out_json.read_text().splitlines()
    result = json.loads(line)
    assert result["rows"] == 20000 and result["columns"] >= 28 and result["file_bytes"] > 0
    for name in ("pyarrow_read", "advisor_profile", "advisor_help", "baseline_import"):
        measure = result["measures"][name]
        assert measure["seconds"] > 0 and measure["cpu_seconds"] > 0 and measure["peak_rss_bytes"] > 0
    assert result["measures"]["pyarrow_read"]["read_call_seconds"] > 0
    assert result["measures"]["peers"] == {} and "ydata" not in done.stdout and "skrub" not in done.stdout
    assert set(result["targets"]) == {"profile_time_vs_read", "profile_peak_vs_file", "help_seconds"}
    assert all(isinstance(t["pass"], bool) for t in result["targets"].values())
    # The generated table is cached in the work directory and reused on the next run.
    assert len(list(tmp_path.glob("synthetic_r20000_*.csv"))) == 1


def test_generated_table_has_the_promised_columns() -> None:
    spec = importlib.util.spec_from_file_location("bench_common", SCRIPT.parent / "_common.py")
    assert spec and spec.loader
    common = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = common  # dataclasses look their module up there
    try:
        spec.loader.exec_module(common)
    finally:
        del sys.modules[spec.name]
    make_table = common.make_table
    table = make_table(2000, seed=0)
    assert 28 <= table.num_columns <= 32
    frame = table.to_pandas()
    assert frame["customer_id"].is_unique
    assert frame["churned"].isin([0, 1]).all() and 0.05 < frame["churned"].mean() < 0.5
    assert frame["city"].nunique() > 200 and frame["plan"].nunique() == 5
    assert frame["income"].isna().mean() > 0.05
    assert frame["notes"].dropna().str.split().str.len().between(5, 15).all()
    assert frame["country"].value_counts(normalize=True).iloc[0] > 0.99
    assert make_table(2000, seed=0).equals(table)


def load_profile_speed():
    spec = importlib.util.spec_from_file_location("bench_profile_speed", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.mark.slow
def test_profile_speed_peers_are_measured_or_skipped_never_a_crash(tmp_path: Path) -> None:
    """CI has no peer installed: both are skipped with a line. Where skrub is installed it is measured."""
    out_json = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "5000", "--repeats", "1", "--peers", "ydata,skrub",
         "--peers-venv", str(tmp_path / "no-such-venv"), "--peer-timeout", "120",
         "--workdir", str(tmp_path), "--json", str(out_json)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out_json.read_text())
    peers = result["measures"]["peers"]
    assert set(peers) == {"ydata", "skrub"}
    labels = {"ydata": "ydata-profiling minimal -> HTML", "skrub": "skrub TableReport -> HTML"}
    for name, peer in peers.items():
        assert labels[name] in done.stdout
        if peer["skipped"]:
            assert f"{labels[name]:<34} skipped: not installed" in done.stdout
            assert "seconds" not in peer and f"{name}_time_vs_read" not in result["ratios"]
        else:
            assert peer["statuses"] == ["ok"], peer["failures"]
            assert peer["seconds"] > 0 and peer["peak_rss_bytes"] > 0 and peer["html_bytes"] > 0
            assert peer["report_seconds"] > 0 and peer["versions"][peer["dist"]] == peer["version"]
            assert result["ratios"][f"{name}_time_vs_read"] > 0 and result["ratios"][f"{name}_peak_vs_file"] > 0
    # ydata-profiling cannot live beside pandas 3, and the named venv does not exist.
    assert peers["ydata"]["skipped"] and "--install-peers" in peers["ydata"]["skipped"]


def test_peer_runs_record_timeouts_memory_errors_and_crashes(tmp_path: Path) -> None:
    bench = load_profile_speed()
    py = sys.executable

    def run(code: str, cap: float = 60.0, memory_gb: float = 0.0) -> dict:
        return bench.run_limited([py, "-c", code], cwd=tmp_path, cap=cap, memory_bytes=int(memory_gb * (1 << 30)))

    ok = run('print(\'{"read_seconds": 1}\')')
    assert ok["status"] == "ok" and ok["output"] == {"read_seconds": 1}
    assert ok["seconds"] > 0 and ok["peak_rss_bytes"] > 0

    slow = run("import time; time.sleep(60)", cap=0.5)
    assert slow["status"] == "timeout" and slow["seconds"] < 30 and "0.5 s cap" in slow["why"]

    big = run("b = bytearray(4 << 30)", memory_gb=1.0)
    assert big["status"] == "oom" and "limit 1 GiB" in big["why"]

    crash = run("raise SystemExit('no report for you')")
    assert crash["status"] == "crashed" and "exit 1" in crash["why"] and "no report for you" in crash["why"]


def test_unknown_peer_is_a_usage_error() -> None:
    bench = load_profile_speed()
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(["--peers", "ydata,pandas-profiling"])
    assert exc.value.code == 2
    assert bench.parse_args(["--skip-peers"]).peer_names == []
    assert bench.parse_args(["--peers", "skrub, skrub"]).peer_names == ["skrub"]
CV_SCALE = SCRIPT.parent / "cv_scale.py"


@pytest.mark.slow
def test_cv_scale_runs_both_backends_on_a_small_table(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    out_json = tmp_path / "cv.jsonl"
    done = subprocess.run(
        [sys.executable, str(CV_SCALE), "--rows", "1500", "--budget", "30", "--json", str(out_json)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "SCALED DOWN" in out and "load average before" in out
    assert "local worker processes" in out and "Dask LocalCluster of 2 workers" in out
    assert "speed-up (local / dask)" in out and "identical scores on those candidates: yes" in out
    (line,) = out_json.read_text().splitlines()
    result = json.loads(line)
    assert result["rows"] == 1500 and result["scaled"] and result["identical_scores"] and result["common"]
    assert result["local"]["wall"] > 0 and result["dask"]["wall"] > 0
