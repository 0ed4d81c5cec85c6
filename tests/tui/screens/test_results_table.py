"""The results table: a date and a blocks column, and nothing cut at 80 or 120 columns.

Issue 26, item 17 (and the "from" column of item 12).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from textual.widgets import DataTable, Static

from sshapp.bench.protocol.rows import HistoryEntry
from sshapp.bench.protocol.spec import RunBlocking
from sshapp.tui.app import BenchApp
from sshapp.tui.screens.results import ResultsScreen
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU, FakeService, ladder_history

FINISHED_AT = 1.7e9
"""When every fake stored run finished: Nov 14 2023, 22:13 UTC."""
BLOCKS = RunBlocking(96, 256, 4080, "tuned")
"""The cache blocks the stored packed runs used."""


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates in UTC whatever the machine's zone, so cells are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def blocked_history() -> list[HistoryEntry]:
    """The fake ladder history, its packed runs with the blocks they used."""
    return [
        replace(e, result=replace(e.result, run=replace(e.result.run, blocking=BLOCKS)))
        if ".packed" in e.result.run.kernel_id
        else e
        for e in ladder_history()
    ]


def _app(service: FakeService | None = None) -> BenchApp:
    service = service or FakeService(history=blocked_history())
    return BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)


def _labels(table: DataTable[str]) -> list[str]:
    return [c.label.plain for c in table.ordered_columns]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_every_column_shown_fits_and_from_is_always_shown(size: tuple[int, int]) -> None:
    app = _app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("r")
        await pilot.pause()
        table = app.screen.query_one("#results-table", DataTable)
        labels = _labels(table)
        assert "from" in labels
        used = sum(c.get_render_width(table) for c in table.ordered_columns)
        assert used <= table.scrollable_content_region.width, (labels, used)
        assert table.max_scroll_x == 0  # nothing to scroll to: nothing cut
        if size == (120, 40):
            assert {"when", "MC/KC/NC"} <= set(labels)


async def test_history_rows_show_their_date_and_blocks() -> None:
    app = _app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        table = app.screen.query_one("#results-table", DataTable)
        labels = _labels(table)
        rows = [dict(zip(labels, table.get_row_at(i), strict=True)) for i in range(table.row_count)]
        assert {r["when"] for r in rows} == {"Nov 14  2023"}
        packed = [r for r in rows if ".packed" in r["kernel"]]
        assert packed
        assert {r["MC/KC/NC"] for r in packed} == {"96/256/4080 tuned"}
        assert {r["MC/KC/NC"] for r in rows if r not in packed} == {"-"}


async def test_at_80_columns_the_highlighted_row_shows_what_the_table_leaves_out() -> None:
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "o")  # sorted by kernel: avx2.packed_4x8.f64 first
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        table = screen.query_one("#results-table", DataTable)
        left_out = {"when", "MC/KC/NC"} - set(_labels(table))
        assert left_out
        detail = str(screen.query_one("#row-detail", Static).render())
        assert table.get_row_at(0)[0] == "avx2.packed_4x8.f64"
        assert "Nov 14 2023" in " ".join(detail.split()) or "Nov 14  2023" in detail
        assert "MC=96 KC=256 NC=4080 (tuned)" in detail


async def test_a_run_of_this_session_is_dated_now() -> None:
    app = _app(FakeService())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down", "space", "enter")
        await pilot.click("#preset-256")
        await pilot.press("ctrl+r")
        await wait_for(lambda: len(app.session.results) == 1)
        await pilot.press("r")
        await pilot.pause()
        table = app.screen.query_one("#results-table", DataTable)
        row = dict(zip(_labels(table), table.get_row_at(0), strict=True))
        assert row["from"] == "session"
        expected = {time.strftime("%b %d %H:%M", time.localtime(time.time() - d)) for d in (0, 60)}
        assert row["when"] in expected
