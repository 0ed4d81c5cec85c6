"""Provides connection accounting: totals, per-address counts and per-address rates."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

RATE_WINDOW = 60.0
"""Seconds over which `rate_per_ip` counts new connections."""


@dataclass(slots=True)
class Limiter:
    """Counts live connections and recent connection attempts per source address.

    The server calls `admit` in `connection_made` and `release` in `connection_lost`.
    """

    max_total: int
    """Connections alive at once, server-wide."""
    max_per_ip: int
    """Connections alive at once from one address."""
    rate_per_ip: int
    """New connections one address may open per `RATE_WINDOW`."""
    clock: Callable[[], float] = time.monotonic
    """Time source (replaceable in tests)."""
    total: int = 0
    """Connections currently alive."""
    per_ip: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Connections currently alive, by address."""
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

    def over_limit(self, ip: str) -> str | None:
        """Why a new connection from `ip` may not be admitted now, or None if it may."""
        if self.total >= self.max_total:
            return "the server is full, please try again in a minute"
        if self.per_ip.get(ip, 0) >= self.max_per_ip:
            return f"too many connections from {ip} (limit {self.max_per_ip})"
        return None

    def admit(self, ip: str) -> None:
        """Count a connection from `ip` as alive."""
        self.total += 1
        self.per_ip[ip] += 1

    def release(self, ip: str) -> None:
        """Forget a connection from `ip` counted by `admit`."""
        self.total -= 1
        self.per_ip[ip] -= 1
        if self.per_ip[ip] <= 0:
            del self.per_ip[ip]

    def _prune(self, now: float) -> None:
        stale = [ip for ip, s in self._recent.items() if not s or now - s[-1] >= RATE_WINDOW]
        for ip in stale:
            del self._recent[ip]
