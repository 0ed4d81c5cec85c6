"""`q` during a run asks first; a second `q` or `y` confirms (issue 26, item 17)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.quit import QuitScreen
from sshapp.tui.screens.run import RunScreen
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU, FakeService


async def start_long_batch(pilot: Pilot[Any]) -> RunScreen:
    """Submit two long runs of ref.naive.f32 and wait for the first samples."""
    app = pilot.app
    await pilot.press("s")
    await pilot.pause()
    app.screen.query_one("#kernels", Input).value = "ref.naive.f32,ref.reorder.f32"
    app.screen.query_one("#amount", Input).value = "500"
    await pilot.pause()
    await pilot.press("ctrl+r")
    await wait_for(lambda: isinstance(app.screen, RunScreen))
    run = app.screen
    assert isinstance(run, RunScreen)
    await wait_for(lambda: len(run.samples) >= 2)
    return run


def _app(service: FakeService) -> BenchApp:
    return BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)


async def test_q_mid_batch_asks_and_n_keeps_it_running() -> None:
    service = FakeService(delay=0.05)
    app = _app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        run = await start_long_batch(pilot)
        await pilot.press("q")
        await wait_for(lambda: isinstance(app.screen, QuitScreen))
        text = str(app.screen.query_one("#quit-question", Static).render())
        assert "run 1 of 2" in text
        assert "ref.naive.f32" in text
        await pilot.press("n")
        await wait_for(lambda: app.screen is run)
        assert run.busy
        samples = len(run.samples)
        await wait_for(lambda: len(run.samples) > samples)  # still streaming
        await pilot.press("q")
        await wait_for(lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("escape")
        await wait_for(lambda: app.screen is run)
        assert run.busy
        assert app.is_running
        assert not service.cancelled


async def test_a_second_q_confirms_and_cancels_the_batch() -> None:
    service = FakeService(delay=0.05)
    app = _app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_long_batch(pilot)
        await pilot.press("q", "q")
        await pilot.pause()
    assert app.return_code == 0
    assert service.cancelled


async def test_y_confirms() -> None:
    app = _app(FakeService(delay=0.05))
    async with app.run_test(size=(120, 40)) as pilot:
        await start_long_batch(pilot)
        await pilot.press("q")
        await wait_for(lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_q_after_the_batch_quits_at_once() -> None:
    app = _app(FakeService())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "space", "enter")
        await pilot.click("#preset-256")
        await pilot.press("ctrl+r")
        await wait_for(lambda: len(app.session.results) == 1)
        run = app.screen
        assert isinstance(run, RunScreen)
        await wait_for(lambda: not run.busy)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
