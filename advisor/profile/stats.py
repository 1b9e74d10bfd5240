"""Per-column statistics. Counts are exact over the loaded rows; shape statistics too."""

from __future__ import annotations

import datetime
import math
from typing import TYPE_CHECKING, Any

from advisor.profile.config import Thresholds
from advisor.profile.kinds import ColumnEvidence
from advisor.profile.model import NumericStats, TextStats, TopValue

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa


def clean_float(x: Any, digits: int = 6) -> float | None:
    """A JSON-safe float rounded to ``digits`` significant digits (None for NaN/inf)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v):
        return None
    if v == 0:
        return 0.0
    return float(f"{v:.{digits}g}")


def is_numeric_series(s: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def format_value(v: Any) -> str:
    if isinstance(v, bytes):  # a column of bytes that are not text in the file's encoding
        return v.decode("utf-8", errors="replace")
    if isinstance(v, float):
        return f"{clean_float(v, 6):g}" if math.isfinite(v) else str(v)
    if isinstance(v, datetime.timedelta):  # pandas' Timedelta too, which would give ISO 8601 ('P0DT0H1M1S')
        return str(datetime.timedelta(v.days, v.seconds, v.microseconds))
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def top_counts(counts: pd.Series, n: int) -> list[tuple[Any, int]]:
    """The ``n`` most frequent values of a ``value_counts()`` result, ties broken by value order, as the
    streamed pass breaks them (:meth:`HeavyHitters.top`): a table reads the same loaded or streamed.
    Of the values tied at the cut, the smallest are found in one linear pass, never sorted."""
    if not len(counts) or n <= 0:
        return []
    last = counts.iloc[min(n, len(counts)) - 1]
    above = counts[(counts > last).to_numpy()]  # all among the first n: value_counts() sorts by count
    tied = counts.index[(counts == last).to_numpy()]
    try:
        items = sorted(above.items(), key=lambda kc: (-kc[1], kc[0]))
        firsts = _smallest(tied, n - len(above))
    except TypeError:  # values of mixed types: ordered by their text
        import heapq

        items = sorted(above.items(), key=lambda kc: (-kc[1], str(kc[0])))
        firsts = heapq.nsmallest(n - len(above), tied, key=str)
    return [(k, int(c)) for k, c in items] + [(v, int(last)) for v in firsts]


def _smallest(values: pd.Index, k: int) -> list[Any]:
    """The ``k`` smallest of many values, in order, without sorting them all: Arrow's bottom-k for
    Arrow-backed text (an id column's 100,000 values tied at one row each: 1 ms, where going through
    them in Python took 90), a partition for numbers and times, else a heap."""
    import heapq

    import numpy as np

    if k <= 0:
        return []
    arrow = getattr(values.array, "_pa_array", None)
    if arrow is not None:
        import pyarrow.compute as pc

        return sorted(pc.take(arrow, pc.bottom_k_unstable(arrow, k)).to_pylist())
    if values.dtype.kind in "iufbMm" and len(values) > k:
        return sorted(values[np.argpartition(values.to_numpy(), k - 1)[:k]])
    return heapq.nsmallest(k, values)


def column_evidence(name: str, s: pd.Series, sample_idx: np.ndarray | None, top_n: int,
                    th: Thresholds | None = None) -> tuple[ColumnEvidence, list[TopValue]]:
    """Exact counts over ``s``; detector inputs (values, word counts) from the sample rows."""
    import numpy as np
    import pandas as pd

    n_rows = len(s)
    n_missing = int(s.isna().sum())
    n_present = n_rows - n_missing
    counts = s.value_counts(sort=True, dropna=True)  # no dropna() copy: big columns stay single
    n_distinct = len(counts)
    top = [TopValue(format_value(k), c, clean_float(c / n_present) or 0.0) for k, c in top_counts(counts, top_n)]
    top_count = int(counts.iloc[0]) if n_distinct else 0
    is_num = is_numeric_series(s)
    sentinels = find_sentinels(counts, th) if is_num and th is not None else []
    del counts
    values = s.dropna() if sample_idx is None else s.iloc[sample_idx].dropna()
    is_bool = bool(pd.api.types.is_bool_dtype(s))
    is_dt = bool(pd.api.types.is_datetime64_any_dtype(s))
    integer_valued = False
    if is_num and n_present:
        arr = s.to_numpy(dtype="float64", na_value=np.nan)
        arr = arr[~np.isnan(arr)]
        integer_valued = bool(np.all(np.isfinite(arr)) and np.all(np.mod(arr, 1) == 0))
    words = length = None
    if not (is_num or is_bool or is_dt) and len(values):
        as_str = values.astype(str)
        length = float(as_str.str.len().mean())
        words = mean_words(as_str)
    ev = ColumnEvidence(
        name=name, values=values, n_rows=n_rows, n_missing=n_missing, n_distinct=n_distinct,
        top_share=top_count / n_present if n_present else 0.0, top_count=top_count,
        is_numeric=is_num, is_bool=is_bool, is_datetime=is_dt, integer_valued=integer_valued,
        mean_words=words, mean_length=length, sentinels=sentinels,
    )
    return ev, top


def find_sentinels(counts: pd.Series, th: Thresholds) -> list[TopValue]:
    """Missing-value codes at one end of a numeric column, from its value counts: the last few values
    at the top that read as codes (99, 98, 999; SENTINEL_HIGH) or the first few at the bottom (-1, -9,
    -99; SENTINEL_LOW), set apart from the other values by at least their whole span (PSID's 'kids':
    98 and 99 above 0-10), or, for negative codes below a quantity that is never negative, holding
    many times the rows of its lowest values (-1 for "never" above 0, 1, 2, ...). A long tail has
    values between its bulk and its maximum, and a maximum such as 240,000 is no code: it stays silent.
    Each code comes with its rows and share, largest set of codes first."""
    import numpy as np

    values = counts.index.to_numpy(dtype="float64", na_value=np.nan)
    freq = counts.to_numpy(dtype="int64")
    keep = np.isfinite(values)
    values, freq = values[keep], freq[keep]
    if len(values) < 3 or not (_reads_as_code(float(values.max()), True) or _reads_as_code(float(values.min()), False)):
        return []  # neither end reads as a code: no sorting of a million distinct values for nothing
    order = np.argsort(values, kind="stable")
    values, freq = values[order], freq[order]
    total = int(freq.sum())
    for k in range(min(th.sentinel_max_values, len(values) - 2), 0, -1):
        for high in (True, False):
            codes = values[-k:] if high else values[:k]
            rest = values[:-k] if high else values[k:]
            rows = int(freq[-k:].sum() if high else freq[:k].sum())
            if not (th.sentinel_min_rows <= rows <= th.sentinel_max_share * total) or not all(
                    _reads_as_code(v, high) for v in codes):
                continue
            span = float(rest[-1] - rest[0])
            gap = float(codes[0] - rest[-1]) if high else float(rest[0] - codes[-1])
            spike = (not high and rest[0] >= 0 and len(rest) >= th.sentinel_spike_min_values
                     and rows >= th.sentinel_spike * float(freq[k:k + 3].mean()))
            if (span > 0 and gap >= th.sentinel_gap * span) or spike:
                kept = freq[-k:] if high else freq[:k]
                return [TopValue(str(int(v)), int(c), clean_float(c / total) or 0.0)  # exact: 9999999, not 1e+07
                        for v, c in zip(codes, kept, strict=True)]
    return []


def _reads_as_code(v: float, high: bool) -> bool:
    from advisor.profile.config import SENTINEL_HIGH, SENTINEL_LOW

    if v != int(v):
        return False
    return bool((SENTINEL_HIGH if high else SENTINEL_LOW).match(str(int(v))))


def numeric_stats(s: pd.Series) -> NumericStats | None:
    """Location, spread, skew and the share of far outliers (beyond 3 IQR from the quartiles)."""
    import numpy as np

    arr = s.to_numpy(dtype="float64", na_value=np.nan)
    arr = arr[np.isfinite(arr)]
    if not len(arr):
        return None
    q01, q25, q50, q75, q99 = np.quantile(arr, [0.01, 0.25, 0.5, 0.75, 0.99])
    # Moments on values scaled into [-1, 1], so 1e300 does not overflow; skew is scale-free.
    scale = float(np.max(np.abs(arr))) or 1.0
    scaled = arr / scale
    mean_s = float(scaled.mean())
    mean = mean_s * scale
    std = float(scaled.std(ddof=1)) * scale if len(arr) > 1 else 0.0
    skew = _skew(scaled, mean_s)
    iqr = q75 - q25
    if iqr <= 2 and np.all(np.mod(arr, 1) == 0):
        # Integers packed into one or two steps (years of schooling, 11-12): a fence of 3 IQR would put
        # ordinary values three steps away beyond it. The spread of the middle 98% sets it instead.
        iqr = max(iqr, (q99 - q01) / 4, 1.0)
    if iqr > 0:
        outliers = float(np.mean((arr < q25 - 3 * iqr) | (arr > q75 + 3 * iqr)))
    else:
        outliers = 0.0
    return NumericStats(
        min=clean_float(arr.min()), max=clean_float(arr.max()), mean=clean_float(mean),
        std=clean_float(std), q01=clean_float(q01), q25=clean_float(q25), median=clean_float(q50),
        q75=clean_float(q75), q99=clean_float(q99), skew=clean_float(skew, 4),
        outlier_share=clean_float(outliers, 4) or 0.0,
        zero_share=clean_float(float(np.mean(arr == 0)), 4) or 0.0,
        negative_share=clean_float(float(np.mean(arr < 0)), 4) or 0.0,
        min_positive=clean_float(arr[arr > 0].min()) if (arr > 0).any() else None,
    )


def _skew(arr: np.ndarray, mean: float) -> float | None:
    """Adjusted Fisher-Pearson skewness, as pandas computes it."""
    n = len(arr)
    if n < 3:
        return None
    d = arr - mean
    m2 = float((d * d).mean())
    if m2 <= 1e-24 * max(1.0, mean * mean):
        return 0.0
    m3 = float((d * d * d).mean())
    g1 = m3 / m2**1.5
    return g1 * math.sqrt(n * (n - 1)) / (n - 2)


def text_stats(values: pd.Series, words: float | None = None) -> TextStats | None:
    """Length and word statistics of the values; ``words`` is their mean word count when already known."""
    if not len(values):
        return None
    as_str = values.astype(str)
    lengths = as_str.str.len()
    return TextStats(
        mean_length=clean_float(lengths.mean(), 4) or 0.0,
        max_length=int(lengths.max()),
        mean_words=clean_float(mean_words(as_str) if words is None else words, 4) or 0.0,
    )


def mean_words(as_str: pd.Series) -> float:
    """Mean number of words per value, as ``len(value.split())`` counts them, counted over the
    values' UTF-8 bytes with numpy (see :func:`word_count`), no Python loop per value."""
    import pyarrow as pa

    if not len(as_str):
        return float("nan")
    arr = pa.array(as_str, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):  # from a column pandas keeps in Arrow
        arr = arr.combine_chunks()
    return word_count(arr.drop_null() if arr.null_count else arr) / len(arr)


