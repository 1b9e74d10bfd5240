"""The parallel streamed pass: CSV parts cut at record boundaries, per-batch summaries merged in order,
the sample's keys, and a result that depends on neither the threads nor the cut."""

from __future__ import annotations

import csv
import io
import threading
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import load
from advisor.csvparts import (
    COUNT_CHUNK,
    Buffers,
    Unsplittable,
    count_byte,
    record_end,
    split_records,
)
from advisor.load import BottomN, candidates, sample_keys
from advisor.pipeline import build_profile_report
from advisor.profile import sketch, stream
from advisor.profile.sketch import HeavyHitters, Moments, hash_bytes, hash_values
from advisor.profile.stats import mean_words
from advisor.profile.stream import RowOffsets, scan_file
from advisor.report.jsonout import render_json


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut CSV files into many small parts, as a big file would be."""
    monkeypatch.setattr(load, "STREAM_BLOCK_BYTES", 1 << 13)


def _messy(n: int = 4000, seed: int = 2) -> pd.DataFrame:
    """Quoted commas, doubled quotes and newlines inside values, missing values, a date, an id."""
    rng = np.random.default_rng(seed)
    notes = np.array(['plain', 'has, comma', 'say "hi"', 'two\nlines', 'three\nshort\nlines', '""', ''], dtype=object)
    return pd.DataFrame({
        "id": [f"R{i:05d}" for i in range(n)],
        "amount": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(3, 1, n).round(2)),
        "visits": rng.poisson(3, n),
        "note": notes[rng.integers(0, len(notes), n)],
        "when": pd.date_range("2022-01-01", periods=n, freq="37min").astype(str),
        "label": rng.choice(["yes", "no"], n, p=[0.3, 0.7]),
    })


def _write(frame: pd.DataFrame, path) -> bytes:
    frame.to_csv(path, index=False)
    return path.read_bytes()


# ------------------------------------------------------------------ cutting at record boundaries


def test_record_end_skips_newlines_inside_quotes() -> None:
    assert record_end(b'a,b\n1,2\n3,"x') == 8
    assert record_end(b'a,b\n1,"two\nlines"\n3,4') == 18
    assert record_end(b'1,"open\nstill open\n') == 0  # every newline is inside the quoted field
    assert record_end(b'1,"say ""hi"""\n2,3') == 15  # doubled quotes pair up
    assert record_end(b"no newline at all") == 0
    assert record_end(bytearray(b"a\nb\nc"), end=3) == 2  # only the first `end` bytes count


def test_quotes_are_counted_exactly_across_the_counting_chunks() -> None:
    rng = np.random.default_rng(5)
    data = bytearray(rng.choice(np.frombuffer(b'ab,"\n', dtype=np.uint8), 3 * COUNT_CHUNK + 777).tobytes())
    for end in (0, 10, COUNT_CHUNK - 1, COUNT_CHUNK, COUNT_CHUNK + 1, 2 * COUNT_CHUNK + 5, len(data)):
        assert count_byte(data, b'"', end) == data.count(b'"', 0, end)
        assert count_byte(bytes(data), b"\n", end) == data.count(b"\n", 0, end)
    # a quoted newline past the first counting chunk still keeps its record open
    big = bytearray(b"x" * (COUNT_CHUNK + 10) + b',"a\nb"\n1,"c\nd')
    assert record_end(big) == COUNT_CHUNK + 10 + 7


def test_parts_rebuild_the_file_and_each_holds_whole_records(tmp_path) -> None:
    data = _write(_messy(), tmp_path / "m.csv")
    for block in (64, 1000, 1 << 14):
        parts = [bytes(p) for p in split_records(io.BytesIO(data), block)]
        assert b"".join(parts) == data and len(parts) > 1
        for part in parts:
            rows = list(csv.reader(io.StringIO(part.decode())))
            assert all(len(r) == 6 for r in rows), block  # no record is cut in two


def test_parts_reuse_their_buffers_only_when_nothing_holds_them() -> None:
    buffers = Buffers(100)
    first = buffers.take(50)
    view = memoryview(first)[:10]
    buffers.give_back(view)
    assert buffers.take(50) is first
    held = buffers.take(50)
    view = memoryview(held)[:10]
    keep = pa.py_buffer(view)  # pyarrow still holds the bytes
    buffers.give_back(view)
    assert buffers.take(50) is not held
    del keep
    assert len(buffers.take(500)) == 500  # larger than the pooled size: a buffer of its own


