"""bf16 and int8 in the TUI: per-dtype ladders, the precision view, dimmed rows, peaks."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.results import ResultsScreen
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.widgets.cpu_panel import CpuPanel
from sshapp.tui.widgets.kernel_table import KernelTable
from sshapp.tui.widgets.ladder import LadderChart
from tests.tui.fakes import FAKE_CPU, RATES, FakeService, lowp_history, oracle_history


@pytest.fixture
def lowp_app() -> BenchApp:
    service = FakeService(history=lowp_history(), lowp=True)
    return BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)


async def test_ladder_shows_one_dtype_at_a_time(lowp_app: BenchApp) -> None:
    async with lowp_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r", "2")
        await pilot.pause()
        ladder = lowp_app.screen.query_one("#ladder-chart", LadderChart)
        assert ladder.caption.startswith("f32 at 1024")
        seen = []
        for _ in range(4):
            await pilot.press("d")
            seen.append(ladder.caption.split(" at ")[0])
            assert {r.label.rsplit(".", 1)[1] for r in ladder.rungs} == {seen[-1]}
        assert seen == ["f64", "bf16", "int8", "f32"]
        await pilot.press("d", "d")  # bf16: naive -> AVX-512, slowest first
        assert [r.label for r in ladder.rungs] == ["ref.naive.bf16", "avx512.dot_14x32.bf16"]
        assert ladder.caption.startswith("bf16 at 1024")
        assert "×191" in str(ladder.render())  # 210 / 1.1 over naive


async def test_precision_view_compares_the_best_of_each_dtype(lowp_app: BenchApp) -> None:
    async with lowp_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r", "5")
        await pilot.pause()
        screen = lowp_app.screen
        assert isinstance(screen, ResultsScreen)
        assert screen.query_one(TabbedContent).active == "precision"
        chart = screen.query_one("#precision-chart", LadderChart)
        assert chart.caption.startswith("precision at 1024 (1/3")
        assert "fastest kernel that ran per dtype" in str(
            screen.query_one("#precision-note").render()
        )
        best = {r.label.split()[0]: (r.label.split()[1], r.gflops) for r in chart.rungs}
        assert best["f32"] == ("avx2.packed_6x16.f32", pytest.approx(RATES["avx2.packed_6x16.f32"]))
        assert best["bf16"][0] == "avx512.dot_14x32.bf16"
        assert best["int8"] == ("avx512.vnni_14x32.int8", pytest.approx(420.0))
        assert [r.base for r in chart.rungs if r.label.startswith("f32")] == [True]
        text = str(chart.render())
        assert "×f32" in text
        assert f"×{420.0 / 52.0:.3g}" in text  # int8 over the best f32 kernel
        await pilot.press("right_square_bracket")  # the next size with most dtypes: 512
        assert "at 512" in chart.caption


async def test_unsupported_low_precision_kernels_are_dimmed_with_the_reason(
    lowp_app: BenchApp,
) -> None:
    async with lowp_app.run_test(size=(120, 40)):
        table = lowp_app.screen.query_one(KernelTable)
        assert {"dtype:bf16", "dtype:int8"} <= set(table.keys)
        assert table.cells("amx.tiles.bf16")[3] == "unsupported: CPU has no amx_tile"
        line = table.render_line(1 + table.keys.index("amx.tiles.int8"))
        assert "amx.tiles.int8" in line.text
        assert all(seg.style is not None and seg.style.dim for seg in line if seg.text.strip())


async def test_cpu_panel_lists_the_low_precision_peaks(lowp_app: BenchApp) -> None:
    async with lowp_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        console = Console(width=160, record=True, color_system=None)
        console.print(lowp_app.screen.query_one(CpuPanel).describe())
        text = console.export_text()
        assert "avx512_bf16.bf16 235.0" in text
        assert "avx512_vnni.int8 470.0" in text
        assert "amx.bf16" not in text  # not measured here: not listed


async def test_setup_offers_every_dtype(lowp_app: BenchApp) -> None:
    async with lowp_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s", *"avx512.* ref.*")
        screen = lowp_app.screen
        assert isinstance(screen, SetupScreen)
        select = screen.query_one("#dtype", Select)
        for name in ("bf16", "int8"):
            select.value = name  # an unknown option would raise InvalidSelectValueError
        select.value = "int8"
        screen.query_one("#m", Input).value = "256"
        await pilot.pause()
        assert screen.error == ""
        assert [r.kernel_id for r in screen.runs] == ["avx512.vnni_14x32.int8", "ref.naive.int8"]


async def test_precision_view_runs_wide_to_narrow_and_names_oracle_only_rows() -> None:
    """f64 → f32 → bf16 → int8 (the README's order), and a dtype whose only run is its
    naive oracle is not set against packed f32 ("×0.02" would read as 50× slower)."""
    service = FakeService(history=oracle_history(), lowp=True)
    app = BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r", "5")
        await pilot.pause()
        chart = app.screen.query_one("#precision-chart", LadderChart)
        assert [r.label.split()[0] for r in chart.rungs] == ["f64", "f32", "bf16", "int8"]
        text = str(chart.render())
        assert "bf16 and int8: only their naive oracles ran" in text
        assert f"×{1.1 / 52.0:.3g}" not in text
        assert f"×{RATES['avx2.packed_4x8.f64'] / 52.0:.3g}" in text  # f64 packed vs f32 packed
        note = str(app.screen.query_one("#precision-note").render())
        assert "fastest kernel that ran" in note


async def test_precision_view_keeps_the_table_order_when_packed_kernels_ran(
    lowp_app: BenchApp,
) -> None:
    async with lowp_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r", "5")
        await pilot.pause()
        chart = lowp_app.screen.query_one("#precision-chart", LadderChart)
        assert [r.label.split()[0] for r in chart.rungs] == ["f64", "f32", "bf16", "int8"]
        assert "oracle" not in str(chart.render())


async def test_the_results_table_does_not_call_int8_rows_gflops(lowp_app: BenchApp) -> None:
    """Issue 26.15: "best GF/s" stood over int8 rows counted in GOP/s."""
    async with lowp_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        table = lowp_app.screen.query_one("#results-table", DataTable)
        labels = [c.label.plain for c in table.ordered_columns]
        assert not [label for label in labels if "GF/s" in label]
        assert "int8: GOP/s" in str(lowp_app.screen.query_one("#sort-line", Static).render())
        await pilot.press("2", "d", "d", "d")  # the int8 ladder says its unit
        ladder = lowp_app.screen.query_one("#ladder-chart", LadderChart)
        assert ladder.caption.startswith("int8")
        assert "GOP/s" in str(ladder.render()).splitlines()[0]
