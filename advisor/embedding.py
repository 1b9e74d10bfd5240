"""A small, deterministic inline SVG scatter plot of a 2-D embedding, for the HTML report.

:func:`embedding_svg` needs no plotting library: the same
:class:`~advisor.leaderboard.Embedding` always gives the same text, so the
HTML report stays reproducible and golden-testable. Points are coloured by
the embedding's colour column when it has one (at most 10 values, the rest
grouped as "other"), with a legend.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from advisor.leaderboard import Embedding

WIDTH, HEIGHT = 480, 360
MARGIN = {"left": 46, "right": 14, "top": 28, "bottom": 40}
LEGEND_WIDTH = 110
# Colour-blind friendly (Okabe-Ito), then greys.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999", "#666666"]
SINGLE = "#0072B2"
MAX_GROUPS = len(PALETTE)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _tick(value: float) -> str:
    return f"{value:.3g}"


def _groups(embedding: Embedding) -> tuple[list[str], list[int]]:
    """The legend's values (most frequent first, ties by name) and each point's index into them."""
    values = embedding.colour_values
    if not embedding.colour or len(values) != len(embedding.x):
        return [], [0] * len(embedding.x)
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ordered = sorted(counts, key=lambda v: (-counts[v], v))
    if len(ordered) > MAX_GROUPS:
        ordered = [*ordered[: MAX_GROUPS - 1], "other"]
    index = {v: i for i, v in enumerate(ordered)}
    other = index.get("other", len(ordered) - 1)
    return ordered, [index.get(v, other) for v in values]


def embedding_svg(embedding: Embedding) -> str:
    """An ``<svg>`` element (no XML declaration) plotting ``embedding.x`` against ``embedding.y``."""
    legend, groups = _groups(embedding)
    keep = [i for i, (x, y) in enumerate(zip(embedding.x, embedding.y, strict=False)) if math.isfinite(x) and math.isfinite(y)]
    points = [(embedding.x[i], embedding.y[i]) for i in keep]
    member = [groups[i] for i in keep]
    width = WIDTH + (LEGEND_WIDTH if legend else 0)
    left, top = MARGIN["left"], MARGIN["top"]
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    title = f"{embedding.label}: {len(points):,} of {embedding.n_rows:,} rows"
    if embedding.trustworthiness is not None:
        title += f" (trustworthiness {embedding.trustworthiness:.3f})"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="embedding" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999" stroke-width="1"/>',
        f'<text x="{left}" y="{top - 10}" font-size="12" font-family="sans-serif">{escape(title)}</text>',
    ]
    if points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        dx, dy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
        pad = 6

        def sx(v: float) -> float:
            return left + pad + (v - x0) / dx * (plot_w - 2 * pad)

        def sy(v: float) -> float:
            return top + plot_h - pad - (v - y0) / dy * (plot_h - 2 * pad)

        for value, x in ((x0, sx(x0)), (x1, sx(x1))):
            out.append(f'<text x="{_num(x)}" y="{top + plot_h + 14}" font-size="10" font-family="sans-serif" '
                       f'text-anchor="middle">{escape(_tick(value))}</text>')
        for value, y in ((y0, sy(y0)), (y1, sy(y1))):
            out.append(f'<text x="{left - 4}" y="{_num(y + 3)}" font-size="10" font-family="sans-serif" '
                       f'text-anchor="end">{escape(_tick(value))}</text>')
        out.append('<g fill-opacity="0.6" stroke="none">')
        for (x, y), m in zip(points, member, strict=True):
            colour = PALETTE[m] if legend else SINGLE
            out.append(f'<circle cx="{_num(sx(x))}" cy="{_num(sy(y))}" r="2.2" fill="{colour}"/>')
        out.append("</g>")
    else:
        out.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" font-size="12" '
                   'font-family="sans-serif" text-anchor="middle">no points to show</text>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{HEIGHT - 8}" font-size="11" font-family="sans-serif" '
               f'text-anchor="middle">{escape(embedding.x_label)}</text>')
    out.append(f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" font-family="sans-serif" text-anchor="middle" '
               f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(embedding.y_label)}</text>')
    if legend:
        lx = WIDTH + 4
        out.append(f'<text x="{lx}" y="{top + 4}" font-size="11" font-family="sans-serif" '
                   f'font-weight="bold">{escape(str(embedding.colour))}</text>')
        for i, name in enumerate(legend):
            row_y = top + 20 + 16 * i
            out.append(f'<circle cx="{lx + 5}" cy="{row_y - 4}" r="4" fill="{PALETTE[i]}"/>')
            label = name if len(name) <= 14 else name[:13] + "…"
            out.append(f'<text x="{lx + 14}" y="{row_y}" font-size="10" font-family="sans-serif">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
