"""The zygote: bad preloads do not stop it; the Textual warm-up leaves no threads behind."""

from __future__ import annotations

import importlib.util
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
