"""Read a table from a file into a DataFrame, with a record of how it was read.

Formats: CSV/TSV (delimiter, quoting, encoding and decimal mark sniffed; BOM
handled; gz/bz2/zip/xz compressed), Parquet, Feather/Arrow IPC, JSON Lines
and Excel (when openpyxl is installed). pyarrow does the parsing where it can.
``sample`` keeps a reproducible uniform sample of rows while streaming, so a
file larger than memory can still be profiled.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from advisor.errors import InputError, OptionError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz"}
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".feather": "feather",
    ".arrow": "feather",
    ".ipc": "feather",
    ".arrows": "feather",  # Arrow's IPC stream format, read by the same reader
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
}
DELIMITERS = [",", ";", "\t", "|"]
SNIFF_BYTES = 256 * 1024
STREAM_BLOCK_BYTES = 1 << 24  # bytes of text per streamed CSV/JSON batch
NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A", "-"]


@dataclass
class LoadInfo:
    """How the file was read: everything needed to read it again the same way."""

    path: str
    file_name: str
    format: str
    compression: str | None
    size_bytes: int
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    rows_in_file: int = 0
    rows_loaded: int = 0
    is_sample: bool = False
    sample_seed: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Table:
    frame: pd.DataFrame
    info: LoadInfo
    scan: Any = None  # the streamed pass (advisor.profile.stream.Scan) when the frame is its sample


def load_table(
    path: str | os.PathLike[str],
    *,
    sample: int | None = None,
    seed: int = 0,
    delimiter: str | None = None,
    file_format: str | None = None,
) -> Table:
    """Read ``path`` into a :class:`Table`; raise :class:`InputError` for anything unreadable."""
    if sample is not None and (isinstance(sample, bool) or sample < 1):
        raise OptionError(f"The 'sample' option must be a positive number of rows. Got {sample} instead.")
    p = Path(path)
    if p.is_dir():
        return _load_parquet_folder(p, sample=sample, seed=seed)
    _check_path(p)
    fmt, compression = detect_format(p, file_format)
    info = LoadInfo(
        path=str(p),
        file_name=p.name,
        format=fmt,
        compression=compression,
        size_bytes=p.stat().st_size,
        sample_seed=seed if sample else None,
    )
    reader = {"csv": _read_csv, "tsv": _read_csv, "parquet": _read_parquet, "feather": _read_feather,
              "jsonl": _read_jsonl, "excel": _read_excel}[fmt]
    try:
        frame = reader(p, info, sample=sample, seed=seed, delimiter=delimiter)
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises its own ArrowInvalid etc.; none may escape as a traceback
        raise read_error(p, info, exc) from exc
    _check_frame(frame, p, info)
    info.rows_loaded = len(frame)
    if not info.rows_in_file:
        info.rows_in_file = len(frame)
    return Table(frame=frame, info=info)


def _load_parquet_folder(p: Path, *, sample: int | None, seed: int) -> Table:
    """A folder of Parquet files (a partitioned dataset) read as one table, files in name order."""
    import pyarrow.dataset as ds

    files = parquet_files(p)
    info = LoadInfo(path=str(p), file_name=p.name, format="parquet", compression=None,
                    size_bytes=sum(f.stat().st_size for f in files), sample_seed=seed if sample else None)
    info.notes.append(f"read {len(files)} Parquet files as one table")
    try:
        dataset = ds.dataset([str(f) for f in files], format="parquet")
        info.rows_in_file = dataset.count_rows()
        if sample is None or info.rows_in_file <= sample:
            table = dataset.to_table(use_threads=False)
        else:
            table = _sample_stream(dataset.to_batches(batch_size=1 << 16, use_threads=False), sample, seed, info)
    except Exception as exc:
        raise InputError(f"{p.name}: cannot read its Parquet files as one table ({_short(exc)}); "
                         f"check they share one schema") from exc
    frame = _finish_columnar(table, p, info)
    _check_frame(frame, p, info)
    info.rows_loaded = len(frame)
    return Table(frame=frame, info=info)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _check_path(p: Path) -> None:
    if not p.exists():
        raise InputError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise InputError(f"{p}: is a directory; give the path of a data file inside it")
    if not p.is_file():  # a pipe, a process substitution, a device: read once, and often empty to stat()
        raise InputError(f"{p}: is a pipe or a device, not a file; save the table to a file first "
                         f"(advisor reads it more than once)")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: the file is empty; export the table again with a header row and data")


def detect_format(p: Path, forced: str | None = None) -> tuple[str, str | None]:
    """Format and compression from the extension, checked against the file's first bytes."""
    suffixes = [s.lower() for s in p.suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes = suffixes[:-1]
    if forced:
        if forced not in set(FORMATS.values()):
            choices = sorted(set(FORMATS.values()))
            raise OptionError(f"The 'format' option must be one of {', '.join(choices)}. Got '{forced}' instead.")
        return forced, compression
    ext = suffixes[-1] if suffixes else ""
    if ext in FORMATS:
        return FORMATS[ext], compression
    if compression == "zip" and not _is_workbook(p):  # data.zip holding one CSV; a workbook is a zip too
        return "csv", compression
    magic = _magic(p)
    if magic:
        return magic, None
    if compression:  # data.gz with no inner extension: assume CSV
        return "csv", compression
    if _looks_like_text(p):
        return "csv", None
    raise InputError(
        f"{p.name}: unknown format '{ext or '(no extension)'}'; use .csv, .tsv, .parquet, .feather, "
        f".jsonl or .xlsx, or pass --input-format"
    )


def _magic(p: Path) -> str | None:
    with p.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"ARROW1", b"\xff\xff\xff\xff")):  # the IPC file format, or a stream's first message
        return "feather"
    if head.startswith(b"PK\x03\x04"):
        return "excel"
    return None


