"""A real terminal: tmux runs `sshapp tui`; keys pick and run a kernel; the pane shows it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from sshapp.kernels import list_kernels
from tests.tui.tmux_kit import Tmux, open_app, ssh_command

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


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


@pytest.mark.skipif(shutil.which("ssh") is None, reason="openssh-client is not installed")
@pytest.mark.timeout(180)
def test_pick_and_run_a_kernel_over_ssh(tmux: Tmux, server_port: int) -> None:
    ssh = ssh_command(server_port, "carol")
    pick_and_run(tmux, f"env TERM=xterm-256color {ssh}; echo exited=$?; sleep 30")


@pytest.mark.skipif(shutil.which("ssh") is None, reason="openssh-client is not installed")
@pytest.mark.timeout(180)
def test_tune_screen_over_ssh_changes_a_block_and_the_trace_moves(
    tmux: Tmux, server_port: int
) -> None:
    open_app(tmux, server_port, "dave")
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
