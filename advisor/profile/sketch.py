"""Mergeable summaries for one pass over a table in record batches, in bounded memory.

* :class:`Moments`: exact count, min, max, mean and variance (Chan's parallel
  update), zeros, negatives and the smallest positive value.
* :class:`HeavyHitters`: the Misra-Gries summary of at most ``k`` values, kept as
  an Arrow table and merged batch by batch with Arrow's group-by. While a column
  has at most ``k`` distinct values its counts are exact; after that every
  count is under by at most ``max_error`` (which is at most ``rows / (k + 1)``).
* :class:`HyperLogLog`: distinct count with relative standard error
  ``1.04 / sqrt(2 ** p)`` (0.81 % for p = 14), from a fixed 64-bit hash, so
  the estimate is the same on every run. Registers of separate batches merge
  by their maximum, in any order.

Everything here is deterministic: the same batches give the same summaries.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

HLL_P = 14
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_GOLDEN = 0x9E3779B97F4A7C15


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser over uint64 values: a fixed, well-spread 64-bit hash."""
    import numpy as np

    with np.errstate(over="ignore"):
        z = x.astype(np.uint64, copy=True)
        z += np.uint64(_GOLDEN)
        z ^= z >> np.uint64(30)
        z *= np.uint64(_M1)
        z ^= z >> np.uint64(27)
        z *= np.uint64(_M2)
        z ^= z >> np.uint64(31)
    return z


def hash_values(values: pa.Array) -> np.ndarray:
    """64-bit hashes of the non-null values of an Arrow array (numbers by value, text by content)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = values.drop_null() if values.null_count else values
    t = values.type
    if pa.types.is_dictionary(t):
        values = values.cast(t.value_type)
        t = values.type
    if pa.types.is_floating(t):
        arr = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        arr = np.where(arr == 0.0, 0.0, arr)  # -0.0 and 0.0 are one value
        return mix64(arr.view(np.uint64))
    if pa.types.is_integer(t) or pa.types.is_temporal(t) or pa.types.is_boolean(t):
        if pa.types.is_temporal(t):
            width = pa.int32() if t.bit_width == 32 else pa.int64()
            values = values.view(width) if hasattr(values, "view") else pc.cast(values, width)
        arr = values.cast(pa.int64()).to_numpy(zero_copy_only=False)
        return mix64(arr.view(np.uint64))
    if not (pa.types.is_string(t) or pa.types.is_binary(t) or pa.types.is_large_string(t)
            or pa.types.is_large_binary(t)):
        values = values.cast(pa.large_string())
    return hash_bytes(values)


LONG_VALUE_BYTES = 32  # from this mean length, values are hashed in order of their length (see hash_bytes)


def hash_bytes(values: pa.Array) -> np.ndarray:
    """64-bit hashes of the contents of a string or binary array without nulls, from its Arrow buffers.

    Eight bytes at a time across all values at once: each step folds the next
    word of every value still that long into its running hash with an
    invertible mix, so values of the same length differ in hash whenever they
    differ in a word; the length seeds the hash and splitmix64 finishes it.

    Long values (free text) are first put in order of their word count, longest
    first, so the values still being hashed at each step are the leading ones:
    every step works on contiguous slices instead of gathering and scattering
    by index, about 1.5x quicker. The hashes are the same either way.
    """
    import numpy as np
    import pyarrow as pa

    n = len(values)
    offsets = _offsets(values)
    if n and (offsets[-1] - offsets[0]) / n >= LONG_VALUE_BYTES:
        words = (np.diff(offsets) + 7) >> 3
        # numpy's stable sort of 16-bit integers is a radix sort: the usual word counts fit
        words = words.astype(np.int16 if words.max() < 1 << 15 else np.int64)
        order = np.argsort(-words, kind="stable")
        h = np.empty(n, dtype=np.uint64)
        h[order] = _fold_by_length(values.take(pa.array(order)), -words[order])
        return mix64(h)
    return mix64(_fold_in_place(values, offsets))


def _offsets(values: pa.Array) -> np.ndarray:
    """Where each value starts in the data buffer, and where the last ends (n + 1 entries, as int64)."""
    import numpy as np
    import pyarrow as pa

    large = pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type)
    raw = np.frombuffer(values.buffers()[1], dtype=np.int64 if large else np.int32)
    return raw[values.offset:values.offset + len(values) + 1].astype(np.int64)


def _words(values: pa.Array, offsets: np.ndarray) -> np.ndarray:
    """``words[i]``: the little-endian 64-bit word starting at byte ``i`` of the values' data (zero past it)."""
    import numpy as np

    base, end = (int(offsets[0]), int(offsets[-1])) if len(values) else (0, 0)
    buffer = values.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8)[base:end] if buffer is not None else np.empty(0, np.uint8)
    padded = np.zeros(len(data) + 8, dtype=np.uint8)
    padded[:len(data)] = data
    return np.ndarray(shape=(len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))  # unaligned reads


