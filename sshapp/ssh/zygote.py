"""Provides the zygote: a process that pre-imports the session code and forks sessions.

`python -m sshapp.ssh.zygote FD MODULES` imports MODULES (e.g. textual and the TUI)
once, then serves spawn requests on the SOCK_SEQPACKET socket FD: each request is a
JSON object plus the session's PTY slave (or three pipe ends) passed with SCM_RIGHTS.
The zygote forks; the child becomes a session leader with the PTY as its controlling
terminal, takes the request's environment and runs the entry like `python -m` or
`python script.py` would. Replies: `{"id", "pid"}` or `{"id", "error"}`, and
`{"exit": pid, "status": code}` when a child ends (negative: killed by that signal).
A request with `"status_fd": true` passes one more fd last, the write end of a pipe: the
child writes its exit code there when its entry returns, so the server still learns it
if this zygote has died in the meantime (then nobody reaps the child for us).

Stdlib only, and nothing from asyncssh: every session inherits this process's memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import io
import json
import os
import runpy
import selectors
import signal
import socket
import sys
import termios
import threading
import traceback
from collections.abc import Iterable
from typing import Any

MAX_FDS = 4
LOG_FD_VARIABLE = "SSHAPP_LOG_FD"
"""As in sshapp.logfmt (this module imports nothing from sshapp: see above)."""
MAX_MESSAGE = 1 << 20
STATUS_FD_MIN = 64
"""A forked session keeps its status pipe at or above this fd."""


def _reopen_stdio(tty: bool) -> None:
    """Fresh sys.std* on fds 0-2 (the zygote's were decided for its own stdio)."""

    def stream(fd: int, mode: str) -> io.TextIOWrapper:
        raw = open(fd, mode + "b", buffering=0, closefd=False)  # noqa: SIM115
        buffered: Any = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        return io.TextIOWrapper(
            buffered, encoding="utf-8", errors="surrogateescape" if mode == "r" else "replace",
            line_buffering=tty or fd == 2, write_through=fd == 2,
        )  # fmt: skip

    sys.stdin = sys.__stdin__ = stream(0, "r")  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = stream(1, "w")  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = stream(2, "w")  # type: ignore[misc]


class _ChildDone(BaseException):
    """Raised in a forked child to unwind the zygote's loop and exit like a normal process."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Zygote:
    """The zygote's socket and wake-up pipe, which a child must close first."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)

    def close(self) -> None:
        self.selector.close()
        self.sock.close()
        os.close(self.wake_r)
        os.close(self.wake_w)


def _report_status(fd: int, code: int) -> None:
    """Write the exit code to the status pipe (if any) and close it."""
    if fd >= 0:
        with contextlib.suppress(OSError):
            os.write(fd, str(code).encode())
            os.close(fd)


def _become_session(request: dict[str, Any], fds: list[int]) -> None:
    """Signals back to defaults; new session; fds 0-2; the request's environment."""
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.setsid()
    tty = request["mode"] == "pty"
    if tty:
        fcntl.ioctl(fds[0], termios.TIOCSCTTY, 0)
    # The server's stderr (ours too) becomes the session's log fd, if it asked for one.
    log_target = request["env"].get(LOG_FD_VARIABLE, "")
    log_fd = os.dup(2) if log_target.isdigit() and int(log_target) > 2 else -1
    for target, fd in enumerate([fds[0]] * 3 if tty else fds):
        os.dup2(fd, target)
    for fd in set(fds):
        if fd > 2:
            os.close(fd)
    if log_fd >= 0 and log_fd != int(log_target):
        os.dup2(log_fd, int(log_target))
        os.close(log_fd)
    os.environ.clear()
    os.environ.update(request["env"])
    _reopen_stdio(tty)


def _run(argv: list[str]) -> int:
    """Run the entry as `python -m MODULE ARGS` or `python SCRIPT ARGS` would."""
    try:
        if argv[1:2] == ["-m"]:
            sys.argv = [argv[2], *argv[3:]]
            runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
        else:
            sys.argv = argv[1:]
            runpy.run_path(argv[1], run_name="__main__")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{exc.code}\n")
        return 1
    return 0


def _child(zygote: _Zygote, request: dict[str, Any], fds: list[int]) -> int:
    """Run the session in this forked child; returns its exit status."""
    status_fd = -1
    code = 1
    try:
        zygote.close()
        if request.get("status_fd") and fds:
            passed = fds.pop()  # moved out of the way of fds 0-3, which the session takes
            status_fd = fcntl.fcntl(passed, fcntl.F_DUPFD_CLOEXEC, STATUS_FD_MIN)
            os.close(passed)
        _become_session(request, fds)
        code = _run(request["argv"])
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    _report_status(status_fd, code)
    return code


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        sock.send(json.dumps(message).encode())


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(sock, {"exit": pid, "status": os.waitstatus_to_exitcode(status)})


def _serve_one(zygote: _Zygote) -> bool:
    """Handle one request; False once the server has gone.

    Raises:
        _ChildDone: In the forked child, once its session is over.
    """
    sock = zygote.sock
    try:
        data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, MAX_FDS)
    except BlockingIOError:
        return True
    if not data:
        return False
    request: dict[str, Any] = {}
    try:
        request = json.loads(data)
        pid = os.fork()
    except Exception as exc:
        _send(sock, {"id": request.get("id"), "error": f"{type(exc).__name__}: {exc}"})
        pid = -1
    if pid == 0:
        raise _ChildDone(_child(zygote, request, fds))
    for fd in fds:
        os.close(fd)
    if pid > 0:
        _send(sock, {"id": request["id"], "pid": pid})
    return True


def _preload(names: Iterable[str]) -> None:
    """Import each `module`, or import `module` and call `function` for `module:function`."""
    for name in names:
        module_name, _, function = name.partition(":")
        try:
            module = importlib.import_module(module_name)
            if function:
                getattr(module, function)()
        except Exception as exc:  # an optional layer may be absent; sessions import lazily
            sys.stderr.write(f"sshapp zygote: not preloading {name}: {exc}\n")
    if threading.active_count() > 1:
        # Forking with other threads alive could copy a held lock into every child.
        sys.stderr.write("sshapp zygote: a preload left threads running; children lack them\n")


def main(argv: list[str]) -> int:
    """Preload modules, then fork sessions on request until the server goes away.

    Args:
        argv: [socket fd, comma-separated modules to import up front].

    Returns:
        Exit status (0 when the server closed the socket).
    """
    sock = socket.socket(fileno=int(argv[0]))
    _preload(filter(None, (argv[1] if len(argv) > 1 else "").split(",")))
    # Objects that exist now are shared with every child; keep the collector off them
    # so it does not write to (and un-share) their pages.
    gc.collect()
    gc.freeze()
    zygote = _Zygote(sock)
    signal.set_wakeup_fd(zygote.wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C on `serve` is the server's to handle
    sock.setblocking(False)
    _send(sock, {"ready": os.getpid()})
    try:
        while True:
            for key, _ in zygote.selector.select():
                if key.fileobj is sock:
                    if not _serve_one(zygote):
                        return 0
                else:
                    with contextlib.suppress(BlockingIOError):
                        os.read(zygote.wake_r, 4096)
            _reap(sock)
    except _ChildDone as done:
        # A forked session ends through the normal interpreter exit: atexit handlers
        # run, non-daemon threads are joined and buffered output is flushed.
        return done.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