def _is_workbook(p: Path) -> bool:
    """An Excel workbook (a zip archive holding [Content_Types].xml and xl/), not a zipped table."""
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _looks_like_text(p: Path) -> bool:
    with p.open("rb") as fh:
        chunk = fh.read(4096)
    encoding = _decode_guess(chunk)
    return encoding is not None and _binary_share(chunk.decode(encoding, errors="ignore")) <= 0.05


# ---------------------------------------------------------------- CSV


def _open_binary(p: Path, compression: str | None) -> io.BufferedIOBase:
    if compression == "gzip":
        return gzip.open(p, "rb")  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.open(p, "rb")  # type: ignore[return-value]
    if compression == "xz":
        return lzma.open(p, "rb")  # type: ignore[return-value]
    if compression == "zip":
        zf = zipfile.ZipFile(p)
        names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
        if len(names) != 1:
            raise InputError(f"{p.name}: the zip archive holds {len(names)} files; it must hold exactly one table")
        return zf.open(names[0])  # type: ignore[return-value]
    return p.open("rb")


def _without_bom(head: bytes) -> bytes:
    """The bytes after a UTF-8 or UTF-16 byte-order mark, and with UTF-16's zero bytes left out (what
    is left of text that is only blanks is blank)."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            return head[len(bom):].replace(b"\x00", b"") if len(bom) == 2 else head[len(bom):]
    return head


def _decode_guess(chunk: bytes) -> str | None:
    """The encoding the chunk decodes with: BOMs first, then UTF-8, then cp1252."""
    if chunk.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in chunk:
        return _utf16_without_bom(chunk)
    for enc in ("utf-8", "cp1252"):
        try:
            chunk.decode(enc)
            return enc
        except UnicodeDecodeError as exc:
            if enc == "utf-8" and exc.start >= len(chunk) - 4 and exc.reason == "unexpected end of data":
                return "utf-8"  # a character cut in two at the chunk's end, not a byte UTF-8 cannot hold
    return None


def _utf16_without_bom(chunk: bytes) -> str | None:
    """UTF-16 with no byte-order mark, told by its zero bytes: ASCII text in it has a zero in
    every second byte (the odd ones little-endian, the even ones big-endian); else None."""
    even, odd = chunk[0::2], chunk[1::2]
    if len(chunk) < 8:
        return None
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.05 * len(even):
        encoding = "utf-16-le"
    elif even.count(0) > 0.8 * len(even) and odd.count(0) < 0.05 * len(odd):
        encoding = "utf-16-be"
    else:
        return None
    try:
        chunk[: len(chunk) // 2 * 2].decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(chunk) - 4:  # a surrogate pair cut at the chunk's end is still text
            return None
    return encoding


def sniff_csv(head: bytes, name: str, default_delimiter: str | None = None) -> tuple[str, str, str]:
    """Return (encoding, delimiter, decimal) for a CSV whose first bytes are ``head``."""
    encoding = _decode_guess(head)
    text = head.decode(encoding, errors="ignore") if encoding else ""
    if encoding is None or _binary_share(text) > 0.05:
        raise InputError(f"{name}: looks like binary data, not a text table; check the file is the export you meant")
    lines = [ln for ln in text.splitlines() if ln.strip()][:50]
    if len(text) >= SNIFF_BYTES - 8 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    delimiter = default_delimiter or _sniff_delimiter(lines)
    decimal = _sniff_decimal(lines, delimiter)
    return encoding, delimiter, decimal


def _binary_share(head: bytes | str) -> float:
    """The share of control characters (other than tab and line ends) in the first 4,096: text has
    next to none. Given as decoded text where the encoding is known, so that UTF-16's zero bytes
    are not taken for binary."""
    if not head:
        return 0.0
    sample = head[:4096]
    codes = [ord(c) for c in sample] if isinstance(sample, str) else list(sample)
    controls = sum(1 for b in codes if b < 32 and b not in (9, 10, 13))
    return controls / len(sample)


def _sniff_delimiter(lines: list[str]) -> str:
    if not lines:
        return ","
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(DELIMITERS))
        if dialect.delimiter in DELIMITERS:
            return str(dialect.delimiter)
    except csv.Error:
        pass
    # Fallback: the candidate with the most consistent non-zero count per line.
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        counts = [len(next(csv.reader([ln], delimiter=d))) for ln in lines[:20]]
        if min(counts) <= 1:
            continue
        score = min(counts) - (max(counts) - min(counts))
        if score > best_score:
            best, best_score = d, score
    return best


def _sniff_decimal(lines: list[str], delimiter: str) -> str:
    """',' when the delimiter is not a comma and fields look like 3,14."""
    if delimiter == ",":
        return "."
    import re

    comma = re.compile(r"^-?\d+,\d+$")
    dot = re.compile(r"^-?\d+\.\d+$")
    n_comma = n_dot = 0
    for row in csv.reader(lines[1:], delimiter=delimiter):
        for cell in row:
            cell = cell.strip()
            n_comma += bool(comma.match(cell))
            n_dot += bool(dot.match(cell))
    return "," if n_comma > n_dot else "."


def _csv_options(p: Path, info: LoadInfo, delimiter: str | None, column_types: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sniff the file's head (encoding, delimiter, decimal mark; recorded in ``info``), check its
    header, and give pyarrow's read, parse and convert options for it."""
    import pyarrow.csv as pacsv

    if delimiter is not None and len(delimiter) != 1:
        raise OptionError(f"The 'delimiter' option must be one character. Got {delimiter!r} instead.")
    with _open_binary(p, info.compression) as fh:
        head = fh.read(SNIFF_BYTES)
    if not _without_bom(head).strip():
        raise InputError(f"{p.name}: the file holds no data; export the table again with a header row and data")
    default = "\t" if info.format == "tsv" and delimiter is None else delimiter
    encoding, delim, decimal = sniff_csv(head, p.name, default)
    info.encoding, info.delimiter, info.decimal = encoding, delim, decimal
    header = _header_names(head, encoding, delim)
    _check_header(header, p.name, delim)
    if delimiter is None and len(header) == 1:
        _check_space_separated(head.decode(encoding, errors="ignore"), p.name)
    read_opts = pacsv.ReadOptions(encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                                  block_size=STREAM_BLOCK_BYTES, use_threads=True)
    parse_opts = pacsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True, newlines_in_values=True)
    convert_opts = _convert_options(decimal, column_types or {})
    return {"read_options": read_opts, "parse_options": parse_opts, "convert_options": convert_opts}


