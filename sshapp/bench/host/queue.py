"""Provides the host-wide FIFO queue: one benchmark at a time across every process.

Each waiter or runner owns a ticket file `<seq>.ticket` in the queue directory and holds
an exclusive `flock` on it for the ticket's lifetime. Sequence numbers come from a
counter file updated under its own lock, and the ticket is renamed into place while that
lock is held, so a ticket with a smaller number is always visible before a larger one
exists. The head of the queue (no live ticket with a smaller number) runs. A ticket
whose lock can be taken belongs to a dead process (the kernel drops `flock` locks when a
process dies, even by SIGKILL), so it is removed: no stale lock survives its owner.

A ticket's file records who holds it (JSON: pid, user) and, once its run holds the host,
when that started and how long it may take (CLOCK_MONOTONIC, the same in every process):
that is how `enqueue` counts one user's tickets against a quota, and how the server's
watchdog finds a holder that overruns its budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

QUEUE_DIR = "queue"
"""The queue's directory inside the state directory."""
SUFFIX = ".ticket"
"""File name suffix of live tickets."""
RECORD_BYTES = 1024
"""Size of a ticket's record (padded, so a rewrite in place leaves nothing behind)."""
MAX_USER_CHARS = 128
"""Longest user name recorded in a ticket (at most 6 bytes a character in JSON)."""


class QuotaError(Exception):
    """The user already holds as many tickets as one user may (one readable line)."""


@dataclass(frozen=True, slots=True)
class Holder:
    """What a live ticket's file says about its owner."""

    seq: int
    """The ticket's place in the order."""
    pid: int
    """The process that holds it."""
    user: str
    """Whose run it is."""
    started: float | None
    """time.monotonic() when its run got the host (None while it waits)."""
    budget: float | None
    """Seconds the run may hold the host (None while it waits)."""


def _record(pid: int, user: str, started: float | None, budget: float | None) -> bytes:
    fields = {"pid": pid, "user": user[:MAX_USER_CHARS], "started": started, "budget": budget}
    return json.dumps(fields).encode().ljust(RECORD_BYTES - 1) + b"\n"


class Ticket:
    """One place in the queue, held by an open, flock-ed file."""

    def __init__(self, path: Path, fd: int, seq: int, user: str = "") -> None:
        self.path = path
        """Where the ticket file lives."""
        self.seq = seq
        """Position in the global order (smaller runs first)."""
        self.user = user
        """Whose ticket it is."""
        self._fd: int | None = fd

    def mark_running(self, budget_seconds: float) -> None:
        """Record that this ticket's run holds the host from now for `budget_seconds`."""
        if self._fd is None:
            return
        data = _record(os.getpid(), self.user, time.monotonic(), budget_seconds)
        with contextlib.suppress(OSError):  # the record is advisory; the lock is what counts
            os.pwrite(self._fd, data, 0)

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


class Handoff:
    """Releases the ticket when both the run's generator and its worker thread are done.

    A cancelled run's worker stops at its next sample; until then it still uses the core,
    so the next run in the queue must not start before the worker has really stopped.
    """

    def __init__(self, ticket: Ticket) -> None:
        """Hold `ticket` for one party (the run's generator); `join` adds the worker."""
        self._ticket = ticket
        self._holders = 1
        self._lock = threading.Lock()

    def join(self) -> None:
        """Add a party that must leave before the ticket is released."""
        with self._lock:
            self._holders += 1

    def leave(self) -> None:
        """One party is done; the last one releases the ticket."""
        with self._lock:
            self._holders -= 1
            last = self._holders == 0
        if last:
            self._ticket.release()


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

    def enqueue(self, user: str = "", quota: int = 0) -> Ticket:
        """Take a ticket at the back of the queue.

        Args:
            user: Whose run it is (recorded in the ticket).
            quota: Most live tickets one user may hold, waiting or running (0 = no limit).

        Returns:
            The ticket, locked by this process.

        Raises:
            QuotaError: `user` already holds `quota` live tickets.
            OSError: The queue directory cannot be used.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        counter = os.open(self.directory / "seq", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(counter, fcntl.LOCK_EX)
            raw = os.pread(counter, 32, 0).decode("ascii", "replace").strip()
            # Never below a live ticket, even if the counter file was lost or damaged.
            if quota > 0:
                # Under the counter lock: two sessions of one user cannot both squeeze in.
                mine = sum(h.user == user[:MAX_USER_CHARS] for h in self.holders())
                if mine >= quota:
                    msg = (
                        f"you already have {mine} runs queued or running on this host, the "
                        f"most one user may; wait for one to finish"
                    )
                    raise QuotaError(msg)
            seq = max([int(raw) if raw.isdigit() else 0, *self._seqs()]) + 1
            os.pwrite(counter, f"{seq:020d}\n".encode(), 0)
            tmp = self.directory / f".{seq:020d}.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, _record(os.getpid(), user, None, None))
            path = self.directory / f"{seq:020d}{SUFFIX}"
            tmp.rename(path)
        finally:
            os.close(counter)
        return Ticket(path, fd, seq, user)

    def holders(self) -> list[Holder]:
        """Return what every live ticket records, in queue order (dead ones are removed)."""
        found: list[Holder] = []
        for seq in sorted(self._seqs()):
            path = self.directory / f"{seq:020d}{SUFFIX}"
            if not _alive(path):
                continue
            try:
                raw = path.read_bytes()[:RECORD_BYTES]
                fields = json.loads(raw.decode("utf-8", "replace").strip() or "{}")
            except (OSError, ValueError):
                continue  # gone meanwhile, or being rewritten
            if isinstance(fields, dict):
                found.append(_holder(seq, fields))
        return found

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


def _holder(seq: int, fields: dict[str, object]) -> Holder:
    def number(key: str) -> float | None:
        value = fields.get(key)
        return float(value) if isinstance(value, int | float) else None

    pid = fields.get("pid")
    return Holder(
        seq=seq,
        pid=pid if isinstance(pid, int) else 0,
        user=str(fields.get("user", "")),
        started=number("started"),
        budget=number("budget"),
    )


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
