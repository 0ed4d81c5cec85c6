"""The run view on the fake engine: cancelling until the host is free, waits that show
their time, no stale bars, keys and counts that say what is true (issue 26.5, 26.14)."""

from __future__ import annotations

import re

from textual.pilot import Pilot

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.run import RunScreen
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.widgets.key_bar import KeyBar
from sshapp.tui.widgets.sample_chart import SampleChart
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU, FakeService


async def submit(pilot: Pilot[int], kernels: str = "ref.naive.f32", reps: str = "5") -> RunScreen:
    """Set up `kernels` at 64 with `reps` repetitions, run, return the run view."""
    app = pilot.app
    await pilot.press("s")
    setup = app.screen
    assert isinstance(setup, SetupScreen)
    setup.query_one("#kernels").value = kernels  # type: ignore[attr-defined]
    setup.query_one("#m").value = "64"  # type: ignore[attr-defined]
    setup.query_one("#amount").value = reps  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.press("ctrl+r")
    await wait_for(lambda: isinstance(app.screen, RunScreen))
    run = app.screen
    assert isinstance(run, RunScreen)
    return run


def title(run: RunScreen) -> str:
    return str(run.query_one("#run-title").render())


def keys(run: RunScreen) -> set[str]:
    return {item.description for item in run.query_one(KeyBar).items}


async def test_cancel_says_cancelling_until_the_run_has_stopped() -> None:
    service = FakeService(delay=0.05)
    service.stop_delay = 1.0  # the repetition the worker is in when x comes
    app = BenchApp(service, "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        run = await submit(pilot, "ref.naive.f32 avx2.simd.f32", reps="500")
        await wait_for(lambda: len(run.samples) >= 2)
        await pilot.press("x")
        await pilot.pause(0.4)
        assert run.state.startswith("cancelling")
        assert run.busy
        assert "cancelling" in title(run)
        await wait_for(lambda: run.state == "cancelled")
        await wait_for(lambda: not run.busy)
        assert [r.kernel_id for r in service.started] == ["ref.naive.f32"]  # not the next


async def test_the_wait_for_the_first_repetition_shows_its_time() -> None:
    service = FakeService(delay=4.0)
    app = BenchApp(service, "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        run = await submit(pilot)
        chart = run.query_one(SampleChart)
        await pilot.pause(1.3)
        waiting = str(chart.render())
        assert "waiting for the first repetition" in waiting
        assert re.search(r"… [1-9]\d* s", waiting), waiting  # seconds waited, ticking


async def test_a_queued_run_shows_no_bars_of_the_previous_one() -> None:
    service = FakeService(delay=0.01)
    app = BenchApp(service, "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        run = await submit(pilot)
        await wait_for(lambda: len(app.session.results) == 1 and not run.busy)
        assert len(run.query_one(SampleChart).samples) == 5
        service.queue_ahead, service.queue_delay = 1, 5.0
        await submit(pilot)  # the same run again: it waits in the queue first
        await wait_for(lambda: run.state.startswith("queued"))
        assert run.query_one(SampleChart).samples == ()
        assert run.samples == ()


async def test_cancel_key_only_while_something_runs_and_reps_say_of_how_many() -> None:
    service = FakeService(delay=0.2)
    app = BenchApp(service, "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        run = app.screen
        assert isinstance(run, RunScreen)
        await pilot.pause()
        assert "Cancel run" not in keys(run)
        await submit(pilot)
        await wait_for(lambda: len(run.samples) >= 1)
        await pilot.pause(0.3)
        assert "Cancel run" in keys(run)
        assert re.search(r"rep \d/5 ", title(run))
        await wait_for(lambda: not run.busy, timeout=10)
        await pilot.pause(0.3)
        assert "rep 5/5 " in title(run)
        assert "Cancel run" not in keys(run)