def _mix_word(h: np.ndarray, word: np.ndarray) -> np.ndarray:
    import numpy as np

    x = (h ^ word) * np.uint64(_M1)
    x ^= x >> np.uint64(29)
    return x


def _fold_in_place(values: pa.Array, offsets: np.ndarray) -> np.ndarray:
    """The running hashes, before the finish, with the values in their own order."""
    import numpy as np

    words = _words(values, offsets)
    starts = offsets[:-1] - offsets[0]
    lengths = np.diff(offsets)
    with np.errstate(over="ignore"):
        h = mix64(lengths.astype(np.uint64))
        active = np.flatnonzero(lengths > 0)
        step = 0
        while active.size:
            left = lengths[active] - step
            word = words[starts[active] + step]
            short = left < 8
            if short.any():
                word[short] &= np.uint64(0xFFFFFFFFFFFFFFFF) >> ((8 - left[short]) * 8).astype(np.uint64)
            h[active] = _mix_word(h[active], word)
            step += 8
            active = active[left > 8]
    return h


def _fold_by_length(values: pa.Array, minus_words: np.ndarray) -> np.ndarray:
    """The running hashes of values in order of their word count, longest first (``minus_words``:
    minus each value's count of 8-byte words, ascending): at step ``w`` the first values with more
    than ``w`` words are folded, and those whose last word it is are masked to their bytes."""
    import numpy as np

    offsets = _offsets(values)
    words = _words(values, offsets)
    starts = offsets[:-1] - offsets[0]
    lengths = np.diff(offsets)
    with np.errstate(over="ignore"):
        h = mix64(lengths.astype(np.uint64))
        step = 0
        active = int(np.searchsorted(minus_words, 0, "left"))  # values with at least one word
        while active:
            word = words[starts[:active] + 8 * step]
            longer = int(np.searchsorted(minus_words, -(step + 1), "left"))  # still going after this word
            left = lengths[longer:active] - 8 * step  # 1 to 8 bytes in their last word
            word[longer:active] &= np.uint64(0xFFFFFFFFFFFFFFFF) >> ((8 - left) * 8).astype(np.uint64)
            h[:active] = _mix_word(h[:active], word)
            step += 1
            active = longer
    return h


def registers_of(h: np.ndarray, p: int = HLL_P) -> np.ndarray:
    """The HyperLogLog registers of a set of 64-bit hashes: per bucket (the low ``p`` bits), the
    highest rank (leading zeros of the other bits, plus one) seen."""
    import numpy as np

    registers = np.zeros(1 << p, dtype=np.uint8)
    if not len(h):
        return registers
    idx = (h & np.uint64((1 << p) - 1)).astype(np.intp)
    w = h >> np.uint64(p)  # the remaining 64 - p bits
    # rank = leading zeros within the 64 - p bits, plus one; frexp gives the bit length.
    bits = np.frexp(w.astype(np.float64))[1].astype(np.int16)
    rank = (64 - p - bits + 1).astype(np.uint8)
    np.maximum.at(registers, idx, rank)
    return registers


class HyperLogLog:
    """Flajolet et al.'s estimator with the small-range (linear counting) correction."""

    def __init__(self, p: int = HLL_P) -> None:
        import numpy as np

        self.p = p
        self.m = 1 << p
        self.registers = np.zeros(self.m, dtype=np.uint8)

    @property
    def relative_error(self) -> float:
        return 1.04 / math.sqrt(self.m)

    def add_hashes(self, h: np.ndarray) -> None:
        self.merge(registers_of(h, self.p))

    def merge(self, registers: np.ndarray) -> None:
        """Take in another sketch's registers (of the same ``p``): the union of the two sets of values."""
        import numpy as np

        np.maximum(self.registers, registers, out=self.registers)

    def estimate(self) -> int:
        import numpy as np

        m = self.m
        alpha = 0.7213 / (1 + 1.079 / m)
        raw = alpha * m * m / float(np.sum(np.ldexp(1.0, -self.registers.astype(np.int32))))
        zeros = int(np.count_nonzero(self.registers == 0))
        if raw <= 2.5 * m and zeros:
            return round(m * math.log(m / zeros))
        return round(raw)


