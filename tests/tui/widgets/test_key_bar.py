"""The key bar: the screen's shown keys, following focus; a click presses the key."""

from __future__ import annotations

from sshapp.tui.app import BenchApp
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.widgets.key_bar import KeyBar


async def test_shows_the_screens_keys_and_a_click_presses_one(app: BenchApp) -> None:
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        shown = {item.display: item.description for item in bar.items}
        assert shown["space"] == "Mark"  # from the focused kernel table
        assert shown["s"] == "Setup"  # from the app
        line = str(bar.render())
        x = line.index("s Setup")
        await pilot.click(KeyBar, offset=(x + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        keys = {item.description for item in app.screen.query_one(KeyBar).items}
        assert "Run" in keys  # ctrl+r, the setup screen's own key
        assert "Mark" not in keys
