"""Mergeable summaries for one pass over a table in record batches, in bounded memory.

* :class:`Moments`: exact count, min, max, mean and variance (Chan's parallel
  update), zeros, negatives and the smallest positive value.
* :class:`HeavyHitters`: the Misra-Gries summary of at most ``k`` values, kept as
  an Arrow table and merged batch by batch with Arrow's group-by. While a column
  has at most ``k`` distinct values its counts are exact; after that every
  count is under by at most ``max_error`` (which is at most ``rows / (k + 1)``).
* :class:`HyperLogLog`: distinct count with relative standard error
  ``1.04 / sqrt(2 ** p)`` (0.81 % for p = 14), from a fixed 64-bit hash, so
  the estimate is the same on every run.

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
    import pandas as pd

    text = values.cast(pa.large_string()) if not pa.types.is_large_string(t) else values
    hashed = pd.util.hash_array(np.asarray(text.to_numpy(zero_copy_only=False), dtype=object), categorize=False)
    return mix64(hashed)


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
        import numpy as np

        if not len(h):
            return
        idx = (h & np.uint64(self.m - 1)).astype(np.intp)
        w = h >> np.uint64(self.p)  # the remaining 64 - p bits
        # rank = leading zeros within the 64 - p bits, plus one; frexp gives the bit length.
        bits = np.frexp(w.astype(np.float64))[1].astype(np.int16)
        rank = (64 - self.p - bits + 1).astype(np.uint8)
        np.maximum.at(self.registers, idx, rank)

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

    def add(self, values: pa.Array) -> pa.Array | None:
        """Count one batch's non-null values.

        Returns the values a distinct-count sketch must see: nothing while the
        summary is exact (it holds every value), every value seen so far when
        it is first pruned, and from then on each batch's distinct values.
        """
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        vc = pc.value_counts(values.drop_null() if values.null_count else values)
        if not len(vc):
            return None
        batch = pa.table({"values": vc.field("values"), "counts": vc.field("counts").cast(pa.int64())})
        was_pruned = self.pruned
        if self.table is None:
            merged = batch
        else:
            merged = (pa.concat_tables([self.table, batch], promote_options="permissive")
                      .group_by("values", use_threads=False).aggregate([("counts", "sum")])
                      .rename_columns(["values", "counts"]))
        if merged.num_rows <= self.k:
            self.table = merged
            return batch.column("values").combine_chunks() if was_pruned else None
        counts = merged.column("counts").to_numpy()
        nth = merged.num_rows - self.k - 1
        cut = int(np.partition(counts, nth)[nth])  # the (k+1)-th largest count
        keep = counts > cut
        kept = merged.filter(pa.array(keep))
        self.table = kept.set_column(1, "counts", pc.subtract(kept.column("counts"), pa.scalar(cut, pa.int64())))
        self.max_error += cut
        self.pruned = True
        source = batch if was_pruned else merged
        return source.column("values").combine_chunks()

    @property
    def n_values(self) -> int:
        return 0 if self.table is None else self.table.num_rows

    def top(self, n: int) -> list[tuple[Any, int]]:
        """The ``n`` values with the highest kept counts, ties broken by value order (deterministic)."""
        if self.table is None or not self.table.num_rows:
            return []
        sorted_ = self.table.sort_by([("counts", "descending"), ("values", "ascending")]).slice(0, n)
        return list(zip(sorted_.column("values").to_pylist(), sorted_.column("counts").to_pylist(), strict=True))


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

    def add(self, arr: np.ndarray) -> None:
        import numpy as np

        arr = arr[np.isfinite(arr)]
        n_b = len(arr)
        if not n_b:
            return
        lo, hi = float(arr.min()), float(arr.max())
        scale = max(self.scale, abs(lo), abs(hi)) or 1.0
        scaled = arr / scale
        mean_bs = float(scaled.mean())
        m2s_b = float(np.square(scaled - mean_bs).sum())
        self.zeros += int(np.count_nonzero(arr == 0))
        self.negatives += int(np.count_nonzero(arr < 0))
        pos = arr[arr > 0]
        if len(pos):
            mp = float(pos.min())
            self.min_positive = mp if self.min_positive is None else min(self.min_positive, mp)
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)
        n_a = self.n
        n = n_a + n_b
        old = self.m2s * (self.scale / scale) ** 2 if self.scale else 0.0
        delta_s = mean_bs - self.mean / scale
        self.m2s = old + m2s_b + delta_s * delta_s * n_a * n_b / n
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
