"""Provides SampleChart: GFLOP/s of each repetition as vertical bars that grow live."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from sshapp.tui.widgets.scale import short

EIGHTHS = " ▁▂▃▄▅▆▇█"
"""Block characters for 0/8 .. 8/8 of a cell."""
LABEL_WIDTH = 7
"""Columns reserved for the y-axis labels."""


class SampleChart(Widget):
    """Bars of GFLOP/s per repetition; the newest on the right, older ones scroll off.

    Redraws are throttled: `set_samples` only records data, and a timer repaints at most
    `MAX_FPS` times a second, so a fast run cannot flood a slow link.
    """

    DEFAULT_CSS = """
    SampleChart { height: 1fr; min-height: 5; }
    SampleChart > .sample-chart--bar { color: $success; }
    SampleChart > .sample-chart--best { color: $warning; }
    SampleChart > .sample-chart--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sample-chart--bar",
        "sample-chart--best",
        "sample-chart--axis",
    }
    MAX_FPS: ClassVar[float] = 5.0
    """Upper bound on repaints per second while data streams."""

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        """Create an empty chart."""
        super().__init__(name=name, id=id)
        self.samples: tuple[float, ...] = ()
        """GFLOP/s per repetition, in order."""
        self.ceiling: float | None = None
        """Value of the chart's top (None = just above the best sample)."""
        self._dirty = False

    def on_mount(self) -> None:
        """Start the repaint timer."""
        self.set_interval(1 / self.MAX_FPS, self._flush)

    def set_samples(self, samples: tuple[float, ...], ceiling: float | None = None) -> None:
        """Record new data; the next timer tick repaints."""
        self.samples = samples
        self.ceiling = ceiling
        self._dirty = True

    def _flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self.refresh()

    def render(self) -> Text:
        """Draw bars, a y-axis with three labels and the repetition numbers."""
        width, height = self.size.width, self.size.height
        bar_style = self.get_component_rich_style("sample-chart--bar")
        best_style = self.get_component_rich_style("sample-chart--best")
        axis_style = self.get_component_rich_style("sample-chart--axis")
        text = Text(no_wrap=True, overflow="crop")
        rows = max(height - 1, 1)
        plot_width = max(width - LABEL_WIDTH - 1, 1)
        if not self.samples:
            text.append("waiting for the first repetition…", axis_style)
            return text
        top = self.ceiling or max(self.samples) * 1.1
        top = max(top, *self.samples, 1e-9)
        cell = max(1, min(3, plot_width // max(len(self.samples), 1)))
        shown = self.samples[-(plot_width // cell) :]
        first = len(self.samples) - len(shown)
        best_index = self.samples.index(max(self.samples)) - first
        levels = [round(v / top * rows * 8) for v in shown]
        for row in range(rows):
            floor = (rows - 1 - row) * 8
            label = ""
            if row == 0:
                label = short(top)
            elif row == rows // 2:
                label = short(top * (rows - row) / rows)
            elif row == rows - 1:
                label = "0"
            text.append(f"{label:>{LABEL_WIDTH - 1}} ", axis_style)
            text.append("│", axis_style)
            bars = ""
            for index, level in enumerate(levels):
                part = min(max(level - floor, 0), 8)
                glyph = EIGHTHS[part] * max(cell - 1, 1) + (" " if cell > 1 else "")
                if index == best_index:  # one run of one style each side: fewer bytes on the wire
                    text.append(bars, bar_style)
                    text.append(glyph, best_style)
                    bars = ""
                else:
                    bars += glyph
            text.append(bars, bar_style)
            text.append("\n")
        axis = f"{'rep':>{LABEL_WIDTH - 1}} └"
        ticks = f"{first + 1}"
        last = f"{len(self.samples)}"
        gap = len(shown) * cell - len(ticks) - len(last)
        axis += ticks + (" " * gap + last if gap > 0 else "")
        text.append(axis, axis_style)
        return text
