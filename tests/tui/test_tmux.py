"""A real terminal: tmux runs `sshapp tui`; keys pick and run a kernel; the pane shows it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


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


@pytest.mark.timeout(180)
def test_pick_and_run_a_kernel_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    command = (
        f"env TERM=xterm-256color SSHAPP_STATE_DIR={tmp_path / 'state'} "
        f"{sys.executable} -m sshapp tui; echo exited=$?; sleep 30"
    )
    tmux("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
    tmux.wait_for("app", "kernel", "blocking", "summary")
    tmux("send-keys", "-t", "app", "s")
    tmux.wait_for("app", "kernels", "presets")
    tmux("send-keys", "-t", "app", "-l", "avx2.simd.f32")
    tmux.wait_for("app", "1 run starting with avx2.simd.f32 at 1024")
    tmux("send-keys", "-t", "app", "Tab")
    tmux("send-keys", "-t", "app", "BSpace", "BSpace", "BSpace", "BSpace")
    tmux.wait_for("app", "m is empty")
    tmux("send-keys", "-t", "app", "-l", "256")
    tmux.wait_for("app", "1 run starting with avx2.simd.f32 at 256")
    tmux("send-keys", "-t", "app", "C-r")
    screen = tmux.wait_for("app", "finished", "GFLOP/s per repetition", "best", "of peak")
    assert "avx2.simd.f32 at 256: best" in screen
    assert "rep" in screen
    tmux("send-keys", "-t", "app", "q")
    tmux.wait_for("app", "exited=0", timeout=20)
