"""Loading: every supported format, sniffing, sampling, and every unreadable-file error."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.errors import InputError, OptionError
from advisor.load import load_table, sniff_csv

CSV = "a,b,c\n1,x,2.5\n2,y,3.5\n3,x,\n"


def test_reads_plain_csv(write):
    t = load_table(write("t.csv", CSV))
    assert list(t.frame.columns) == ["a", "b", "c"]
    assert t.frame["c"].isna().sum() == 1
    assert t.info.delimiter == "," and t.info.rows_in_file == 3 and not t.info.is_sample


def test_semicolon_with_decimal_comma(write):
    t = load_table(write("t.csv", "a;b\n1,5;x\n2,25;y\n3,0;z\n"))
    assert t.info.delimiter == ";" and t.info.decimal == ","
    assert t.frame["a"].tolist() == [1.5, 2.25, 3.0]


@pytest.mark.parametrize("delim", ["\t", "|"])
def test_other_delimiters(write, delim):
    t = load_table(write("t.txt", CSV.replace(",", delim)))
    assert t.info.delimiter == delim and t.frame.shape == (3, 3)


def test_tsv_extension(write):
    t = load_table(write("t.tsv", CSV.replace(",", "\t")))
    assert t.info.format == "tsv" and t.frame.shape == (3, 3)


def test_utf8_bom_and_cp1252(write):
    t = load_table(write("bom.csv", "\ufeffname,v\nJosé,1\nZoë,2\n"))
    assert list(t.frame.columns) == ["name", "v"] and t.frame["name"][0] == "José"
    t2 = load_table(write("win.csv", "name,v\nJosé,1\nZoë,2\n", encoding="cp1252"))
    assert t2.info.encoding == "cp1252" and t2.frame["name"][1] == "Zoë"


@pytest.mark.parametrize("encoding,bom", [("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b""),
                                          ("utf-16-be", b"\xfe\xff")])
@pytest.mark.parametrize("name,stream", [("t.csv", False), ("t.csv", True), ("t.txt", False)])
def test_utf16_with_and_without_a_byte_order_mark(tmp_path, encoding, bom, name, stream):
    """Excel's "Unicode text" and other UTF-16 exports: their zero bytes are not binary data."""
    from advisor.pipeline import build_profile_report

    rows = [f"{city},{i * 0.5},{i % 2}" for i, city in zip(range(400), ["München", "Köln", "Zoë"] * 200, strict=False)]
    path = tmp_path / name
    path.write_bytes(bom + "\n".join(["city,x,y", *rows, ""]).encode(encoding))
    t = load_table(str(path))
    assert t.info.encoding.startswith("utf-16") and t.frame.shape == (400, 3)
    assert t.frame["city"].tolist()[:3] == ["München", "Köln", "Zoë"] and t.frame["x"].iloc[3] == 1.5
    profile = build_profile_report(str(path), stream=stream, target="y").profile
    assert profile.table.n_rows == 400 and profile.column("city").n_distinct == 3


def test_quoted_fields_with_delimiters_and_newlines(write):
    t = load_table(write("q.csv", 'id,comment\n1,"hello, world"\n2,"two\nlines"\n'))
    assert t.frame["comment"].tolist() == ["hello, world", "two\nlines"]


@pytest.mark.parametrize("ext,opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_compressed_csv(tmp_path, ext, opener):
    path = tmp_path / f"t.csv{ext}"
    with opener(path, "wb") as fh:
        fh.write(CSV.encode())
    t = load_table(path)
    assert t.frame.shape == (3, 3) and t.info.compression


def test_zip_with_one_member(tmp_path):
    path = tmp_path / "t.csv.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("inner.csv", CSV)
    assert load_table(path).frame.shape == (3, 3)


@pytest.mark.parametrize("name", ["t.csv.zip", "t.zip"])  # with no inner extension it is still no workbook
def test_zip_with_two_members_is_an_error(tmp_path, name):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", CSV)
        zf.writestr("b.csv", CSV)
    with pytest.raises(InputError, match="exactly one table"):
        load_table(path)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"x": [1.0, 2.0, None], "k": ["a", "b", "a"], "d": pd.to_datetime(["2024-01-01", "2024-02-01", None])})


