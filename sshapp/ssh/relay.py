"""Provides byte pumps between an SSH channel and a child's PTY master or pipes."""

from __future__ import annotations

import asyncio
import codecs
import errno
import os
from collections.abc import Callable

import asyncssh

from sshapp.ssh.child import set_winsize

CHUNK = 65536


async def wait_ready(fd: int, *, write: bool) -> None:
    """Wait until a non-blocking fd is readable (or writable, with `write`)."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not fut.done():
            fut.set_result(None)

    (loop.add_writer if write else loop.add_reader)(fd, wake)
    try:
        await fut
    finally:
        (loop.remove_writer if write else loop.remove_reader)(fd)


async def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to a non-blocking fd, waiting while it is full.

    Raises:
        OSError: The other end is gone (EIO on a PTY, EPIPE on a pipe).
    """
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            await wait_ready(fd, write=True)


async def pump_out(fd: int, writer: asyncssh.SSHWriter[bytes]) -> None:
    """Copy a child's output fd to a channel stream until EOF (or EIO: PTY closed).

    Waits for the channel to drain between reads, so a slow client slows the child
    rather than growing a buffer here.
    """
    while True:
        try:
            data = os.read(fd, CHUNK)
        except BlockingIOError:
            await wait_ready(fd, write=False)
            continue
        except OSError as exc:
            if exc.errno == errno.EIO:  # every slave fd closed: the session is over
                return
            raise
        if not data:
            return
        writer.write(data)
        await writer.drain()


class Utf8Repair:
    """Incremental filter: client bytes in, valid UTF-8 out (bad bytes become U+FFFD).

    A sequence split across chunks is held until its end arrives, so valid input passes
    unchanged; only bytes that can never be UTF-8 (0xff, a Latin-1 "é") are replaced.
    """

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def __call__(self, data: bytes) -> bytes:
        """The valid UTF-8 for `data` (a trailing partial sequence is held back)."""
        return str(self._decoder.decode(data)).encode()


async def pump_in(
    reader: asyncssh.SSHReader[bytes],
    fd: int,
    *,
    pty: bool,
    on_input: Callable[[], None],
    on_eof: Callable[[], None],
) -> None:
    """Copy client input to the child; apply window changes to the PTY.

    Args:
        reader: The channel's stdin stream (bytes; no line editor).
        fd: PTY master or the child's stdin pipe.
        pty: Whether `fd` is a PTY master: window changes apply, EOF is ignored and
            input is repaired to valid UTF-8 (the terminal app decodes it).
        on_input: Called for every chunk the user sent (idle tracking); not for
            window changes, which a client can send without anyone at the keyboard.
        on_eof: Called once when the client sends EOF.
    """
    repair = Utf8Repair() if pty else bytes
    while True:
        try:
            data = await reader.read(CHUNK)
        except asyncssh.TerminalSizeChanged as change:
            if pty:
                set_winsize(fd, change.width, change.height)
            continue
        except (asyncssh.BreakReceived, asyncssh.SignalReceived):
            continue
        if not data:
            on_eof()
            return
        on_input()
        try:
            await write_all(fd, repair(data))
        except OSError:  # the child closed its input or exited; drop further input
            return
