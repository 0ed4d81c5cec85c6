"""Provides session child processes: spawn on a PTY or on pipes, wait via pidfd, hang up."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import termios
from dataclasses import dataclass

from sshapp.logfmt import LOG_FD_VARIABLE

_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGHUP, signal.SIGINT, signal.SIGTERM)
"""Python ignores SIGPIPE/SIGXFSZ; the child must start with default dispositions."""


def set_winsize(fd: int, cols: int, rows: int) -> None:
    """Set a PTY's size (TIOCSWINSZ); the kernel then sends SIGWINCH to its foreground group.

    A 0×0 size (e.g. `ssh -tt` from a non-terminal) becomes 80×24.
    """
    if cols <= 0 or rows <= 0:
        cols, rows = 80, 24
    cols, rows = min(cols, 4096), min(rows, 4096)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def get_winsize(fd: int) -> tuple[int, int]:
    """A PTY's size as (cols, rows)."""
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return cols, rows


POLL_SECONDS = 0.05
"""Exit polling interval where pidfd_open is unavailable."""


async def _poll_exit(pid: int) -> None:
    """Poll until `pid` has exited, without reaping it (WNOWAIT) if it is our child."""
    while True:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return
        except ChildProcessError:  # not our child: watch it from outside
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        await asyncio.sleep(POLL_SECONDS)


async def wait_pidfd(pid: int) -> None:
    """Wait until process `pid` exits (any process, not only our children).

    Raises:
        ProcessLookupError: There is no such process (already gone and reaped).
    """
    loop = asyncio.get_running_loop()
    try:
        pidfd = os.pidfd_open(pid)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EPERM, errno.EACCES):
            raise
        await _poll_exit(pid)  # old kernel or a seccomp filter without pidfd_open
        return
    try:
        done: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not done.done():
                done.set_result(None)

        loop.add_reader(pidfd, wake)
        try:
            await done
        finally:
            loop.remove_reader(pidfd)
    finally:
        os.close(pidfd)


@dataclass(slots=True)
class Child:
    """A spawned session process (leader of its own session and process group)."""

    pid: int
    """Process id (also its process-group and session id)."""
    fds: dict[str, int]
    """Our ends: `pty` (PTY master) or `stdin`/`stdout`/`stderr` pipes."""
    status: asyncio.Future[int] | None = None
    """For a process forked by the zygote (not our child): its exit status, when reported."""
    returncode: int | None = None
    """Exit status once reaped: >= 0 exit code, < 0 killed by that signal."""

    async def exited(self) -> None:
        """Wait until the process has exited, without reaping it (pidfd: no thread, no SIGCHLD).

        Our own child stays a zombie until `finish`, so its process-group id cannot be
        reused meanwhile and `signal_group` stays safe. (Linux never hands out a pid that
        is still some group's id, which covers zygote children, reaped by the zygote.)
        """
        if self.returncode is not None:
            return
        if self.status is not None:
            await asyncio.shield(self.status)
            return
        await wait_pidfd(self.pid)

    async def finish(self) -> int:
        """Kill anything left in the group, then reap the (exited or dying) leader.

        Returns:
            The exit status: >= 0 exit code, < 0 the signal that killed it.
        """
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            if self.status is not None:
                self.returncode = await asyncio.shield(self.status)
            else:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def signal_group(self, sig: int) -> None:
        """Send `sig` to the whole process group; a group already gone is fine."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)

    async def hang_up(self, grace: float) -> int:
        """SIGHUP the group, SIGKILL it after `grace` seconds, and reap the leader."""
        self.signal_group(signal.SIGHUP)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.exited(), grace)
        return await self.finish()

    def close_fds(self) -> None:
        """Close our ends of the PTY or pipes (idempotent)."""
        for name, fd in list(self.fds.items()):
            with contextlib.suppress(OSError):
                os.close(fd)
            del self.fds[name]


def _spawn(argv: list[str], env: dict[str, str], actions: list[tuple[int, ...]]) -> int:
    log_fd = env.get(LOG_FD_VARIABLE, "")
    if log_fd.isdigit() and int(log_fd) > 2:
        # First, while fd 2 is still ours: the session logs its runs on our stderr.
        actions = [(os.POSIX_SPAWN_DUP2, 2, int(log_fd)), *actions]
    return os.posix_spawn(
        argv[0],
        argv,
        env,
        file_actions=actions,
        setsid=True,
        setsigdef=_RESET_SIGNALS,
        setsigmask=(),
    )


def spawn_pty(argv: list[str], env: dict[str, str], cols: int, rows: int) -> Child:
    """Start `argv` on a fresh PTY as its controlling terminal.

    posix_spawn runs setsid() before the file actions, so opening the slave by name
    (without O_NOCTTY) in the child makes it the controlling terminal: window-size
    changes then reach the child as SIGWINCH, and a hang-up as SIGHUP.

    Args:
        argv: Command; argv[0] must be an absolute path.
        env: The child's complete environment.
        cols: Initial width (0 → 80).
        rows: Initial height (0 → 24).

    Returns:
        The child; `fds["pty"]` is the non-blocking PTY master.
    """
    master, slave = os.openpty()
    try:
        name = os.ttyname(slave)
        set_winsize(master, cols, rows)
        actions: list[tuple[int, ...]] = [
            (os.POSIX_SPAWN_OPEN, 0, name, os.O_RDWR, 0),  # type: ignore[list-item]
            (os.POSIX_SPAWN_DUP2, 0, 1),
            (os.POSIX_SPAWN_DUP2, 0, 2),
        ]
        pid = _spawn(argv, env, actions)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    return Child(pid, {"pty": master})


def spawn_pipes(argv: list[str], env: dict[str, str]) -> Child:
    """Start `argv` with pipes for stdin, stdout and stderr (exec without a PTY).

    Returns:
        The child; `fds` holds non-blocking `stdin` (write), `stdout`, `stderr` (read).
    """
    opened: list[int] = []
    try:
        in_r, in_w = os.pipe()
        opened += (in_r, in_w)
        out_r, out_w = os.pipe()
        opened += (out_r, out_w)
        err_r, err_w = os.pipe()
        opened += (err_r, err_w)
        actions: list[tuple[int, ...]] = [
            (os.POSIX_SPAWN_DUP2, in_r, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err_w, 2),
        ]
        pid = _spawn(argv, env, actions)
    except BaseException:
        for fd in opened:
            os.close(fd)
        raise
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    for fd in (in_w, out_r, err_r):
        os.set_blocking(fd, False)
    return Child(pid, {"stdin": in_w, "stdout": out_r, "stderr": err_r})
