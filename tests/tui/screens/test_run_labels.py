"""What the run view says of a run: the peak it is held against, why a figure is missing."""

from __future__ import annotations

from textual.widgets import Input, Static

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.run import RunScreen
from sshapp.tui.widgets.cpu_panel import CpuPanel
from sshapp.tui.widgets.sample_chart import SampleChart
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU, PEAKS, FakeService, team_rate
from tests.tui.widgets.test_charts import Host


async def run_one(app: BenchApp, kernel: str, *, threads: str = "1", dtype: str = "") -> str:
    """Submit one run at 256 from the setup form; return the run view's stats text."""
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        setup = app.screen
        setup.query_one("#kernels", Input).value = kernel
        setup.query_one("#m", Input).value = "256"
        setup.query_one("#threads", Input).value = threads
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(lambda: len(app.session.results) == 1)
        screen = app.screen
        assert isinstance(screen, RunScreen)
        await wait_for(lambda: not screen.busy)
        await pilot.pause(0.3)  # the stats timer ticks
        return str(screen.query_one("#run-stats", Static).render())


async def test_a_two_thread_run_is_held_against_the_two_core_peak() -> None:
    """Issue 26.9: it read "151% of avx2 peak 64.0" (one core's peak)."""
    text = await run_one(
        BenchApp(FakeService(), "tester", cpu=FAKE_CPU), "avx2.packed_6x16.f32", threads="2"
    )
    best = team_rate("avx2.packed_6x16.f32", 2)
    share = f"{best / (2 * PEAKS[('avx2', 'f32')]):.0%}"
    assert f"{share} of 2-core avx2 peak {2 * PEAKS[('avx2', 'f32')]:.0f}" in text
    assert f"{share} of 2-core peak" in text  # the verdict line says the same
    assert all(len(line) <= 78 for line in text.splitlines())  # 80 columns, padding 1


async def test_a_reference_kernel_names_the_peak_it_is_held_against() -> None:
    """Issue 26.15: "7% of ref peak" named no peak that exists (ref has no probe)."""
    text = await run_one(BenchApp(FakeService(), "tester", cpu=FAKE_CPU), "ref.naive.f32")
    assert "ref peak" not in text
    assert "of best f32 peak 64" in text


async def test_missing_peak_and_blas_figures_say_why() -> None:
    """Issue 26.15: "- of peak, - BLAS" gave no reason for bf16 / int8."""
    app = BenchApp(FakeService(lowp=True, measured=False), "tester", cpu=FAKE_CPU)
    text = await run_one(app, "ref.naive.bf16")
    assert "- of peak" not in text
    assert "- BLAS" not in text
    assert "peak not measured yet" in text
    assert "no host BLAS for bf16" in text


async def test_one_repetition_is_labelled_once() -> None:
    """Issue 26.15: the repetition axis read "rep └1 1"."""
    chart = SampleChart()
    async with Host(chart).run_test(size=(40, 10)) as pilot:
        chart.set_samples((12.0,))
        await pilot.pause()
        axis = str(chart.render()).splitlines()[-1]
        assert axis.split("└", 1)[1].split() == ["1"]
        chart.set_samples((12.0, 13.0, 11.0))
        await pilot.pause()
        assert str(chart.render()).splitlines()[-1].split("└", 1)[1].split() == ["1", "3"]


async def test_cpu_panel_says_its_peaks_are_one_core() -> None:
    """Issue 26.9: the panel did not say its peak is per core (per thread)."""
    app = BenchApp(FakeService(), "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        from rich.console import Console

        console = Console(width=120, record=True, color_system=None)
        console.print(app.screen.query_one(CpuPanel).describe())
        text = console.export_text()
        assert "peak, 1 core" in text
        assert "runs on N threads are held against the peak measured on N cores" in text
