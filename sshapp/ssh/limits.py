"""Provides connection accounting: logins apart from startups (MaxStartups), per address.

Like OpenSSH, connections that have not authenticated yet ("startups") have a limit of
their own, smaller than the logged-in limit, with random early drop between `start` and
`full`, and one per source address: idle sockets that never log in cannot crowd out
the people who do.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

RATE_WINDOW = 60.0
"""Seconds over which `rate_per_ip` counts new connections."""


@dataclass(frozen=True, slots=True)
class Startups:
    """OpenSSH's MaxStartups `start:rate:full` (unauthenticated connections at once)."""

    start: int = 32
    """Below this many, every new connection is accepted."""
    rate: int = 30
    """Percent of new connections dropped at `start`, rising linearly to 100 at `full`."""
    full: int = 64
    """At this many, every new connection is dropped."""

    @classmethod
    def parse(cls, text: str) -> Startups:
        """`start:rate:full` or one number (no early drop below it), as in sshd_config.

        Raises:
            ValueError: Not of that form, or not 1 <= start <= full and 0 <= rate <= 100.
        """
        parts = text.split(":")
        if len(parts) not in (1, 3) or not all(p.isdigit() for p in parts):
            msg = f"expected START:RATE:FULL or a number, got {text!r}"
            raise ValueError(msg)
        if len(parts) == 1:
            return cls(int(parts[0]), 100, int(parts[0]))
        start, rate, full = (int(p) for p in parts)
        if not (1 <= start <= full and 0 <= rate <= 100):
            msg = f"need 1 <= start <= full and rate 0..100, got {text!r}"
            raise ValueError(msg)
        return cls(start, rate, full)

    def drop_chance(self, unauthenticated: int) -> float:
        """Probability (0..1) of dropping a new connection with this many already open."""
        if unauthenticated < self.start:
            return 0.0
        if unauthenticated >= self.full:
            return 1.0
        rising = (100 - self.rate) * (unauthenticated - self.start) / (self.full - self.start)
        return (self.rate + rising) / 100


@dataclass(slots=True)
class Limiter:
    """Counts live connections: per address, unauthenticated ones, logged-in ones.

    The server calls `admit` in `connection_made`, `log_in` once authenticated and
    `release` in `connection_lost`.
    """

    max_total: int
    """Logged-in connections alive at once, server-wide."""
    max_per_ip: int
    """Connections alive at once from one address (logged in or not)."""
    rate_per_ip: int
    """New connections one address may open per `RATE_WINDOW`."""
    startups: Startups = field(default_factory=Startups)
    """Unauthenticated connections at once, server-wide (with early drop)."""
    startups_per_ip: int = 3
    """Unauthenticated connections at once from one address."""
    clock: Callable[[], float] = time.monotonic
    """Time source (replaceable in tests)."""
    chance: Callable[[], float] = random.random
    """Uniform [0, 1) draws for the early drop (replaceable in tests)."""
    total: int = 0
    """Logged-in connections currently alive."""
    unauthenticated: int = 0
    """Connections alive that have not logged in."""
    per_ip: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Connections currently alive, by address."""
    unauthenticated_per_ip: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Connections alive that have not logged in, by address."""
    _recent: dict[str, deque[float]] = field(default_factory=dict)

    def rate_exceeded(self, ip: str) -> bool:
        """Record one attempt from `ip`; True if it goes over the per-minute rate.

        Refused attempts count too, so a client hammering the port stays refused.
        """
        now = self.clock()
        stamps = self._recent.setdefault(ip, deque())
        while stamps and now - stamps[0] >= RATE_WINDOW:
            stamps.popleft()
        stamps.append(now)
        if len(self._recent) > 4096:
            self._prune(now)
        return len(stamps) > self.rate_per_ip

    def startup_dropped(self, ip: str) -> bool:
        """Whether a new connection from `ip` is dropped before its handshake.

        Dropped: `ip` already has `startups_per_ip` connections that have not logged in,
        or the server has `startups.full`; between `start` and `full`, at random.
        """
        if self.unauthenticated_per_ip.get(ip, 0) >= self.startups_per_ip:
            return True
        return self.chance() < self.startups.drop_chance(self.unauthenticated)

    def over_limit(self, ip: str) -> str | None:
        """Why a new connection from `ip` may not be admitted now, or None if it may."""
        if self.per_ip.get(ip, 0) >= self.max_per_ip:
            return f"too many connections from {ip} (limit {self.max_per_ip})"
        return None

    def full(self) -> str | None:
        """Why one more login cannot be accepted now, or None if it can."""
        if self.total >= self.max_total:
            return "the server is full, please try again in a minute"
        return None

    def admit(self, ip: str) -> None:
        """Count a new (unauthenticated) connection from `ip` as alive."""
        self.per_ip[ip] += 1
        self.unauthenticated += 1
        self.unauthenticated_per_ip[ip] += 1

    def log_in(self, ip: str) -> None:
        """Move a connection from `ip` counted by `admit` to the logged-in count."""
        self._forget_startup(ip)
        self.total += 1

    def release(self, ip: str, *, logged_in: bool) -> None:
        """Forget a connection from `ip` counted by `admit` (and `log_in`, if it did)."""
        if logged_in:
            self.total -= 1
        else:
            self._forget_startup(ip)
        _decrement(self.per_ip, ip)

    def _forget_startup(self, ip: str) -> None:
        self.unauthenticated -= 1
        _decrement(self.unauthenticated_per_ip, ip)

    def _prune(self, now: float) -> None:
        stale = [ip for ip, s in self._recent.items() if not s or now - s[-1] >= RATE_WINDOW]
        for ip in stale:
            del self._recent[ip]


def _decrement(counts: defaultdict[str, int], key: str) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]