def _convert_options(decimal: str, column_types: dict[str, Any]) -> Any:
    """pyarrow's conversion options: the missing-value markers, the decimal mark, fixed column types."""
    import pyarrow.csv as pacsv

    return pacsv.ConvertOptions(
        null_values=NA_VALUES, strings_can_be_null=True, decimal_point=decimal, column_types=column_types,
        # Arrow's own ISO 8601 parser: dates with ' ' or 'T' and minutes or seconds, seconds' fractions and
        # UTC offsets, many times faster than a list of strptime formats
        timestamp_parsers=[pacsv.ISO8601],
    )


def _read_csv(p: Path, info: LoadInfo, *, sample: int | None, seed: int, delimiter: str | None) -> pd.DataFrame:
    import pyarrow.csv as pacsv

    opts = _csv_options(p, info, delimiter)
    source = _open_binary(p, info.compression)
    try:
        if sample is None:
            table = _read_all_streaming(p, info, source, opts)
            info.rows_in_file = table.num_rows
        else:
            table = _sample_stream(pacsv.open_csv(source, **opts), sample, seed, info)
    finally:
        source.close()
    if table.num_rows == 0:
        raise InputError(f"{p.name}: has a header row but no data rows; export the table again with its data")
    return _to_pandas(table, info)


def _read_all_streaming(p: Path, info: LoadInfo, source: Any, opts: dict[str, Any]) -> pa.Table:
    """Read block by block: about two thirds of the peak memory of one read_csv call.

    The streaming reader fixes column types from the first block; when a later
    block disagrees (a number column turning decimal, a column empty at first)
    the whole file is read again in one call, which sees every block before typing.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        reader = pacsv.open_csv(source, **opts)
        return pa.Table.from_batches(list(reader), schema=reader.schema)
    except pa.ArrowInvalid:
        pass
    with _open_binary(p, info.compression) as again:
        return pacsv.read_csv(again, **opts)


def _header_names(head: bytes, encoding: str, delim: str) -> list[str]:
    text = head.decode(encoding, errors="ignore")
    first = next(csv.reader(io.StringIO(text), delimiter=delim), [])
    return [c.strip() for c in first]


def _check_header(header: list[str], name: str, delim: str) -> None:
    if len(header) == 1:
        other = [d for d in DELIMITERS if d != delim and d in header[0]]
        if other:
            shown = "\\t" if other[0] == "\t" else other[0]
            raise InputError(
                f"{name}: read as a single column '{header[0][:40]}'; the delimiter looks wrong: "
                f"pass --delimiter '{shown}'"
            )
    seen: set[str] = set()
    for col in header:
        if not col:
            continue
        if col in seen:
            raise InputError(f"{name}: the column name '{col}' appears more than once; rename the duplicates")
        seen.add(col)


def _check_space_separated(text: str, name: str) -> None:
    """A one-column read of a table whose every line splits on spaces into as many fields as its header:
    the fields are separated by spaces, which are never sniffed (a column of sentences has them too)."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:21]
    fields = len(lines[0].split()) if lines else 0
    numbers = any(re.fullmatch(r"[-+]?\d+(\.\d*)?", token) for ln in lines[1:] for token in ln.split())
    if fields >= 2 and len(lines) >= 3 and numbers and all(len(ln.split()) == fields for ln in lines[1:]):
        raise InputError(f"{name}: read as a single column '{lines[0][:40]}', but every line has {fields} fields "
                         f"separated by spaces: pass --delimiter space")


