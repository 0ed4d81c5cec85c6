"""Provides axis helpers shared by the charts: log/linear mapping and short numbers."""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import groupby

from rich.style import Style
from rich.text import Text


def short(value: float) -> str:
    """Return a number in at most 6 characters (1.23k, 45.6, 0.012)."""
    if value == 0 or not math.isfinite(value):
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.3g}k"
    if magnitude >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def append_runs(text: Text, cells: Iterable[tuple[str, Style | str]]) -> None:
    """Append (character, style) cells as one span per run of equal style.

    A span per cell makes Textual send the full colour codes before every cell (~16 bytes
    each); a chart that streams must not cost that on a slow link.
    """
    for style, run in groupby(cells, key=lambda cell: cell[1]):
        text.append("".join(ch for ch, _ in run), style)


class Axis:
    """Maps values in [low, high] to [0, span], on a linear or log scale."""

    def __init__(self, low: float, high: float, span: int, *, log: bool = False) -> None:
        """Create an axis.

        Args:
            low: Value mapped to 0.
            high: Value mapped to span.
            span: Number of steps (dots or cells) the axis covers.
            log: Whether to use a log10 scale (values must then be > 0).
        """
        self.log = log
        if log:
            low, high = max(low, 1e-12), max(high, 1e-12)
        if high <= low:
            high = low * 10 if log else low + 1
        self.low = low
        """Value at position 0."""
        self.high = high
        """Value at position span."""
        self.span = span
        """Positions on the axis."""

    def _t(self, value: float) -> float:
        if self.log:
            value = max(value, 1e-12)
            return (math.log10(value) - math.log10(self.low)) / (
                math.log10(self.high) - math.log10(self.low)
            )
        return (value - self.low) / (self.high - self.low)

    def position(self, value: float) -> int:
        """Return the nearest position of `value`, clamped to [0, span]."""
        return min(max(round(self._t(value) * self.span), 0), self.span)

    def fraction(self, value: float) -> float:
        """Return where `value` lies, 0 at low and 1 at high (clamped)."""
        return min(max(self._t(value), 0.0), 1.0)


def ticks(low: float, high: float, *, log: bool) -> list[float]:
    """Return round values inside [low, high] to label an axis between its ends.

    Log: the powers of ten (with 2× and 5× when fewer than three fit). Linear: steps of
    1, 2 or 5 times a power of ten, about five of them.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return []
    if log:
        low = max(low, 1e-12)
        first, last = math.ceil(math.log10(low)), math.floor(math.log10(high))
        decades = [10.0**e for e in range(first, last + 1)]
        if len(decades) >= 3:
            return decades
        spread = range(first - 1, last + 1)
        values = sorted(m * 10.0**e for e in spread for m in (1, 2, 5))
        return [v for v in values if low <= v <= high]
    raw = (high - low) / 5
    base = 10.0 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    start = math.ceil(low / step) * step
    count = int((high - start) / step + 1e-9) + 1
    return [start + i * step for i in range(count)]