class HeavyHitters:
    """Misra-Gries over Arrow batches: the values seen most often, with a bound on their undercount."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.table: pa.Table | None = None  # columns "values", "counts"
        self.max_error = 0  # every kept count is under its true count by at most this
        self.pruned = False  # once true, values outside the summary may exist

    @staticmethod
    def count(values: pa.Array) -> pa.Table:
        """One batch's non-null values and how often each occurs (columns "values", "counts")."""
        import pyarrow as pa
        import pyarrow.compute as pc

        values = values.drop_null() if values.null_count else values
        if pa.types.is_integer(values.type) and len(values) > 1000:
            counted = _count_small_range(values)
            if counted is not None:
                return counted
        vc = pc.value_counts(values)
        return pa.table({"values": vc.field("values"), "counts": vc.field("counts").cast(pa.int64())})

    @staticmethod
    def prune(counts: pa.Table, k: int) -> tuple[pa.Table, int]:
        """The Misra-Gries summary of ``counts`` with at most ``k`` values, and how much it took off each count.

        Summaries merge (Agarwal et al., "Mergeable summaries", 2012): summing
        two and pruning again undercounts by at most the sum of the cuts, which
        stays under ``rows / (k + 1)``. So a batch can be pruned on its own
        thread before it is merged in order.
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if counts.num_rows <= k:
            return counts, 0
        values = counts.column("counts").to_numpy()
        nth = counts.num_rows - k - 1
        cut = int(np.partition(values, nth)[nth])  # the (k+1)-th largest count
        kept = counts.filter(pa.array(values > cut))
        return kept.set_column(1, "counts", pc.subtract(kept.column("counts"), pa.scalar(cut, pa.int64()))), cut

    def add(self, values: pa.Array) -> None:
        """Count one batch's non-null values."""
        self.merge(self.count(values))

    def merge(self, batch: pa.Table, error: int = 0) -> None:
        """Take in one batch's counts (from :meth:`count`, or a summary of them from :meth:`prune`,
        each count under by at most ``error``); batches must come in the same order every run."""
        if error:
            self.max_error += error
            self.pruned = True
        if not batch.num_rows:
            return
        merged = batch if self.table is None else _sum_counts(self.table, batch)
        self.table, cut = self.prune(merged, self.k)
        if cut:
            self.max_error += cut
            self.pruned = True

    @property
    def n_values(self) -> int:
        return 0 if self.table is None else self.table.num_rows

    def top(self, n: int) -> list[tuple[Any, int]]:
        """The ``n`` values with the highest kept counts, ties broken by value order (deterministic)."""
        if self.table is None or not self.table.num_rows:
            return []
        sorted_ = self.table.sort_by([("counts", "descending"), ("values", "ascending")]).slice(0, n)
        return list(zip(sorted_.column("values").to_pylist(), sorted_.column("counts").to_pylist(), strict=True))


def _sum_counts(a: pa.Table, b: pa.Table) -> pa.Table:
    """Two value-count tables as one, the counts of a value in both added up (in first-seen order)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    both = pa.concat_tables([a, b], promote_options="permissive")
    encoded = pc.dictionary_encode(both.column("values").combine_chunks())
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    sums = np.bincount(codes, weights=both.column("counts").to_numpy(), minlength=len(encoded.dictionary))
    return pa.table({"values": encoded.dictionary, "counts": pa.array(sums.astype(np.int64))})


def _count_small_range(values: pa.Array) -> pa.Table | None:
    """Integer values spanning fewer than 65,536 numbers counted with a histogram (several times
    faster than hashing them); None for a wider range."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    mm = pc.min_max(values)
    lo, hi = mm["min"].as_py(), mm["max"].as_py()
    if hi - lo >= 1 << 16:
        return None
    arr = values.to_numpy(zero_copy_only=False)
    # Each value's distance from the smallest, in 64 bits: in the column's own type an int8 column
    # spanning -100 to 100 would wrap around (and a uint64 near 2**64 does not fit an int64).
    wide = np.uint64 if arr.dtype.kind == "u" else np.int64
    counts = np.bincount((arr.astype(wide) - wide(lo)).astype(np.intp), minlength=hi - lo + 1)
    seen = np.flatnonzero(counts)
    distinct = seen.astype(wide) + wide(lo)
    return pa.table({"values": pa.array(distinct, type=values.type), "counts": pa.array(counts[seen], pa.int64())})


