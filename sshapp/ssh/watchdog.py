"""Provides the run watchdog: ends a session whose benchmark holds the host past its budget.

The timing loops stop themselves at their deadline; this is the last line of defence
for whatever they cannot stop (one enormous kernel call, a session frozen while it holds
the host). Each ticket of the host queue records its holder's pid, when its run got the
host and for how long (sshapp.bench.host.queue). A holder past budget + grace that is one of
this server's sessions has its process group killed: the kernel then drops the ticket's
lock and the next run in the queue starts. Nothing else is ever signalled, whatever a
ticket file says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from pathlib import Path

from sshapp.bench.host.queue import QUEUE_DIR, Holder, HostQueue
from sshapp.ssh.logline import log_event
from sshapp.ssh.state import ServerState, SessionEntry

GRACE_SECONDS = 10.0
"""How long past its budget a run may hold the host before its session is ended."""
POLL_SECONDS = 1.0
"""How often the queue is read."""

_tasks: set[asyncio.Task[None]] = set()


def start(
    state: ServerState, grace: float | None = None, poll: float | None = None
) -> asyncio.Task[None]:
    """Watch the host queue of `state`'s state directory until the server drains.

    Args:
        state: The server's state (its sessions and state directory).
        grace: Seconds past a run's budget before its session is ended (GRACE_SECONDS).
        poll: Seconds between two looks at the queue (POLL_SECONDS).

    Returns:
        The watching task (kept alive here too).
    """
    grace = GRACE_SECONDS if grace is None else grace
    poll = POLL_SECONDS if poll is None else poll
    task = asyncio.ensure_future(_watch(state, grace, poll))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


def overrunning(holders: list[Holder], now: float, grace: float) -> list[Holder]:
    """Return the holders whose run started more than budget + grace seconds before `now`."""
    return [
        h
        for h in holders
        if h.started is not None and h.budget is not None and now > h.started + h.budget + grace
    ]


def _session_of(state: ServerState, pid: int) -> SessionEntry | None:
    """Return our session whose process (group) `pid` is, if any."""
    with contextlib.suppress(OSError):
        group = os.getpgid(pid)
        for entry in state.sessions:
            if entry.pid and entry.pid in (pid, group):
                return entry
    return None


def end_overruns(state: ServerState, holders: list[Holder], now: float, grace: float) -> int:
    """Kill the process group of each of our sessions that overruns; return how many."""
    ended = 0
    for holder in overrunning(holders, now, grace):
        entry = _session_of(state, holder.pid)
        if entry is None:
            continue  # not ours (a local `sshapp bench`, another server): leave it be
        assert holder.started is not None  # for mypy: overrunning() checked it
        log_event(
            "run_overrun",
            level=logging.WARNING,
            session=entry.id,
            pid=entry.pid,
            user=holder.user,
            held=round(now - holder.started, 1),
            budget=holder.budget,
        )
        entry.notify("sshapp: this run went past its time limit; the session is ended")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(entry.pid, signal.SIGKILL)
        ended += 1
    return ended


async def _watch(state: ServerState, grace: float, poll: float) -> None:
    queue = HostQueue(Path(state.settings.state_dir).absolute() / QUEUE_DIR)
    while not state.draining:
        await asyncio.sleep(poll)
        if not state.sessions or not queue.directory.is_dir():
            continue
        try:
            holders = await asyncio.to_thread(queue.holders)
        except OSError as exc:
            log_event("watchdog_error", level=logging.WARNING, error=exc.strerror or str(exc))
            continue
        end_overruns(state, holders, time.monotonic(), grace)
