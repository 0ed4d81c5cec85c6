"""Session processes: controlling PTY, window size, hang-up of the whole group."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import sys
from pathlib import Path

import pytest

from sshapp.ssh.child import get_winsize, set_winsize, spawn_pipes, spawn_pty

pytestmark = pytest.mark.timeout(30)

CHILD = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGWINCH, lambda *_: print("winch", os.get_terminal_size(), flush=True))
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print("ready", os.getpid(), os.getsid(0), grandchild.pid, os.isatty(0), flush=True)
while True:
    time.sleep(0.05)
"""


async def _read_until(fd: int, text: bytes, timeout: float = 10) -> bytes:
    loop = asyncio.get_running_loop()
    seen = b""
    deadline = loop.time() + timeout
    while text not in seen:
        assert loop.time() < deadline, seen
        try:
            seen += os.read(fd, 4096)
        except BlockingIOError:
            await asyncio.sleep(0.02)
    return seen


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def test_zero_size_becomes_80x24() -> None:
    master, slave = os.openpty()
    try:
        set_winsize(master, 0, 0)
        assert get_winsize(slave) == (80, 24)
        set_winsize(master, 10**6, 10**6)
        assert get_winsize(slave) == (4096, 4096)
    finally:
        os.close(master)
        os.close(slave)


async def test_pty_child_leads_its_session_sees_winch_and_hangs_up_with_its_group() -> None:
    child = spawn_pty([sys.executable, "-c", CHILD], {"PATH": "/usr/bin:/bin"}, 100, 30)
    try:
        fd = child.fds["pty"]
        line = (await _read_until(fd, b"True")).decode().split("ready", 1)[1].split()
        pid, sid, grandchild = int(line[0]), int(line[1]), int(line[2])
        assert pid == sid == child.pid
        set_winsize(fd, 120, 40)  # as a window-change request does
        assert b"columns=120, lines=40" in await _read_until(fd, b"lines=40")
        status = await child.hang_up(grace=2)
        assert status == -signal.SIGHUP
        await asyncio.sleep(0.1)
        assert _gone(grandchild)
    finally:
        child.close_fds()
        if child.returncode is None:
            await child.finish()


async def test_pipes_child_exit_status() -> None:
    child = spawn_pipes([sys.executable, "-c", "import sys; sys.exit(7)"], {})
    try:
        await asyncio.wait_for(child.exited(), 10)
        assert await child.finish() == 7
    finally:
        child.close_fds()


async def test_exit_is_noticed_without_pidfd(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pidfd(pid: int, flags: int = 0) -> int:
        raise OSError(errno.ENOSYS, "pidfd_open not available")

    monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    child = spawn_pipes([sys.executable, "-c", "import time; time.sleep(0.2)"], {})
    try:
        await asyncio.wait_for(child.exited(), 10)
        assert await child.finish() == 0  # still reapable: the poll did not reap it
    finally:
        child.close_fds()
