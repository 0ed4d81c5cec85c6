"""Provides SampleChart: GFLOP/s of each repetition as vertical bars that grow live."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from sshapp.tui.widgets.bar_chart import BarChart
from sshapp.tui.widgets.scale import short

WAITING = "waiting for the first repetition…"
"""What the chart says before the first sample."""
LABEL_WIDTH = 7
"""Columns reserved for the y-axis labels."""


class SampleChart(BarChart):
    """Bars of GFLOP/s per repetition; the newest on the right, older ones scroll off.

    The best repetition is drawn in the mark style. `set_samples` only records data; the
    base class's timer repaints.
    """

    FULL_STYLES: ClassVar[bool] = True

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        """Create an empty chart."""
        super().__init__(name=name, id=id)
        self.samples: tuple[float, ...] = ()
        """GFLOP/s per repetition, in order."""
        self.waiting = WAITING
        """What the chart says before the first sample."""

    def set_samples(self, samples: tuple[float, ...], ceiling: float | None = None) -> None:
        """Record new data; the next timer tick repaints."""
        self.samples = samples
        self.ceiling = ceiling
        self.refresh_soon()

    def show_wait(self, state: str | None, seconds: int) -> None:
        """Say what the run waits for and for how long (state None: not waiting)."""
        text = WAITING
        if state is not None:
            host = state.startswith(("queued", "waiting"))
            text = f"waiting for {'the host' if host else 'the first repetition'}… {seconds} s"
        if text != self.waiting:
            self.waiting = text
            self.refresh_soon()

    def render(self) -> Text:
        """Draw bars, a y-axis with three labels and the repetition numbers."""
        width, height = self.size.width, self.size.height
        bar_style, best_style, axis_style = self.part_styles()
        text = Text(no_wrap=True, overflow="crop")
        rows = max(height - 1, 1)
        plot_width = max(width - LABEL_WIDTH - 1, 1)
        if not self.samples:
            text.append(self.waiting, axis_style)
            return text
        top = self.top(self.samples)
        cell = max(1, min(3, plot_width // max(len(self.samples), 1)))
        shown = self.samples[-(plot_width // cell) :]
        first = len(self.samples) - len(shown)
        best_index = self.samples.index(max(self.samples)) - first
        levels = self.levels(shown, top, rows)
        bars = [
            (level, best_style if i == best_index else bar_style) for i, level in enumerate(levels)
        ]
        for row in range(rows):
            label = ""
            if row == 0:
                label = short(top)
            elif row == rows // 2:
                label = short(top * (rows - row) / rows)
            elif row == rows - 1:
                label = "0"
            text.append(f"{label:>{LABEL_WIDTH - 1}} ", axis_style)
            text.append("│", axis_style)
            self.append_bars(text, bars, row, rows, cell=cell)
            text.append("\n")
        axis = f"{'rep':>{LABEL_WIDTH - 1}} └"
        ticks = f"{first + 1}"
        last = f"{len(self.samples)}"
        gap = len(shown) * cell - len(ticks) - len(last)
        axis += ticks + (" " * gap + last if gap > 0 and len(shown) > 1 else "")
        text.append(axis, axis_style)
        return text
