"""The TUI, unchanged, on a real node through RemoteService (Pilot at 80×24)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from sshapp.fleet.remote import RemoteService
from sshapp.tui.app import BenchApp
from sshapp.tui.screens.kernels import KernelsScreen
from sshapp.tui.screens.results import ResultsScreen
from sshapp.tui.screens.run import RunScreen
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.widgets.kernel_table import KernelTable
from tests.fleet.conftest import Fleet
from tests.tui.conftest import wait_for
from tests.tui.fakes import FAKE_CPU

pytestmark = pytest.mark.timeout(240)


async def test_the_tui_lists_plans_and_runs_on_a_remote_node(fleet: Fleet) -> None:
    service = RemoteService(fleet.link(2))  # baseline x86-64 only: AVX2 masked there
    app = BenchApp(service, service.user, host="n3", cpu=FAKE_CPU)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, KernelsScreen)
        rows = app.screen.query_one(KernelTable).rows_by_id
        assert not rows["avx2.packed_6x16.f32"].supported  # the node's answer, not ours
        await pilot.press("s")
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        setup.query_one("#kernels", Input).value = "ref.reorder.f32"
        for side in ("m", "n", "k"):
            setup.query_one(f"#{side}", Input).value = "64"
        setup.query_one("#amount", Input).value = "3"
        await wait_for(lambda: setup.runs and not setup.error, timeout=30)
        await pilot.press("ctrl+r")
        await wait_for(lambda: isinstance(app.screen, RunScreen))
        await wait_for(lambda: len(app.session.results) == 1, timeout=60)
        result = app.session.results[0]
        assert result.run.kernel_id == "ref.reorder.f32"
        assert result.check_ok
        assert len(result.samples) == 3
        await pilot.press("r")
        await wait_for(lambda: isinstance(app.screen, ResultsScreen))
    # What the TUI showed was recorded on the node, under the node's identity.
    stored = service.history(mine=True, limit=1)
    assert stored[0].user == "alice"
    assert stored[0].result.samples == result.samples
