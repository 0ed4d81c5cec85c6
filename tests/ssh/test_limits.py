"""Connection accounting: totals, per-address counts, per-address rate window."""

from __future__ import annotations

from sshapp.ssh.limits import RATE_WINDOW, Limiter


def test_totals_and_per_address_counts() -> None:
    limiter = Limiter(max_total=3, max_per_ip=2, rate_per_ip=100)
    assert limiter.over_limit("a") is None
    limiter.admit("a")
    limiter.admit("a")
    assert "too many connections from a" in (limiter.over_limit("a") or "")
    assert limiter.over_limit("b") is None
    limiter.admit("b")
    assert "full" in (limiter.over_limit("c") or "")
    limiter.release("a")
    limiter.release("b")
    assert limiter.over_limit("c") is None
    assert dict(limiter.per_ip) == {"a": 1}


def test_rate_counts_attempts_in_a_sliding_minute() -> None:
    now = [0.0]
    limiter = Limiter(max_total=10, max_per_ip=10, rate_per_ip=2, clock=lambda: now[0])
    assert not limiter.rate_exceeded("a")
    assert not limiter.rate_exceeded("a")
    assert limiter.rate_exceeded("a")
    assert not limiter.rate_exceeded("b")
    now[0] = RATE_WINDOW + 0.1
    assert not limiter.rate_exceeded("a")