def test_quotes_that_never_pair_up_cannot_be_split() -> None:
    data = b"a,b\n" + b'1,5" screen\n' + b"2,x\n" * 5000
    with pytest.raises(Unsplittable):
        list(split_records(io.BytesIO(data), 256))


def test_a_stray_quote_falls_back_to_one_stream(tmp_path, small_blocks) -> None:
    rows = ["size,label"] + [f"{i},x" for i in range(3000)]
    rows[10] = '15" screen,y'  # a quote inside an unquoted field: the parity rule does not hold
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(rows) + "\n")
    scan = scan_file(str(path), sample_rows=500)
    assert scan.info.rows == 3000
    assert scan.columns["label"].heavy.top(2) == [("x", 2999), ("y", 1)]


# ------------------------------------------------------------------ the parallel pass agrees with the plain one


def _summary(scan: stream.Scan) -> dict:
    out = {}
    for name, acc in scan.columns.items():
        m = acc.moments
        out[name] = (acc.rows, acc.nulls, acc.distinct, acc.heavy.top(10), acc.high_cardinality,
                     None if m is None else (m.n, m.min, m.max, round(m.mean, 9), round(m.std or 0, 9)),
                     acc.temporal_range())
    return out


def test_parts_and_the_streaming_reader_give_the_same_pass(tmp_path, small_blocks, monkeypatch) -> None:
    path = tmp_path / "m.csv"
    _write(_messy(), path)
    parallel = scan_file(str(path), sample_rows=700, seed=3)
    monkeypatch.setattr(load, "_csv_parts", lambda *args: None)  # the one-stream reader
    plain = scan_file(str(path), sample_rows=700, seed=3)
    assert parallel.info.batches > 10
    assert _summary(parallel) == _summary(plain)
    assert list(parallel.sample_positions) == list(plain.sample_positions)  # the same rows, however cut
    assert parallel.table.frame.equals(plain.table.frame)


def test_the_pass_reads_quoted_newlines_exactly(tmp_path, small_blocks) -> None:
    frame = _messy()
    path = tmp_path / "m.csv"
    _write(frame, path)
    scan = scan_file(str(path), sample_rows=10_000)  # the sample is the whole table
    assert scan.info.rows == len(frame) and len(scan.table.frame) == len(frame)
    got = scan.table.frame["note"].fillna("").tolist()
    assert got == frame["note"].tolist()
    counts = dict(scan.columns["note"].heavy.top(10))
    assert counts["two\nlines"] == int((frame["note"] == "two\nlines").sum())


def test_the_report_does_not_depend_on_threads_or_their_timing(tmp_path, small_blocks, monkeypatch) -> None:
    path = tmp_path / "m.csv"
    frame = _messy(6000)
    frame["code"] = np.random.default_rng(4).zipf(1.3, len(frame)) % 4000  # top values pruned: merge order shows
    _write(frame, path)

    def report() -> str:
        r = build_profile_report(str(path), stream=True, sample=900, seed=1)
        r.timings = {}
        return render_json(r)

    reference = report()
    monkeypatch.setattr(stream, "SCAN_THREADS", 1)
    assert report() == reference
    monkeypatch.setattr(stream, "SCAN_THREADS", 3)
    original = stream.summarise
    calls = iter(range(10**6))

    def uneven(arr, count=True):  # every third batch is slow, so batches finish out of order
        if next(calls) % 3 == 0:
            time.sleep(0.002)
        return original(arr, count)

    monkeypatch.setattr(stream, "summarise", uneven)
    assert report() == reference


