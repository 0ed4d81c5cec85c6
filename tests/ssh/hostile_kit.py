"""Tools for the hostile-input tests: a real `sshapp serve` on 127.0.0.1, terminals, /proc.

Everything here talks to loopback only; callers bound counts and times.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from sshapp.ssh.hostkeys import KEY_NAME
from tests.pty_program import ScreenReader
from tests.ssh.conftest import connect

TUI_MARKER = "matmul ladder"
"""In the real TUI's title: its first screen is up."""
START_SECONDS = 60.0
"""How long `sshapp serve` may take to listen (the zygote preloads the TUI first)."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Serve:
    """A running `sshapp serve` subprocess and its log file."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    hostkey_dir: Path

    def log_text(self) -> str:
        """Everything the server has logged so far."""
        return self.log.read_text(errors="replace")

    async def wait_log(self, pattern: str, timeout: float = 20, after: int = 0) -> re.Match[str]:
        """Wait until a log line (from char offset `after` on) matches `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.log_text()[after:])
            if found or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert found, f"no {pattern!r} in the server log:\n{self.log_text()[-3000:]}"
        return found

    def host_key_fingerprint(self) -> str:
        """SHA256 fingerprint of the server's host key (for clients that pin it)."""
        key = asyncssh.read_private_key(self.hostkey_dir / KEY_NAME)
        return key.get_fingerprint("sha256")


@contextlib.contextmanager
def serve(tmp: Path, *args: str) -> Iterator[Serve]:
    """Run `sshapp serve --host 127.0.0.1 --port FREE ARGS` until the block ends."""
    port, log = free_port(), tmp / "serve.log"
    env = {**os.environ, "SSHAPP_STATE_DIR": str(tmp / "state")}
    argv = [sys.executable, "-m", "sshapp", "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--hostkey-dir", str(tmp / "keys"), *args]
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
    server = Serve(port, proc, log, tmp / "keys")
    try:
        deadline = time.monotonic() + START_SECONDS
        while "event=listening" not in server.log_text():
            assert proc.poll() is None, f"serve exited:\n{server.log_text()}"
            assert time.monotonic() < deadline, f"serve did not start:\n{server.log_text()}"
            time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class Terminal(ScreenReader):
    """A PTY session of an asyncssh client (bytes) seen through a pyte screen."""

    def __init__(self, proc: asyncssh.SSHClientProcess[bytes], cols: int, rows: int) -> None:
        self.proc = proc
        super().__init__(cols, rows)

    @classmethod
    async def open(
        cls, conn: asyncssh.SSHClientConnection, cols: int = 100, rows: int = 30
    ) -> Terminal:
        """Open a PTY session without a command (the TUI) on `conn`."""
        proc = await conn.create_process(
            term_type="xterm-256color", term_size=(cols, rows), encoding=None
        )
        return cls(proc, cols, rows)

    async def _read(self) -> None:
        while data := await self.proc.stdout.read(65536):
            self.feed(data)

    def _write(self, data: bytes) -> None:
        self.proc.stdin.write(data)

    async def close(self) -> None:
        """Stop reading and close the channel."""
        self.proc.close()
        await self.stop_reading()


async def start_tui_run(term: Terminal, kernel: str, size: int) -> None:
    """From the first screen: set up `kernel` at `size` in the form and press Ctrl+R."""
    await term.wait_for(TUI_MARKER, "kernel")
    await term.keys(b"s", kernel.encode(), b"\t", b"\x7f" * 5, str(size).encode())
    await term.wait_for(f"{kernel} at {size}")
    await term.keys(b"\x12")


def session_pids(server: Serve, login: str) -> list[int]:
    """Pids of live session processes whose SSH login name is `login` (from the log)."""
    found = re.findall(rf"event=session_pid .*user={re.escape(login)} pid=(\d+)", server.log_text())
    return [int(pid) for pid in found if process_state(int(pid)) not in ("", "Z")]


def process_state(pid: int) -> str:
    """One-letter state of `pid` (R, S, T = stopped, Z …) or "" if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]


def parent_pid(pid: int) -> int:
    """The parent of `pid`."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def login(port: int, user: str, **kwargs: Any) -> Any:
    """Connect to the server as `user` (no key unless `client_keys` is given)."""
    return connect(port, username=user, **kwargs)
