"""The kernel picker: grouped by dtype, unsupported kernels dimmed and never picked."""

from __future__ import annotations

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.kernels import KernelsScreen
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.widgets.kernel_table import KernelTable


async def test_groups_blas_rows_and_unsupported_reason(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(KernelTable)
        keys = [row.key.value for row in table.ordered_rows]
        assert keys[0] == "dtype:f32"
        assert "dtype:f64" in keys
        assert "blas.numpy.f32" in keys
        assert "blas.numpy.f64" in keys
        assert table.cursor_row == 2  # on the first supported kernel, not the header
        cells = table.get_row("avx512.packed_16x14.f32")
        assert "unsupported: CPU has no avx512f" in str(cells[3])
        assert "dim" in str(cells[1].style)
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
