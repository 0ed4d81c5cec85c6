"""BarChart, the base of the live bar charts: scaling, bar cells, one span per style run."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from sshapp.tui.widgets.bar_chart import BarChart

BAR, MARK = Style(color="green"), Style(color="yellow")


def test_top_is_the_ceiling_or_just_above_the_largest_value_and_never_below_one() -> None:
    chart = BarChart()
    assert chart.top([10.0, 20.0]) == 20.0 * 1.1
    assert chart.top([]) == 1.1
    assert chart.top([0.0]) == 1.0
    chart.ceiling = 100.0
    assert chart.top([10.0]) == 100.0
    chart.ceiling = 5.0  # a ceiling below a value is raised to it: no bar is cut off
    assert chart.top([10.0]) == 10.0


def test_bars_fill_rows_in_eighths_from_the_bottom_with_one_span_per_style_run() -> None:
    levels = BarChart.levels([1.0, 0.5, 0.25], 1.0, 2)
    assert levels == [16, 8, 4]
    bars = [(levels[0], BAR), (levels[1], BAR), (levels[2], MARK)]
    top_row, bottom_row = Text(), Text()
    BarChart.append_bars(top_row, bars, 0, 2)
    BarChart.append_bars(bottom_row, bars, 1, 2)
    assert top_row.plain == "█  "
    assert bottom_row.plain == "██▄"
    assert [(s.start, s.end, s.style) for s in bottom_row.spans] == [(0, 2, BAR), (2, 3, MARK)]


def test_wide_cells_repeat_the_glyph_and_end_in_a_gap() -> None:
    row = Text()
    BarChart.append_bars(row, [(8, BAR), (4, BAR)], 0, 1, cell=3)
    assert row.plain == "██ ▄▄ "
