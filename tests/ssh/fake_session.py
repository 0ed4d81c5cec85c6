"""A stand-in for `sshapp session` used by the SSH tests (stdlib only, starts fast).

Exec (SSH_ORIGINAL_COMMAND): `echo ARGS`, `env` (JSON), `exit N`, `sleep S` (prints its
pid first), `cat`, `stderr TEXT`, `size`, `ttyinfo`, `modules M…`, `atexit`. PTY without a command:
raw mode, a title line with the size, redraws on SIGWINCH, echoes keys as `key:<hex>`,
`q` quits.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import sys
import termios
import threading
import time
import tty


def _size() -> str:
    cols, rows = shutil.get_terminal_size((0, 0))
    return f"{cols}x{rows}"


def exec_command(command: str) -> int:
    verb, _, rest = command.partition(" ")
    out = sys.stdout
    if verb == "echo":
        out.write(rest + "\n")
    elif verb == "env":
        out.write(json.dumps(dict(os.environ)) + "\n")
    elif verb == "exit":
        return int(rest)
    elif verb == "sleep":
        out.write(f"pid {os.getpid()}\n")
        out.flush()
        time.sleep(float(rest))
        out.write("slept\n")
    elif verb == "cat":
        data = sys.stdin.buffer.read()
        sys.stdout.buffer.write(data)
    elif verb == "stderr":
        sys.stderr.write(rest + "\n")
        return 3
    elif verb == "size":
        out.write(_size() + "\n")
    elif verb == "atexit":
        atexit.register(lambda: sys.stdout.write("atexit ran\n"))
        worker = threading.Thread(target=lambda: (time.sleep(0.2), out.write("thread done\n")))
        worker.start()
    elif verb == "modules":
        out.write(json.dumps({m: m in sys.modules for m in rest.split()}) + "\n")
    elif verb == "ttyinfo":
        out.write(json.dumps({"isatty": os.isatty(0), "pgrp": os.getpgrp(), "sid": os.getsid(0)}))
        out.write("\n")
    else:
        sys.stderr.write(f"fake: unknown command {command!r}\n")
        return 2
    return 0


def tui() -> int:
    fd = 0
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)

    def write(text: str) -> None:
        os.write(1, text.encode())  # os.write: safe to call from the signal handler

    state = {"drawing": False, "pending": False}

    def draw(*_: object) -> None:
        # A resize storm delivers SIGWINCH inside this handler; nesting handlers would
        # recurse without bound, so a nested call only asks the running one to redraw.
        if state["drawing"]:
            state["pending"] = True
            return
        state["drawing"] = True
        try:
            state["pending"] = True
            while state["pending"]:
                state["pending"] = False
                write(f"\x1b[2J\x1b[HFAKE TUI {_size()} pid {os.getpid()}\r\n")
        finally:
            state["drawing"] = False

    signal.signal(signal.SIGWINCH, draw)
    draw()
    try:
        while True:
            try:
                data = os.read(fd, 1024)
            except InterruptedError:
                continue
            if not data or data == b"q":
                return 0
            write(f"key:{data.hex()}\r\n")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def main() -> int:
    command = os.environ.get("SSH_ORIGINAL_COMMAND")
    if command is not None:
        code = exec_command(command)
        sys.stdout.flush()
        return code
    if os.isatty(0):
        return tui()
    sys.stderr.write("fake: no command and no tty\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
