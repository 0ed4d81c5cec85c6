"""Provides LineChart: braille line and point plots with log or linear axes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from sshapp.tui.widgets.scale import Axis, short, ticks

DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""Braille dot bits by (row 0..3, column 0..1) inside one cell."""
PALETTE = (
    "#5fd700",
    "#ffd700",
    "#00d7ff",
    "#ff5fff",
    "#ff5f5f",
    "#5f87ff",
    "#00af00",
    "#afaf00",
    "#00afaf",
    "#af00af",
    "#d70000",
    "#0000d7",
)
"""Series colours, chosen so that each stays a colour of its own when the terminal has
only 256 (xterm-256color) or 16 (xterm, linux) colours, and none becomes the text or
background colour (tests/tui/widgets/test_charts.py checks both downgrades)."""
LABEL_WIDTH = 7
"""Columns reserved for the y-axis labels."""


@dataclass(slots=True)
class Series:
    """One named set of points."""

    label: str
    """Legend text."""
    points: list[tuple[float, float]]
    """(x, y) pairs."""
    lines: bool = True
    """Join the points with lines (False: draw a marker at each point)."""
    marker: str = "●"
    """Character drawn at each point when lines is False."""
    color: str = field(default="")
    """Rich colour name ("" = next in the palette)."""


class LineChart(Widget):
    """Plots series in a braille canvas with y labels on the left and x labels below."""

    DEFAULT_CSS = """
    LineChart { height: 1fr; min-height: 6; }
    LineChart > .line-chart--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-chart--axis"}

    def __init__(self, *, log_x: bool = True, log_y: bool = True, id: str | None = None) -> None:
        """Create an empty chart.

        Args:
            log_x: Log scale on x.
            log_y: Log scale on y.
            id: Widget id.
        """
        super().__init__(id=id)
        self.log_x = log_x
        """Whether x is on a log scale."""
        self.log_y = log_y
        """Whether y is on a log scale."""
        self.series: list[Series] = []
        """What to draw, back to front."""
        self.x_title = ""
        """Text after the x labels."""
        self.empty_text = "nothing to draw yet"
        """Shown when there are no points."""

    def set_series(self, series: list[Series], x_title: str = "") -> None:
        """Replace the plotted series."""
        for index, one in enumerate(series):
            if not one.color:
                one.color = PALETTE[index % len(PALETTE)]
        self.series = series
        self.x_title = x_title
        self.refresh()

    def _bounds(self) -> tuple[float, float, float, float]:
        xs = [x for s in self.series for x, _ in s.points]
        ys = [y for s in self.series for _, y in s.points]
        # A linear y axis starts at zero, so heights read as ratios (the scaling view).
        low = min(ys) if self.log_y else min(*ys, 0.0)
        return min(xs), max(xs), low, max(ys)

    def render(self) -> Text:
        """Draw every series, the axes and the legend."""
        axis_style = self.get_component_rich_style("line-chart--axis")
        text = Text(no_wrap=True, overflow="crop")
        if not any(s.points for s in self.series):
            text.append(self.empty_text, axis_style)
            return text
        cols = max(self.size.width - LABEL_WIDTH - 1, 4)
        legend = self._legend(self.size.width)
        rows = max(self.size.height - 1 - bool(self.x_title) - len(legend), 2)
        x0, x1, y0, y1 = self._bounds()
        if self.log_y:
            y0, y1 = y0 / 1.5, y1 * 1.5
        xa = Axis(x0, x1, cols * 2 - 1, log=self.log_x)
        ya = Axis(y0, y1, rows * 4 - 1, log=self.log_y)
        canvas = _Canvas(cols, rows)
        for one in self.series:
            pts = [(xa.position(x), ya.position(y)) for x, y in sorted(one.points)]
            if not one.lines:
                for px, py in pts:
                    canvas.mark(px, py, one.marker, one.color)
                continue
            for (ax, ay), (bx, by) in itertools.pairwise(pts):
                steps = max(abs(bx - ax), abs(by - ay), 1)
                for i in range(steps + 1):
                    canvas.dot(ax + (bx - ax) * i // steps, ay + (by - ay) * i // steps, one.color)
            if len(pts) == 1:
                canvas.dot(*pts[0], one.color)
        labels = _y_labels(ya, rows)
        for row in range(rows):
            text.append(f"{labels.get(row, ''):>{LABEL_WIDTH - 1}} │", axis_style)
            canvas.draw_row(row, text)
            text.append("\n")
        text.append(f"{'':>{LABEL_WIDTH - 1}} └{_x_labels(xa, cols)}", axis_style)
        if self.x_title:
            scale = "log-log" if self.log_x and self.log_y else "log" if self.log_y else ""
            text.append(f"\n{'':>{LABEL_WIDTH}}{self.x_title}", axis_style)
            text.append(f"  ({scale} axes)" if scale else "", axis_style)
        for line in legend:
            text.append("\n" + " " * LABEL_WIDTH)
            for one in line:
                text.append(one.marker if not one.lines else "━", Style(color=one.color))
                text.append(f" {one.label}  ")
        return text

    def _legend(self, width: int) -> list[list[Series]]:
        """Split the legend into lines that fit `width` (at most a third of the height)."""
        lines: list[list[Series]] = [[]]
        used = LABEL_WIDTH
        for one in self.series:
            need = len(one.label) + 4
            if lines[-1] and used + need > width:
                lines.append([])
                used = LABEL_WIDTH
            lines[-1].append(one)
            used += need
        return lines[: max(self.size.height // 3, 1)]


def _y_labels(ya: Axis, rows: int) -> dict[int, str]:
    """Return row → label: both ends, and the round values between that have room."""
    labels = {0: short(ya.high), rows - 1: short(ya.low)}
    for value in ticks(ya.low, ya.high, log=ya.log):
        row = (rows * 4 - 1 - ya.position(value)) // 4
        if all(abs(row - taken) > 1 for taken in labels):
            labels[row] = short(value)
    return labels


def _x_labels(xa: Axis, cols: int) -> str:
    """Return the x axis line: both ends and the round values between that have room."""
    line = [" "] * cols
    placed: list[tuple[int, int]] = []

    def put(at: int, label: str) -> None:
        at = min(max(at, 0), cols - len(label))
        if all(at + len(label) + 1 < a or b + 1 < at for a, b in placed):
            line[at : at + len(label)] = label
            placed.append((at, at + len(label)))

    put(0, short(xa.low))
    put(cols, short(xa.high))
    for value in ticks(xa.low, xa.high, log=xa.log):
        label = short(value)
        put(xa.position(value) // 2 - len(label) // 2, label)
    return "".join(line).rstrip()


class _Canvas:
    """Braille dots (2×4 per cell) plus marker characters, each cell with one colour."""

    def __init__(self, cols: int, rows: int) -> None:
        self.rows = rows
        self.bits = [[0] * cols for _ in range(rows)]
        self.color: list[list[str | None]] = [[None] * cols for _ in range(rows)]
        self.glyph: list[list[str | None]] = [[None] * cols for _ in range(rows)]

    def _cell(self, px: int, py: int) -> tuple[int, int, int]:
        flipped = self.rows * 4 - 1 - py
        return flipped // 4, px // 2, flipped % 4

    def dot(self, px: int, py: int, color: str) -> None:
        """Set one dot (px from the left, py from the bottom)."""
        row, col, sub = self._cell(px, py)
        self.bits[row][col] |= DOTS[sub][px % 2]
        self.color[row][col] = color

    def mark(self, px: int, py: int, glyph: str, color: str) -> None:
        """Put a marker character in the cell holding dot (px, py)."""
        row, col, _ = self._cell(px, py)
        self.glyph[row][col] = glyph
        self.color[row][col] = color

    def draw_row(self, row: int, text: Text) -> None:
        """Append one row of cells to `text`, merging runs of one colour."""
        run, run_color = "", None
        for col, bits in enumerate(self.bits[row]):
            char = self.glyph[row][col] or (chr(0x2800 + bits) if bits else " ")
            color = self.color[row][col] if char != " " else None
            if color != run_color and run:
                text.append(run, Style(color=run_color) if run_color else None)
                run = ""
            run, run_color = run + char, color
        if run:
            text.append(run, Style(color=run_color) if run_color else None)
