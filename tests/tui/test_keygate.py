"""Key bursts (a paste, a fast typist, tmux send-keys) around screen switches lose nothing."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.results import ResultsScreen
from sshapp.tui.screens.setup import SetupScreen
from tests.tui.conftest import wait_for

NAMES = {".": "full_stop", "*": "asterisk", " ": "space"}


def burst(app: BenchApp, keys: list[str]) -> None:
    """Queue keys all at once, as a terminal delivers a burst (Pilot.press waits between).

    One-character strings are typed characters; longer ones are key names (escape, down).
    """
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(NAMES.get(key, key), key))
        else:
            app.post_message(events.Key(key, None))


async def test_text_typed_right_after_s_lands_in_the_setup_field(app: BenchApp) -> None:
    async with app.run_test(size=(100, 26)) as pilot:
        await pilot.pause()
        burst(app, ["s", *"ref.naive.f32"])
        await wait_for(lambda: isinstance(app.screen, SetupScreen) and app.focused is not None)
        field = app.screen.query_one("#kernels", Input)
        await wait_for(lambda: field.value == "ref.naive.f32")
        assert app.focused is field


async def test_letters_in_a_text_field_stay_text_and_later_switches_still_work(
    app: BenchApp,
) -> None:
    async with app.run_test(size=(100, 26)) as pilot:
        await pilot.pause()
        burst(app, ["s", *"avx2.*", "escape", "r"])
        await wait_for(lambda: isinstance(app.screen, ResultsScreen))
        await pilot.press("s")
        assert isinstance(app.screen, SetupScreen)
        assert app.screen.query_one("#kernels", Input).value == "avx2.*"  # 'v', 's' typed


async def test_a_key_that_switches_nothing_releases_the_keys_behind_it(app: BenchApp) -> None:
    async with app.run_test(size=(100, 26)) as pilot:
        await pilot.pause()
        burst(app, ["k", "down", "down"])  # already on the kernel table: no switch
        table = app.screen.query_one("#kernel-table")
        start = table.cursor_row  # type: ignore[attr-defined]
        await wait_for(lambda: table.cursor_row == start + 2)  # type: ignore[attr-defined]
        assert app._keys.held == 0