@pytest.mark.parametrize("ext,writer", [
    (".parquet", lambda f, p: f.to_parquet(p)),
    (".feather", lambda f, p: f.to_feather(p)),
    (".jsonl", lambda f, p: f.to_json(p, orient="records", lines=True, date_format="iso")),
    (".xlsx", lambda f, p: f.to_excel(p, index=False)),
    (".arrows", lambda f, p: _write_ipc_stream(f, p)),
])
def test_columnar_and_other_formats(tmp_path, ext, writer):
    path = tmp_path / f"t{ext}"
    writer(_frame(), path)
    t = load_table(path)
    assert list(t.frame.columns) == ["x", "k", "d"] and len(t.frame) == 3
    assert t.frame["x"].isna().sum() == 1


def _write_ipc_stream(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=2)


def test_format_from_magic_bytes_without_extension(tmp_path):
    path = tmp_path / "export"
    _frame().to_parquet(path)
    assert load_table(path).info.format == "parquet"
    stream = tmp_path / "stream-export"
    _write_ipc_stream(_frame(), stream)
    assert load_table(stream).info.format == "feather" and len(load_table(stream).frame) == 3


def test_an_arrow_ipc_stream_streams(tmp_path):
    """The IPC stream format (.arrows), profiled in one pass as a Feather file is."""
    from advisor.pipeline import build_profile_report

    frame = pd.DataFrame({"x": np.arange(3000) * 0.5, "k": list("abc") * 1000})
    path = tmp_path / "t.arrows"
    _write_ipc_stream(frame, path)
    profile = build_profile_report(str(path), stream=True, sample=500).profile
    assert profile.table.n_rows == 3000 and profile.column("k").n_distinct == 3
    bad = tmp_path / "bad.arrows"
    bad.write_bytes(b"\xff\xff\xff\xffnot a message")
    with pytest.raises(InputError, match="bad.arrows: cannot read it as FEATHER"):
        load_table(bad)


def test_sample_is_reproducible_uniform_and_in_file_order(write):
    rows = "\n".join(f"{i},{i % 7}" for i in range(5000))
    path = write("big.csv", "i,m\n" + rows + "\n")
    a = load_table(path, sample=500, seed=3)
    b = load_table(path, sample=500, seed=3)
    c = load_table(path, sample=500, seed=4)
    assert a.frame.equals(b.frame) and not a.frame.equals(c.frame)
    assert len(a.frame) == 500 and a.info.is_sample and a.info.rows_in_file == 5000
    assert a.frame["i"].is_monotonic_increasing
    # Uniform: the sample's mean position sits near the middle of the file.
    assert 2000 < a.frame["i"].mean() < 3000
    assert "500 of 5,000 rows" in a.info.notes[0]