def test_a_batch_full_of_distinct_values_gives_up_its_top_values(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(load, "STREAM_BLOCK_BYTES", 1 << 20)
    n = 60_000
    frame = pd.DataFrame({"key": [f"k{i}" for i in range(n)], "few": np.arange(n) % 7})
    path = tmp_path / "k.csv"
    frame.to_csv(path, index=False)
    scan = scan_file(str(path), sample_rows=1000)
    key, few = scan.columns["key"], scan.columns["few"]
    assert key.high_cardinality and abs(key.distinct - n) < 0.05 * n
    assert not few.high_cardinality and few.distinct == 7 and few.heavy.top(1) == [(0, n // 7 + 1)]


# ------------------------------------------------------------------ the pieces


def test_sample_keys_are_a_fixed_uniform_function_of_the_position() -> None:
    pos = np.arange(200_000)
    keys = sample_keys(pos, 7)
    assert np.array_equal(keys[5000:6000], sample_keys(pos[5000:6000], 7))
    assert not np.array_equal(keys, sample_keys(pos, 8))
    assert keys.min() >= 0 and keys.max() < 1
    assert abs(keys.mean() - 0.5) < 0.005 and abs(np.mean(keys < 0.1) - 0.1) < 0.005


def test_bottom_n_keeps_the_same_rows_however_the_batches_come() -> None:
    table = pa.table({"i": np.arange(5000), "s": [str(i) for i in range(5000)]})
    whole = BottomN(300, 4)
    whole.add(table.to_batches()[0])
    split = BottomN(300, 4)
    offset = 0
    for size in (1, 999, 1500, 2500):
        batch = table.slice(offset, size).to_batches()[0]
        # prefiltered with a stale cut, as a worker does
        split.add_candidates(*candidates(batch, offset, 4, split.cut))
        offset += size
    a, b = whole.result(), split.result()
    assert a.num_rows == 300 and a.equals(b) and np.array_equal(whole.positions, split.positions)


def test_bottom_n_gives_its_rows_in_file_order_whatever_order_they_came_in() -> None:
    table = pa.table({"i": np.arange(3000)})
    in_order, shuffled = BottomN(200, 1), BottomN(200, 1)
    in_order.add(table.to_batches()[0])
    for offset in (2000, 0, 1000):
        shuffled.add_candidates(*candidates(table.slice(offset, 1000).to_batches()[0], offset, 1, 1.0))
    a, b = in_order.result(), shuffled.result()
    assert a.equals(b) and np.array_equal(in_order.positions, shuffled.positions)
    assert np.all(np.diff(shuffled.positions) > 0) and b.column("i").to_pylist() == shuffled.positions.tolist()


@pytest.mark.parametrize("first_cut", [0.9, 0.2, 0.065])
def test_a_first_cut_keeps_the_same_rows_or_says_it_missed(first_cut: float) -> None:
    """300 of 5,000 rows: 0.06 of the keys. A first cut above the 300th key changes nothing; one below
    it (too few keys under it) is reported, never silently a smaller or different sample."""
    table = pa.table({"i": np.arange(5000), "s": [str(i) for i in range(5000)]})
    plain = BottomN(300, 4)
    plain.add(table.to_batches()[0])
    expected = plain.result()
    guessed = BottomN(300, 4, cut=first_cut)
    for offset in range(0, 5000, 700):
        guessed.add(table.slice(offset, 700).to_batches()[0])
    enough = int(np.sum(sample_keys(np.arange(5000), 4) <= first_cut)) >= 300
    assert guessed.missed is not enough
    if enough:
        assert guessed.result().equals(expected) and np.array_equal(guessed.positions, plain.positions)
    small = BottomN(300, 4, cut=0.01)  # a table smaller than the sample: every row belongs
    small.add(table.slice(0, 200).to_batches()[0])
    assert small.missed
    assert not BottomN(300, 4).missed


def test_row_offsets_come_in_order_and_stop_waiting_when_aborted() -> None:
    offsets = RowOffsets()
    offsets.publish(1, 20)
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(offsets.start_of(2)))
    waiter.start()
    time.sleep(0.05)
    assert not got  # batch 0 has not said how many rows it holds
    offsets.publish(0, 10)
    waiter.join(5)
    assert got == [30] and offsets.start_of(1) == 10 and offsets.start_of(0) == 0
    stuck = RowOffsets()
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            stuck.start_of(3)
        except RowOffsets.Aborted as exc:
            errors.append(exc)

    t = threading.Thread(target=wait)
    t.start()
    stuck.abort()
    t.join(5)
    assert not t.is_alive() and len(errors) == 1


def test_hash_bytes_reads_contents_not_layout() -> None:
    words = ["", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "x" * 40, "é中", "a\x00"]
    small = pa.array(words)
    large = pa.array(words, pa.large_string())
    h = hash_bytes(small)
    assert np.array_equal(h, hash_bytes(large))
    assert len(set(h.tolist())) == len(words)  # every one differs, "a" and "a\x00" too
    sliced = pa.array(["zz", *words])[1:]
    assert np.array_equal(hash_bytes(sliced), h)  # an array with an offset
    assert np.array_equal(hash_values(pa.array(["ab", None, "ab"])), hash_bytes(pa.array(["ab", "ab"])))
    rng = np.random.default_rng(0)
    many = pa.array([rng.bytes(int(rng.integers(0, 30))).hex() for _ in range(20_000)])
    assert len(set(hash_bytes(many).tolist())) == len(set(many.to_pylist()))


def test_long_values_hash_the_same_in_order_of_length() -> None:
    # free text takes the sorted path (mean length >= LONG_VALUE_BYTES); the hashes must not change
    rng = np.random.default_rng(4)
    text = [rng.bytes(int(rng.integers(0, 90))).hex()[: int(rng.integers(0, 140))] for _ in range(3000)]
    text += ["", "x" * 8, "y" * 16, "z" * 64, "é" * 33]
    huge = [*text, "w" * 300_000]  # more 8-byte words than a 16-bit count holds
    for arr in (pa.array(text), pa.array(text, pa.large_string()), pa.array(["pad", *text])[1:], pa.array(huge)):
        offsets = sketch._offsets(arr)
        assert (offsets[-1] - offsets[0]) / len(arr) >= sketch.LONG_VALUE_BYTES
        assert np.array_equal(hash_bytes(arr), sketch.mix64(sketch._fold_in_place(arr, offsets)))
    assert len(set(hash_bytes(pa.array(text)).tolist())) == len(set(text))


def test_pruned_batches_merge_within_the_misra_gries_bound() -> None:
    rng = np.random.default_rng(1)
    data = np.concatenate([rng.zipf(1.5, 40_000) % 3000, np.full(2500, 7)])
    rng.shuffle(data)
    hh = HeavyHitters(k=40)
    for chunk in np.array_split(data, 9):
        counts, error = HeavyHitters.prune(HeavyHitters.count(pa.array(chunk)), 40)
        hh.merge(counts, error)
    true = pd.Series(data).value_counts()
    assert hh.pruned and 0 < hh.max_error <= len(data) / 41
    for value, count in hh.top(40):
        assert true[value] - hh.max_error <= count <= true[value]
    assert {v for v, _ in hh.top(40)} >= set(true[true > len(data) / 41].index)


def test_small_integer_ranges_count_like_value_counts() -> None:
    values = pa.array(np.r_[np.arange(5000) % 13 - 6, [None, None]], type=pa.int16())
    counted = HeavyHitters.count(values)
    expected = pd.Series(values.to_pandas()).dropna().astype(int).value_counts()
    assert dict(zip(counted.column("values").to_pylist(), counted.column("counts").to_pylist(), strict=True)) \
        == expected.to_dict()
    assert counted.schema.field("values").type == pa.int16()
    wide = HeavyHitters.count(pa.array(np.r_[np.arange(3000), [10**12]]))
    assert wide.num_rows == 3001


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64])
def test_small_integer_ranges_at_the_ends_of_their_type(dtype: type) -> None:
    """A narrow type's range spanning more than half its width (an int8 from -100 to 100, as a
    Parquet file may hold) must not wrap around when counted, nor a uint64 near 2**64."""
    info = np.iinfo(dtype)
    lo, hi = (int(info.min), int(info.min) + 200) if info.bits > 8 else (int(info.min), int(info.max))
    if dtype == np.uint64:
        lo, hi = int(info.max) - 300, int(info.max)
    rng = np.random.default_rng(2)
    data = np.r_[rng.integers(lo, hi, 4000, endpoint=True, dtype=dtype), np.array([lo, hi], dtype=dtype)]
    counted = HeavyHitters.count(pa.array(data))
    got = dict(zip(counted.column("values").to_pylist(), counted.column("counts").to_pylist(), strict=True))
    values, counts = np.unique(data, return_counts=True)
    assert got == {int(v): int(c) for v, c in zip(values, counts, strict=True)}
    assert counted.schema.field("values").type == pa.from_numpy_dtype(dtype)


