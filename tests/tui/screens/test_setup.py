"""The setup form: presets, square shortcut, sweeps, budgets, inline errors."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Checkbox, Input, Select

from sshapp.bench.engine import Engine
from sshapp.bench.protocol.spec import Shape
from sshapp.config import Settings
from sshapp.tui.app import BenchApp
from sshapp.tui.screens.setup import SetupScreen
from tests.tui.fakes import FAKE_CPU


async def test_presets_square_and_rectangular(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", *"ref.naive.f32")
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        await pilot.click("#preset-200x300x500")
        await pilot.pause()
        assert not screen.query_one("#square", Checkbox).value
        assert screen.runs[0].shape == Shape(200, 300, 500)
        await pilot.click("#preset-2048")
        await pilot.pause()
        assert screen.query_one("#square", Checkbox).value
        assert screen.query_one("#n", Input).disabled
        assert screen.runs[0].shape == Shape(2048, 2048, 2048)


async def test_sweep_budget_and_dtype_filter(app: BenchApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s", *"ref.naive.*")
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        screen.query_one("#sweep", Input).value = "64 128 256"
        screen.query_one("#dtype", Select).value = "f64"
        screen.query_one("#stop", Select).value = "seconds"
        screen.query_one("#amount", Input).value = "1.5"
        await pilot.pause()
        assert screen.error == ""
        assert [(r.kernel_id, r.shape.m) for r in screen.runs] == [
            ("ref.naive.f64", 64),
            ("ref.naive.f64", 128),
            ("ref.naive.f64", 256),
        ]
        assert all(r.budget_seconds == 1.5 for r in screen.runs)
        assert "3 runs" in str(screen.query_one("#spec-status").render())


async def test_errors_show_inline_as_one_line(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", *"ref.naive.f32")
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        for field, value, message in (
            ("#m", "0", "m must be at least 1"),
            ("#m", "100000", "limit"),
            ("#sweep", "12 abc", "whole number"),
            ("#amount", "", "repetitions is empty"),
        ):
            screen.query_one(field, Input).value = value
            await pilot.pause()
            assert message in screen.error
            assert screen.query_one("#spec-status").has_class("-error")
            screen.query_one(field, Input).value = {"#m": "64", "#sweep": "", "#amount": "5"}[field]
            await pilot.pause()
            assert screen.error == ""


async def test_a_200_digit_paste_in_m_is_flagged_inline(tmp_path: Path) -> None:
    """Issue 16: this raised OverflowError in the real engine's estimate (a Rich traceback)."""
    engine = Engine(Settings.from_env({"SSHAPP_STATE_DIR": str(tmp_path)}), "tester")
    app = BenchApp(engine, "tester", host="bench", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", *"ref.naive.f32")
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        field = screen.query_one("#m", Input)
        field.focus()
        field.value = ""
        field.post_message(events.Paste("9" * 200))
        await pilot.pause()
        assert field.value == "9" * 200
        assert screen.error == "m must be at most 1,048,576, got a 200-digit number"
        assert screen.query_one("#submit").disabled
        status = str(screen.query_one("#spec-status").render())
        assert "200-digit" in status
        screen.query_one("#sweep", Input).value = " ".join(str(s) for s in range(1, 5001))
        await pilot.pause()
        assert screen.error == "a sweep may have at most 64 sizes, got 5000"
    assert app.return_code in (None, 0)


async def test_coming_back_with_s_selects_the_field_so_typing_replaces_it(app: BenchApp) -> None:
    """As Tab does: `s` onto a filled field, type, get what was typed (it appended:
    `ref.naive.f32avx2.simd.f32`)."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", *"ref.naive.f32", "escape", "k", "s")
        await pilot.pause()
        await pilot.press(*"avx2.simd.f32")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        assert screen.query_one("#kernels", Input).value == "avx2.simd.f32"
        await pilot.press("tab", *"512")  # Tab did so already
        await pilot.pause()
        assert screen.query_one("#m", Input).value == "512"


async def test_an_unknown_kernel_says_press_k(app: BenchApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", *"nosuch.kernel")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        assert "unknown kernel 'nosuch.kernel'" in screen.error
        assert "press k" in screen.error
        assert "sshapp kernels" not in screen.error


async def test_the_focused_field_stands_out(app: BenchApp) -> None:
    """The field with focus and its name differ clearly from the others (one grey step
    before: the name not at all)."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "tab")  # focus on m
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        m, sweep = screen.query_one("#m", Input), screen.query_one("#sweep", Input)
        assert m.has_focus
        contrast = abs(m.styles.background.brightness - sweep.styles.background.brightness)
        assert contrast > 0.15, contrast
        names = {str(label.render()): label for label in screen.query(".name")}
        size_name, sweep_name = names["size"], names["sweep"]
        assert size_name.styles.background != sweep_name.styles.background
