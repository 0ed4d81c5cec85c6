"""The zygote: bad preloads do not stop it; the TUI warm-up leaves no threads; stop vs loss."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import signal
import subprocess
import sys

import pytest

from tests.ssh.conftest import StartServer, connect

pytestmark = pytest.mark.timeout(60)


async def test_failing_preloads_are_skipped(start: StartServer) -> None:
    server = await start(zygote_preload=("no.such.module", "json:dumps", "json"))
    assert server.state.forkserver is not None
    assert server.state.forkserver.alive
    async with connect(server.port) as conn:
        result = await conn.run("modules json", encoding=None)
    assert result.stdout == b'{"json": true}\n'


@pytest.mark.skipif(importlib.util.find_spec("textual") is None, reason="textual not installed")
def test_tui_warm_up_fills_the_css_cache_and_leaves_a_forkable_process() -> None:
    code = (
        "import threading, sys; from sshapp.tui import warmup, css_cache; warmup.warm_up();"
        "print(threading.active_count(), 'asyncssh' in sys.modules,"
        " css_cache.cached_sources() > 20)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["1", "False", "True"]


async def test_a_stop_is_logged_as_a_stop_a_crash_as_a_loss(
    start: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sshapp.ssh")
    server = await start()
    forkserver = server.state.forkserver
    assert forkserver is not None
    await forkserver.stop()
    stopped = [r for r in caplog.records if "event=zygote_stopped" in r.getMessage()]
    assert stopped
    assert stopped[0].levelno == logging.INFO
    assert not [r for r in caplog.records if "event=zygote_lost" in r.getMessage()]
    crashed = await start()
    assert crashed.state.forkserver is not None
    os.kill(crashed.state.forkserver.pid, signal.SIGKILL)
    for _ in range(100):
        if not crashed.state.forkserver.alive:
            break
        await asyncio.sleep(0.05)
    lost = [r for r in caplog.records if "event=zygote_lost" in r.getMessage()]
    assert lost
    assert lost[0].levelno == logging.WARNING


async def test_a_killed_zygote_is_restarted_and_its_sessions_keep_their_status(
    start: StartServer,
) -> None:
    server = await start()
    first = server.state.forkserver
    assert first is not None
    async with connect(server.port) as conn:
        in_flight = await conn.create_process("exit 7", encoding=None)
        sleeper = await conn.create_process("sleep 1", encoding=None)
        await asyncio.wait_for(sleeper.stdout.readline(), 10)  # forked and running
        await asyncio.wait_for(in_flight.wait(), 10)
        os.kill(first.pid, signal.SIGKILL)
        await asyncio.wait_for(sleeper.wait(), 10)
        assert (in_flight.exit_status, sleeper.exit_status) == (7, 0)
        for _ in range(100):  # restarted after a short delay; sessions spawn meanwhile
            current = server.state.forkserver
            if current is not None and current is not first and current.alive:
                break
            await asyncio.sleep(0.05)
        assert server.state.forkserver is not first
        assert server.keeper is not None
        assert server.keeper.restarts == 1
        forked = await conn.run("exit 3", encoding=None)
    assert forked.exit_status == 3
