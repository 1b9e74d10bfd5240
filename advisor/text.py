"""Small helpers for the words of messages, shared by the core and the renderers (no heavy imports)."""

from __future__ import annotations

from collections.abc import Sequence


def pct(share: float | None) -> str:
    """A share as a percentage; tiny non-zero shares stay visible as '<0.1%'."""
    if share is None:
        return "–"
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{share:.1%}"


def listed(items: Sequence[str], n: int) -> str:
    """The first ``n`` items joined by commas, then 'and K more' for the rest: "'a', 'b' and 3 more"."""
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")
