"""Connection accounting: logins apart from startups, early drop, per address, rate window."""

from __future__ import annotations

import pytest

from sshapp.ssh.limits import RATE_WINDOW, Limiter, Startups


def test_logins_are_counted_apart_from_startups() -> None:
    limiter = Limiter(max_total=1, max_per_ip=2, rate_per_ip=100, startups_per_ip=5)
    assert limiter.over_limit("a") is None
    limiter.admit("a")
    limiter.admit("a")
    assert "too many connections from a" in (limiter.over_limit("a") or "")
    assert limiter.full() is None  # two unauthenticated connections: nobody logged in
    limiter.log_in("a")
    assert "full" in (limiter.full() or "")
    assert (limiter.total, limiter.unauthenticated) == (1, 1)
    limiter.release("a", logged_in=True)
    limiter.release("a", logged_in=False)
    assert limiter.full() is None
    assert (limiter.total, limiter.unauthenticated) == (0, 0)
    assert not limiter.per_ip
    assert not limiter.unauthenticated_per_ip


def test_startups_per_address_are_dropped_beyond_their_limit() -> None:
    limiter = Limiter(max_total=10, max_per_ip=10, rate_per_ip=100, startups_per_ip=2)
    for _ in range(2):
        assert not limiter.startup_dropped("a")
        limiter.admit("a")
    assert limiter.startup_dropped("a")
    assert not limiter.startup_dropped("b")
    limiter.log_in("a")  # a login frees its startup slot
    assert not limiter.startup_dropped("a")


def test_random_early_drop_rises_from_start_to_full() -> None:
    startups = Startups(start=10, rate=30, full=20)
    assert startups.drop_chance(9) == 0.0
    assert startups.drop_chance(10) == pytest.approx(0.30)
    assert startups.drop_chance(15) == pytest.approx(0.65)
    assert startups.drop_chance(20) == 1.0
    draws = [0.5]
    limiter = Limiter(10, 100, 100, startups, startups_per_ip=100, chance=lambda: draws[0])
    for i in range(15):
        limiter.admit(f"10.0.0.{i}")
    assert limiter.startup_dropped("10.0.1.1")  # 0.5 < 0.65
    draws[0] = 0.7
    assert not limiter.startup_dropped("10.0.1.1")


def test_startups_parse_like_sshd_config() -> None:
    assert Startups.parse("10:30:100") == Startups(10, 30, 100)
    assert Startups.parse("50") == Startups(50, 100, 50)
    for bad in ("", "1:2", "a:b:c", "20:30:10", "1:101:5", "0:30:5"):
        with pytest.raises(ValueError, match=r"expected|need"):
            Startups.parse(bad)


def test_rate_counts_attempts_in_a_sliding_minute() -> None:
    now = [0.0]
    limiter = Limiter(max_total=10, max_per_ip=10, rate_per_ip=2, clock=lambda: now[0])
    assert not limiter.rate_exceeded("a")
    assert not limiter.rate_exceeded("a")
    assert limiter.rate_exceeded("a")
    assert not limiter.rate_exceeded("b")
    now[0] = RATE_WINDOW + 0.1
    assert not limiter.rate_exceeded("a")
