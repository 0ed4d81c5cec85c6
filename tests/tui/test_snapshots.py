"""Snapshot tests of the main screens at 80×24 and 120×40 (fixed fake data, no clock)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.lesson import LessonScreen
from sshapp.tui.screens.quit import QuitScreen
from sshapp.tui.screens.run import RunScreen
from sshapp.tui.screens.tune import TuneScreen
from tests.tui.conftest import wait_for
from tests.tui.fakes import (
    FAKE_CPU,
    FakeService,
    ladder_history,
    lowp_history,
    oracle_history,
    rerun_history,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
"""Terminal sizes every main screen must look right at."""

SnapCompare = Callable[..., bool]


def make_app() -> BenchApp:
    return BenchApp(FakeService(history=ladder_history()), "tester", host="bench", cpu=FAKE_CPU)


async def finished_run(pilot: Pilot[Any]) -> None:
    """Pick two kernels, run them at 256 and wait until both finished."""
    await pilot.press("down", "space", "down", "space", "enter")
    await pilot.click("#preset-256")
    await pilot.press("ctrl+r")
    app = pilot.app
    assert isinstance(app, BenchApp)
    await wait_for(lambda: isinstance(app.screen, RunScreen) and len(app.session.results) == 2)
    await wait_for(lambda: not app.screen.busy)  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # the throttled chart and stats timers tick


def keys(*pressed: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press(*pressed)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_kernel_table(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("down"))


@pytest.mark.parametrize("size", SIZES)
def test_setup_with_an_error(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("s", *"avx512.*"))


@pytest.mark.parametrize("size", SIZES)
def test_run_view_after_a_run(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=finished_run)


@pytest.mark.parametrize("size", SIZES)
def test_results_ladder(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("r", "2"))


@pytest.mark.parametrize("size", SIZES)
def test_results_roofline(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("r", "4"))


@pytest.mark.parametrize("size", SIZES)
def test_results_precision(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Best f32 vs bf16 vs int8 at one size, on a Zen 4-like fake with the BF16/VNNI rows."""
    service = FakeService(history=lowp_history(), lowp=True)
    app = BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)
    assert snap_compare(app, terminal_size=size, run_before=keys("r", "5"))


@pytest.mark.parametrize("size", SIZES)
def test_results_scaling(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("r", "6"))


@pytest.mark.parametrize("size", SIZES)
def test_cpu_panel(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("c"))


def test_help(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=keys("question_mark"))


async def mid_tune(pilot: Pilot[Any]) -> None:
    """Open the Tune screen, halve KC, step MC up twice, type NC: one sample per change."""
    app = pilot.app
    assert isinstance(app, BenchApp)
    service = app.session.service
    assert isinstance(service, FakeService)
    service.live_per_change = 1
    await pilot.press("t")
    screen = app.screen
    assert isinstance(screen, TuneScreen)

    async def sampled(changes: int) -> None:
        await wait_for(
            lambda: len(screen.tune.first_samples) >= changes and screen.tune.now_gflops is not None
        )

    await sampled(0)
    for step, keys_ in enumerate(
        [("left",), ("down", "right_square_bracket"), ("right_square_bracket",), ("left",)]
    ):
        await pilot.press(*keys_)
        await sampled(step + 1)
    await pilot.press("down", "e", *"4096", "enter")
    await sampled(5)
    await pilot.pause(0.4)  # the throttled trace repaints


@pytest.mark.parametrize("size", SIZES)
def test_tune_mid_tune(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=mid_tune)


