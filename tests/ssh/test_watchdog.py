"""Issue 16 (finding 2): the server ends a session whose run holds the host past its budget."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from sshapp.bench.host.queue import QUEUE_DIR, Holder, HostQueue
from sshapp.ssh import watchdog
from tests.ssh.conftest import StartServer, connect

HOG = (sys.executable, str(Path(__file__).with_name("ticket_hog.py")))

pytestmark = pytest.mark.timeout(60)


def test_overrunning_is_budget_plus_grace() -> None:
    waiting = Holder(1, 10, "a", None, None)
    running = Holder(2, 11, "b", started=100.0, budget=30.0)
    assert watchdog.overrunning([waiting, running], now=139.0, grace=10.0) == []
    assert watchdog.overrunning([waiting, running], now=140.5, grace=10.0) == [running]


async def test_a_hung_holder_is_killed_and_the_bystander_runs(
    start: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchdog, "GRACE_SECONDS", 0.5)
    monkeypatch.setattr(watchdog, "POLL_SECONDS", 0.2)
    server = await start(session_argv=HOG, zygote=False)
    queue = HostQueue(Path(server.state.settings.state_dir).absolute() / QUEUE_DIR)
    async with connect(server.port, username="hog") as conn:
        proc = await conn.create_process("hog", encoding=None)
        assert await asyncio.wait_for(proc.stdout.readline(), 20) == b"holding\n"
        started = time.monotonic()
        bystander = queue.enqueue("bystander")
        try:
            await asyncio.wait_for(queue.wait(bystander, lambda _: None), 10)
            waited = time.monotonic() - started
        finally:
            bystander.release()
        result = await asyncio.wait_for(proc.wait(), 10)
    assert waited < 0.3 + 0.5 + 0.2 + 2.0  # budget + grace + poll + slack
    assert result.exit_signal is not None
    assert result.exit_signal[0] == "KILL"
    assert b"past its time limit" in (result.stderr or b"")


async def test_a_holder_that_is_not_our_session_is_left_alone(start: StartServer) -> None:
    server = await start()
    queue = HostQueue(Path(server.state.settings.state_dir).absolute() / QUEUE_DIR)
    ticket = queue.enqueue("local")  # this test process: not one of the server's sessions
    ticket.mark_running(0.0)
    try:
        (holder,) = queue.holders()
        assert watchdog.end_overruns(server.state, [holder], time.monotonic() + 99, 0.0) == 0
    finally:
        ticket.release()
