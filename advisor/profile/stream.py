"""Profile a table bigger than memory: one streamed pass in record batches plus a uniform sample.

The pass (:func:`scan_file`) keeps, per column, exact counts (rows, missing),
exact min/max/mean/std and zero/negative shares (:class:`~advisor.profile.sketch.Moments`),
the most frequent values (Misra-Gries, exact while a column has few distinct
values) and a HyperLogLog distinct count; and, for the whole table, a
reproducible uniform sample (bottom-n of seeded random keys). Memory is the
batch being read, the sketches (a few MB per column at most) and the sample,
whose size follows from the memory setting, never from the file's size.

The usual profile then runs on the sample (kinds, correlations, leakage,
duplicates, quantiles) and :func:`apply_scan` puts the exact and sketched
figures of the whole pass in place of the sample's, marking what is estimated.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import Cancelled, InputError
from advisor.profile.model import ColumnProfile, ScanInfo, TableStats, TargetProfile
from advisor.profile.sketch import HeavyHitters, HyperLogLog, Moments, dkw_epsilon, hash_values

if TYPE_CHECKING:
    import pyarrow as pa

    from advisor.load import BatchStream, Table

Progress = Callable[[str, float], None]

TOP_K = 1000  # values tracked per column: counts are exact for columns with at most this many distinct values
# A column with more distinct values than this (and than a tenth of its rows) stops tracking top values:
# they are all rare, so the sample's shares say as much, and hashing every value is cheaper than counting.
HIGH_CARDINALITY = 20 * TOP_K
PROBE_VALUES = 2000  # a batch whose first values are nearly all distinct is checked for HIGH_CARDINALITY
SCAN_THREADS = 2  # batches parsed and summarised side by side (the results do not depend on it)
MAX_SAMPLE_ROWS = 100_000  # more rows add little to kind detection (50,000), correlations or quantiles (±0.5%)
MIN_SAMPLE_ROWS = 10_000
# A pass that knows (or, for a CSV, estimates from its first part) the table's rows ahead keeps only rows
# whose key is under this many times sample/rows: about that many times the sample's rows are copied, not
# all of the first ones. Fewer than the sample under it (rows further in a few times wider) reads again.
FIRST_CUT_MARGIN = 3.0
SAMPLE_MEMORY_SHARE = 0.25  # of the memory setting, for the sample as a DataFrame
DEFAULT_MEMORY_LIMIT = 512 * 1024**2  # tables that would take more are streamed (--max-memory)
# In-memory size of a loaded table per byte of file, by format (pandas DataFrame, strings included).
LOAD_FACTOR = {"csv": 4.0, "tsv": 4.0, "jsonl": 2.0, "parquet": 6.0, "feather": 2.0, "excel": 10.0}
COMPRESSION_RATIO = 5.0  # a compressed text file unpacks to about this many times its size

EXACT_STATS = ["rows", "missing values", "min", "max", "mean", "std", "zero and negative shares",
               "top values (up to the tracked number of distinct values)", "distinct counts (up to the same number)"]
SAMPLE_STATS = ["kinds", "quantiles", "skew", "outliers", "text lengths", "correlations", "leakage",
                "duplicate rows"]


def parse_size(text: str) -> int:
    """'2G', '512M', '1.5GB' or a number of bytes -> bytes; ValueError for anything else."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text.lower())
    if not m:
        raise ValueError(text)
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}[m.group(2)]
    value = int(float(m.group(1)) * scale)
    if value <= 0:
        raise ValueError(text)
    return value


def estimated_load_bytes(path: str, file_format: str | None = None) -> int:
    """About how much memory loading the whole table would take (0 when it cannot be told cheaply)."""
    from advisor.load import detect_format, parquet_files

    p = Path(path)
    if not p.exists():
        return 0
    if p.is_dir():
        try:
            return int(sum(f.stat().st_size for f in parquet_files(p)) * LOAD_FACTOR["parquet"])
        except InputError:
            return 0
    if p.stat().st_size == 0:
        return 0
    fmt, compression = detect_format(p, file_format)
    size = p.stat().st_size * LOAD_FACTOR.get(fmt, 4.0)
    if compression:
        size *= COMPRESSION_RATIO
    return int(size)


