"""Runs a child program on a pseudo-terminal of a given size and records what it writes.

Shared by tui_bytes.py and lesson_bytes.py: the child gets a temporary state directory
and writes its marks (start and end times, counts) to `marks.json` in it; the parent
drains the PTY, timestamping every chunk.
"""

from __future__ import annotations

import json
import os
import pty
import select
import struct
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from fcntl import ioctl
from pathlib import Path
from typing import Any


@dataclass
class PtyRun:
    """What one child wrote to its terminal."""

    chunks: list[tuple[float, int]]
    """(time read, bytes) of every chunk."""
    tail: bytes
    """The last 4000 bytes written (for an error message)."""
    marks: dict[str, Any] | None
    """The child's marks.json, None if it never wrote it."""

    def bytes_between(self, start: float, end: float) -> int:
        """Bytes read between two of the child's marks."""
        return sum(n for t, n in self.chunks if start <= t <= end)


def run_on_pty(child: str, args: list[str], cols: int, rows: int, timeout: float) -> PtyRun:
    """Run `python -c child *args MARKS` on a cols×rows PTY for at most `timeout` seconds
    (then the child is killed); MARKS is the path of the marks file it should write."""
    state = Path(tempfile.mkdtemp(prefix="sshapp-pty-run-"))
    marks = state / "marks.json"
    env = {**os.environ, "TERM": "xterm-256color", "SSHAPP_STATE_DIR": str(state), "COLORTERM": ""}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    argv = [sys.executable, "-c", child, *args, str(marks)]
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, argv, env)
    ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    chunks: list[tuple[float, int]] = []
    tail = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append((time.time(), len(data)))
        tail = (tail + data)[-4000:]
    else:
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    os.close(fd)
    found = json.loads(marks.read_text()) if marks.exists() else None
    return PtyRun(chunks, tail, found)
