"""The kernel picker: grouped by dtype, unsupported kernels dimmed and never picked."""

from __future__ import annotations

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.kernels import KernelsScreen
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.widgets.kernel_table import KernelTable


async def test_groups_blas_rows_and_unsupported_reason(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(KernelTable)
        keys = table.keys
        assert keys[0] == "dtype:f32"
        assert "dtype:f64" in keys
        assert "blas.numpy.f32" in keys
        assert "blas.numpy.f64" in keys
        assert table.cursor_row == 2  # on the first supported kernel, not the header
        cells = table.cells("avx512.packed_16x14.f32")
        assert cells[3] == "unsupported: CPU has no avx512f"
        line = table.render_line(1 + keys.index("avx512.packed_16x14.f32"))
        assert "avx512.packed_16x14.f32" in line.text
        assert all(seg.style is not None and seg.style.dim for seg in line if seg.text.strip())
        await pilot.press("up")
        detail = str(app.screen.query_one("#kernel-detail").render())
        assert "unsupported here" in detail
        await pilot.press("space", "enter")  # cannot mark or pick it
        await pilot.pause()
        assert table.marked == []
        assert isinstance(app.screen, KernelsScreen)


async def test_mark_a_whole_dtype(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["down"] * 10, "a", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert app.session.selected == ["avx2.packed_4x8.f64", "ref.naive.f64", "blas.numpy.f64"]
        assert app.screen.query_one("#kernels").value == " ".join(app.session.selected)  # type: ignore[attr-defined]


async def test_cursor_skips_headers_and_stays_in_view(app: BenchApp) -> None:
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.screen.query_one(KernelTable)
        keys = table.keys
        await pilot.press("end")
        assert keys[table.cursor_row] == "blas.numpy.f64"
        shown = [table.render_line(y).text for y in range(table.size.height)]
        assert any("blas.numpy.f64" in line for line in shown)  # scrolled to the cursor
        await pilot.press("up", "up", "up")  # over the f64 header onto blas.numpy.f32
        assert keys[table.cursor_row] == "blas.numpy.f32"
        await pilot.press("home")
        assert keys[table.cursor_row] == "avx512.packed_16x14.f32"


async def test_click_highlights_then_picks(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(KernelTable)
        y = 1 + table.keys.index("avx2.simd.f32")  # line 0 is the column headings
        await pilot.click(KernelTable, offset=(5, y))
        assert table.keys[table.cursor_row] == "avx2.simd.f32"
        assert isinstance(app.screen, KernelsScreen)
        await pilot.click(KernelTable, offset=(5, y))
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert app.session.selected == ["avx2.simd.f32"]