def should_stream(path: str, memory_limit: int, file_format: str | None = None) -> bool:
    """Stream when loading the table whole would not fit in the memory setting."""
    return Path(path).is_dir() or estimated_load_bytes(path, file_format) > memory_limit


@dataclass
class ColumnPart:
    """What one batch says about one column, worked out on any thread and merged in file order."""

    rows: int
    nulls: int
    moments: Moments | None = None
    ts_min: int | None = None  # a temporal column's extremes in its own unit (see temporal_value)
    ts_max: int | None = None
    ts_type: Any = None  # pyarrow DataType of those
    counts: pa.Table | None = None  # the batch's values and their counts (None when not counted), at most TOP_K
    counts_error: int = 0  # how much pruning the batch's counts to TOP_K values took off each
    too_many: bool = False  # the batch alone has too many distinct values to count (see HIGH_CARDINALITY)
    registers: Any = None  # numpy uint8: HyperLogLog registers of the batch's values (None for a null column)


def summarise(arr: pa.Array | pa.ChunkedArray, count: bool = True) -> ColumnPart:
    """One batch of one column. With ``count`` false (a column already known to have too many
    distinct values to count), only the distinct-count sketch sees the values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from advisor.load import duration_seconds
    from advisor.profile.sketch import registers_of

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_duration(arr.type):  # in seconds, as the sample reads it (see load._to_pandas)
        arr = duration_seconds(arr)
    part = ColumnPart(rows=len(arr), nulls=arr.null_count)
    t = arr.type
    if pa.types.is_null(t) or len(arr) == arr.null_count:
        return part
    values = arr.drop_null() if arr.null_count else arr
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        part.moments = Moments.of(values.cast(pa.float64()).to_numpy(zero_copy_only=False))
    elif pa.types.is_temporal(t):
        # As integers: turning a timestamp into a datetime here would have pyarrow import pandas on this
        # thread, waiting while another thread imports it.
        mm = pc.min_max(values.view(_temporal_ints(t)))
        part.ts_min, part.ts_max, part.ts_type = mm["min"].as_py(), mm["max"].as_py(), t
    if count and _too_many_to_count(values, part):
        return part
    if count:
        counts = HeavyHitters.count(values)
        if part.registers is None:  # the probe may have sketched every value already: the same registers
            part.registers = registers_of(hash_values(counts.column("values").combine_chunks()))
        part.counts, part.counts_error = HeavyHitters.prune(counts, TOP_K)
    else:
        part.registers = registers_of(hash_values(values))
    return part


def _too_many_to_count(values: pa.Array, part: ColumnPart) -> bool:
    """Whether the batch alone has more than HIGH_CARDINALITY distinct values, over a tenth of its
    rows: then the column's top values are given up from this batch on, without counting it
    (counting a batch of distinct strings costs ten times hashing it). A probe of its first values
    decides whether to look; the answer depends on the batch alone, never on the timing."""
    import pyarrow.compute as pc

    from advisor.profile.sketch import registers_of

    n = len(values)
    if n < max(4 * PROBE_VALUES, HIGH_CARDINALITY):
        return False
    if pc.count_distinct(values.slice(0, PROBE_VALUES)).as_py() < 0.9 * PROBE_VALUES:
        return False
    registers = registers_of(hash_values(values))
    sketch = HyperLogLog()
    sketch.merge(registers)
    estimate = sketch.estimate()
    part.registers = registers
    part.too_many = estimate > HIGH_CARDINALITY and estimate > 0.1 * n
    return part.too_many


@dataclass
class ColumnScan:
    """Everything one pass keeps about one column."""

    name: str
    arrow_type: str
    rows: int = 0
    nulls: int = 0
    moments: Moments | None = None
    heavy: HeavyHitters = field(default_factory=lambda: HeavyHitters(TOP_K))
    hll: HyperLogLog = field(default_factory=HyperLogLog)
    ts_min: int | None = None
    ts_max: int | None = None
    ts_type: Any = None
    high_cardinality: bool = False  # top values given up (see HIGH_CARDINALITY); distinct from the sketch only

    def add(self, arr: pa.Array | pa.ChunkedArray) -> None:
        self.merge(summarise(arr, count=not self.high_cardinality))

    def merge(self, part: ColumnPart) -> None:
        """Take in the next batch's summary; batches must come in file order."""
        self.rows += part.rows
        self.nulls += part.nulls
        if part.moments is not None and part.moments.n:
            if self.moments is None:
                self.moments = Moments()
            self.moments.merge(part.moments)
        if part.ts_min is not None and part.ts_max is not None:
            lo, hi = part.ts_min, part.ts_max
            if self.ts_type is None:
                self.ts_type = part.ts_type
            elif part.ts_type != self.ts_type:  # files of one folder in other units: in this column's unit
                lo, hi = _temporal_ints_as(lo, hi, part.ts_type, self.ts_type)
            self.ts_min = lo if self.ts_min is None else min(self.ts_min, lo)
            self.ts_max = hi if self.ts_max is None else max(self.ts_max, hi)
        if part.registers is not None:
            self.hll.merge(part.registers)
        if part.too_many and not self.high_cardinality:
            self.high_cardinality = True
            self.heavy = HeavyHitters(TOP_K)
        if self.high_cardinality or part.counts is None:
            return
        self.heavy.merge(part.counts, part.counts_error)
        if self.heavy.pruned:
            estimate = self.hll.estimate()
            if estimate > HIGH_CARDINALITY and estimate > 0.1 * self.present:
                self.high_cardinality = True
                self.heavy = HeavyHitters(TOP_K)  # its counts would stop here; free them

    @property
    def present(self) -> int:
        return self.rows - self.nulls

    def temporal_range(self) -> tuple[Any, Any]:
        """The column's earliest and latest values as Python dates, datetimes or durations."""
        return temporal_value(self.ts_min, self.ts_type), temporal_value(self.ts_max, self.ts_type)

    @property
    def sketched(self) -> bool:
        """More distinct values than the summary holds: the distinct count is the sketch's."""
        return self.high_cardinality or self.heavy.pruned

    @property
    def distinct(self) -> int:
        if not self.sketched:
            return self.heavy.n_values
        return min(max(self.hll.estimate(), self.heavy.n_values), self.present)


