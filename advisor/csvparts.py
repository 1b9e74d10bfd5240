"""Cut a CSV file into parts that end on record boundaries, so threads can parse them side by side.

pyarrow's streaming CSV reader parses one block after another; its whole-file
``read_csv`` is parallel but holds the whole table (and its text) in memory at
once. A streamed profile wants both: bounded memory and both cores busy. So
the file is read in blocks of ``STREAM_BLOCK_BYTES`` on one thread, each block
is cut after its last complete record, and every part is parsed on its own by
whichever worker takes it (:func:`parse_part`), with the column names and
types fixed from the first part, as the streaming reader fixes them from its
first block.

A newline ends a record when an even number of quote characters comes before
it in the part: with RFC 4180 quoting (a quote inside a quoted field is
doubled) every quoted field holds an even number of them. A file where that
does not hold (a lone quote inside an unquoted field, an encoding in which a
newline is not the byte 0x0A) is read by the streaming reader instead: see
:class:`Unsplittable`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

# A part that finds no record boundary in this many blocks means the quotes do not pair up.
MAX_BLOCKS_PER_PART = 8
CARRY_ROOM = 1 << 20  # a reused buffer holds a block and this much of the record carried over from the last
PARSE_BLOCK = 1 << 20  # pyarrow's block size inside a part
# Quotes are counted this many bytes at a time: the comparison stays in the cache, and a part takes few
# numpy calls (each gives the interpreter's lock away, and the thread cutting parts waits to get it back
# while pandas imports beside the pass); as quick as a megabyte at a time.
COUNT_CHUNK = 1 << 22


class Unsplittable(Exception):
    """The file cannot be cut at record boundaries by counting quotes; read it in one stream."""


def ascii_compatible(encoding: str) -> bool:
    """Whether newline, quote and the delimiters are single ASCII bytes in this encoding."""
    try:
        return "\n\",;\t|".encode(encoding) == b"\n\",;\t|"
    except (LookupError, UnicodeError):
        return False


def record_end(data: bytes | bytearray, quote: bytes = b'"', end: int | None = None) -> int:
    """The length of the longest prefix of ``data[:end]`` that ends with a complete record (0 if none).

    ``data`` starts at a record boundary; a newline closes a record when the
    quotes before it pair up.
    """
    end = len(data) if end is None else end
    pos = data.rfind(b"\n", 0, end)
    if pos < 0:
        return 0
    quotes = count_byte(data, quote, pos)
    while pos >= 0 and quotes % 2:
        prev = data.rfind(b"\n", 0, pos)
        quotes -= data.count(quote, prev + 1, pos)
        pos = prev
    return pos + 1


def count_byte(data: bytes | bytearray, byte: bytes, end: int) -> int:
    """How many times the single byte ``byte`` occurs in ``data[:end]``.

    numpy's vectorised comparison, ``COUNT_CHUNK`` bytes at a time, is about
    four times quicker than ``bytes.count`` on a large block: this runs on the
    thread that cuts every part, ahead of all the parsing.
    """
    if end < 1 << 16:  # a small block: one call beats numpy's setup
        return data.count(byte, 0, end)
    import numpy as np

    values = np.frombuffer(data, dtype=np.uint8, count=end)
    code = ord(byte)
    hits = np.empty(COUNT_CHUNK, dtype=bool)
    total = 0
    for start in range(0, end, COUNT_CHUNK):
        chunk = values[start:start + COUNT_CHUNK]
        out = hits[:len(chunk)]
        np.equal(chunk, code, out=out)
        total += int(np.count_nonzero(out))
    return total


class Buffers:
    """Byte buffers of one size, handed back once their part is parsed and handed out again.

    A fresh 16 MB buffer per part costs thousands of page faults (slow in a
    virtual machine); a pass reuses a few. Thread-safe: parts are parsed on
    any thread.
    """

    def __init__(self, size: int) -> None:
        import queue

        self.size = size
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()

    def take(self, size: int) -> bytearray:
        import queue

        if size <= self.size:
            try:
                return self._free.get_nowait()
            except queue.Empty:
                return bytearray(self.size)
        return bytearray(size)

    def give_back(self, view: memoryview) -> None:
        """Hand back the buffer under ``view`` (no view of it may be used afterwards)."""
        buf = view.obj
        try:
            view.release()
        except BufferError:  # something still holds the bytes (pyarrow kept a view of them): not reused
            return
        if isinstance(buf, bytearray) and len(buf) == self.size:
            self._free.put(buf)


def split_records(source: Any, block_bytes: int, quote: bytes = b'"',
                  buffers: Buffers | None = None) -> Iterator[memoryview]:
    """Parts of the byte stream ``source``, each about ``block_bytes`` long, each ending on a record boundary.

    Each part is a view of a buffer of its own (the unfinished record carried
    over from the last part, then the next block read straight in after it),
    taken from ``buffers`` when given: hand it back there once parsed.
    """
    buffers = buffers or Buffers(block_bytes + CARRY_ROOM)
    carry = b""
    while True:
        buf = buffers.take(len(carry) + block_bytes)
        buf[:len(carry)] = carry
        got = _read_into(source, memoryview(buf)[len(carry):len(carry) + block_bytes])
        end = len(carry) + got
        if got == 0:
            if carry:
                yield memoryview(buf)[:len(carry)]
            return
        cut = record_end(buf, quote, end)
        if cut == 0:
            if end > MAX_BLOCKS_PER_PART * block_bytes:
                raise Unsplittable("no record boundary found: the quotes do not pair up")
            carry = bytes(buf[:end])
            continue
        carry = bytes(buf[cut:end])  # copied out, so the part's buffer is the part's alone
        yield memoryview(buf)[:cut]


def _read_into(source: Any, view: memoryview) -> int:
    """Fill ``view`` from ``source`` as far as it goes (short only at the end of the stream)."""
    filled = 0
    while filled < len(view):
        n = source.readinto(view[filled:])
        if not n:
            break
        filled += n
    return filled


def parse_part(
    data: bytes | memoryview,
    *,
    names: list[str] | None,
    encoding: str,
    parse_options: Any,
    convert_options: Any,
    threads: bool = False,
) -> pa.Table:
    """One part as an Arrow table. ``names`` is None for the first part, whose first line is the header."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # Blocks of a megabyte parse faster than one of the whole part (they stay in the cache).
    read_options = pacsv.ReadOptions(encoding=encoding, use_threads=threads, block_size=PARSE_BLOCK,
                                     column_names=names or [])
    return pacsv.read_csv(pa.py_buffer(data), read_options=read_options, parse_options=parse_options,
                          convert_options=convert_options)


def part_makers(
    parts: Iterator[memoryview],
    names: list[str],
    *,
    encoding: str,
    parse_options: Any,
    convert_options: Any,
    buffers: Buffers | None = None,
) -> Iterator[Callable[[], pa.RecordBatch]]:
    """For every part after the first, a function that parses it with the first part's ``names`` (and
    the types fixed in ``convert_options``), then hands its buffer back to ``buffers``."""
    for data in parts:
        def make(data: memoryview = data) -> pa.RecordBatch:
            try:
                return one_batch(parse_part(data, names=names, encoding=encoding, parse_options=parse_options,
                                            convert_options=convert_options))
            finally:
                if buffers is not None:
                    buffers.give_back(data)
        yield make


def one_batch(table: pa.Table) -> pa.RecordBatch:
    """The table's rows as one record batch."""
    import pyarrow as pa

    batches = table.combine_chunks().to_batches()
    if batches:
        return batches[0]
    return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in table.schema], schema=table.schema)
