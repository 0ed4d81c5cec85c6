"""Provides BarChart: the base of the live bar charts (throttled repaints, eighth-block bars).

A chart that streams records its data at once but repaints on a timer, at most MAX_FPS
times a second, so a fast run cannot flood a slow link. Bars are drawn in eighths of a
cell, one span per run of equal style. The subclasses keep their data and their axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from sshapp.tui.widgets.scale import append_runs

EIGHTHS = " ▁▂▃▄▅▆▇█"
"""Block characters for 0/8 .. 8/8 of a cell."""


class BarChart(Widget):
    """Vertical bars of values against a top value, repainted at most MAX_FPS times a second."""

    DEFAULT_CSS = """
    BarChart { height: 1fr; min-height: 5; }
    BarChart > .bar-chart--bar { color: $success; }
    BarChart > .bar-chart--mark { color: $warning; }
    BarChart > .bar-chart--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bar-chart--bar",
        "bar-chart--mark",
        "bar-chart--axis",
    }
    MAX_FPS: ClassVar[float] = 5.0
    """Upper bound on repaints per second while data streams."""
    FULL_STYLES: ClassVar[bool] = False
    """Whether the part styles carry the whole computed style, background included (False:
    only what the part sets, over the widget's own background)."""

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        """Create an empty chart."""
        super().__init__(name=name, id=id)
        self.ceiling: float | None = None
        """Value of the chart's top (None: just above the largest value)."""
        self._dirty = False

    def on_mount(self) -> None:
        """Start the repaint timer."""
        self.set_interval(1 / self.MAX_FPS, self._flush)

    def refresh_soon(self) -> None:
        """Repaint at the next tick of the timer (data changed, nobody waits for it)."""
        self._dirty = True

    def _flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self.refresh()

    def top(self, values: Sequence[float]) -> float:
        """Return the value at the top of the plot: the ceiling, or 10% over the largest
        value, and never below a value (1.0 when there is nothing above zero)."""
        top = self.ceiling or max(values, default=1.0) * 1.1
        return max([top, *values]) or 1.0

    def part_styles(self) -> tuple[Style, Style, Style]:
        """Return the styles of an ordinary bar, a marked bar and the axes."""
        partial = not self.FULL_STYLES
        return (
            self.get_component_rich_style("bar-chart--bar", partial=partial),
            self.get_component_rich_style("bar-chart--mark", partial=partial),
            self.get_component_rich_style("bar-chart--axis", partial=partial),
        )

    @staticmethod
    def append_bars(
        text: Text, bars: Sequence[tuple[int, Style]], row: int, rows: int, *, cell: int = 1
    ) -> None:
        """Append one row of the plot: the part of each bar that falls in it.

        Args:
            text: Where the row goes.
            bars: Height of each bar in eighths of a row (see `levels`) and its style.
            row: Row to draw, 0 at the top.
            rows: Rows of the plot.
            cell: Columns per bar; wider than 1, the last is a gap.
        """
        floor = (rows - 1 - row) * 8
        gap = " " if cell > 1 else ""
        width = max(cell - 1, 1)
        append_runs(
            text,
            (
                (EIGHTHS[min(max(level - floor, 0), 8)] * width + gap, style)
                for level, style in bars
            ),
        )

    @staticmethod
    def levels(values: Sequence[float], top: float, rows: int) -> list[int]:
        """Return the height of each value's bar in eighths of a row, `top` filling `rows`."""
        return [round(v / top * rows * 8) for v in values]
