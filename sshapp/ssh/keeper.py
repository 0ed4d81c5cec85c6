"""Provides ZygoteKeeper: starts the zygote, and a new one whenever it dies.

While there is no zygote, sessions are spawned from scratch (slower, same result), so
a dead zygote costs start-up time, never service.
"""

from __future__ import annotations

import asyncio
import logging

from sshapp.ssh.forkserver import ForkServer
from sshapp.ssh.logline import log_event
from sshapp.ssh.session import base_env
from sshapp.ssh.state import ServerState

RESTART_DELAYS = (0.2, 1.0, 5.0, 30.0)
"""Seconds before each restart attempt; the last repeats while attempts keep failing."""


class ZygoteKeeper:
    """Keeps `state.forkserver` a live zygote (None meanwhile) until `stop`."""

    def __init__(self, state: ServerState) -> None:
        """Keep the zygote of `state`; call `start` first."""
        self.state = state
        self.restarts = 0
        """Zygotes started after the first one died."""
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    async def start(self) -> None:
        """Start the first zygote (a failure is logged: sessions are spawned instead)."""
        self.state.forkserver = await self._start_one()

    async def _start_one(self) -> ForkServer | None:
        options = self.state.options
        try:
            forkserver = await ForkServer.start(
                options.session_argv[0], options.zygote_preload, base_env(self.state)
            )
        except (OSError, TimeoutError) as exc:
            log_event("zygote_unavailable", level=logging.WARNING, error=str(exc))
            return None
        forkserver.on_lost = self._lost
        return forkserver

    def _lost(self) -> None:
        if not self._stopped and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(self._restart())

    async def _restart(self) -> None:
        attempt = 0
        while not self._stopped:
            await asyncio.sleep(RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)])
            attempt += 1
            forkserver = await self._start_one()
            if forkserver is None:
                continue
            if self._stopped:
                await forkserver.stop()
                return
            self.state.forkserver = forkserver
            self.restarts += 1
            log_event("zygote_restarted", pid=forkserver.pid, attempt=attempt)
            return

    async def stop(self) -> None:
        """Stop restarting and stop the running zygote, if any."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.state.forkserver is not None:
            await self.state.forkserver.stop()
