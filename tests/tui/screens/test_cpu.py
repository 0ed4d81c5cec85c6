"""The CPU panel: model, feature states, caches, peaks."""

from __future__ import annotations

from dataclasses import replace

from sshapp.tui.app import BenchApp
from sshapp.tui.widgets.cpu_panel import CpuPanel
from tests.tui.fakes import FAKE_CPU, FakeService


def panel_text(app: BenchApp) -> str:
    panel = app.screen.query_one(CpuPanel)
    from rich.console import Console

    console = Console(width=120, record=True, color_system=None)
    console.print(panel.describe())
    return console.export_text()


async def test_shows_model_features_caches_peaks(app: BenchApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        text = panel_text(app)
        assert "AMD EPYC 7B13 (fake)" in text
        assert "✓avx2" in text
        assert "✗avx512f" in text
        assert "L1d 32 KiB · L2 512 KiB · L3 32 MiB" in text
        assert "avx2.f32 64.0" in text
        assert "12.5 GB/s" in text


async def test_masked_features_and_unmeasured_peaks() -> None:
    cpu = replace(FAKE_CPU, features={**FAKE_CPU.features, "avx2": False})
    app = BenchApp(FakeService(measured=False), "tester", cpu=cpu)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        text = panel_text(app)
        assert "◌avx2" in text
        assert "not measured" in text