def sample_keys(positions: Any, seed: int) -> Any:
    """The random key of each row position: uniform in [0, 1), a fixed function of the position and seed.

    A hash rather than a random stream, so any thread that knows where a batch
    starts in the file can work out its rows' keys, in any order.
    """
    import numpy as np

    from advisor.profile.sketch import mix64

    with np.errstate(over="ignore"):
        salt = mix64(np.array([seed], dtype=np.uint64) ^ np.uint64(0x5851F42D4C957F2D))[0]
        h = mix64(np.asarray(positions, dtype=np.int64).view(np.uint64) ^ salt)
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


class BottomN:
    """A uniform sample of ``n`` rows kept while streaming: bottom-n of one random key per row.

    The keys are a seeded hash of the row's position (:func:`sample_keys`), so
    the sample does not depend on how the reader cuts the file into batches nor
    on which thread saw them; ``result()`` gives the kept rows in file order.
    Candidates pile up to ``2n`` rows before they are cut back to ``n``, and
    rows above the last cut are never kept, so each row is copied about once
    and memory stays within ``2n`` rows. When the table's rows are known or
    estimated ahead, a first ``cut`` a few times ``n / rows`` passes over most
    rows before they are copied at all; :attr:`missed` says if it was too low.
    """

    def __init__(self, n: int, seed: int, cut: float = 1.0) -> None:
        import numpy as np

        self.n = n
        self.seed = seed
        self.kept: list[pa.Table] = []
        self.kept_keys: list[np.ndarray] = []
        self.kept_pos: list[np.ndarray] = []
        self.size = 0
        self.cut = cut  # no key above this can be among the n smallest any more
        self.first_cut = cut  # a guess that the n smallest keys are all below it (see missed)
        self.offset = 0
        self.schema: pa.Schema | None = None
        self.positions = np.empty(0, dtype=np.int64)

    def add(self, batch: pa.RecordBatch) -> None:
        """The next batch of rows, in file order."""
        self.add_candidates(*candidates(batch, self.offset, self.seed, self.cut))

    def add_candidates(self, rows: pa.RecordBatch, keys: Any, pos: Any, n_rows: int) -> None:
        """The next batch of ``n_rows`` rows in file order, as its rows that may be kept (see
        :func:`candidates`; filtered with this sampler's cut at any earlier time, or not at all)."""
        import pyarrow as pa

        self.schema = rows.schema
        self.offset += n_rows
        if self.cut < 1.0 and len(keys) and keys.max() > self.cut:
            mask = keys <= self.cut
            rows, keys, pos = rows.filter(pa.array(mask)), keys[mask], pos[mask]
        if not len(keys):
            return
        self.kept.append(pa.Table.from_batches([rows]))
        self.kept_keys.append(keys)
        self.kept_pos.append(pos)
        self.size += len(keys)
        if self.size > 2 * self.n:
            self._compact()

    @property
    def missed(self) -> bool:
        """Whether the first cut was too low: fewer than ``n`` keys fell under it, so rows above it
        that belong to the sample were passed over (the stream must be sampled again without it)."""
        return self.first_cut < 1.0 and self.size < min(self.n, self.offset)

    def _compact(self) -> None:
        import numpy as np
        import pyarrow as pa

        keys = np.concatenate(self.kept_keys)
        pos = np.concatenate(self.kept_pos)
        table = pa.concat_tables(self.kept, promote_options="permissive")
        if len(keys) > self.n:
            self.cut = float(np.partition(keys, self.n - 1)[self.n - 1])
            mask = keys <= self.cut
            table, keys, pos = table.filter(pa.array(mask)), keys[mask], pos[mask]
        self.kept, self.kept_keys, self.kept_pos, self.size = [table], [keys], [pos], len(keys)

    def result(self) -> pa.Table:
        import numpy as np
        import pyarrow as pa

        if self.schema is None:
            return pa.table({})
        if not self.kept:
            return pa.Table.from_batches([], self.schema)
        self._compact()
        table, pos = self.kept[0], self.kept_pos[0]
        if len(pos) < 2 or bool(np.all(pos[1:] > pos[:-1])):  # batches come in file order: it is, no copy
            self.positions = pos
            return table
        order = np.argsort(pos, kind="stable")
        self.positions = pos[order]  # the sample's row numbers in the file, ascending
        return table.take(pa.array(order))


def candidates(batch: pa.RecordBatch, offset: int, seed: int, cut: float) -> tuple[pa.RecordBatch, Any, Any, int]:
    """The rows of a batch that starts at row ``offset`` whose keys are at most ``cut``, with those keys
    and positions, and the batch's row count: what :meth:`BottomN.add_candidates` takes."""
    import numpy as np
    import pyarrow as pa

    pos = np.arange(offset, offset + batch.num_rows, dtype=np.int64)
    keys = sample_keys(pos, seed)
    if cut < 1.0:
        mask = keys <= cut
        return batch.filter(pa.array(mask)), keys[mask], pos[mask], batch.num_rows
    return batch, keys, pos, batch.num_rows


