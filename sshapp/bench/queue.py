"""Provides the host-wide FIFO queue: one benchmark at a time across every process.

Each waiter or runner owns a ticket file `<seq>.ticket` in the queue directory and holds
an exclusive `flock` on it for the ticket's lifetime. Sequence numbers come from a
counter file updated under its own lock, and the ticket is renamed into place while that
lock is held, so a ticket with a smaller number is always visible before a larger one
exists. The head of the queue (no live ticket with a smaller number) runs. A ticket
whose lock can be taken belongs to a dead process (the kernel drops `flock` locks when a
process dies, even by SIGKILL), so it is removed: no stale lock survives its owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".ticket"
"""File name suffix of live tickets."""


class Ticket:
    """One place in the queue, held by an open, flock-ed file."""

    def __init__(self, path: Path, fd: int, seq: int) -> None:
        self.path = path
        """Where the ticket file lives."""
        self.seq = seq
        """Position in the global order (smaller runs first)."""
        self._fd: int | None = fd

    @property
    def released(self) -> bool:
        """Whether the ticket has been given back."""
        return self._fd is None

    def release(self) -> None:
        """Leave the queue: remove the ticket, then drop its lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


class HostQueue:
    """The FIFO queue shared by every process using the same directory."""

    def __init__(self, directory: Path, poll_seconds: float = 0.05) -> None:
        """Create a handle on the queue (no I/O until `enqueue`).

        Args:
            directory: Queue directory (created on first use).
            poll_seconds: How often a waiter re-reads the queue.
        """
        self.directory = directory
        """Where tickets live."""
        self.poll_seconds = poll_seconds
        """Waiters re-check their position this often."""

    def enqueue(self) -> Ticket:
        """Take a ticket at the back of the queue.

        Returns:
            The ticket, locked by this process.

        Raises:
            OSError: The queue directory cannot be used.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        counter = os.open(self.directory / "seq", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(counter, fcntl.LOCK_EX)
            raw = os.pread(counter, 32, 0).decode("ascii", "replace").strip()
            # Never below a live ticket, even if the counter file was lost or damaged.
            seq = max([int(raw) if raw.isdigit() else 0, *self._seqs()]) + 1
            os.pwrite(counter, f"{seq:020d}\n".encode(), 0)
            tmp = self.directory / f".{seq:020d}.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, f"{os.getpid()}\n".encode())
            path = self.directory / f"{seq:020d}{SUFFIX}"
            tmp.rename(path)
        finally:
            os.close(counter)
        return Ticket(path, fd, seq)

    def _seqs(self) -> list[int]:
        stems = (p.name.removesuffix(SUFFIX) for p in self.directory.glob(f"*{SUFFIX}"))
        return [int(stem) for stem in stems if stem.isdigit()]

    def position(self, ticket: Ticket) -> int:
        """Return how many live tickets are ahead of `ticket` (0 = it may run).

        Dead tickets met on the way are removed.
        """
        ahead = [seq for seq in self._seqs() if seq < ticket.seq]
        return sum(_alive(self.directory / f"{seq:020d}{SUFFIX}") for seq in ahead)

    async def wait(self, ticket: Ticket, on_position: Callable[[int], None]) -> None:
        """Wait until `ticket` is at the head, reporting each new position.

        Args:
            ticket: A ticket of this queue.
            on_position: Called with the number of runs ahead whenever it changes
                (never with 0).
        """
        last = -1
        while True:
            ahead = await asyncio.to_thread(self.position, ticket)
            if ahead == 0:
                return
            if ahead != last:
                on_position(ahead)
                last = ahead
            await asyncio.sleep(self.poll_seconds)


def _alive(path: Path) -> bool:
    """Return whether some process holds the ticket's lock; remove it if nobody does."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        log.info("removing dead queue ticket %s", path.name)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return False
    finally:
        os.close(fd)


class Handoff:
    """Releases the ticket when both the run's generator and its worker thread are done.

    A cancelled run's worker stops at its next sample; until then it still uses the core,
    so the next run in the queue must not start before the worker has really stopped.
    """

    def __init__(self, ticket: Ticket) -> None:
        self._ticket = ticket
        self._holders = 1
        self._lock = threading.Lock()

    def join(self) -> None:
        with self._lock:
            self._holders += 1

    def leave(self) -> None:
        with self._lock:
            self._holders -= 1
            last = self._holders == 0
        if last:
            self._ticket.release()
