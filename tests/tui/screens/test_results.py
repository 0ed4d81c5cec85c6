"""The results screen: session runs then history, sorting, ladder sizes, tabs."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static, TabbedContent

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.results import SORTS, ResultsScreen
from sshapp.tui.widgets.ladder import LadderChart
from sshapp.tui.widgets.line_chart import LineChart
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU, FakeService, ladder_history, rerun_history


async def test_table_sorts_and_inverts(app: BenchApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        table = screen.query_one("#results-table", DataTable)
        assert table.row_count == len(ladder_history())
        best = [float(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert best == sorted(best, reverse=True)
        await pilot.press("o")  # kernel
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert names == sorted(names)
        await pilot.press("i")
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert names == sorted(names, reverse=True)
        for _ in SORTS:
            await pilot.press("o")
        assert "sorted by kernel" in str(screen.query_one("#sort-line").render())


async def test_tabs_and_ladder_sizes(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "2")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one(TabbedContent).active == "ladder"
        ladder = screen.query_one(LadderChart)
        assert ladder.caption.startswith("f32 at 1024")
        await pilot.press("right_square_bracket")
        assert ladder.caption.startswith("f32 at 512")
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert "(6/6" in ladder.caption
        for key, tab in (("3", "sweep"), ("4", "roofline"), ("1", "table")):
            await pilot.press(key)
            assert screen.query_one(TabbedContent).active == tab


async def test_a_scaling_series_from_setup_lands_in_the_scaling_view() -> None:
    service = FakeService()
    app = BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        setup = app.screen
        setup.query_one("#kernels", Input).value = "avx2.packed_6x16.f32"
        setup.query_one("#m", Input).value = "256"
        setup.query_one("#threads", Input).value = "1,2"
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(lambda: len(app.session.results) == 2)
        assert [r.run.threads for r in app.session.results] == [1, 2]
        await pilot.press("r", "6")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "scaling"
        chart = app.screen.query_one("#scaling-chart", LineChart)
        labels = [s.label for s in chart.series]
        assert labels == ["ideal", "peak avx2.f32", "avx2.packed_6x16.f32 256"]
        notes = str(app.screen.query_one("#scaling-notes", Static).render())
        assert "1: 52 · 2: 97 (93%)" in notes
        table = app.screen.query_one(DataTable)
        assert [c.label.plain for c in table.ordered_columns][2] == "thr"


async def test_ladder_runs_in_ladder_order_with_the_newest_figures() -> None:
    """Not sorted by the best run ever: naive → reorder → simd → ukr → packed, then BLAS;
    the newest run of each step; the skinny side path left out; what each step adds."""
    service = FakeService(history=rerun_history(), side_paths=True)
    app = BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r", "2")
        await pilot.pause()
        chart = app.screen.query_one("#ladder-chart", LadderChart)
        assert chart.caption.startswith("f32 at 1024")
        assert [r.label for r in chart.rungs] == [
            "ref.naive.f32",
            "ref.reorder.f32",
            "avx2.simd.f32",
            "avx2.ukr_6x16.f32",
            "avx2.packed_6x16.f32",
            "blas.numpy.f32",
        ]
        packed = chart.rungs[4]
        assert packed.gflops == pytest.approx(20.0)  # the newest run, not the best (52)
        text = str(chart.render())
        assert "skinny" not in text
        assert "ikj loop order: unit-stride inner loop" in text  # what reorder adds
        assert f"×{20.0 / 31.0:.3g}" in text  # packed over ukr: the newest run lost


async def test_sweep_and_roofline_show_the_sweep_just_run() -> None:
    """Issue 26.10: every stored run was plotted, not the sweep just run; roofline
    markers (and colours) repeated."""
    service = FakeService(history=ladder_history())
    app = BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        setup = app.screen
        setup.query_one("#kernels", Input).value = "avx2.ukr_6x16.f32 avx2.simd.f32"
        setup.query_one("#sweep", Input).value = "64 128 192"
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(lambda: len(app.session.results) == 6)
        await pilot.press("r", "3")
        await pilot.pause()
        sweep = app.screen.query_one("#sweep-chart", LineChart)
        assert sorted(s.label for s in sweep.series) == ["avx2.simd.f32", "avx2.ukr_6x16.f32"]
        assert all(len(s.points) == 3 for s in sweep.series)
        caption = str(app.screen.query_one("#sweep-caption", Static).render())
        assert "latest batch" in caption
        await pilot.press("4")
        roof = app.screen.query_one("#roof-chart", LineChart)
        kernels = [s for s in roof.series if not s.label.startswith("roof")]
        assert sorted(s.label for s in kernels) == ["avx2.simd.f32", "avx2.ukr_6x16.f32"]


async def test_roofline_markers_and_colours_do_not_repeat() -> None:
    """With many kernels in history, no two kernels share a (marker, colour) pair."""
    app = BenchApp(FakeService(history=ladder_history()), "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r", "4")
        await pilot.pause()
        roof = app.screen.query_one("#roof-chart", LineChart)
        kernels = [s for s in roof.series if not s.label.startswith("roof")]
        assert len(kernels) >= 8
        pairs = [(s.marker, s.color) for s in roof.series]
        assert len(set(pairs)) == len(pairs)
        colours = [s.color for s in roof.series]
        assert len(set(colours)) == len(colours)  # 12 colours: enough for this history
