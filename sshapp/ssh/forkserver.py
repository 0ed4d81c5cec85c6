"""Provides the server's side of the zygote: start it, ask it to fork sessions, track exits."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
import socket
from collections.abc import Callable
from typing import Any

from sshapp.ssh.child import Child, set_winsize, wait_pidfd
from sshapp.ssh.logline import log_event
from sshapp.ssh.relay import wait_ready

READY_SECONDS = 60.0
"""How long preloading may take before the zygote is given up on."""
LOST_STATUS = 255
"""Exit status reported for a session whose zygote died and that did not report its own
(killed by a signal, or it never reached the end of its entry)."""


class ForkServer:
    """A running zygote (`sshapp.ssh.zygote`) and the requests in flight to it."""

    def __init__(self, pid: int, sock: socket.socket, python: str) -> None:
        """Wrap a started zygote; use `ForkServer.start`."""
        self.pid = pid
        self.python = python
        self._sock = sock
        self._ids = itertools.count(1)
        self._loop = asyncio.get_running_loop()
        self._ready: asyncio.Future[None] = self._loop.create_future()
        self._replies: dict[int, asyncio.Future[int]] = {}
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._status_pipes: dict[int, int] = {}
        """pid → read end of the pipe the session writes its exit code to."""
        self.alive = True
        self.on_lost: Callable[[], None] | None = None
        """Called once if the zygote dies (not when it is stopped)."""
        self._watchers: set[asyncio.Task[None]] = set()
        self._loop.add_reader(sock, self._on_readable)

    @classmethod
    async def start(cls, python: str, preload: tuple[str, ...], env: dict[str, str]) -> ForkServer:
        """Start the zygote with `env` and wait until it has preloaded `preload`.

        Raises:
            OSError: It could not be started.
            TimeoutError: It did not get ready in time.
        """
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            theirs.set_inheritable(True)
            argv = [python, "-m", "sshapp.ssh.zygote", str(theirs.fileno()), ",".join(preload)]
            pid = os.posix_spawn(python, argv, env, setsid=True, setsigdef=(signal.SIGPIPE,))
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        server = cls(pid, ours, python)
        try:
            await asyncio.wait_for(asyncio.shield(server._ready), READY_SECONDS)
        except BaseException:
            await server.stop()
            raise
        log_event("zygote_ready", pid=pid, preload=",".join(preload) or None)
        return server

    def accepts(self, argv: list[str]) -> bool:
        """Whether the zygote can run `argv` (this Python with `-m MODULE` or a script)."""
        return (
            self.alive
            and len(argv) >= 2
            and argv[0] == self.python
            and (argv[1] == "-m" if len(argv) >= 3 else argv[1].endswith(".py"))
        )

    async def spawn_pty(self, argv: list[str], env: dict[str, str], cols: int, rows: int) -> Child:
        """Fork a session on a new PTY (the zygote makes it the controlling terminal)."""
        master, slave = os.openpty()
        try:
            set_winsize(master, cols, rows)
            pid, status = await self._request({"mode": "pty", "argv": argv, "env": env}, [slave])
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        return Child(pid, {"pty": master}, status=status)

    async def spawn_pipes(self, argv: list[str], env: dict[str, str]) -> Child:
        """Fork a session on pipes (exec without a PTY)."""
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        theirs, ours = (in_r, out_w, err_w), (in_w, out_r, err_r)
        try:
            request = {"mode": "pipes", "argv": argv, "env": env}
            pid, status = await self._request(request, list(theirs))
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        for fd in ours:
            os.set_blocking(fd, False)
        return Child(pid, {"stdin": in_w, "stdout": out_r, "stderr": err_r}, status=status)

    async def _request(
        self, request: dict[str, Any], fds: list[int]
    ) -> tuple[int, asyncio.Future[int]]:
        if not self.alive:
            msg = "the zygote is gone"
            raise OSError(msg)
        request_id = next(self._ids)
        reply: asyncio.Future[int] = self._loop.create_future()
        self._replies[request_id] = reply
        status_r, status_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            data = json.dumps({"id": request_id, "status_fd": True, **request}).encode()
            try:
                await self._send(data, [*fds, status_w])
            finally:
                os.close(status_w)
            pid = await asyncio.wait_for(asyncio.shield(reply), 10)
        except BaseException:
            os.close(status_r)
            raise
        finally:
            self._replies.pop(request_id, None)
        self._status_pipes[pid] = status_r
        return pid, self._exits.setdefault(pid, self._loop.create_future())

    async def _send(self, data: bytes, fds: list[int]) -> None:
        while True:
            try:
                socket.send_fds(self._sock, [data], fds)
                return
            except BlockingIOError:  # the zygote is busy forking: wait for room
                await asyncio.wait_for(wait_ready(self._sock.fileno(), write=True), 10)

    def _on_readable(self) -> None:
        while True:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            self._dispatch(json.loads(data))

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "ready" in message:
            if not self._ready.done():
                self._ready.set_result(None)
        elif "exit" in message:
            _close(self._status_pipes.pop(message["exit"], -1))
            future = self._exits.pop(message["exit"], None) or self._loop.create_future()
            if not future.done():
                future.set_result(int(message["status"]))
        else:
            reply = self._replies.get(message.get("id") or 0)
            if reply is not None and not reply.done():
                if "pid" in message:
                    reply.set_result(int(message["pid"]))
                else:
                    reply.set_exception(OSError(message.get("error", "spawn failed")))

    def _lost(self, *, stopping: bool = False) -> None:
        """The zygote died (or is being stopped): fail requests in flight; watch its orphans."""
        if not self.alive:
            return
        self.alive = False
        self._loop.remove_reader(self._sock)
        self._sock.close()
        if stopping:
            log_event("zygote_stopped", pid=self.pid, sessions=len(self._exits))
        else:
            log_event("zygote_lost", logging.WARNING, pid=self.pid, sessions=len(self._exits))
        if not self._ready.done():
            self._ready.set_exception(OSError("the zygote exited while preloading"))
        for reply in self._replies.values():
            if not reply.done():
                reply.set_exception(OSError("the zygote is gone"))
        for pid, future in self._exits.items():
            status_fd = self._status_pipes.pop(pid, -1)
            task = asyncio.ensure_future(_orphan_status(pid, future, status_fd))
            self._watchers.add(task)
            task.add_done_callback(self._watchers.discard)
        self._exits = {}
        for fd in self._status_pipes.values():
            _close(fd)
        self._status_pipes = {}
        if not stopping and self.on_lost is not None:
            self.on_lost()

    async def stop(self) -> None:
        """Close the socket (the zygote then exits) and reap it."""
        self._lost(stopping=True)
        with contextlib.suppress(ProcessLookupError):
            await asyncio.wait_for(wait_pidfd(self.pid), 5)
        with contextlib.suppress(ProcessLookupError, TimeoutError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _close(fd: int) -> None:
    if fd >= 0:
        with contextlib.suppress(OSError):
            os.close(fd)


def read_status(fd: int) -> int | None:
    """The exit code a session wrote to its status pipe, or None if it wrote none."""
    try:
        data = os.read(fd, 16)
    except OSError:  # BlockingIOError: nothing written and the write end is still open
        return None
    text = data.decode("ascii", "replace").strip()
    return int(text) if text.lstrip("-").isdigit() else None


async def _orphan_status(pid: int, future: asyncio.Future[int], status_fd: int) -> None:
    """Wait for a session the dead zygote can no longer report on; learn its code itself."""
    try:
        with contextlib.suppress(ProcessLookupError):
            await wait_pidfd(pid)
        status = read_status(status_fd) if status_fd >= 0 else None
    finally:
        _close(status_fd)
    if status is None:
        log_event("session_status_lost", logging.WARNING, pid=pid, status=LOST_STATUS)
    if not future.done():
        future.set_result(LOST_STATUS if status is None else status)