def _temporal_ints(t: pa.DataType) -> pa.DataType:
    """The integer type a temporal type's values are stored as."""
    import pyarrow as pa

    return pa.int32() if t.bit_width == 32 else pa.int64()


def temporal_value(value: int | None, t: pa.DataType) -> Any:
    """A temporal column's stored integer as the Python value it stands for."""
    import pyarrow as pa

    if value is None:
        return None
    return pa.array([value], _temporal_ints(t)).view(t)[0].as_py()


def _temporal_ints_as(lo: int, hi: int, source: pa.DataType, target: pa.DataType) -> tuple[int, int]:
    import pyarrow as pa

    both = pa.array([lo, hi], _temporal_ints(source)).view(source).cast(target, safe=False)
    lo_t, hi_t = both.view(_temporal_ints(target)).to_pylist()
    return lo_t, hi_t


@dataclass
class Scan:
    """The result of one pass: the sample (as a loaded Table) and what was kept of every column."""

    table: Table
    columns: dict[str, ColumnScan]
    info: ScanInfo
    seconds: float
    sample_positions: Any = None  # numpy int64: the sample's row numbers in the file, ascending
    column_types: dict[str, Any] = field(default_factory=dict)  # CSV columns read with a wider type
    delimiter: str | None = None
    file_format: str | None = None


