"""The streamed profile: sketches, one pass over batches, and agreement with the in-memory profile."""

from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from advisor import load
from advisor.cli import main
from advisor.errors import Cancelled, OptionError
from advisor.pipeline import build_profile_report
from advisor.profile.sketch import HeavyHitters, HyperLogLog, Moments, dkw_epsilon, hash_values
from advisor.profile.stream import estimated_load_bytes, parse_size, scan_file, should_stream
from advisor.report.jsonout import render_json


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut CSV and JSON files into many small batches, as a big file would be."""
    monkeypatch.setattr(load, "STREAM_BLOCK_BYTES", 1 << 14)


def _frame(n: int = 6000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 3, n)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "customer_id": [f"C{i:06d}" for i in range(n)],
        "x": x,
        "visits": rng.poisson(4, n),
        "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.6, 0.3, 0.1]),
        "signup": pd.date_range("2021-01-01", periods=n, freq="h"),
        "churned": rng.choice(["yes", "no"], n, p=[0.25, 0.75]),
    })


# ------------------------------------------------------------------ sketches


def test_hyperloglog_is_within_its_error_and_deterministic() -> None:
    values = pa.array(np.arange(200_000, dtype=np.int64) * 7919)
    a, b = HyperLogLog(), HyperLogLog()
    for chunk in range(0, 200_000, 30_000):
        a.add_hashes(hash_values(values.slice(chunk, 30_000)))
    b.add_hashes(hash_values(values))
    assert a.estimate() == b.estimate()  # batch boundaries do not matter
    assert abs(a.estimate() - 200_000) / 200_000 < 4 * a.relative_error
    few = HyperLogLog()
    few.add_hashes(hash_values(pa.array(["a", "b", "c", "a", None])))
    assert few.estimate() == 3  # linear counting is exact for tiny sets


def test_hash_values_treats_equal_numbers_alike_and_texts_by_content() -> None:
    assert hash_values(pa.array([0.0]))[0] == hash_values(pa.array([-0.0]))[0]
    assert hash_values(pa.array(["ab"]))[0] == hash_values(pa.array(["ab"], pa.large_string()))[0]
    assert hash_values(pa.array(["ab"]))[0] != hash_values(pa.array(["ba"]))[0]
    assert len(hash_values(pa.array([1, None, 3]))) == 2


def test_heavy_hitters_exact_below_k_and_bounded_above() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.zipf(1.6, 50_000) % 5000, np.full(3000, 42)])
    rng.shuffle(data)
    hh = HeavyHitters(k=50)
    for chunk in np.array_split(data, 17):
        hh.add(pa.array(chunk))
    true = pd.Series(data).value_counts()
    assert hh.pruned and hh.max_error <= len(data) / 51
    for value, count in hh.top(50):
        assert true[value] - hh.max_error <= count <= true[value]
    heavy = true[true > len(data) / 51].index
    kept = {v for v, _ in hh.top(50)}
    assert set(heavy) <= kept  # every value above n/(k+1) survives
    exact = HeavyHitters(k=10)
    for chunk in (["a", "b", None], ["a", "c"], ["a"]):
        exact.add(pa.array(chunk))
    assert not exact.pruned and exact.top(2) == [("a", 3), ("b", 1)]


def test_moments_merge_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    data = rng.lognormal(3, 1, 10_001)
    m = Moments()
    for chunk in np.array_split(data, 7):
        m.add(chunk)
    assert m.n == len(data)
    assert m.mean == pytest.approx(data.mean(), rel=1e-12)
    assert m.std == pytest.approx(data.std(ddof=1), rel=1e-10)
    assert (m.min, m.max) == (data.min(), data.max())
    huge = Moments()
    huge.add(np.array([1e300, -1e300, 1e300]))
    assert huge.std is not None and math.isfinite(huge.std)


def test_dkw_bound_shrinks_with_the_sample() -> None:
    assert dkw_epsilon(200_000) == pytest.approx(0.00364, abs=1e-5)
    assert dkw_epsilon(10_000) > dkw_epsilon(100_000)


# ------------------------------------------------------------------ one pass, compared with loading


def test_streamed_profile_agrees_with_the_in_memory_one(tmp_path, small_blocks) -> None:
    path = tmp_path / "customers.csv"
    _frame().to_csv(path, index=False)
    whole = build_profile_report(str(path), stream=False).profile
    streamed = build_profile_report(str(path), stream=True, sample=2000).profile
    assert streamed.scan is not None and streamed.scan.batches > 5 and streamed.scan.sample_rows == 2000
    assert whole.scan is None
    assert streamed.table.n_rows == whole.table.n_rows == 6000
    assert streamed.table.n_missing_cells == whole.table.n_missing_cells
    for name in ("x", "visits", "plan", "churned"):
        a, b = whole.column(name), streamed.column(name)
        assert (a.n_missing, a.kind) == (b.n_missing, b.kind), name
        if b.numeric is not None:
            assert b.numeric.mean == pytest.approx(a.numeric.mean, rel=1e-5)
            assert b.numeric.std == pytest.approx(a.numeric.std, rel=1e-5)
            assert (b.numeric.min, b.numeric.max) == (a.numeric.min, a.numeric.max)
    for name in ("visits", "plan", "churned"):  # few values: exact counts and top values
        a, b = whole.column(name), streamed.column(name)
        assert a.n_distinct == b.n_distinct and "n_distinct" not in b.approximate and "top_values" not in b.approximate
        assert [(t.value, t.count) for t in a.top_values] == [(t.value, t.count) for t in b.top_values]
    ids = streamed.column("customer_id")
    assert ids.kind == "identifier" and "n_distinct" in ids.approximate
    assert abs(ids.n_distinct - 6000) <= 6000 * 0.05
    assert "quantiles" in streamed.column("x").approximate
    assert streamed.column("signup").datetime_max == whole.column("signup").datetime_max
    assert [(c.label, c.count) for c in streamed.target.classes] == [(c.label, c.count) for c in whole.target.classes]


def test_streamed_report_is_deterministic_and_says_how_it_was_made(tmp_path, small_blocks) -> None:
    path = tmp_path / "t.csv"
    _frame(3000).to_csv(path, index=False)
    a = build_profile_report(str(path), stream=True, sample=1000, seed=5)
    b = build_profile_report(str(path), stream=True, sample=1000, seed=5)
    a.timings = b.timings = {}
    assert render_json(a) == render_json(b)
    note = next(n for n in a.source.notes if n.startswith("streamed all 3,000 rows"))
    assert "uniform sample of 1,000 rows (seed 5)" in note and "HyperLogLog" in note


def test_a_streamed_table_that_fits_in_its_sample_reports_exact_counts(tmp_path, small_blocks) -> None:
    """When the sample holds every row, the distinct counts and top values of many-valued columns are
    the sample's exact ones, equal to the in-memory profile's, not the sketches' estimates."""
    path = tmp_path / "t.csv"
    frame = _frame(3000)
    frame["comment"] = [f"note {i % 1700}" for i in range(3000)]  # more than the 1,000 values counted exactly
    frame.to_csv(path, index=False)
    streamed = build_profile_report(str(path), stream=True, sample=5000)
    whole = build_profile_report(str(path), stream=False).profile
    assert streamed.profile.scan is not None and streamed.profile.scan.sample_rows == 3000
    for name in ("customer_id", "comment", "x"):
        s, w = streamed.profile.column(name), whole.column(name)
        assert s.n_distinct == w.n_distinct and s.approximate == [], name
        assert [(t.value, t.count) for t in s.top_values] == [(t.value, t.count) for t in w.top_values], name
    assert streamed.profile.column("customer_id").n_distinct == 3000
    note = next(n for n in streamed.source.notes if n.startswith("streamed all 3,000 rows"))
    assert "every figure is exact" in note and "HyperLogLog" not in note
    one = tmp_path / "one.csv"
    _frame(50).to_csv(one, index=False)
    notes = build_profile_report(str(one), stream=True).source.notes
    assert any(n.startswith("streamed all 50 rows in 1 batch within") for n in notes)


