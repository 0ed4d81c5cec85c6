"""A real terminal: tmux runs `sshapp tui`; keys pick and run a kernel; the pane shows it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sshapp.kernels import list_kernels

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


def pick_and_run(tmux: Tmux, command: str) -> None:
    """Open the app in tmux, pick the first kernel, run it at 256, check the pane, quit."""
    tmux("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command)
    tmux.wait_for("app", "kernel", "blocking", "summary")
    # With a fresh state directory no host best is measured yet, so the cursor starts on
    # the first kernel this CPU supports (same SSHAPP_DISABLE_ISA as this process);
    # enter picks it. (The pane is too narrow to show every row's "unsupported" reason.)
    first = next(k.id for k in list_kernels() if k.supported)
    tmux("send-keys", "-t", "app", "Enter")
    tmux.wait_for("app", f"1 run starting with {first} at 1024")
    tmux("send-keys", "-t", "app", "Tab")
    tmux("send-keys", "-t", "app", "BSpace", "BSpace", "BSpace", "BSpace")
    tmux.wait_for("app", "m is empty")
    tmux("send-keys", "-t", "app", "-l", "256")
    tmux.wait_for("app", f"1 run starting with {first} at 256")
    tmux("send-keys", "-t", "app", "C-r")
    screen = tmux.wait_for("app", "finished", "GFLOP/s per repetition", "best", "of peak")
    assert f"{first} at 256: best" in screen
    assert "rep" in screen
    tmux("send-keys", "-t", "app", "q")
    tmux.wait_for("app", "exited=0", timeout=20)


@pytest.mark.timeout(180)
def test_pick_and_run_a_kernel_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    command = (
        f"env TERM=xterm-256color SSHAPP_STATE_DIR={tmp_path / 'state'} "
        f"{sys.executable} -m sshapp tui; echo exited=$?; sleep 30"
    )
    pick_and_run(tmux, command)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_port(tmp_path: Path) -> Iterator[int]:
    """`sshapp serve` on 127.0.0.1 (open auth, temporary host key and state)."""
    port = free_port()
    env = {**os.environ, "SSHAPP_STATE_DIR": str(tmp_path / "state")}
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


@pytest.mark.skipif(shutil.which("ssh") is None, reason="openssh-client is not installed")
@pytest.mark.timeout(180)
def test_pick_and_run_a_kernel_over_ssh(tmux: Tmux, server_port: int) -> None:
    ssh = (
        "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o LogLevel=ERROR -o PubkeyAuthentication=no "
        f"-p {server_port} -tt carol@127.0.0.1"
    )
    pick_and_run(tmux, f"env TERM=xterm-256color {ssh}; echo exited=$?; sleep 30")


@pytest.mark.skipif(shutil.which("ssh") is None, reason="openssh-client is not installed")
@pytest.mark.timeout(180)
def test_tune_screen_over_ssh_changes_a_block_and_the_trace_moves(
    tmux: Tmux, server_port: int
) -> None:
    ssh = (
        "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o LogLevel=ERROR -o PubkeyAuthentication=no "
        f"-p {server_port} -tt dave@127.0.0.1"
    )
    tmux("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", f"env TERM=xterm-256color {ssh}")
    tmux.wait_for("app", "kernel", "blocking", "summary")
    tmux("send-keys", "-t", "app", "t")
    screen = tmux.wait_for("app", "Tune ", "running", "now ", "GF/s", timeout=90)
    kc_line = next(line for line in screen.splitlines() if "B panel KC×NR" in line)
    kc = int(kc_line.split("KC", 1)[1].split()[0])
    assert "of L1" in kc_line
    tmux("send-keys", "-t", "app", "Left")  # halve KC
    moved = tmux.wait_for("app", f"KC {kc // 2}", "▲", timeout=30)
    assert f"KC={kc // 2}" in moved  # the note names the blocks being timed
    tmux("send-keys", "-t", "app", "q")


@pytest.mark.skipif(shutil.which("ssh") is None, reason="openssh-client is not installed")
@pytest.mark.timeout(180)
def test_lesson_of_the_15_register_kernel_over_ssh(tmux: Tmux, server_port: int) -> None:
    """e on avx2.ukr_5x16.f32 opens its lesson; its register budget is on the first screen."""
    ssh = (
        "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o LogLevel=ERROR -o PubkeyAuthentication=no "
        f"-p {server_port} -tt erin@127.0.0.1"
    )
    tmux("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", f"env TERM=xterm-256color {ssh}")
    tmux.wait_for("app", "kernel", "blocking", "summary")
    # f32 is the first group; the cursor walks kernel lines only (headers are skipped).
    f32 = [k.id for k in list_kernels() if k.dtype == "f32"]
    tmux("send-keys", "-t", "app", "Home")
    for _ in range(f32.index("avx2.ukr_5x16.f32")):
        tmux("send-keys", "-t", "app", "Down")
    tmux.wait_for("app", "avx2.ukr_5x16.f32  [f32]")  # the detail line names the cursor's row
    tmux("send-keys", "-t", "app", "e")
    screen = tmux.wait_for(
        "app", "register budget: 10 accumulators + 2 B + 1 A broadcast = 13 of 16 ymm (3 free)"
    )
    assert "step before: avx2.ukr_4x16.f32" in screen
    assert "ymm0   C   C   C   C   C   C   C   C   C   C   B   B   A   ·   ·   ·" in screen
    assert "Step 4b of the ladder" in screen  # the file's header, first tab
    tmux("send-keys", "-t", "app", "3")
    tmux.wait_for("app", "a4 bcast", "5×2 accumulators stay in registers")
    tmux("send-keys", "-t", "app", "Escape")
    tmux.wait_for("app", "avx2.ukr_5x16.f32  [f32]")
    tmux("send-keys", "-t", "app", "q")