def scan_file(
    path: str,
    *,
    seed: int = 0,
    sample_rows: int | None = None,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
    delimiter: str | None = None,
    file_format: str | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Scan:
    """Read ``path`` once in record batches; see the module's docstring.

    A CSV column whose later blocks disagree with the type inferred from the
    first block (an integer column turning decimal, say) is typed more widely
    and the pass starts again, so one stray value never ends the run. A CSV is
    cut into parts that threads parse side by side (:mod:`advisor.csvparts`);
    when its quotes do not allow that, it is read again by one stream.
    """
    from threadpoolctl import threadpool_limits

    # BLAS threads would only spin, idle, on the cores the pass's own threads need. Set before pandas
    # starts importing (see _open_importing): looking up the loaded libraries waits behind its dlopen()s.
    with threadpool_limits(limits=1, user_api="blas"):
        return _scan_widening(path, seed=seed, sample_rows=sample_rows, memory_limit=memory_limit,
                              delimiter=delimiter, file_format=file_format, progress=progress,
                              should_stop=should_stop)


def _scan_widening(path: str, *, seed: int, sample_rows: int | None, memory_limit: int, delimiter: str | None,
                   file_format: str | None, progress: Progress | None, should_stop: Callable[[], bool] | None) -> Scan:
    """:func:`scan_file`, its pass started again until every CSV column has a type that holds all its values."""
    import pyarrow as pa

    from advisor.csvparts import Unsplittable

    widen: dict[str, Any] = {}
    names_widened: list[str] = []
    parts = True  # a CSV is cut into parts parsed side by side, unless its quotes rule that out
    first_cut = True  # rows far above the sample's share are passed over from the start (see FIRST_CUT_MARGIN)
    while True:
        stream = _open_importing(path, delimiter=delimiter, file_format=file_format, column_types=widen,
                                 parts=parts)
        try:
            scan = _scan(stream, seed=seed, sample_rows=sample_rows, memory_limit=memory_limit,
                         widened=names_widened, progress=progress, should_stop=should_stop, first_cut=first_cut)
            scan.column_types, scan.delimiter, scan.file_format = dict(widen), delimiter, file_format
            _note_undecodable(scan, widen)
            if not first_cut:
                scan.table.info.notes.append("read twice: rows further in were wider than the first part's, so the "
                                             "first pass's guess of how many rows the sample needed was too low")
            return scan
        except _FirstCutMissed:
            first_cut = False
        except Unsplittable:
            parts = False
        except pa.ArrowInvalid as exc:
            column, wider = _widen(exc, stream.schema, widen)
            if column is None and stream.parts is not None:
                parts = False  # a part cut at the wrong newline; the streaming reader will say what is wrong
                continue
            if column is None:
                from advisor.load import read_error

                raise read_error(Path(path), stream.info, exc) from exc
            widen[column] = wider
            if column not in names_widened:
                names_widened.append(column)
        finally:
            stream.close()


def _note_undecodable(scan: Scan, widen: dict[str, Any]) -> None:
    """Columns read as bytes because some rows past the sniffed head are not text in its encoding: said
    in the notes, unless the sample's load already said it (with counts)."""
    import pyarrow as pa

    from advisor.load import UNDECODABLE, undecodable_note

    as_bytes = [name for name, t in widen.items() if pa.types.is_binary(t)]
    notes = scan.table.info.notes
    if as_bytes and not any(n.startswith(UNDECODABLE) for n in notes):
        notes.append(undecodable_note(scan.table.info.encoding, as_bytes))


def _open_importing(path: str, **options: Any) -> BatchStream:
    """``open_batches(path, **options)``, pandas being imported meanwhile on a thread of its own (the
    first time: later it is imported already).

    pandas is first needed when the pass is over, to turn the sample into a
    DataFrame; its import holds the interpreter's lock most of its half a
    second or more, while opening a CSV (its first part parsed in Arrow's
    native code) and the parts parsed after it mostly do not. So nothing waits
    for the import but that first use: ``import pandas`` there blocks until
    the import thread is done, and raises what it raised.
    """
    import sys
    import threading

    from advisor.load import open_batches

    if "pandas" not in sys.modules:
        # What opening needs is imported here first, so that this thread never waits on a module the
        # other is half-way through importing. The summaries' pyarrow.compute (a tenth of a second to
        # import) is imported there, before pandas, while the first part parses.
        import numpy  # noqa: F401
        import pyarrow.csv  # noqa: F401

        threading.Thread(target=_import_pandas, name="advisor-import-pandas").start()
    return open_batches(path, **options)


def _import_pandas() -> None:
    import contextlib
    import importlib

    # A failed import is left to the pass's own import to raise again, on its own thread.
    with contextlib.suppress(BaseException):
        for name in ("pyarrow.compute", "pandas"):  # in this order: the first parts' summaries need the first
            importlib.import_module(name)


def _widen(exc: Exception, schema: pa.Schema, widen: dict[str, Any]) -> tuple[str | None, Any]:
    """The column named by a CSV conversion error and the next wider type to read it as."""
    import pyarrow as pa

    m = re.search(r"column #(\d+)", str(exc))
    if not m or int(m.group(1)) >= len(schema):
        return None, None
    name = schema.names[int(m.group(1))]
    current = widen.get(name, schema.field(name).type)
    if pa.types.is_string(current) or pa.types.is_large_string(current):
        # bytes that are not UTF-8 further down: read the column as bytes (shown with U+FFFD)
        return (name, pa.binary()) if "invalid UTF8" in str(exc) else (None, None)
    if pa.types.is_integer(current) or pa.types.is_null(current):
        return name, pa.float64()
    return name, pa.string()


class _FirstCutMissed(Exception):
    """The first cut let fewer rows through than the sample holds: the pass must be made without it."""


def _scan(stream: BatchStream, *, seed: int, sample_rows: int | None, memory_limit: int, widened: list[str],
          progress: Progress | None, should_stop: Callable[[], bool] | None, first_cut: bool = True) -> Scan:
    t0 = time.perf_counter()
    stop = should_stop or (lambda: False)
    pool = ThreadPoolExecutor(max_workers=SCAN_THREADS)
    offsets = RowOffsets()
    try:
        return _scan_batches(stream, pool, offsets, t0, stop, seed, sample_rows, memory_limit, widened, progress,
                             first_cut)
    finally:
        offsets.abort()  # a worker still waiting for an earlier batch's row count gives up
        pool.shutdown(wait=True, cancel_futures=True)


class RowOffsets:
    """Where each batch starts in the file: known to a worker once every earlier batch has been read.

    Workers take batches in submission order (the pool's queue is first in,
    first out), and each says how many rows it holds as soon as it has read
    them, before it waits for its own start; so every wait ends.
    """

    class Aborted(Exception):
        """The pass stopped while a worker waited."""

    def __init__(self) -> None:
        import threading

        self._cond = threading.Condition()
        self._rows: dict[int, int] = {}  # row counts said out of order, not yet added up
        self._starts = [0]  # _starts[k]: where batch k starts, for every batch whose predecessors all said
        self._aborted = False

    def publish(self, index: int, rows: int) -> None:
        with self._cond:
            self._rows[index] = rows
            while len(self._starts) - 1 in self._rows:
                self._starts.append(self._starts[-1] + self._rows.pop(len(self._starts) - 1))
            self._cond.notify_all()

    def start_of(self, index: int) -> int:
        with self._cond:
            while len(self._starts) <= index and not self._aborted:
                self._cond.wait()
            if len(self._starts) <= index:
                raise RowOffsets.Aborted()
            return self._starts[index]

    def abort(self) -> None:
        with self._cond:
            self._aborted = True
            self._cond.notify_all()


def _work(make: Callable[[], pa.RecordBatch], index: int, offsets: RowOffsets, seed: int, cut: float,
          uncounted: frozenset[int]) -> tuple[tuple[Any, ...], list[ColumnPart]]:
    """One batch, read (or parsed) and summarised column by column, and its rows that may join the
    sample: the part of the pass done on any thread. ``cut`` and ``uncounted`` are the state of the
    merge when the batch was handed out; they only save work (see ColumnScan.merge, BottomN)."""
    import pyarrow as pa

    from advisor.load import _flatten_nested, candidates

    try:
        batch = make()
    except BaseException:
        offsets.publish(index, 0)  # later batches must not wait for this one; the error ends the pass
        raise
    offsets.publish(index, batch.num_rows)
    if any(pa.types.is_nested(f.type) for f in batch.schema):
        batch = _flatten_nested(pa.Table.from_batches([batch]), None).combine_chunks().to_batches()[0]
    parts = [summarise(col, count=i not in uncounted) for i, col in enumerate(batch.columns)]
    return candidates(batch, offsets.start_of(index), seed, cut), parts


def _scan_batches(stream: BatchStream, pool: ThreadPoolExecutor, offsets: RowOffsets, t0: float,
                  stop: Callable[[], bool], seed: int, sample_rows: int | None, memory_limit: int,
                  widened: list[str], progress: Progress | None, first_cut: bool) -> Scan:
    """Batches are read, summarised and sampled on the pool's threads, a few ahead, and taken in
    strictly in file order on this one (the merges, the sample's bookkeeping), so the result never
    depends on the timing."""
    from collections import deque

    from advisor.load import BottomN, Table, _to_pandas

    sampler: BottomN | None = None
    columns: list[ColumnScan] = []
    names: list[str] = []
    rows = batches = 0
    last_report = 0.0
    makers = stream.parts if stream.parts is not None else ((lambda b=b: b) for b in stream.batches)
    pending: deque[Any] = deque()

    def take_in(sampled: tuple[Any, ...], parts: list[ColumnPart]) -> None:
        nonlocal sampler, columns, names, rows, batches
        kept = sampled[0]
        if sampler is None:
            size = sample_rows or _sample_size(kept, memory_limit)
            rows_ahead = stream.estimated_rows if first_cut else None
            cut = FIRST_CUT_MARGIN * size / rows_ahead if rows_ahead else 1.0
            sampler = BottomN(size, seed, cut=min(cut, 1.0))
            names = [n if n.strip() else f"column_{i + 1}" for i, n in enumerate(kept.schema.names)]
            if len(set(names)) != len(names):
                dup = next(x for x in names if names.count(x) > 1)
                raise InputError(f"{stream.info.file_name}: the column name '{dup}' appears more than once; "
                                 f"rename the duplicates")
            columns = [ColumnScan(name, str(kept.schema.field(i).type)) for i, name in enumerate(names)]
        sampler.add_candidates(*sampled)
        for acc, part in zip(columns, parts, strict=True):
            acc.merge(part)
        rows += sampled[3]
        batches += 1

    for index, make in enumerate(makers):
        if stop():
            raise Cancelled("profiling was cancelled")
        uncounted = frozenset(i for i, acc in enumerate(columns) if acc.high_cardinality)
        cut = sampler.cut if sampler is not None else 1.0
        pending.append(pool.submit(_work, make, index, offsets, seed, cut, uncounted))
        while pending and (len(pending) > SCAN_THREADS or pending[0].done()):
            take_in(*pending.popleft().result())
        now = time.perf_counter()
        if progress and now - last_report > 0.2:
            last_report = now
            rate = rows / max(now - t0, 1e-9)
            progress(f"read {rows:,} rows · {rate:,.0f} rows/s", min(stream.fraction(), 1.0))
    while pending:
        if stop():
            raise Cancelled("profiling was cancelled")
        take_in(*pending.popleft().result())
    if progress:
        progress(f"read {rows:,} rows · {rows / max(time.perf_counter() - t0, 1e-9):,.0f} rows/s", 1.0)
    if sampler is None or rows == 0:
        raise InputError(f"{stream.info.file_name}: has a header row but no data rows; export the table again "
                         f"with its data")
    if sampler.missed:
        raise _FirstCutMissed()
    sample = sampler.result()
    info = stream.info
    info.rows_in_file = rows
    frame = _to_pandas(sample, info)
    info.rows_loaded = len(frame)
    info.is_sample = len(frame) < rows
    info.sample_seed = seed
    scan_info = ScanInfo(
        rows=rows, batches=batches, sample_rows=len(frame), sample_seed=seed, memory_limit_bytes=memory_limit,
        quantile_rank_error=round(dkw_epsilon(len(frame)), 5),
        distinct_relative_error=round(HyperLogLog().relative_error, 5), top_values_k=TOP_K,
        widened_columns=list(widened), exact=list(EXACT_STATS), from_sample=list(SAMPLE_STATS),
    )
    streamed = (f"streamed all {rows:,} rows in {batches:,} batch{'es' if batches != 1 else ''} within a "
                f"{memory_limit / 1024**2:,.0f} MB setting")
    if len(frame) >= rows:
        info.notes.append(f"{streamed}; every row fits in the sample, so every figure is exact")
    else:
        info.notes.append(
            f"{streamed}: counts, missing values, min/max/mean/std and top values are over every row; kinds, "
            f"quantiles (within {scan_info.quantile_rank_error:.2%} of rank, 99% confidence), correlations, "
            f"leakage and duplicates come from a uniform sample of {len(frame):,} rows (seed {seed}); distinct "
            f"counts above {TOP_K:,} are estimates (HyperLogLog, ±{scan_info.distinct_relative_error:.1%})"
        )
    if widened:
        info.notes.append(f"read again with wider types after a later block disagreed: {', '.join(widened)}")
    return Scan(table=Table(frame=frame, info=info), columns=dict(zip(names, columns, strict=True)), info=scan_info,
                seconds=time.perf_counter() - t0, sample_positions=sampler.positions)


def _sample_size(batch: pa.RecordBatch, memory_limit: int) -> int:
    """Rows of sample that fit in a quarter of the memory setting, judged from the first batch's width."""
    per_row = max(batch.nbytes / max(batch.num_rows, 1), 8.0) * 3  # a DataFrame holds about 3x Arrow's bytes
    fits = int(memory_limit * SAMPLE_MEMORY_SHARE / per_row)
    return max(MIN_SAMPLE_ROWS, min(MAX_SAMPLE_ROWS, fits))


# ------------------------------------------------------------------ applying the pass to a profile


def apply_scan_columns(columns: list[ColumnProfile], scan: Scan, top_n: int) -> None:
    """Replace the sample's counts with the whole pass's, marking what is estimated."""
    from advisor.profile.stats import clean_float

    whole = scan.info.sample_rows >= scan.info.rows  # every row is in the sample: its counts are exact
    for col in columns:
        acc = scan.columns.get(col.name)
        if acc is None:
            continue
        col.n_missing = acc.nulls
        col.missing_share = clean_float(acc.nulls / max(acc.rows, 1), 4) or 0.0
        approx = _apply_counts(col, acc, top_n, whole)
        if col.numeric is not None and acc.moments is not None and acc.moments.n:
            m = acc.moments
            num = col.numeric
            num.min, num.max, num.mean = clean_float(m.min), clean_float(m.max), clean_float(m.mean)
            num.std = clean_float(m.std)
            num.zero_share = clean_float(m.zeros / m.n, 4) or 0.0
            num.negative_share = clean_float(m.negatives / m.n, 4) or 0.0
            num.min_positive = clean_float(m.min_positive)
            if not whole:
                approx.append("quantiles")
                _apply_sentinels(num, acc)
        if acc.ts_min is not None and col.datetime_min is not None:
            col.datetime_min, col.datetime_max = (_iso(v) for v in acc.temporal_range())
        col.approximate = approx


def _apply_sentinels(num: Any, acc: ColumnScan) -> None:
    """Missing-value codes found in the sample, counted by the pass where it kept their counts (else
    the sample's shares, scaled to the whole table)."""
    from advisor.profile.model import TopValue
    from advisor.profile.stats import clean_float

    if not num.sentinels:
        return
    present = acc.present
    exact = None if acc.high_cardinality or acc.heavy.pruned else {
        float(v): int(c) for v, c in acc.heavy.top(acc.heavy.n_values)}
    rows = [exact.get(float(v.value), 0) if exact is not None else round(v.share * present) for v in num.sentinels]
    num.sentinels = [TopValue(v.value, n, clean_float(n / max(present, 1)) or 0.0)
                     for v, n in zip(num.sentinels, rows, strict=True)]


def _apply_counts(col: ColumnProfile, acc: ColumnScan, top_n: int, whole: bool) -> list[str]:
    """The pass's distinct count and top values in place of the sample's; the fields left estimated.
    When every row is in the sample (``whole``), the sample's counts are exact where the sketches'
    are not, and a sketched column keeps them."""
    from advisor.profile.model import TopValue
    from advisor.profile.stats import clean_float, format_value

    if whole and acc.sketched:
        return []
    present = acc.present
    col.n_distinct = acc.distinct
    col.distinct_share = clean_float(col.n_distinct / present, 4) or 0.0 if present else 0.0
    if acc.high_cardinality:  # the sample's shares, scaled to the whole table
        col.top_values = [TopValue(t.value, round(t.share * present), t.share) for t in col.top_values]
        return ["n_distinct", "top_values"]
    col.top_values = [TopValue(format_value(v), int(c), clean_float(c / present) or 0.0)
                      for v, c in acc.heavy.top(top_n)] if present else []
    if acc.heavy.pruned:
        col.top_values_max_error = acc.heavy.max_error
        return ["n_distinct", "top_values"]
    return []


def _iso(value: Any) -> str:
    return str(value.isoformat()) if hasattr(value, "isoformat") else str(value)


def apply_scan_target(target: TargetProfile | None, scan: Scan) -> None:
    """Class counts of the whole pass (when exact), and the target's missing count."""
    from advisor.profile.model import ClassCount
    from advisor.profile.stats import clean_float, format_value

    if target is None or target.name not in scan.columns:
        return
    acc = scan.columns[target.name]
    target.n_missing = acc.nulls
    if target.n_classes is None or acc.heavy.pruned or acc.high_cardinality:
        return
    counts = acc.heavy.top(acc.heavy.n_values)
    total = sum(c for _, c in counts) or 1
    target.classes = [ClassCount(format_value(v), int(c), clean_float(c / total, 4) or 0.0) for v, c in counts]
    target.n_classes = len(target.classes)
    values = [c.count for c in target.classes]
    target.imbalance_ratio = clean_float(max(values) / min(values), 4)
    target.minority_share = clean_float(min(values) / total, 4)


def apply_scan_table(stats: TableStats, columns: list[ColumnProfile], scan: Scan) -> None:
    """Rows and missing cells of the whole pass; memory scaled up from the sample."""
    from advisor.profile.stats import clean_float

    rows = scan.info.rows
    sample_rows = max(stats.n_rows, 1)
    stats.memory_bytes = int(stats.memory_bytes * rows / sample_rows)
    stats.n_rows = rows
    stats.n_rows_in_file = rows
    stats.n_missing_cells = sum(c.n_missing for c in columns)
    stats.missing_share = clean_float(stats.n_missing_cells / max(rows * max(stats.n_columns, 1), 1), 4) or 0.0
    stats.is_sample = False