class Moments:
    """Exact running count, min, max, mean and spread, merged batch by batch (Chan et al.).

    The sum of squared deviations is kept relative to the largest magnitude
    seen (``m2s = M2 / scale**2``), so values near 1e300 never overflow.
    """

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2s = 0.0
        self.scale = 0.0
        self.min: float | None = None
        self.max: float | None = None
        self.zeros = 0
        self.negatives = 0
        self.min_positive: float | None = None

    @classmethod
    def of(cls, arr: np.ndarray) -> Moments:
        """The moments of one batch of values (non-finite ones are left out), in as few passes as it takes."""
        import numpy as np

        m = cls()
        finite = np.isfinite(arr)
        if not finite.all():
            arr = arr[finite]
        if not len(arr):
            return m
        lo, hi = float(arr.min()), float(arr.max())
        m.scale = max(abs(lo), abs(hi)) or 1.0
        # No np.dot for the sum of squares: it calls BLAS, whose idle threads spin on the cores the
        # scan's own threads need.
        if m.scale * len(arr) < 1e290:  # the sums cannot overflow: no scaled copy needed
            mean = float(arr.mean())
            dev = arr - mean
            m.m2s = float(np.square(dev, out=dev).sum()) / (m.scale * m.scale)
            m.mean = mean
        else:
            dev = arr / m.scale
            mean_s = float(dev.mean())
            dev -= mean_s
            m.m2s = float(np.square(dev, out=dev).sum())
            m.mean = mean_s * m.scale
        m.n = len(arr)
        m.min, m.max = lo, hi
        if lo > 0:  # the usual case for a measurement: nothing to count
            m.min_positive = lo
            return m
        m.negatives = int(np.count_nonzero(arr < 0)) if lo < 0 else 0
        m.zeros = int(np.count_nonzero(arr == 0))
        if hi > 0:
            m.min_positive = float(np.min(arr, where=arr > 0, initial=np.inf))
        return m

    def add(self, arr: np.ndarray) -> None:
        self.merge(Moments.of(arr))

    def merge(self, other: Moments) -> None:
        """Take in another batch's moments (Chan et al.'s pairwise update, in a common scale)."""
        if not other.n:
            return
        scale = max(self.scale, other.scale) or 1.0
        self.zeros += other.zeros
        self.negatives += other.negatives
        if other.min_positive is not None:
            mp = other.min_positive
            self.min_positive = mp if self.min_positive is None else min(self.min_positive, mp)
        assert other.min is not None and other.max is not None
        self.min = other.min if self.min is None else min(self.min, other.min)
        self.max = other.max if self.max is None else max(self.max, other.max)
        n_a, n_b = self.n, other.n
        n = n_a + n_b
        old = self.m2s * (self.scale / scale) ** 2 if self.scale else 0.0
        new = other.m2s * (other.scale / scale) ** 2
        delta_s = other.mean / scale - self.mean / scale
        self.m2s = old + new + delta_s * delta_s * n_a * n_b / n
        self.mean = (self.mean / scale + delta_s * n_b / n) * scale
        self.scale = scale
        self.n = n

    @property
    def std(self) -> float | None:
        if self.n < 2:
            return 0.0 if self.n == 1 else None
        return math.sqrt(max(self.m2s, 0.0) / (self.n - 1)) * self.scale


def dkw_epsilon(n: int, confidence: float = 0.99) -> float:
    """Dvoretzky-Kiefer-Wolfowitz: quantiles of a uniform sample of ``n`` rows are off by at most
    this share of rank, with the given confidence."""
    if n <= 0:
        return 1.0
    return math.sqrt(math.log(2 / (1 - confidence)) / (2 * n))