def word_count(arr: pa.Array) -> int:
    """How many words the values of a large_string array without nulls hold, as str.split() counts them.

    A word starts at a byte that is not whitespace where its value starts or
    the byte before is whitespace. Whitespace is Python's: the bytes 9-13 and
    28-32, and every byte of the characters :func:`_clear_unicode_spaces` finds.
    Arrow's own ``utf8_split_whitespace`` is not used: it finds a word past the
    end of a last value made of whitespace (seen in pyarrow 26 on '\\x1f\\x1c\\u3000\\n').
    """
    import numpy as np

    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    base, end = int(offsets[0]), int(offsets[-1])
    if end == base:
        return 0
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[base:end]
    solid = ((data - np.uint8(9)) > 4) & ((data - np.uint8(28)) > 4)  # uint8 arithmetic wraps below 0
    if int(data.max()) >= 0xC2:
        _clear_unicode_spaces(data, solid)
    starts = solid.copy()
    starts[1:] &= ~solid[:-1]
    # At a value's first byte the byte before belongs to another value: a solid byte there starts a word.
    first = offsets[:-1] - base
    first = first[(np.diff(offsets) > 0) & (first > 0)]
    return int(np.count_nonzero(starts)) + int(np.count_nonzero(solid[first] & solid[first - 1]))


