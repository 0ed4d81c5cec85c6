"""Provides the server's shared state: live connections and sessions, limits, draining.

Connections appear here as the `Connection` protocol, so this module needs nothing from
`sshapp.ssh.server` (which builds on it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sshapp.config import Settings
from sshapp.ssh.kexrate import KexRate
from sshapp.ssh.limits import Limiter
from sshapp.ssh.options import ServerOptions

if TYPE_CHECKING:
    from sshapp.ssh.forkserver import ForkServer

_ids = itertools.count(1)


def next_id() -> int:
    """A process-unique id for a connection or a session (for log lines)."""
    return next(_ids)


def _ignore(*_: object) -> None:
    """Placeholder callback until the session wires its own."""


class Connection(Protocol):
    """What sessions and the server's state need from one SSH connection."""

    id: int
    """Connection id in log lines."""
    user: str
    """The SSH user name the client gave (not an identity: see `identity`)."""
    identity: str
    """Whose history the sessions read and write (sshapp.ssh.identity)."""
    fingerprint: str
    """SHA256 fingerprint of the key used to log in ("" without a key)."""
    sessions: set[SessionEntry]
    """Its live sessions."""
    gateway: bool
    """Logged in with a key of --gateway-keys: its sessions may assert an identity."""

    def touch(self) -> None:
        """Note user input (the idle timeout counts from the last one)."""

    def disconnect(self, reason: str) -> None:
        """Close the connection, telling the client why."""


@dataclass(eq=False, slots=True)
class SessionEntry:
    """One live session process, as the server tracks it."""

    id: int
    """Session id in log lines."""
    server: Connection
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
    kex_rate: KexRate
    """Key exchanges per source address per second (DHEat throttle)."""
    connections: set[Connection] = field(default_factory=set)
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
        """State with a limiter and a key-exchange throttle built from `options`."""
        limiter = Limiter(
            options.max_sessions,
            options.max_per_ip,
            options.rate_per_ip,
            startups=options.max_startups,
            startups_per_ip=options.max_startups_per_ip,
        )
        return cls(settings, options, limiter, KexRate(options.kex_rate, options.kex_burst))

    def sessions_of(self, identity: str) -> int:
        """How many live sessions belong to `identity`."""
        return sum(1 for entry in self.sessions if entry.server.identity == identity)