def test_moments_of_one_batch_and_their_merge() -> None:
    rng = np.random.default_rng(5)
    data = np.r_[rng.normal(0, 2, 3000), [0.0, 0.0, np.nan, np.inf]]
    whole = Moments.of(data)
    merged = Moments()
    for chunk in np.array_split(data, 5):
        merged.merge(Moments.of(chunk))
    finite = data[np.isfinite(data)]
    for m in (whole, merged):
        assert m.n == len(finite) and m.zeros == 2 and m.negatives == int((finite < 0).sum())
        assert m.mean == pytest.approx(finite.mean(), rel=1e-12)
        assert m.std == pytest.approx(finite.std(ddof=1), rel=1e-12)
        assert m.min_positive == finite[finite > 0].min()
    positive = Moments.of(np.array([3.0, 1.0, 2.0]))
    assert (positive.zeros, positive.negatives, positive.min_positive) == (0, 0, 1.0)
    huge = Moments.of(np.array([1e300, -1e300, 1e300]))  # the scaled path: no overflow
    assert huge.std is not None and np.isfinite(huge.std) and huge.mean == pytest.approx(1e300 / 3)


def test_mean_words_counts_as_python_splits() -> None:
    values = ["a b  c", "  lead", "trail  ", "", "x\u00a0y", "tab\tsep\u3000z", "α β", "v\x0bw\x1cq\x85r", "   "]
    expected = np.mean([len(v.split()) for v in values])
    assert mean_words(pd.Series(values)) == pytest.approx(expected)
    assert mean_words(pd.Series(values, dtype=object)) == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=" ab\t\n\r\x0b\x0c\x1c\x1f\x1b!é\u00a0\u2003\u3000’", max_size=12)),
                min_size=1, max_size=30), st.integers(0, 3))
