"""`python -m sshapp.ssh` (what `sshapp serve` runs): port 0, SIGTERM drain, start-up errors."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sshapp.ssh.hostkeys import KEY_NAME, load_or_create
from tests.ssh.conftest import connect

pytestmark = pytest.mark.timeout(60)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSHAPP_")}
    env["SSHAPP_STATE_DIR"] = str(tmp_path / "state")
    return env


async def test_serve_logs_port_and_drains_on_sigterm(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sshapp.ssh",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--hostkey-dir",
        str(tmp_path / "keys"),
        "--shutdown-grace",
        "0.5",
        stderr=asyncio.subprocess.PIPE,
        env=_env(tmp_path),
    )
    assert proc.stderr is not None
    try:
        await _check_serve(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _check_serve(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    match = None
    while match is None:  # the zygote may first say which optional modules it skipped
        line = (await asyncio.wait_for(proc.stderr.readline(), 30)).decode()
        assert line, "serve exited before listening"
        match = re.search(r"event=listening host=127.0.0.1 port=(\d+)", line)
    port = int(match.group(1))
    async with connect(port) as conn:
        # The real `sshapp session` may not exist yet; any exit status proves the spawn.
        session = await conn.create_process("version", encoding=None)
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(session.wait(), 20)
    assert await asyncio.wait_for(proc.wait(), 20) == 0
    log = (await proc.stderr.read()).decode()
    assert "event=shutdown" in log
    assert "event=stopped" in log
    assert "Traceback" not in log


def test_unsafe_host_key_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    load_or_create(tmp_path)
    (tmp_path / KEY_NAME).chmod(0o640)
    result = subprocess.run(
        [sys.executable, "-m", "sshapp.ssh", "--port", "0", "--hostkey-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env(tmp_path),
        check=False,
    )
    assert result.returncode == 1
    assert "chmod 600" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
