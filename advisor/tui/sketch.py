"""Mini histograms drawn from a column's profile (no data needed, no Textual).

The profile keeps quantiles, not the values, so a numeric column's shape is
rebuilt from them: each span between quantiles (min, 1%, 25%, median, 75%,
99%, max) holds a known share of the rows, spread evenly across the span.
That is coarse but honest about where the mass lies; categories are drawn
from their top values' shares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.profile.model import ColumnProfile, NumericStats

BLOCKS = "▁▂▃▄▅▆▇█"
SPAN_SHARES = (0.01, 0.24, 0.25, 0.25, 0.24, 0.01)


def quantile_histogram(stats: NumericStats, bins: int = 8) -> list[float]:
    """Share of rows in each of ``bins`` equal-width bins between min and max (empty when unknown)."""
    points = [stats.min, stats.q01, stats.q25, stats.median, stats.q75, stats.q99, stats.max]
    if any(p is None for p in points):
        return []
    pts = [float(p) for p in points if p is not None]
    low, high = pts[0], pts[-1]
    if not high > low:
        return []
    width = (high - low) / bins
    counts = [0.0] * bins
    for a, b, share in zip(pts, pts[1:], SPAN_SHARES, strict=False):
        if b <= a:
            counts[min(int((a - low) / width), bins - 1)] += share
            continue
        for i in range(bins):
            left, right = low + i * width, low + (i + 1) * width
            overlap = min(b, right) - max(a, left)
            if overlap > 0:
                counts[i] += share * overlap / (b - a)
    return counts


def column_shape(col: ColumnProfile, bins: int = 8) -> list[float]:
    """Bars for a column: its numeric shape, or its top values' shares."""
    if col.numeric is not None and col.n_distinct > bins:
        return quantile_histogram(col.numeric, bins)
    return [tv.share for tv in col.top_values[:bins]]


def sparkline(values: list[float]) -> str:
    """Values as block characters scaled to the largest; '' for nothing to draw."""
    top = max(values, default=0.0)
    if top <= 0:
        return ""
    last = len(BLOCKS) - 1
    return "".join(BLOCKS[round(v / top * last)] if v > 0 else " " for v in values)
