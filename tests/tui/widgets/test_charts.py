"""The chart widgets draw what they are given and stay within their size."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widget import Widget

from sshapp.tui.widgets.ladder import LadderChart, Rung
from sshapp.tui.widgets.line_chart import LineChart, Series
from sshapp.tui.widgets.sample_chart import SampleChart
from sshapp.tui.widgets.scale import Axis, short


class Host(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def lines(widget: Widget) -> list[str]:
    return str(widget.render()).splitlines()


def test_short_numbers_and_axes() -> None:
    assert short(0.0123) == "0.0123"
    assert short(1234.4) == "1234"
    assert short(12345.0) == "12.3k"
    axis = Axis(1, 1000, 30, log=True)
    assert axis.position(1) == 0
    assert axis.position(1000) == 30
    assert axis.position(31.6) == 15
    assert Axis(0, 10, 10).position(20) == 10


async def test_sample_chart_grows_and_repaints_on_its_timer() -> None:
    chart = SampleChart()
    async with Host(chart).run_test(size=(40, 10)) as pilot:
        assert "waiting" in lines(chart)[0]
        chart.set_samples((10.0, 20.0, 15.0))
        await pilot.pause(2 / SampleChart.MAX_FPS)
        drawn = lines(chart)
        assert len(drawn) == 10
        assert all(len(line) <= 40 for line in drawn)
        assert "22" in drawn[0]  # the top label, just above the best sample
        assert drawn[-1].rstrip().endswith("3")  # repetitions 1..3
        chart.set_samples(tuple(float(i % 7 + 1) for i in range(500)))
        drawn = lines(chart)
        assert drawn[-1].rstrip().endswith("500")  # the newest on the right, old ones scroll off


async def test_ladder_keeps_the_given_order_with_speedups_and_notes() -> None:
    """The ladder's order is the table's, not a ranking: a slower step stays in place."""
    chart = LadderChart()
    async with Host(chart).run_test(size=(80, 12)) as pilot:
        chart.set_rungs(
            [
                Rung("ref.naive.f32", 1.0, note="the triple loop"),
                Rung("avx2.simd.f32", 10.0),
                Rung("avx2.ukr_6x16.f32", 5.0),
                Rung("blas.numpy.f32", 50.0, True),
            ],
            "f32 at 1024",
        )
        await pilot.pause()
        drawn = lines(chart)
        assert drawn[1].startswith("ref.naive.f32")
        assert drawn[2] == "  └ the triple loop"
        assert drawn[3].startswith("avx2.simd.f32")
        assert "×10" in drawn[3]
        assert drawn[4].startswith("avx2.ukr_6x16.f32")
        assert drawn[4].split()[-1] == "×0.5"  # over the step above it
        assert drawn[5].startswith("blas.numpy.f32")
        assert "×50" in drawn[5]
        assert all(len(line) <= 80 for line in drawn)


async def test_line_chart_draws_lines_markers_and_legend() -> None:
    chart = LineChart()
    async with Host(chart).run_test(size=(60, 12)) as pilot:
        assert lines(chart) == ["nothing to draw yet"]
        chart.set_series(
            [
                Series("a", [(1.0, 1.0), (100.0, 100.0)]),
                Series("b", [(10.0, 5.0)], lines=False, marker="▲"),
            ],
            "x",
        )
        await pilot.pause()
        text = "\n".join(lines(chart))
        assert "▲" in text
        assert any("\u2800" < ch <= "\u28ff" for ch in text)
        assert "━ a" in text
        assert "▲ b" in text


def test_series_colours_stay_apart_in_256_and_16_colours() -> None:
    """Issue 26.10: three series fell on one colour in 256 colours, and one was drawn in
    the text colour under TERM=xterm (16 colours)."""
    from rich.color import Color, ColorSystem

    from sshapp.tui.widgets.line_chart import PALETTE

    assert len(PALETTE) >= 12
    for system in (ColorSystem.EIGHT_BIT, ColorSystem.STANDARD):
        numbers = [Color.parse(c).downgrade(system).number for c in PALETTE]
        assert len(set(numbers)) == len(numbers), system
    standard = {Color.parse(c).downgrade(ColorSystem.STANDARD).number for c in PALETTE}
    assert not standard & {0, 7, 8, 15}  # black, white, greys: the background and text


async def test_line_chart_labels_the_decades_between_its_ends() -> None:
    """Issue 26.10: the axes had labels only at their two ends."""
    chart = LineChart()
    async with Host(chart).run_test(size=(60, 20)) as pilot:
        chart.set_series([Series("a", [(1.0, 1.0), (1000.0, 1000.0)])], "x")
        await pilot.pause()
        drawn = lines(chart)
        y_labels = [line.split("│")[0].strip() for line in drawn if "│" in line]
        assert {"10", "100"} <= set(y_labels)
        x_axis = next(line for line in drawn if "└" in line).split()
        assert {"10", "100"} <= set(x_axis)
