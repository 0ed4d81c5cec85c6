"""Provides the server's shared state: live connections and sessions, limits, draining."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sshapp.config import Settings
from sshapp.ssh.limits import Limiter
from sshapp.ssh.options import ServerOptions

if TYPE_CHECKING:
    from sshapp.ssh.forkserver import ForkServer
    from sshapp.ssh.server import Server

_ids = itertools.count(1)


def next_id() -> int:
    """A process-unique id for a connection or a session (for log lines)."""
    return next(_ids)


def _ignore(*_: object) -> None:
    """Placeholder callback until the session wires its own."""


@dataclass(eq=False, slots=True)
class SessionEntry:
    """One live session process, as the server tracks it."""

    id: int
    """Session id in log lines."""
    server: Server
    """The connection it belongs to."""
    pty: bool
    """Whether it runs on a PTY (TUI) or on pipes (exec)."""
    notify: Callable[[str], None] = _ignore
    """Writes a one-line notice to the client (stderr for exec, the screen for PTYs)."""
    end: Callable[[], None] = _ignore
    """Ends the session (hang up its process) as if the client had gone."""
    pid: int = 0
    """The session process id, once spawned."""


@dataclass(slots=True)
class ServerState:
    """What every connection and session of one server shares."""

    settings: Settings
    """Settings passed down to sessions (state dir, limits)."""
    options: ServerOptions
    """Auth policy, limits and session command."""
    limiter: Limiter
    """Connection accounting."""
    connections: set[Server] = field(default_factory=set)
    """Connections alive (admitted or being refused)."""
    sessions: set[SessionEntry] = field(default_factory=set)
    """Session processes alive."""
    draining: bool = False
    """Set on SIGTERM: no new connections or sessions."""
    refusing: int = 0
    """Over-limit connections still in the handshake, waiting to be told why."""
    forkserver: ForkServer | None = None
    """The zygote sessions are forked from, if running."""

    @classmethod
    def create(cls, settings: Settings, options: ServerOptions) -> ServerState:
        """State with a limiter built from `options`."""
        limiter = Limiter(options.max_sessions, options.max_per_ip, options.rate_per_ip)
        return cls(settings, options, limiter)