def test_sample_same_rows_from_every_format(tmp_path):
    """One seed, one sample: the same rows whatever the file's format (Excel's used to differ)."""
    frame = pd.DataFrame({"i": range(3000), "v": [float(i) / 3 for i in range(3000)]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_feather(tmp_path / "t.feather")
    frame.to_json(tmp_path / "t.jsonl", orient="records", lines=True)
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    a = load_table(tmp_path / "t.csv", sample=100, seed=1).frame
    for name in ("t.parquet", "t.feather", "t.jsonl", "t.xlsx"):
        b = load_table(tmp_path / name, sample=100, seed=1)
        assert a["i"].tolist() == b.frame["i"].tolist(), name
        assert b.info.is_sample and "100 of 3,000 rows (seed 1)" in b.info.notes[-1]


def test_sample_larger_than_file_reads_everything(write):
    t = load_table(write("t.csv", CSV), sample=100)
    assert len(t.frame) == 3 and not t.info.is_sample


@pytest.mark.parametrize("bad", [0, -5])
def test_sample_must_be_positive(write, bad):
    with pytest.raises(OptionError, match="positive"):
        load_table(write("t.csv", CSV), sample=bad)


# ------------------------------------------------------------- errors, one line each


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_table(tmp_path / "nope.csv")


def test_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_table(tmp_path)


def test_empty_file(write):
    with pytest.raises(InputError, match="empty"):
        load_table(write("e.csv", ""))


def test_whitespace_only_file(write):
    with pytest.raises(InputError, match="no data"):
        load_table(write("e.csv", "\n\n  \n"))


def test_header_only(write):
    with pytest.raises(InputError, match="header row but no data"):
        load_table(write("h.csv", "a,b,c\n"))


def test_binary_garbage(write):
    import random

    rnd = random.Random(0)
    with pytest.raises(InputError, match="binary"):
        load_table(write("g.csv", bytes(rnd.randrange(256) for _ in range(5000))))
    with pytest.raises(InputError, match="binary"):  # zero bytes that are not UTF-16
        load_table(write("z.csv", b"a,b\n" + b"\x00" * 500))
    with pytest.raises(InputError, match="binary"):  # UTF-16 whose text is control characters
        load_table(write("c.csv", "\ufeff" + "\x01\x02" * 300, encoding="utf-16-le"))


def test_unknown_format(write):
    with pytest.raises(InputError, match="unknown format '.xyz'"):
        load_table(write("t.xyz", b"\x00\x01\x02binary\x00"))


def test_wrong_delimiter_one_column(write):
    with pytest.raises(InputError, match="delimiter looks wrong: pass --delimiter ';'"):
        load_table(write("t.csv", "a;b;c\n1;2;3\n4;5;6\n"), delimiter=",")


def test_duplicate_column_names(write):
    with pytest.raises(InputError, match="'a' appears more than once"):
        load_table(write("t.csv", "a,b,a\n1,2,3\n"))


def test_damaged_parquet(write):
    with pytest.raises(InputError, match="cannot read it as PARQUET"):
        load_table(write("t.parquet", b"PAR1 this is not really parquet"))


def test_jsonl_that_is_not_json(write):
    with pytest.raises(InputError, match="not JSON Lines"):
        load_table(write("t.jsonl", "a,b\n1,2\n"))


def test_input_file_is_not_modified(write):
    path = write("t.csv", CSV)
    before = path.read_bytes(), path.stat().st_mtime_ns
    load_table(path, sample=2)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_sniff_reports_encoding_delimiter_decimal():
    assert sniff_csv(b"a;b\n1,5;2,5\n", "x.csv") == ("utf-8", ";", ",")
    assert sniff_csv(b"a,b\n1.5,2\n", "x.csv") == ("utf-8", ",", ".")


def test_error_messages_are_one_line(tmp_path: Path):
    with pytest.raises(InputError) as info:
        load_table(tmp_path / "missing\nname.csv")
    assert "\n" not in str(info.value)


def test_types_that_change_after_the_first_block_still_load(write):
    # The streaming reader types columns from its first block; a later decimal or late
    # first value must not break the read.
    first = "\n".join(f"{i},,x" for i in range(200_000))
    path = write("late.csv", "n,late,s\n" + first + "\n1.5,7.25,y\n")
    t = load_table(path)
    assert len(t.frame) == 200_001
    assert t.frame["n"].iloc[-1] == 1.5 and t.frame["late"].iloc[-1] == 7.25


def test_empty_first_block_then_header_only_error(write):
    with pytest.raises(InputError, match="header row but no data"):
        load_table(write("h.csv", "a;b\n"))


def test_nested_json_lines_are_flattened(write):
    path = write("n.jsonl", '{"a": 1, "b": {"x": 2, "y": {"z": "p"}}, "c": [1, 2]}\n{"a": 2, "b": {"x": 3, "y": {"z": "q"}}, "c": [3]}\n')
    t = load_table(path)
    assert list(t.frame.columns) == ["a", "b.x", "b.y.z", "c"]
    assert t.frame["c"].tolist() == ["[1, 2]", "[3]"]
    assert "read as JSON text: c" in t.info.notes[0]


def test_times_with_utc_offsets_are_zoned_and_every_stage_takes_them(tmp_path, capsys) -> None:
    """Arrow's ISO 8601 parser reads '...Z' and '+02:00' stamps as zoned times (they used to stay text);
    explaining a model on them and comparing them with naive times must work."""
    import json

    import numpy as np

    from advisor.cli import main

    rng = np.random.default_rng(0)
    n = 300
    stamps = pd.date_range("2024-01-01", periods=n, freq="7h", tz="UTC")
    zoned = pd.DataFrame({"when": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"), "amount": rng.normal(size=n),
                          "label": rng.choice(["a", "b"], n)})
    naive = zoned.assign(when=stamps.strftime("%Y-%m-%d %H:%M:%S.123"))
    a, b = tmp_path / "zoned.csv", tmp_path / "naive.csv"
    zoned.to_csv(a, index=False)
    naive.to_csv(b, index=False)
    table = load_table(str(a))
    assert str(table.frame["when"].dtype).endswith("UTC]")
    assert str(load_table(str(b)).frame["when"].dtype).startswith("datetime64")
    assert main(["explain", str(a), "--target", "label", "--budget", "20", "-q", "--format", "json"]) == 0
    explained = json.loads(capsys.readouterr().out)
    assert "when" in {i["column"] for i in explained["explanation"]["importances"]}
    assert main(["drift", str(a), str(b), "-q", "--format", "json"]) == 0
    drift = json.loads(capsys.readouterr().out)
    assert {"change": "dtype_changed", "column": "when"}.items() <= drift["schema"][0].items()
    assert drift["domain"]["status"] == "ok" and drift["domain"]["auc"] < 0.7  # the same times, told apart by nothing


def test_a_byte_that_is_not_utf8_past_the_sniffed_head_is_shown_not_fatal(tmp_path) -> None:
    """The head decides the encoding; a stray byte further down makes pyarrow read that column as bytes,
    which become text with U+FFFD where they do not decode."""
    from advisor.load import SNIFF_BYTES

    rows = ["n,word"] + [f"{i},plain" for i in range(SNIFF_BYTES // 8)] + ["7,caf\xe9".encode("latin-1").decode("latin-1")]
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join(rows[:-1]) + "\n").encode() + b"7,caf\xe9\n")
    table = load_table(str(path))
    assert table.info.encoding == "utf-8"
    assert table.frame["word"].iloc[-1] == "caf\ufffd" and table.frame["word"].iloc[0] == "plain"
    assert "bytes that do not decode as utf-8 are shown as \ufffd in: word (1 value);" in " ".join(table.info.notes)
    tiny = tmp_path / "tiny.csv"
    tiny.write_bytes(b" \n\x80")  # the whole file is the head: a byte UTF-8 cannot start with means cp1252
    assert load_table(str(tiny)).info.encoding == "cp1252"


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_durations_are_read_as_seconds_and_profiled_as_numbers(tmp_path, unit):
    """A duration column (Parquet, Feather, or a DataFrame given to the profile) is a quantity: read as
    float seconds, said so in the notes, never taken for text (its str() has words in it: '0 days')."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from advisor.load import duration_seconds
    from advisor.pipeline import build_profile_report
    from advisor.profile import profile_frame

    rng = np.random.default_rng(0)
    seconds = rng.uniform(1, 3600, 400).round(3)
    seconds[5] = np.nan
    waits = pd.to_timedelta(seconds, unit="s")
    arrow = pa.array(waits).cast(pa.duration(unit), safe=False)  # whole seconds for "s"
    assert duration_seconds(arrow).to_pylist()[:2] == pytest.approx(seconds[:2].tolist(), abs=1.0 if unit == "s" else 1e-6)
    path = tmp_path / "waits.parquet"
    pq.write_table(pa.table({"wait": arrow, "y": rng.integers(0, 2, 400)}), path)
    table = load_table(str(path))
    assert table.frame["wait"].dtype == np.float64 and table.frame["wait"].isna().sum() == 1
    assert any(note == "read as seconds, being durations: wait" for note in table.info.notes)
    for stream in (False, True):
        col = build_profile_report(str(path), target="y", stream=stream).profile.column("wait")
        assert col.kind in ("numeric", "count") and col.text is None, (stream, col.kind)
        assert col.numeric.max == pytest.approx(np.nanmax(seconds), abs=1.0)
    given = profile_frame(pd.DataFrame({"wait": waits, "y": rng.integers(0, 2, 400)}), target="y").column("wait")
    assert given.kind == "numeric" and given.numeric.max == pytest.approx(np.nanmax(seconds))
    arrow_backed = pd.Series(arrow.to_pandas(types_mapper=pd.ArrowDtype))  # pyarrow's durations in pandas
    given = profile_frame(pd.DataFrame({"wait": arrow_backed, "y": rng.integers(0, 2, 400)}), target="y")
    assert given.column("wait").kind in ("numeric", "count") and given.column("wait").text is None
    assert given.column("wait").numeric.max == pytest.approx(np.nanmax(seconds), abs=1.0)


def test_a_zip_with_no_inner_extension_is_a_zipped_table_not_a_workbook(tmp_path):
    """data.zip holding one CSV is read as a CSV (it was taken for Excel, a zip too); a workbook saved as
    .zip is still a workbook (two files in the archive: test_zip_with_two_members_is_an_error)."""
    one = tmp_path / "one.zip"
    with zipfile.ZipFile(one, "w") as zf:
        zf.writestr("a.csv", CSV)
    assert load_table(one).frame.shape == (3, 3)
    book = tmp_path / "book.zip"
    _frame().to_excel(tmp_path / "b.xlsx", index=False)
    book.write_bytes((tmp_path / "b.xlsx").read_bytes())
    assert load_table(book).info.format == "excel"


def test_text_named_like_a_workbook_says_so(write):
    with pytest.raises(InputError, match="fake.xlsx: is not an Excel workbook; pass --input-format csv"):
        load_table(write("fake.xlsx", CSV))
    with pytest.raises(InputError, match="is not an Excel workbook; check it is the file you meant"):
        load_table(write("noise.xlsx", bytes(range(256)) * 4))


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xef\xbb\xbf \n\n", b"\xff\xfe \x00\n\x00"])
def test_a_byte_order_mark_alone_is_an_empty_file(write, content):
    with pytest.raises(InputError, match="the file holds no data"):
        load_table(write("bom.csv", content))


def test_a_pipe_is_refused_with_what_to_do(tmp_path):
    """A FIFO or a process substitution cannot be read twice (and stat() says it is empty)."""
    fifo = tmp_path / "t.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a pipe or a device, not a file; save the table to a file first"):
        load_table(fifo)


def test_space_separated_fields_are_named_as_such(write):
    """Spaces are never sniffed (sentences have them), but a one-column read whose every line splits into
    the header's number of fields, numbers among them, says to pass --delimiter space."""
    with pytest.raises(InputError, match="every line has 3 fields separated by spaces: pass --delimiter space"):
        load_table(write("s.csv", "a b target\n1 2 0\n3 4 1\n5 6 0\n"))
    assert load_table(write("s2.csv", "a b target\n1 2 0\n3 4 1\n5 6 0\n"), delimiter=" ").frame.shape == (3, 3)
    names = load_table(write("names.csv", "full name\nJohn Smith\nJane Doe\nAl Bo\n"))  # one column of text
    assert list(names.frame.columns) == ["full name"]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("extra", [False, True])
def test_a_row_with_the_wrong_number_of_fields_is_named_by_its_line(tmp_path, stream, extra):
    from advisor.pipeline import build_profile_report

    rows = ["a,b,c"] + [f"{i},{i},x" for i in range(3000)] + ["7,8,9,10" if extra else "7,8"] + ["1,2,3"] * 5
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(rows) + "\n")
    fields = 4 if extra else 2
    with pytest.raises(InputError, match=f"ragged.csv: line 3,002 has {fields} fields where the header has 3; fix that row"):
        build_profile_report(str(path), stream=stream)