def _sample_stream(batches: Any, n: int, seed: int, info: LoadInfo) -> pa.Table:
    """A uniform sample of ``n`` rows in file order (see :class:`BottomN`)."""
    sampler = BottomN(n, seed)
    for batch in batches:
        sampler.add(batch)
    table = sampler.result()
    offset = sampler.offset
    info.rows_in_file = offset
    info.is_sample = offset > n
    if info.is_sample:
        info.notes.append(f"profiled a uniform random sample of {table.num_rows:,} of {offset:,} rows (seed {seed})")
    return table


def _flatten_nested(table: pa.Table, info: LoadInfo | None) -> pa.Table:
    """Structs become one column per field (b.x); lists and maps become JSON text."""
    import json

    import pyarrow as pa

    while any(pa.types.is_struct(c.type) for c in table.columns):
        table = table.flatten()
    nested = [i for i, c in enumerate(table.columns) if pa.types.is_nested(c.type)]
    for i in nested:
        values = [None if v is None else json.dumps(v, default=str, sort_keys=True) for v in table.column(i).to_pylist()]
        table = table.set_column(i, table.column_names[i], pa.array(values, pa.string()))
    if nested and info is not None:
        info.notes.append(f"list or map columns read as JSON text: {', '.join(table.column_names[i] for i in nested)}")
    return table


def duration_seconds(arr: Any) -> Any:
    """A pyarrow duration array (or chunked array) as float64 seconds, missing values kept: a duration
    is a quantity, and scikit-learn, the profile and the pipelines all take it as a number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[arr.type.unit]
    return pc.divide(arr.cast(pa.int64()).cast(pa.float64()), float(per_second))


UNDECODABLE = "bytes that do not decode"


def undecodable_note(encoding: str | None, columns: list[str]) -> str:
    """The note for columns whose bytes are not all text in the file's encoding."""
    encoded = f" as {encoding}" if encoding else ""
    return (f"{UNDECODABLE}{encoded} are shown as \ufffd in: {', '.join(columns)}; if the text looks wrong, "
            f"save the file as UTF-8")