def test_mean_words_counts_as_python_splits_on_any_text(values: list[str | None], skip: int) -> None:
    """Both ways of counting (bytes for text without non-ASCII whitespace, Arrow's split for the rest)
    agree with str.split(), nulls and a sliced array included."""
    values = [None, *values][skip % (len(values) + 1):] or [None]  # sliced arrays start past offset 0
    expected = sum(len(v.split()) for v in values if v is not None) / len(values)
    assert mean_words(pd.Series(values, dtype=object)) == pytest.approx(expected)
    assert mean_words(pd.Series(values, dtype="str")) == pytest.approx(expected)  # kept in Arrow by pandas


def test_words_are_counted_over_the_bytes_as_python_splits() -> None:
    """Every whitespace character str.split() knows, beside non-ASCII letters that share lead bytes
    with some of them, and a whitespace-only last value (where Arrow's own split finds a word)."""
    from advisor.profile.stats import word_count

    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    lookalikes = ["\u00e9", "\u00a9", "\u1681", "\u200b", "\u2030", "\u205e", "\u3001", "\u2019"]
    values = [f"a{s}b{s}" for s in spaces] + [f"x{c}y {c}" for c in lookalikes] + ["", "\x1f\x1c\u3000\n"]
    arr = pa.array(values, pa.large_string())
    assert word_count(arr) == sum(len(v.split()) for v in values)
    assert word_count(arr.slice(5)) == sum(len(v.split()) for v in values[5:])
    assert word_count(pa.array(["", ""], pa.large_string())) == 0


def test_a_streamed_column_of_undecodable_bytes_reads_as_text(tmp_path, small_blocks) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"n,word\n" + b"".join(b"%d,plain\n" % i for i in range(40_000)) + b"7,caf\xe9\n")
    report = build_profile_report(str(path), stream=True, sample=500)  # the byte is past the sniffed head
    assert report.source.encoding == "utf-8"
    tops = [t.value for t in report.profile.column("word").top_values]
    assert tops[:2] == ["plain", "caf\ufffd"]
    assert "bytes that do not decode as utf-8 are shown as \ufffd in: word" in " ".join(report.source.notes)
    path.write_bytes(b"n,word\n" + b"".join(b"%d,plain\n" % i for i in range(300)) + b"7,caf\xe9\n")
    report = build_profile_report(str(path), stream=True, sample=500)  # within it: the encoding is cp1252
    assert [t.value for t in report.profile.column("word").top_values][:2] == ["plain", "caf\xe9"]
    assert "do not decode" not in " ".join(report.source.notes)


def test_cancelling_midway_stops_every_thread(tmp_path, small_blocks) -> None:
    from advisor.errors import Cancelled

    path = tmp_path / "m.csv"
    _write(_messy(6000), path)
    calls = iter(range(10**6))
    before = threading.active_count()
    started = time.perf_counter()
    with pytest.raises(Cancelled):
        scan_file(str(path), should_stop=lambda: next(calls) > 20)  # after a score of batches
    assert time.perf_counter() - started < 30
    time.sleep(0.1)
    assert threading.active_count() <= before  # no worker left waiting for a batch that never comes
