"""Pilot tests of the Tune screen on the fake engine: keys, typing, autotune, save, cancel."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from sshapp.bench.blocking.store import Tuned
from sshapp.kernels import Blocking
from sshapp.tui import tunetext
from sshapp.tui.app import BenchApp
from sshapp.tui.screens.tune import TuneScreen
from sshapp.tui.widgets.kernel_table import KernelTable
from sshapp.tui.widgets.tune_trace import TuneTrace
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU, FakeService

KERNEL = "avx2.packed_6x16.f32"


def make(service: FakeService) -> BenchApp:
    return BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)


def screen_of(app: BenchApp) -> TuneScreen:
    screen = app.screen
    assert isinstance(screen, TuneScreen)
    return screen


async def opened(pilot: Pilot[Any], app: BenchApp) -> TuneScreen:
    """Open the Tune screen and wait for its first sample."""
    await pilot.press("t")
    screen = screen_of(app)
    await wait_for(lambda: screen.query_one(TuneTrace).samples >= 1)
    return screen


async def changed_and_sampled(screen: TuneScreen, label: str) -> None:
    """Wait until the change `label` was made and a sample measured it."""
    await wait_for(
        lambda: (
            bool(screen.tune.changes)
            and screen.tune.changes[-1][1] == label
            and bool(screen.tune.first_samples)
            and screen.tune.first_samples[-1].change == screen.tune.changes[-1][0]
        )
    )


async def test_opens_on_a_packed_kernel_and_streams() -> None:
    service = FakeService()
    app = make(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        screen = screen_of(app)
        assert screen.tune.kernel_id == KERNEL
        await wait_for(lambda: screen.query_one(TuneTrace).samples >= 3)
        assert screen.tune.state == "running"
        assert service.live_runs == [KERNEL]
        assert screen.tune.model is not None
        assert screen.tune.current == screen.tune.model.blocking


async def test_keys_change_kc_and_mc_and_each_change_is_marked() -> None:
    app = make(FakeService())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        kc = screen.tune.current.KC if screen.tune.current else 0
        await pilot.press("left")  # halve KC
        await changed_and_sampled(screen, f"KC {kc // 2}")
        assert kc // 2 == screen.tune.first_samples[-1].blocking.KC
        await pilot.press("down")  # select MC
        mr = screen.tune.current.MR if screen.tune.current else 0
        mc = screen.tune.current.MC if screen.tune.current else 0
        await pilot.press("right_square_bracket")  # MC + MR
        await changed_and_sampled(screen, f"MC {mc + mr}")
        trace = screen.query_one(TuneTrace)
        await wait_for(
            lambda: (
                [c.label for c in trace.columns if c.label][-2:]
                == [
                    f"KC {kc // 2}",
                    f"MC {mc + mr}",
                ]
            )
        )


async def test_typed_values_and_an_invalid_one_is_flagged_and_not_run() -> None:
    app = make(FakeService())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        await pilot.press("e", *"96", "enter")  # KC 96
        await changed_and_sampled(screen, "KC 96")
        await pilot.press("down", "e", *"120", "enter")  # MC 120 (a multiple of MR=6)
        await changed_and_sampled(screen, "MC 120")
        before = list(screen.tune.changes)
        await pilot.press("e", *"7", "enter")  # not a multiple of MR
        await pilot.pause(0.1)
        assert "multiple of MR" in screen.note
        assert screen.query_one("#tune-note").has_class("-error")
        await pilot.press("escape", "e", *"abc", "enter")
        await pilot.pause(0.1)
        assert "not a positive whole number" in screen.note
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert screen.tune.changes == before
        assert screen.tune.current is not None
        assert screen.tune.current.MC == 120
        assert all(s.blocking.MC != 7 for s in screen.tune.first_samples)


async def test_autotune_runs_on_the_trace_and_ends_on_the_winner_then_saves() -> None:
    service = FakeService()
    app = make(service)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        await pilot.press("a")
        await wait_for(lambda: screen.tune.verdict is not None)
        verdict = screen.tune.verdict
        assert verdict is not None
        assert screen.tune.current is not None
        assert (
            verdict.mc,
            verdict.kc,
            verdict.nc,
        ) == (screen.tune.current.MC, screen.tune.current.KC, screen.tune.current.NC)
        assert any(label.startswith("tune") for _, label in screen.tune.changes)
        assert screen.tune.changes[-1][1] == "winner"
        await pilot.press("w")
        await pilot.pause()
        assert service.save_calls[-1] == (verdict, True)
        assert "for every user" in screen.note


async def test_autotune_can_be_cancelled() -> None:
    service = FakeService()
    service.live_delay = 0.05
    app = make(service)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        start = screen.tune.current
        await pilot.press("a")
        await wait_for(lambda: any(label.startswith("tune") for _, label in screen.tune.changes))
        await pilot.press("x")
        await wait_for(lambda: "autotune cancelled" in screen.note)
        assert screen.tune.verdict is None
        assert screen.tune.current == start
        assert screen.tune.state == "running"


async def test_queue_position_shown_and_leaving_cancels() -> None:
    service = FakeService(queue_ahead=2, queue_delay=0.3)
    app = make(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        screen = screen_of(app)
        await wait_for(lambda: screen.tune.state.startswith("queued: 2 ahead"))
        await wait_for(lambda: screen.tune.state == "running", timeout=5)
        await pilot.press("k")
        await wait_for(lambda: service.live_closed == [KERNEL])
        await pilot.press("t")
        await wait_for(lambda: len(service.live_runs) == 2)


async def test_closing_the_app_while_samples_stream_is_clean() -> None:
    """The screen's widgets go before its live worker is cancelled; samples in between
    must not query them (this once failed with NoMatches('TuneTrace') under load)."""
    service = FakeService()
    service.live_delay = 0.0  # a sample on every turn of the loop: the gap is always hit
    app = make(service)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        await wait_for(lambda: screen.query_one(TuneTrace).samples >= 20)
    assert service.live_closed == [KERNEL]


async def test_enter_on_a_bad_value_shows_the_error_at_once_and_leaves_the_field() -> None:
    """Issue 26.7: Enter on a bad value kept the field and its focus, and hid the error
    until Escape (which help says cancels)."""
    app = make(FakeService())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        field = screen.query_one("#tune-input", Input)
        for typed, error in (("abc", "not a positive whole number"), ("7", "multiple of MR")):
            await pilot.press("down", "e", *typed, "enter")  # MC
            await pilot.pause(0.1)
            note = screen.query_one("#tune-note", Static)
            assert error in screen.note
            assert note.has_class("-error")
            assert note.display  # shown now, not after Escape
            assert note.region.height == 1
            assert app.focused is not field
            assert field.disabled
            assert "e types again" in screen.note
            await pilot.press("up")
        await pilot.press("a")  # the screen's keys work again: autotune starts
        await wait_for(lambda: screen.tune.state.startswith("autotune"))


async def test_autotune_counts_its_candidates_fits_80_columns_and_agrees_with_the_numbers() -> None:
    """Issue 26.4: "winner …: 56.6 GF/s (model 54.4)" stood beside "model's 72.8" and a
    "best so far" at other blocks; the search showed no progress; the title was cut."""
    service = FakeService()
    service.live_delay = 0.05
    app = make(service)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        await pilot.press("a")
        await wait_for(lambda: "candidate 2 of ≤" in screen.tune.state)
        title = str(screen.query_one("#tune-title", Static).render())
        assert "candidate 2 of ≤" in title
        assert len(title) <= 78  # the title line holds 78 columns inside its padding
        await wait_for(lambda: screen.tune.verdict is not None)
        verdict = screen.tune.verdict
        assert verdict is not None
        await wait_for(
            lambda: screen.tune.now_gflops is not None and screen.tune.state == "running"
        )
        # The fake's search finds nothing better than the model's blocks it starts from.
        assert screen.note.startswith("autotune kept the model's MC=")
        assert "head-to-head" in screen.note
        assert f"{verdict.model_gflops:.1f}" not in screen.note  # not set beside live figures
        numbers = str(screen.query_one("#tune-numbers", Static).render())
        # "best so far" and "model's" come from the live series only, never a search figure.
        live = {s.blocking for s in screen.tune.first_samples if not s.label.startswith("tune")}
        best_at = numbers.rsplit(" at ", maxsplit=1)[-1].split("  (", maxsplit=1)[0]
        assert any(best_at == tunetext.blocks(b) for b in live | {screen.tune.current})


def test_a_winner_is_reported_as_a_ratio_from_its_head_to_head() -> None:
    model = Blocking(6, 16, 252, 256, 8192)
    won = Tuned(KERNEL, 192, 384, 8192, 56.6, 54.4, 1024)
    line = tunetext.verdict(won, model)
    assert line.startswith("autotune winner MC=192 KC=384 NC=8192: ×1.04 the model head-to-head")
    assert "56.6" not in line  # the search's absolute figures are not the live ones
    assert "54.4" not in line
    kept = Tuned(KERNEL, 252, 256, 8192, 54.4, 54.4, 1024)
    assert tunetext.verdict(kept, model).startswith("autotune kept the model's MC=252")


async def test_hand_picked_blocks_need_an_operator_and_the_reason_is_shown() -> None:
    """Issue 26.8: any user's w changed every user's default without asking."""
    service = FakeService()  # "tester" is not among its operators
    app = make(service)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        assert "w stores autotune winners only" in screen.note  # said before anything
        kc = screen.tune.current.KC if screen.tune.current else 0
        await pilot.press("left")
        await changed_and_sampled(screen, f"KC {kc // 2}")
        await pilot.press("w")
        await pilot.pause()
        assert service.saved == {}
        assert "only SSHAPP_OPERATORS store hand-picked blocks" in screen.note
        assert screen.query_one("#tune-note").has_class("-error")
        await pilot.press("a")  # a measured verdict: anyone may store it, as `tune` does
        await wait_for(lambda: screen.tune.verdict is not None)
        await pilot.press("w")
        await pilot.pause()
        assert service.save_calls[-1] == (screen.tune.verdict, True)
        assert "for every user" in screen.note
        assert not screen.query_one("#tune-note").has_class("-error")


async def test_an_operator_saves_sees_it_everywhere_and_can_go_back_to_the_model() -> None:
    """Issue 26.8: open screens kept the old blocks; o then w stored the model's values
    marked "tuned" instead of going back to the model."""
    service = FakeService(operators=("tester",))
    app = make(service)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, app)
        assert "w stores any blocks" in screen.note
        trace = screen.query_one(TuneTrace)
        assert str(trace.border_subtitle).startswith("host default: the model's")
        kc = screen.tune.current.KC if screen.tune.current else 0
        await pilot.press("left")
        await changed_and_sampled(screen, f"KC {kc // 2}")
        await pilot.press("w")
        await pilot.pause()
        assert service.saved[KERNEL].kc == kc // 2
        assert f"KC={kc // 2}" in str(trace.border_subtitle)
        assert "(tuned)" in str(trace.border_subtitle)
        await pilot.press("k")  # the kernel table shows the new default at once
        await pilot.pause()
        table = app.screen.query_one(KernelTable)
        assert f"KC={kc // 2}" in table.cells(KERNEL)[2]
        await pilot.press("t")
        await wait_for(lambda: screen.tune.now_gflops is not None)
        await pilot.press("o")
        await changed_and_sampled(screen, "model")
        await pilot.press("w")
        await pilot.pause()
        assert KERNEL not in service.saved  # back to the model, not "tuned" at its values
        assert "back to the model's blocks" in screen.note
        assert str(trace.border_subtitle).startswith("host default: the model's")
        await pilot.press("k")
        await pilot.pause()
        assert "(tuned)" not in app.screen.query_one(KernelTable).cells(KERNEL)[2]