@pytest.mark.parametrize("size", SIZES)
def test_results_table(
    snap_compare: SnapCompare, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dates (in UTC here) and blocks; nothing cut (issue 26, items 12 and 17)."""
    from tests.tui.screens.test_results_table import blocked_history

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    app = BenchApp(FakeService(history=blocked_history()), "tester", host="bench", cpu=FAKE_CPU)
    try:
        assert snap_compare(app, terminal_size=size, run_before=keys("r"))
    finally:
        monkeypatch.undo()
        time.tzset()


async def asked_to_quit(pilot: Pilot[Any]) -> None:
    """A run waits in the host queue (for a minute: nothing moves), then q."""
    await pilot.press("s")
    await pilot.pause()
    app = pilot.app
    app.screen.query_one("#kernels", Input).value = "ref.naive.f32"
    await pilot.pause()
    await pilot.press("ctrl+r")
    await wait_for(lambda: isinstance(app.screen, RunScreen) and app.screen.busy)
    await pilot.press("q")
    await wait_for(lambda: isinstance(app.screen, QuitScreen))
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", SIZES)
def test_quit_asks_mid_batch(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Issue 26, item 17: q while a batch waits or runs asks first."""
    service = FakeService(history=ladder_history(), queue_ahead=1, queue_delay=60)
    app = BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)
    assert snap_compare(app, terminal_size=size, run_before=asked_to_quit)


async def lesson_measured(pilot: Pilot[Any]) -> None:
    """Open the lesson of the packed AVX2 step (e on the table) and time it at 512."""
    await pilot.press("e")
    app = pilot.app
    await wait_for(lambda: isinstance(app.screen, LessonScreen) and app.screen.lesson is not None)
    await pilot.press("m")
    await wait_for(lambda: "verdict" in str(app.screen.query_one("#lesson-answer").render()))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_results_ladder_newest_run(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Issue 26.2: a rerun where packed ran slow, and a skinny-path run in history."""
    app = BenchApp(
        FakeService(history=rerun_history(), side_paths=True), "tester", host="bench", cpu=FAKE_CPU
    )
    assert snap_compare(app, terminal_size=size, run_before=keys("r", "2"))


@pytest.mark.parametrize("size", SIZES)
def test_results_precision_oracles_only(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Issue 26.3: bf16 and int8 ran only their naive oracles."""
    app = BenchApp(
        FakeService(history=oracle_history(), lowp=True), "tester", host="bench", cpu=FAKE_CPU
    )
    assert snap_compare(app, terminal_size=size, run_before=keys("r", "5"))


async def after_autotune(pilot: Pilot[Any]) -> None:
    """Open Tune, run the (fake, deterministic) autotune, wait for the winner's sample."""
    app = pilot.app
    assert isinstance(app, BenchApp)
    service = app.session.service
    assert isinstance(service, FakeService)
    service.live_per_change = 1
    await pilot.press("t")
    screen = app.screen
    assert isinstance(screen, TuneScreen)
    await wait_for(lambda: screen.tune.now_gflops is not None)
    await pilot.press("a")
    await wait_for(lambda: screen.tune.verdict is not None)
    await wait_for(lambda: screen.tune.first_samples[-1].label == "winner")
    await pilot.pause(0.4)  # the throttled trace repaints


@pytest.mark.parametrize("size", SIZES)
def test_tune_after_autotune(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Issue 26.4: the verdict line and the numbers under it tell one story."""
    assert snap_compare(make_app(), terminal_size=size, run_before=after_autotune)


async def swept(pilot: Pilot[Any]) -> None:
    """Sweep two kernels over three sizes, then open the sweep view."""
    app = pilot.app
    assert isinstance(app, BenchApp)
    await pilot.press("s")
    await pilot.pause()
    app.screen.query_one("#kernels", Input).value = "avx2.ukr_6x16.f32 avx2.simd.f32"
    app.screen.query_one("#sweep", Input).value = "64 128 192"
    await pilot.pause()
    await pilot.press("ctrl+r")
    await wait_for(lambda: len(app.session.results) == 6)
    await wait_for(lambda: not app.screen.busy)  # type: ignore[attr-defined]
    await pilot.press("r", "3")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_lesson(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The lesson of avx2.packed_6x16.f32 (real header and registers, fake host numbers)."""
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("e"))


@pytest.mark.parametrize("size", SIZES)
def test_lesson_measured(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=lesson_measured)


@pytest.mark.parametrize("size", SIZES)
def test_results_sweep_after_a_sweep(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Issue 26.10: the sweep just run, in colours that stay apart, with round ticks."""
    assert snap_compare(make_app(), terminal_size=size, run_before=swept)
