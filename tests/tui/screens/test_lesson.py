"""The lesson screen: opened from the kernel table and the ladder, its text from the files."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TabbedContent

from sshapp.kernels import lesson_ids, lesson_source
from sshapp.tui.app import BenchApp
from sshapp.tui.screens.lesson import LessonScreen
from sshapp.tui.widgets.outer_product import OuterProduct
from sshapp.tui.widgets.register_grid import RegisterGrid
from tests.tui.conftest import wait_for
from tests.tui.fakes import FakeService

SRC = Path(__file__).resolve().parents[3] / "native" / "src"


def text_of(app: BenchApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def open_lesson(app: BenchApp, pilot: object, kernel_id: str) -> LessonScreen:
    app.push_screen(LessonScreen(app.session, kernel_id))
    await wait_for(lambda: isinstance(app.screen, LessonScreen) and app.screen.lesson is not None)
    assert isinstance(app.screen, LessonScreen)
    return app.screen


async def test_e_on_the_kernel_table_opens_the_lesson_shown_from_the_file(app: BenchApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        # The cursor starts on the first supported row: the fake table's packed AVX2 step.
        await pilot.press("e")
        await wait_for(
            lambda: isinstance(app.screen, LessonScreen) and app.screen.lesson is not None
        )
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.kernel_id == "avx2.packed_6x16.f32"
        source = lesson_source("avx2.packed_6x16.f32")
        # The text shown is the kernel file's header, as the build carried it.
        assert text_of(app, "#lesson-header") == source.header
        assert screen.loop_view is not None
        assert screen.loop_view.code == source.loop  # highlighted as C++, the file's lines
        shown = source.loop.splitlines()
        file_lines = [line.strip() for line in (SRC / source.source).read_text().splitlines()]
        assert all(line.strip() in file_lines for line in shown)
        grid = text_of(app, "#lesson-registers")
        assert "12 accumulators + 2 B + 1 A broadcast = 15 of 16 ymm (1 free)" in grid
        assert " C   C " in grid
        assert "step before: avx2.ukr_5x16.f32" in text_of(app, "#lesson-title")
        await pilot.press("escape")
        assert not isinstance(app.screen, LessonScreen)


async def test_a_typed_size_measures_and_shows_the_verdict(
    app: BenchApp, service: FakeService
) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await open_lesson(app, pilot, "avx2.packed_6x16.f32")
        await pilot.press("5")
        size = app.screen.query_one("#lesson-size", Input)
        size.focus()
        size.value = ""
        await pilot.press(*"256", "enter")
        await wait_for(lambda: "this host at 256³" in text_of(app, "#lesson-answer"))
        answer = text_of(app, "#lesson-answer")
        assert "52.0 GFLOP/s" in answer
        assert "81% of peak" in answer  # 52 of the fake avx2 f32 peak 64
        assert "verdict: bound by the FMA units" in answer
        assert ("avx2.packed_6x16.f32", 256, True) in service.explained
        assert "L1 " in text_of(app, "#lesson-reuse")  # the reuse now at 256 with bandwidths
        assert "data reuse at 256³" in text_of(app, "#lesson-reuse")


async def test_a_bad_size_is_one_line(app: BenchApp, service: FakeService) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await open_lesson(app, pilot, "avx2.simd.f32")
        await pilot.press("5")
        size = app.screen.query_one("#lesson-size", Input)
        size.focus()
        size.value = "0"
        await pilot.press("enter")
        await pilot.pause()
        assert "size must be a whole number ≥ 1" in text_of(app, "#lesson-answer")
        assert not any(measured for *_, measured in service.explained)


async def test_the_outer_product_steps_at_the_users_pace(app: BenchApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_lesson(app, pilot, "avx2.packed_6x16.f32")
        await pilot.press("3")
        widget = screen.query_one(OuterProduct)
        assert (widget.steps.mr, widget.steps.vectors, widget.steps.lanes) == (6, 2, 8)
        await pilot.press("full_stop")  # one row by hand: pauses first
        assert widget.steps.playing is False
        r, p = widget.steps.r, widget.steps.p
        await pilot.press("full_stop")
        assert (widget.steps.r, widget.steps.p) == ((r + 1) % 6, p + (r + 1) // 6)
        pace = widget.steps.pace
        await pilot.press("plus")
        assert widget.steps.pace == 2 * pace
        await pilot.press("space")
        assert widget.steps.playing is True
        before = widget.steps.fmas
        await wait_for(lambda: widget.steps.fmas != before, timeout=3)
        drawn = str(widget.render())
        assert "packed panel, unit stride" in drawn
        assert "a5 bcast" in drawn
        assert "6×2 accumulators stay in registers" in drawn


async def test_unblocked_steps_say_why_nothing_is_animated(app: BenchApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_lesson(app, pilot, "ref.naive.f32")
        assert not screen.query(OuterProduct)
        assert "no register block here" in text_of(app, "#outer-note")
        assert "scalar sum of C" in text_of(app, "#lesson-registers")


async def test_brackets_walk_the_ladder(app: BenchApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_lesson(app, pilot, "avx2.packed_6x16.f32")
        await pilot.press("left_square_bracket")  # the fake table: ukr_6x16 is the step below
        await wait_for(lambda: screen.kernel_id == "avx2.ukr_6x16.f32")
        await pilot.press("right_square_bracket")
        await wait_for(
            lambda: screen.lesson is not None and screen.lesson.id == "avx2.packed_6x16.f32"
        )


async def test_e_on_the_ladder_explains_its_fastest_step(app: BenchApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("r", "2")
        assert app.screen.query_one("#results-tabs", TabbedContent).active == "ladder"
        await pilot.press("e")
        await wait_for(
            lambda: isinstance(app.screen, LessonScreen) and app.screen.lesson is not None
        )
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.kernel_id == "avx2.packed_6x16.f32"  # 52 GF/s, the fastest fake step


async def test_a_reference_row_shows_its_docstring_and_no_registers(app: BenchApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await open_lesson(app, pilot, "blas.numpy.f32")
        assert "The reference every step of the ladder is compared with" in text_of(
            app, "#lesson-header"
        )
        assert "not ours to count" in text_of(app, "#lesson-registers")


@pytest.mark.skipif(
    "amx.tiles_32x32.bf16" not in lesson_ids(), reason="this build has no AMX kernel row"
)
async def test_the_amx_lesson_draws_its_tile_plan(app: BenchApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await open_lesson(app, pilot, "amx.tiles_32x32.bf16")
        grid = text_of(app, "#lesson-registers")
        assert "4 C tiles + 2 B tiles + 2 A tiles = 8 of 8 tmm (0 free)" in grid
        assert "A0 tmm4" in grid
        assert "B1 tmm7" in grid
        assert "C tmm3" in grid
        assert isinstance(app.screen.query_one(RegisterGrid).budget, object)