def _bytes_as_text(col: Any) -> tuple[Any, int]:
    """A binary column as text, with U+FFFD where its bytes are not UTF-8, and how many values had such
    bytes (the file's later rows in another encoding than its head, or raw bytes in a Parquet file)."""
    import pyarrow as pa

    out: list[str | None] = []
    bad = 0
    for v in col.to_pylist():
        if v is None:
            out.append(None)
            continue
        try:
            out.append(v.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(v.decode("utf-8", errors="replace"))
            bad += 1
    return pa.array(out, pa.string()), bad


def _to_pandas(table: pa.Table, info: LoadInfo | None = None) -> pd.DataFrame:
    import pyarrow as pa

    table = _flatten_nested(table, info)
    names = [n if n.strip() else f"column_{i + 1}" for i, n in enumerate(table.column_names)]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(f"the column name '{dup}' appears more than once; rename the duplicates")
    # Dictionary-encoded and null-typed columns convert awkwardly; normalise them first.
    cols = []
    durations: list[str] = []
    replaced: list[str] = []  # binary columns, and how many of their values are not UTF-8
    for name, col in zip(names, table.columns, strict=True):
        if pa.types.is_duration(col.type):
            col = duration_seconds(col)
            durations.append(name)
        elif pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        elif pa.types.is_null(col.type):
            col = col.cast(pa.string())
        elif pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
            col, bad = _bytes_as_text(col)
            if bad:
                replaced.append(f"{name} ({bad:,} value{'s' if bad != 1 else ''})")
        cols.append(col)
    table = pa.table(cols, names=names)
    del cols
    if durations and info is not None:
        info.notes.append(f"read as seconds, being durations: {', '.join(durations)}")
    if replaced and info is not None:
        info.notes.append(undecodable_note(info.encoding, replaced))
    frame = table.to_pandas(split_blocks=True, self_destruct=True, timestamp_as_object=False)
    del table
    pa.default_memory_pool().release_unused()  # hand the read buffers back before profiling starts
    return frame


# ---------------------------------------------------------------- columnar formats


def _read_parquet(p: Path, info: LoadInfo, *, sample: int | None, seed: int, delimiter: str | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(p)
    info.rows_in_file = pf.metadata.num_rows
    if sample is None or info.rows_in_file <= sample:
        table = pf.read()
    else:
        table = _sample_stream(pf.iter_batches(batch_size=1 << 16), sample, seed, info)
    return _finish_columnar(table, p, info)


def _arrow_table(p: Path, memory_map: bool = False) -> pa.Table:
    """A Feather file (V1 or V2, the Arrow IPC file format) or an Arrow IPC stream, read whole."""
    import pyarrow as pa
    import pyarrow.feather as feather

    try:
        return feather.read_table(p, memory_map=memory_map)
    except pa.ArrowInvalid:
        with p.open("rb") as fh:
            if fh.read(4) != b"\xff\xff\xff\xff":  # an IPC stream starts with its first message's marker
                raise
        with pa.memory_map(str(p)) if memory_map else pa.OSFile(str(p)) as source:
            return pa.ipc.open_stream(source).read_all()


def _read_feather(p: Path, info: LoadInfo, *, sample: int | None, seed: int, delimiter: str | None) -> pd.DataFrame:
    table = _arrow_table(p)
    info.rows_in_file = table.num_rows
    if sample is not None and table.num_rows > sample:
        table = _sample_stream(table.to_batches(), sample, seed, info)
    return _finish_columnar(table, p, info)


def _read_jsonl(p: Path, info: LoadInfo, *, sample: int | None, seed: int, delimiter: str | None) -> pd.DataFrame:
    import pyarrow.json as pajson

    with _open_binary(p, info.compression) as fh:
        head = fh.read(4096)
    if _binary_share(head) > 0.05 or not head.lstrip().startswith(b"{"):
        raise InputError(f"{p.name}: not JSON Lines (one JSON object per line); check the file or its extension")
    source = _open_binary(p, info.compression)
    try:
        table = pajson.read_json(source)
    finally:
        source.close()
    info.rows_in_file = table.num_rows
    if sample is not None and table.num_rows > sample:
        table = _sample_stream(table.to_batches(), sample, seed, info)
    return _finish_columnar(table, p, info)


def _read_excel(p: Path, info: LoadInfo, *, sample: int | None, seed: int, delimiter: str | None) -> pd.DataFrame:
    import importlib.util

    import pandas as pd

    if importlib.util.find_spec("openpyxl") is None:
        raise InputError(f"{p.name}: reading Excel needs openpyxl; run 'pip install advisor[excel]' or save the sheet as CSV")
    with p.open("rb") as fh:
        magic = fh.read(8)
    if not (_is_workbook(p) or magic.startswith(b"\xd0\xcf\x11\xe0")):  # .xlsx/.xlsm, or the old .xls
        hint = "pass --input-format csv" if _looks_like_text(p) else "check it is the file you meant"
        raise InputError(f"{p.name}: is not an Excel workbook; {hint}")
    frame = pd.read_excel(p, sheet_name=0)
    info.rows_in_file = len(frame)
    _check_header([str(c) for c in frame.columns], p.name, ",")
    if frame.empty:
        raise InputError(f"{p.name}: the first sheet has a header row but no data rows")
    if sample is not None and len(frame) > sample:
        import numpy as np

        # The rows every other format's sampler keeps for this seed (the n smallest keys, see BottomN).
        keys = sample_keys(np.arange(len(frame)), seed)
        keep = np.sort(np.argsort(keys, kind="stable")[:sample])
        frame = frame.iloc[keep].reset_index(drop=True)
        info.is_sample = True
        info.notes.append(f"profiled a uniform random sample of {sample:,} of {info.rows_in_file:,} rows (seed {seed})")
    return frame


def _finish_columnar(table: pa.Table, p: Path, info: LoadInfo | None = None) -> pd.DataFrame:
    if table.num_columns == 0:
        raise InputError(f"{p.name}: the file holds no columns")
    if table.num_rows == 0:
        raise InputError(f"{p.name}: the file holds columns but no rows")
    try:
        return _to_pandas(table, info)
    except InputError as exc:
        raise InputError(f"{p.name}: {exc}") from exc


def _check_frame(frame: pd.DataFrame, p: Path, info: LoadInfo) -> None:
    if frame.shape[1] == 0:
        raise InputError(f"{p.name}: no columns were found; check the file has a header row")
    unnamed = [str(c) for c in frame.columns if str(c).startswith("column_")]
    if unnamed and info.format in ("csv", "tsv"):
        info.notes.append(f"columns without a name in the header were called {', '.join(unnamed[:5])}")


def read_header(path: str | os.PathLike[str], *, delimiter: str | None = None, file_format: str | None = None) -> list[str]:
    """The column names of a table without reading its rows (cheap for every format but Excel)."""
    p = Path(path)
    _check_path(p)
    fmt, compression = detect_format(p, file_format)
    try:
        if fmt in ("csv", "tsv"):
            with _open_binary(p, compression) as fh:
                head = fh.read(SNIFF_BYTES)
            default = "\t" if fmt == "tsv" and delimiter is None else delimiter
            encoding, delim, _ = sniff_csv(head, p.name, default)
            return _header_names(head, encoding, delim)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(p).names)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{p.name}: cannot read its header ({_short(exc)})") from exc
    return [str(c) for c in load_table(p, delimiter=delimiter, file_format=file_format).frame.columns]


# ---------------------------------------------------------------- streaming


class _Counting(io.RawIOBase):
    """A read-only file that counts the bytes read through it (the progress of a streamed read)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if hasattr(self.raw, "readinto"):
            n = self.raw.readinto(b) or 0
        else:
            data = self.raw.read(len(b))
            n = len(data)
            b[:n] = data
        self.count += n
        return n

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return bytes(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


@dataclass
class BatchStream:
    """Record batches of a table read in one pass, with how far the pass has got.

    ``fraction()`` is the share of the input consumed so far (bytes for text
    formats, rows for columnar ones); ``close()`` releases the file.
    """

    info: LoadInfo
    schema: pa.Schema
    batches: Any  # an iterator of pyarrow.RecordBatch
    fraction: Any  # () -> float
    close: Any  # () -> None
    estimated_rows: int | None = None  # the table's rows: exact for columnar formats, from the first part for a CSV
    # When set (CSV opened with parts=True): the batches as functions that parse one part of the
    # file each, safe to call from any thread, in file order; ``batches`` is then not to be used.
    parts: Any = None


def parquet_files(p: Path) -> list[Path]:
    """The Parquet files of a folder (a partitioned dataset), in a fixed order."""
    files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".parquet", ".pq")
                   and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts))
    if not files:
        raise InputError(f"{p}: is a directory with no .parquet files; give a data file or a folder of Parquet files")
    return files


def open_batches(
    path: str | os.PathLike[str],
    *,
    delimiter: str | None = None,
    file_format: str | None = None,
    column_types: dict[str, Any] | None = None,
    parts: bool = False,
) -> BatchStream:
    """Open ``path`` for one streamed pass in record batches, in memory bounded by the batch size.

    CSV/TSV (compressed too), JSON Lines, Parquet (a file or a folder of files)
    and Feather stream; Excel is read whole (sheets are small) and cut into batches.
    ``column_types`` fixes the Arrow type of named CSV columns (used when a
    later block disagrees with the type inferred from the first one). With
    ``parts``, a CSV that can be cut at record boundaries comes as
    ``BatchStream.parts`` for parsing on several threads (see :mod:`advisor.csvparts`).
    """
    p = Path(path)
    if p.is_dir():
        return _parquet_folder_batches(p)
    _check_path(p)
    fmt, compression = detect_format(p, file_format)
    info = LoadInfo(path=str(p), file_name=p.name, format=fmt, compression=compression, size_bytes=p.stat().st_size)
    try:
        if fmt in ("csv", "tsv"):
            if parts:
                stream = _csv_parts(p, info, delimiter, column_types or {})
                if stream is not None:
                    return stream
            return _csv_batches(p, info, delimiter, column_types or {})
        if fmt == "jsonl":
            return _jsonl_batches(p, info)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(p)
            rows = pf.metadata.num_rows
            info.rows_in_file = rows
            return _columnar_stream(info, pf.schema_arrow, pf.iter_batches(batch_size=1 << 16), rows, pf.close)
        if fmt == "feather":
            table = _arrow_table(p, memory_map=True)
            info.rows_in_file = table.num_rows
            return _columnar_stream(info, table.schema, iter(table.to_batches(max_chunksize=1 << 16)),
                                    table.num_rows, lambda: None)
        import pyarrow as pa

        frame = _read_excel(p, info, sample=None, seed=0, delimiter=None)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        return _columnar_stream(info, table.schema, iter(table.to_batches(max_chunksize=1 << 16)),
                                table.num_rows, lambda: None)
    except InputError:
        raise
    except Exception as exc:
        raise read_error(p, info, exc) from exc


def read_error(p: Path, info: LoadInfo, exc: BaseException) -> InputError:
    """The error for a file its reader failed on; a CSV row with the wrong number of fields is found and
    named by its line number (pyarrow quotes the row, not where it is)."""
    ragged = re.search(r"Expected (\d+) columns, got (\d+)", str(exc))
    if ragged and info.format in ("csv", "tsv") and info.delimiter:
        line = _ragged_line(p, info, int(ragged.group(1)))
        if line is not None:
            return InputError(f"{p.name}: line {line:,} has {ragged.group(2)} fields where the header has "
                              f"{ragged.group(1)}; fix that row (a missing delimiter or quote?) or export again")
    return InputError(f"{p.name}: cannot read it as {info.format.upper()} ({_short(exc)}); "
                      f"check the file is not damaged")


RAGGED_SCAN_BYTES = 512 * 1024**2  # how far into a file a row with the wrong number of fields is looked for


def _ragged_line(p: Path, info: LoadInfo, expected: int) -> int | None:
    """The line (counting the header as line 1) where the first record with another number of fields
    than ``expected`` ends, or None when none is found in the first RAGGED_SCAN_BYTES."""
    try:
        with _open_binary(p, info.compression) as raw:
            text = io.TextIOWrapper(cast(Any, raw), encoding=info.encoding or "utf-8", errors="replace", newline="")
            reader = csv.reader(text, delimiter=info.delimiter or ",")
            next(reader, None)
            for row in reader:
                if row and len(row) != expected:
                    return reader.line_num
                if raw.tell() > RAGGED_SCAN_BYTES:
                    return None
    except (OSError, csv.Error, EOFError, ValueError, zipfile.BadZipFile, lzma.LZMAError):
        return None
    return None


def _columnar_stream(info: LoadInfo, schema: pa.Schema, batches: Any, rows: int, close: Any) -> BatchStream:
    seen = [0]

    def counted() -> Any:
        for batch in batches:
            seen[0] += batch.num_rows
            yield batch

    return BatchStream(info=info, schema=schema, batches=counted(), fraction=lambda: seen[0] / max(rows, 1),
                       close=close, estimated_rows=rows)


def _parquet_folder_batches(p: Path) -> BatchStream:
    import pyarrow.dataset as ds

    files = parquet_files(p)
    info = LoadInfo(path=str(p), file_name=p.name, format="parquet", compression=None,
                    size_bytes=sum(f.stat().st_size for f in files))
    try:
        dataset = ds.dataset([str(f) for f in files], format="parquet")
        rows = dataset.count_rows()
        schema = dataset.schema
        batches = dataset.to_batches(batch_size=1 << 16, use_threads=False)  # file order, row order
    except Exception as exc:
        raise InputError(f"{p.name}: cannot read its Parquet files as one table ({_short(exc)}); "
                         f"check they share one schema") from exc
    info.rows_in_file = rows
    info.notes.append(f"read {len(files)} Parquet files as one table")
    return _columnar_stream(info, schema, batches, rows, lambda: None)


def _counted_source(p: Path, info: LoadInfo) -> tuple[Any, _Counting, int]:
    """The decompressed byte stream, the counter that measures progress, and the total it counts towards.

    For gzip/bz2/xz the counter sits under the decompressor (compressed bytes
    against the file size); for zip it counts the member's bytes against its size.
    """
    if info.compression == "zip":
        zf = zipfile.ZipFile(p)
        names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
        if len(names) != 1:
            raise InputError(f"{p.name}: the zip archive holds {len(names)} files; it must hold exactly one table")
        counter = _Counting(zf.open(names[0]))
        return counter, counter, zf.getinfo(names[0]).file_size
    counter = _Counting(p.open("rb"))
    if info.compression in ("gzip", "bz2", "xz"):
        opener: Any = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}[info.compression]
        return opener(counter, "rb"), counter, info.size_bytes
    return counter, counter, info.size_bytes


def _progress_and_close(source: Any, counter: _Counting, total: int) -> tuple[Callable[[], float], Callable[[], None]]:
    """For a stream from :func:`_counted_source`: how far it has read (0 to 1), and its close."""

    def close() -> None:
        source.close()
        counter.close()

    return (lambda: min(counter.count / max(total, 1), 1.0)), close


def _csv_batches(p: Path, info: LoadInfo, delimiter: str | None, column_types: dict[str, Any]) -> BatchStream:
    import pyarrow.csv as pacsv

    opts = _csv_options(p, info, delimiter, column_types)
    source, counter, total = _counted_source(p, info)
    reader = pacsv.open_csv(source, **opts)
    fraction, close = _progress_and_close(source, counter, total)

    return BatchStream(info=info, schema=reader.schema, batches=iter(reader),
                       fraction=fraction, close=close)


def _csv_parts(p: Path, info: LoadInfo, delimiter: str | None, column_types: dict[str, Any]) -> BatchStream | None:
    """The CSV as parts parsed on any thread (None when its encoding, quotes or header rule that out).

    The first part is parsed here, on every core, to fix the names and types of the rest.
    """
    from advisor.csvparts import (
        CARRY_ROOM,
        Buffers,
        Unsplittable,
        ascii_compatible,
        one_batch,
        parse_part,
        part_makers,
        split_records,
    )

    opts = _csv_options(p, info, delimiter, column_types)
    encoding = opts["read_options"].encoding
    if not ascii_compatible(encoding):
        return None
    source, counter, total = _counted_source(p, info)
    fraction, close = _progress_and_close(source, counter, total)

    buffers = Buffers(STREAM_BLOCK_BYTES + CARRY_ROOM)
    try:
        pieces = split_records(source, STREAM_BLOCK_BYTES, buffers=buffers)
        first_bytes = next(pieces, memoryview(b""))
        first = parse_part(first_bytes, names=None, encoding=encoding, parse_options=opts["parse_options"],
                           convert_options=opts["convert_options"], threads=True)
        first_length = len(first_bytes)
        buffers.give_back(first_bytes)
    except BaseException as exc:
        close()
        if isinstance(exc, Unsplittable):
            return None
        raise
    if len(set(first.schema.names)) != len(first.schema.names):
        close()
        return None  # unnamed or repeated columns: names cannot key the types; the stream reader copes
    # The first part's types (the widened ones included) fix every later part's.
    later = _convert_options(info.decimal or ".", {f.name: f.type for f in first.schema})
    rest = part_makers(pieces, first.schema.names, encoding=encoding, parse_options=opts["parse_options"],
                       convert_options=later, buffers=buffers)

    def all_parts() -> Any:
        yield lambda: one_batch(first)  # its chunks joined on a worker, beside the next part's parse
        yield from rest

    # The file's rows if they are as wide as the first part's (a compressed file's size says nothing)
    estimated = round(first.num_rows * info.size_bytes / first_length) if first_length and not info.compression else None
    return BatchStream(info=info, schema=first.schema, batches=None, parts=all_parts(),
                       fraction=fraction, close=close, estimated_rows=estimated)


def _jsonl_batches(p: Path, info: LoadInfo) -> BatchStream:
    import pyarrow.json as pajson

    with _open_binary(p, info.compression) as fh:
        head = fh.read(4096)
    if _binary_share(head) > 0.05 or not head.lstrip().startswith(b"{"):
        raise InputError(f"{p.name}: not JSON Lines (one JSON object per line); check the file or its extension")
    source, counter, total = _counted_source(p, info)
    reader = pajson.open_json(source, read_options=pajson.ReadOptions(block_size=STREAM_BLOCK_BYTES))
    fraction, close = _progress_and_close(source, counter, total)

    return BatchStream(info=info, schema=reader.schema, batches=iter(reader),
                       fraction=fraction, close=close)
