"""Provides KexRate: key exchanges per source address per second, as a token bucket.

A key exchange is the expensive step before authentication (DHEat, CVE-2002-20001: a
client that opens connections, or asks for re-keys, as fast as it can makes the server
do one each time). Every connection's first key exchange and every re-key a client
starts spends one token of its address's bucket, checked before the work is done: an
empty bucket drops the connection before the server's version string is sent (or ends
it when a re-key is asked for). The bucket holds `burst` tokens and refills at `rate`
per second, so a person reconnecting a few times a second is never refused while a flood
gets at most `rate` exchanges a second after its first `burst`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_TRACKED = 4096
"""Addresses tracked before the full buckets are forgotten (they equal a fresh one)."""


@dataclass(slots=True)
class KexRate:
    """Per-address token buckets of key exchanges."""

    rate: float
    """Tokens added per second to each address's bucket."""
    burst: int
    """Tokens a bucket holds at most (and a new address starts with)."""
    clock: Callable[[], float] = time.monotonic
    """Time source (replaceable in tests)."""
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per address: tokens left and when they were counted."""

    def allow(self, ip: str) -> bool:
        """Spend one token of `ip`'s bucket; False (nothing spent) if it is empty."""
        now = self.clock()
        tokens, stamp = self._buckets.get(ip, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[ip] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > MAX_TRACKED:
            self._prune(now)
        return allowed

    def _prune(self, now: float) -> None:
        full = [
            ip
            for ip, (tokens, stamp) in self._buckets.items()
            if tokens + (now - stamp) * self.rate >= self.burst
        ]
        for ip in full:
            del self._buckets[ip]
