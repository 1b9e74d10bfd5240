"""The big-file benchmark runs end to end on a tiny generated file and reports what it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "big_profile.py"


@pytest.mark.slow
def test_big_profile_tiny_run(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--gigabytes", "0.003", "--workdir", str(tmp_path), "--json", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    for text in ("pyarrow stream read", "advisor profile", "peak memory", "the pyarrow stream read", "streamed"):
        assert text in done.stdout
    (line,) = out.read_text().splitlines()
    result = json.loads(line)
    assert result["rows"] > 5_000 and result["scan"]["rows"] == result["rows"]
    assert result["profile_peak_bytes"] > 0 and result["time_ratio"] > 0
    assert len(list(tmp_path.glob("big_*.csv"))) == 1  # generated once, cached for the next run
