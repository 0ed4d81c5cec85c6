"""A real terminal for TUI tests: a private tmux server, `sshapp serve` on loopback, ssh -tt."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


class Tmux:
    """A private tmux server (its own socket) with a sentinel session that keeps it alive."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return out.stdout

    def capture(self, target: str) -> str:
        return self("capture-pane", "-p", "-t", target)

    def wait_for(self, target: str, *needles: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture(target)
            if all(n in screen for n in needles):
                return screen
            time.sleep(0.2)
        pytest.fail(f"{needles} never appeared; last screen:\n{screen}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(f"sshapp-test-{os.getpid()}-{tmp_path.name}")
    # The sentinel keeps the server up between sessions (no race with a server shutting down).
    server("new-session", "-d", "-s", "sentinel", "sleep 600")
    try:
        yield server
    finally:
        subprocess.run(
            ["tmux", "-L", server.socket, "kill-server"],
            capture_output=True,
            timeout=10,
            check=False,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(tmp_path: Path, **env: str) -> Iterator[int]:
    """Run `sshapp serve` on 127.0.0.1 (open auth, temporary host key and state); yield its port.

    Args:
        tmp_path: Where the host key and state go.
        env: Extra environment for the server and its sessions (e.g. SSHAPP_DISABLE_ISA).
    """
    port = free_port()
    env = {**os.environ, "SSHAPP_STATE_DIR": str(tmp_path / "state"), **env}
    argv = [sys.executable, "-m", "sshapp", "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--hostkey-dir", str(tmp_path / "keys"), "--log-level", "WARNING"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("sshapp serve did not start")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def server_port(tmp_path: Path) -> Iterator[int]:
    """`sshapp serve` on 127.0.0.1 (open auth, temporary host key and state)."""
    yield from serve(tmp_path)


def ssh_command(port: int, user: str) -> str:
    """Return the OpenSSH command line of a PTY session to the test server as `user`."""
    return (
        "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o LogLevel=ERROR -o PubkeyAuthentication=no "
        f"-p {port} -tt {user}@127.0.0.1"
    )


def open_app(tmux: Tmux, port: int, user: str, size: tuple[int, int] = (80, 24)) -> None:
    """Start session `app`: ssh -tt into the server at `size`, wait for the kernel table."""
    width, height = size
    command = f"env TERM=xterm-256color {ssh_command(port, user)}"
    tmux("new-session", "-d", "-s", "app", "-x", str(width), "-y", str(height), command)
    tmux.wait_for("app", "kernel", "blocking", "summary")
