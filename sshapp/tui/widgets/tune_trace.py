"""Provides TuneTrace: a live GFLOP/s trace where each change of the blocks is marked.

Samples arrive every ~20 ms; one column holds the best of COLUMN_SECONDS of them, and a
change of blocks always starts a new column, marked ▲ with its label under the axis. The
newest column is on the right. Repaints are throttled to MAX_FPS, except that the first
sample after a change is drawn at once (that is the latency a user feels).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text

from sshapp.tui.widgets.bar_chart import BarChart
from sshapp.tui.widgets.scale import short

LABEL_WIDTH = 6
"""Columns of the y-axis labels."""
COLUMN_SECONDS = 0.25
"""Seconds of samples one column holds (a change starts a new one at once)."""
KEEP = 400
"""Columns remembered (more than any terminal is wide)."""


@dataclass(slots=True)
class Column:
    """One column of the trace."""

    gflops: float
    """Best GFLOP/s of its samples."""
    change: int
    """Change number its samples measure."""
    label: str
    """Label of the change if this column is its first ("" otherwise)."""
    started: float
    """Monotonic time of its first sample."""


class TuneTrace(BarChart):
    """GFLOP/s over time as bars, with a marker row and a label row under them."""

    MAX_FPS: ClassVar[float] = 4.0
    """Upper bound on repaints per second while samples stream."""

    def __init__(self, *, id: str | None = None) -> None:
        """Create an empty trace."""
        super().__init__(id=id)
        self.columns: list[Column] = []
        """Columns, oldest first."""
        self.samples = 0
        """Samples added since the trace was cleared."""

    def clear(self) -> None:
        """Forget every column."""
        self.columns.clear()
        self.samples = 0
        self.refresh()

    def add(self, gflops: float, change: int, label: str, now: float | None = None) -> bool:
        """Add one sample; return whether it opened a marked column (drawn at once)."""
        now = time.monotonic() if now is None else now
        self.samples += 1
        last = self.columns[-1] if self.columns else None
        if last is not None and last.change == change and now - last.started < COLUMN_SECONDS:
            last.gflops = max(last.gflops, gflops)
            self.refresh_soon()
            return False
        marked = last is not None and last.change != change and bool(label)
        self.columns.append(Column(gflops, change, label if marked else "", now))
        del self.columns[:-KEEP]
        if marked:
            self.refresh()
        else:
            self.refresh_soon()
        return marked

    def render(self) -> Text:
        """Bars, then ▲ under each change, then the labels."""
        width, height = self.size.width, self.size.height
        plot_w = max(width - LABEL_WIDTH, 1)
        rows = max(height - 2, 1)
        shown = self.columns[-plot_w:]
        top = self.top([c.gflops for c in shown])
        bar, marked, axis = self.part_styles()
        levels = self.levels([c.gflops for c in shown], top, rows)
        bars = [(level, marked if c.label else bar) for level, c in zip(levels, shown, strict=True)]
        out = Text(no_wrap=True, overflow="crop")
        for row in range(rows):
            label = short(top) if row == 0 else short(top / 2) if row == rows // 2 else ""
            out.append(f"{label:>{LABEL_WIDTH - 1}}┤", axis)
            self.append_bars(out, bars, row, rows)
            out.append("\n")
        out.append(" " * (LABEL_WIDTH - 1) + "└", axis)
        out.append("".join("▲" if c.label else "─" for c in shown) + "\n", axis)
        out.append(" " * LABEL_WIDTH)
        out.append(_labels(shown, plot_w), marked)
        return out


def _labels(shown: list[Column], width: int) -> str:
    """Place each change's label from its marker; the newest wins where two would overlap.

    A label near the right edge ends at its ▲ instead, so a change is named in full the
    moment its first sample is drawn.
    """
    line = [" "] * width
    limit = width  # labels placed so far start at or after this column
    for x in range(len(shown) - 1, -1, -1):
        text = shown[x].label[:width]
        if not text:
            continue
        start = min(x, width - len(text))
        if start + len(text) < limit or (limit == width and start + len(text) <= width):
            line[start : start + len(text)] = text
            limit = start
    return "".join(line).rstrip()
