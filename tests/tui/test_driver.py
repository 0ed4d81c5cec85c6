"""TerminalDriver: no crash on a byte that is not UTF-8, no Ctrl+Z stop in a session.

Runs `sshapp session` on a PTY of the test's own, as an OpenSSH forced command would
(no `sshapp serve` relay in front repairing the input).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from tests.pty_program import PtyProgram

pytestmark = pytest.mark.timeout(90)

TUI_MARKER = "matmul ladder"


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


async def test_forced_command_session_survives_a_bad_byte_and_ctrl_z(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "SSHAPP_STATE_DIR": str(tmp_path / "state"),
        "SSHAPP_USER": "tester",
    }
    session = await PtyProgram.start([sys.executable, "-m", "sshapp", "session"], env=env)
    try:
        await session.wait_for(TUI_MARKER)
        await session.keys(b"\xff", b"\xc3(", b"\x1a", pause=0.4)  # bad bytes, then Ctrl+Z
        assert b"Traceback" not in session.raw
        assert _state(session.proc.pid) not in ("T", "t")
        os.kill(session.proc.pid, signal.SIGTSTP)  # as a Ctrl+Z in cooked mode would
        await session.keys(b"?", pause=0.5)
        assert _state(session.proc.pid) not in ("T", "t")
        await session.wait_for("help")  # still reading keys
        assert b"Traceback" not in session.raw
        await session.keys(b"\x1b", b"q")
        assert await session.wait() == 0
    finally:
        await session.close()


async def test_a_local_tui_keeps_textual_job_control() -> None:
    # Only where the process ignores SIGTSTP (every SSH session) is suspending refused.
    from textual.app import App

    from sshapp.tui.driver import TerminalDriver

    previous = signal.getsignal(signal.SIGTSTP)
    try:
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        local = TerminalDriver(App())
        assert local.can_suspend
        signal.signal(signal.SIGTSTP, signal.SIG_IGN)
        session = TerminalDriver(App())
        assert not session.can_suspend
        assert signal.getsignal(signal.SIGTSTP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTSTP, previous)
        signal.signal(signal.SIGCONT, signal.SIG_DFL)