def _clear_unicode_spaces(data: np.ndarray, solid: np.ndarray) -> None:
    """Mark as whitespace (False in ``solid``) every byte of the characters beyond ASCII that
    str.split() splits on: U+0085 and U+00A0 (C2 85, C2 A0), U+1680 (E1 9A 80), U+2000-U+200A
    (E2 80 80-8A), U+2028, U+2029, U+202F (E2 80 A8, A9, AF), U+205F (E2 81 9F), U+3000 (E3 80 80).
    Their lead bytes only ever start a character in UTF-8, so only those need looking at."""
    import numpy as np

    leads = np.flatnonzero((data == 0xC2) | ((data >= 0xE1) & (data <= 0xE3)))
    if not len(leads):
        return
    last = len(data) - 1  # a lead byte cut off at the end (not UTF-8) reads the last byte again
    lead, b1, b2 = data[leads], data[np.minimum(leads + 1, last)], data[np.minimum(leads + 2, last)]
    two = (lead == 0xC2) & ((b1 == 0x85) | (b1 == 0xA0))
    e2_80 = (lead == 0xE2) & (b1 == 0x80) & ((b2 <= 0x8A) | (b2 == 0xA8) | (b2 == 0xA9) | (b2 == 0xAF))
    three = (e2_80 | ((lead == 0xE1) & (b1 == 0x9A) & (b2 == 0x80)) | ((lead == 0xE2) & (b1 == 0x81) & (b2 == 0x9F))
             | ((lead == 0xE3) & (b1 == 0x80) & (b2 == 0x80)))
    for at, width in ((leads[two], 2), (leads[three], 3)):
        for k in range(width):
            solid[np.minimum(at + k, last)] = False


def datetime_range(s: pd.Series) -> tuple[str | None, str | None]:
    present = s.dropna()
    if not len(present):
        return None, None
    return str(present.min().isoformat()), str(present.max().isoformat())