def test_a_column_typed_wrongly_by_the_first_block_is_read_again_wider(tmp_path, small_blocks) -> None:
    n = 5000
    frame = pd.DataFrame({"amount": np.arange(n).astype(object), "label": ["a", "b"] * (n // 2)})
    frame.loc[n - 3, "amount"] = "12.5"  # an integer column turns decimal near the end
    path = tmp_path / "late.csv"
    frame.to_csv(path, index=False)
    scan = scan_file(str(path), sample_rows=500)
    assert scan.info.widened_columns == ["amount"]
    assert scan.columns["amount"].moments is not None
    assert scan.columns["amount"].moments.max == n - 1
    assert any("read again with wider types" in note for note in scan.table.info.notes)


def test_rows_wider_after_the_first_part_are_sampled_again_not_missed(tmp_path, small_blocks, monkeypatch) -> None:
    """The first part's width makes the pass guess how many rows there are and pass over most of them
    (FIRST_CUT_MARGIN); rows further in many times wider make that guess far too high, so the pass is made
    again without it. Either way the sample is the one a pass with no guess takes."""
    from advisor.profile import stream

    n = 6000
    frame = pd.DataFrame({"i": np.arange(n), "text": ["x"] * 1000 + ["word " * 60] * (n - 1000)})
    widening, even = tmp_path / "widening.csv", tmp_path / "even.csv"
    frame.to_csv(widening, index=False)
    frame.assign(text="word " * 60).to_csv(even, index=False)
    guessed = {p.name: scan_file(str(p), sample_rows=1500) for p in (widening, even)}
    monkeypatch.setattr(stream, "FIRST_CUT_MARGIN", 1e9)  # no first cut at all
    for p in (widening, even):
        plain = scan_file(str(p), sample_rows=1500)
        scan = guessed[p.name]
        assert len(scan.table.frame) == 1500 and np.array_equal(scan.sample_positions, plain.sample_positions)
        assert scan.table.frame.equals(plain.table.frame)
        read_twice = any(note.startswith("read twice") for note in scan.table.info.notes)
        assert read_twice is (p == widening)


def test_parquet_folder_gzip_csv_and_json_lines_stream(tmp_path, small_blocks) -> None:
    frame = _frame(3000)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(3000), 3)):
        pq.write_table(pa.Table.from_pandas(frame.iloc[part], preserve_index=False), folder / f"p{i}.parquet")
    (folder / "_SUCCESS").write_text("")
    assert should_stream(str(folder), 10**12)  # a folder is always read in one pass
    report = build_profile_report(str(folder), sample=1000)
    assert report.profile.table.n_rows == 3000 and report.source.file_name == "parts"
    assert report.profile.column("visits").numeric.mean == pytest.approx(frame["visits"].mean())
    gz = tmp_path / "t.csv.gz"
    with gzip.open(gz, "wt") as fh:
        frame.to_csv(fh, index=False)
    assert build_profile_report(str(gz), stream=True, sample=1000).profile.table.n_rows == 3000
    jl = tmp_path / "t.jsonl"
    frame.assign(signup=frame["signup"].astype(str)).to_json(jl, orient="records", lines=True)
    assert build_profile_report(str(jl), stream=True, sample=1000).profile.column("plan").n_distinct == 3


def test_every_temporal_type_streams_with_its_range(tmp_path) -> None:
    """Dates, times and zoned timestamps keep their exact range over the whole pass, durations are
    numbers of seconds there as in the sample, and a folder whose files store one column in different
    units compares them in one unit."""
    n = 4000
    start = pd.Timestamp("2021-03-01 08:00")
    frame = pd.DataFrame({
        "wait": pd.to_timedelta(np.arange(n) % 97, unit="s"),
        "day": (start + pd.to_timedelta(np.arange(n), unit="D")).date,
        "at": pd.date_range(start, periods=n, freq="min", tz="Europe/Paris"),
        "y": np.arange(n) % 2,
    })
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    scan = scan_file(str(path), sample_rows=500)
    wait = scan.columns["wait"].moments
    assert wait is not None and (wait.min, wait.max) == (0.0, 96.0) and scan.columns["wait"].ts_min is None
    assert scan.columns["day"].temporal_range() == (frame["day"].min(), frame["day"].max())
    assert scan.columns["at"].temporal_range() == (frame["at"].min(), frame["at"].max())
    report = build_profile_report(str(path), stream=True, sample=500).profile
    assert report.column("at").datetime_max == frame["at"].max().isoformat()
    whole = build_profile_report(str(path), stream=False).profile
    for profile in (report, whole):
        assert profile.column("wait").kind in ("count", "numeric")
        assert (profile.column("wait").numeric.min, profile.column("wait").numeric.max) == (0.0, 96.0)
    folder = tmp_path / "units"
    folder.mkdir()
    stamps = pd.Series(pd.date_range("2020-01-01", periods=6, freq="D"))
    for i, unit in enumerate(["s", "ms"]):
        part = pa.table({"t": pa.array(stamps[i * 3:(i + 1) * 3]).cast(pa.timestamp(unit))})
        pq.write_table(part, folder / f"p{i}.parquet")
    lo, hi = scan_file(str(folder), sample_rows=10).columns["t"].temporal_range()
    assert (lo, hi) == (stamps.min(), stamps.max())


def test_narrow_integer_columns_stream_with_their_exact_counts(tmp_path) -> None:
    """A Parquet file's int8 column spanning -100 to 100 and a uint8 one: streamed, their counts and
    range are the in-memory profile's (the pass once stopped with an internal error on the int8)."""
    rng = np.random.default_rng(4)
    n = 5000
    table = pa.table({"small": pa.array(rng.integers(-100, 101, n).astype(np.int8)),
                      "byte": pa.array(rng.integers(0, 256, n).astype(np.uint8)),
                      "y": pa.array(np.arange(n) % 2)})
    path = tmp_path / "narrow.parquet"
    pq.write_table(table, path)
    streamed = build_profile_report(str(path), stream=True, sample=1000, target="y").profile
    whole = build_profile_report(str(path), stream=False, target="y").profile
    for name in ("small", "byte"):
        s, w = streamed.column(name), whole.column(name)
        assert s.n_distinct == w.n_distinct == len(np.unique(table.column(name).to_numpy()))
        assert (s.numeric.min, s.numeric.max) == (w.numeric.min, w.numeric.max)
        true = dict(zip(*np.unique(table.column(name).to_numpy(), return_counts=True), strict=True))
        assert all(t.count == true[int(t.value)] for t in s.top_values)
        # ties in value order, loaded or streamed
        assert [(t.value, t.count) for t in s.top_values] == [(t.value, t.count) for t in w.top_values]


def test_big_files_stream_by_themselves(tmp_path) -> None:
    path = tmp_path / "t.csv"
    _frame(2000).to_csv(path, index=False)
    size = path.stat().st_size
    assert estimated_load_bytes(str(path)) == pytest.approx(size * 4, rel=0.01)
    assert should_stream(str(path), memory_limit=size) and not should_stream(str(path), memory_limit=size * 10)
    report = build_profile_report(str(path), max_memory=size)
    assert report.profile.scan is not None and report.profile.scan.memory_limit_bytes == size


def test_stream_progress_cancel_and_bad_options(tmp_path, small_blocks) -> None:
    path = tmp_path / "t.csv"
    _frame(4000).to_csv(path, index=False)
    seen: list[str] = []
    scan_file(str(path), sample_rows=100, progress=lambda message, fraction: seen.append(message))
    assert seen and all("rows/s" in m for m in seen) and seen[-1].startswith("read 4,000 rows")
    with pytest.raises(Cancelled):
        scan_file(str(path), should_stop=lambda: True)
    with pytest.raises(OptionError):
        build_profile_report(str(path), stream=True, sample=0)
    with pytest.raises(OptionError):
        build_profile_report(str(path), max_memory=-1)
    assert parse_size("2G") == 2 * 1024**3 and parse_size("512m") == 512 * 1024**2 and parse_size("100") == 100
    for bad in ("", "two", "0", "5Q"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_cli_stream_and_max_memory(tmp_path, capsys, small_blocks) -> None:
    path = tmp_path / "t.csv"
    _frame(3000).to_csv(path, index=False)
    assert main(["profile", str(path), "--max-memory", "10k", "--format", "json", "-q"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["profile"]["scan"]["rows"] == 3000
    assert main(["profile", str(path), "--max-memory", "lots"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "max-memory" in err[0]
    assert main(["profile", str(path), "--no-stream", "--max-memory", "1k", "--format", "json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"]["scan"] is None


def test_the_app_keeps_the_whole_pass_when_the_target_changes(tmp_path, small_blocks) -> None:
    from advisor.tui.session import ProfileRequest

    path = tmp_path / "t.csv"
    _frame(3000).to_csv(path, index=False)
    request = ProfileRequest.from_options(str(path), {"stream": True, "sample": 800})
    table, first = request.build()
    assert len(table.frame) == 800 and first.profile.scan is not None
    _, again = request.with_target("plan").build(table=table)  # re-profiled from memory, not from the file
    assert again.profile.scan is not None and again.profile.table.n_rows == 3000
    assert sum(c.count for c in again.profile.target.classes) == 3000


def test_a_fresh_interpreter_streams_while_pandas_imports_on_its_own_thread(tmp_path):
    """pandas is imported beside the pass (see _open_importing): in an interpreter that has not imported
    it yet, the pass gives the same profile, and a file that fails still ends in one line, exit 2."""
    import subprocess
    import sys

    path = tmp_path / "t.csv"
    _frame(3000).to_csv(path, index=False)
    probe = (
        "import sys\n"
        "from advisor.profile.stream import scan_file\n"
        "assert 'pandas' not in sys.modules\n"
        "scan = scan_file(sys.argv[1])\n"
        "print(type(scan.table.frame).__module__.split('.')[0], scan.info.rows, scan.columns['x'].rows)\n"
    )
    res = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["pandas", "3000", "3000"]
    streamed = subprocess.run([sys.executable, "-m", "advisor", "profile", str(path), "--stream", "--format", "json",
                               "-q"], capture_output=True, text=True, check=True)
    assert json.loads(streamed.stdout)["profile"]["table"]["n_rows"] == 3000
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b,c\n")
    res = subprocess.run([sys.executable, "-m", "advisor", "profile", str(header_only), "--stream"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "h.csv" in res.stderr and "Traceback" not in res.stderr


def test_missing_value_codes_found_in_the_sample_are_counted_over_the_whole_pass(tmp_path, small_blocks) -> None:
    frame = _frame(6000)
    kids = np.random.default_rng(3).poisson(2, 6000)
    kids[::50] = 99  # 120 rows
    path = tmp_path / "kids.csv"
    frame.assign(kids=kids).to_csv(path, index=False)
    whole = build_profile_report(str(path), stream=False).profile.column("kids")
    streamed = build_profile_report(str(path), stream=True, sample=1000).profile.column("kids")
    assert whole.numeric is not None and streamed.numeric is not None
    assert [(t.value, t.count, t.share) for t in streamed.numeric.sentinels] == [("99", 120, 0.02)]
    assert streamed.numeric.sentinels == whole.numeric.sentinels
