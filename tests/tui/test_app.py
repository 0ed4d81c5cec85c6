"""Drives BenchApp end to end with Pilot: pick, set up, run, cancel, help, quit."""

from __future__ import annotations

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.cpu import CpuScreen
from sshapp.tui.screens.help import HelpScreen
from sshapp.tui.screens.kernels import KernelsScreen
from sshapp.tui.screens.results import ResultsScreen
from sshapp.tui.screens.run import RunScreen
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.widgets.sample_chart import SampleChart
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU, FakeService


async def test_pick_set_up_run_and_see_samples(app: BenchApp, service: FakeService) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, KernelsScreen)
        # Row 0 is the f32 header, row 1 the unsupported AVX-512 kernel (skipped).
        await pilot.press("space", "down", "space", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert app.session.selected == ["avx2.packed_6x16.f32", "avx2.ukr_6x16.f32"]
        await pilot.click("#preset-256")
        await pilot.press("ctrl+r")
        await wait_for(lambda: isinstance(app.screen, RunScreen) and len(app.session.results) == 2)
        screen = app.screen
        assert isinstance(screen, RunScreen)
        assert [r.kernel_id for r in service.started] == [
            "avx2.packed_6x16.f32",
            "avx2.ukr_6x16.f32",
        ]
        assert all(r.shape.m == 256 for r in service.started)
        assert len(screen.query_one(SampleChart).samples) == 5
        await wait_for(lambda: "finished" in str(screen.query_one("#run-title").render()))


async def test_samples_arrive_while_running_and_cancel_stops_it() -> None:
    service = FakeService(delay=0.05, queue_ahead=2, queue_delay=1.5)
    app = BenchApp(service, "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        setup.query_one("#kernels").value = "ref.naive.f32"  # type: ignore[attr-defined]
        setup.query_one("#amount").value = "200"  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        assert isinstance(run, RunScreen)
        await wait_for(lambda: run.state.startswith("queued"))
        await wait_for(lambda: len(run.samples) >= 3)
        await pilot.press("escape")  # escape does nothing here; x is the cancel key
        await pilot.press("x")
        await wait_for(lambda: run.state == "cancelled")
        assert not run.busy
        assert service.cancelled
        assert app.session.results == []
        assert len(run.samples) < 200


async def test_bad_input_is_flagged_inline_and_never_runs(
    app: BenchApp, service: FakeService
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        await pilot.click("#kernels")
        await pilot.press(*"nosuch.kernel")
        await pilot.pause()
        assert "unknown kernel 'nosuch.kernel'" in setup.error
        assert setup.query_one("#submit").disabled
        assert setup.query_one("#spec-status").has_class("-error")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert service.started == []


async def test_every_screen_and_help_are_reachable_by_key(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        for key, screen in (
            ("s", SetupScreen),
            ("escape", SetupScreen),
            ("v", RunScreen),
            ("r", ResultsScreen),
            ("c", CpuScreen),
            ("k", KernelsScreen),
            ("f3", SetupScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen), key
        await pilot.press("f2", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KernelsScreen)


async def test_q_quits(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_c_quits_even_while_typing_and_running() -> None:
    app = BenchApp(FakeService(delay=0.05), "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "x")  # typing into the kernels field
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0


async def test_resize_reflows_without_losing_state(app: BenchApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert not app.screen.has_class("-narrow")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        await pilot.press("f4")  # a text field has focus: the F-key works anyway
        await pilot.pause()
        assert app.screen.has_class("-short")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not app.screen.has_class("-short")


async def test_runs_submitted_during_a_batch_follow_it() -> None:
    service = FakeService(delay=0.1)
    app = BenchApp(service, "tester", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        for kernel in ("avx2.simd.f32", "ref.naive.f32"):
            await pilot.press("f3")
            setup = app.screen
            assert isinstance(setup, SetupScreen)
            setup.query_one("#kernels").value = kernel  # type: ignore[attr-defined]
            setup.query_one("#amount").value = "20"  # type: ignore[attr-defined]
            await pilot.pause()
            await pilot.press("ctrl+r")
            await wait_for(lambda: isinstance(app.screen, RunScreen))
            assert app.screen.busy  # type: ignore[attr-defined]
        await wait_for(lambda: len(app.session.results) == 2, timeout=15)
        assert [r.run.kernel_id for r in app.session.results] == ["avx2.simd.f32", "ref.naive.f32"]
