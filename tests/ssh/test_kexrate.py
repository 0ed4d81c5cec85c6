"""The key-exchange throttle: token buckets per address, spent by connections and re-keys."""

from __future__ import annotations

import asyncio
import logging

import asyncssh
import pytest

from sshapp.ssh.kexrate import MAX_TRACKED, KexRate
from tests.ssh.conftest import StartServer, connect


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate_per_address() -> None:
    clock = Clock()
    bucket = KexRate(rate=4.0, burst=8, clock=clock)
    assert all(bucket.allow("a") for _ in range(8))
    assert not bucket.allow("a")
    assert bucket.allow("b")  # addresses have buckets of their own
    clock.now += 0.5  # two tokens back
    assert [bucket.allow("a") for _ in range(3)] == [True, True, False]
    clock.now += 60  # refills to the burst, never past it
    assert sum(bucket.allow("a") for _ in range(20)) == 8


def test_a_flood_gets_the_rate_and_a_person_is_never_refused() -> None:
    clock = Clock()
    bucket = KexRate(rate=4.0, burst=8, clock=clock)
    flood = 0
    for _ in range(10_000):  # 1000 attempts a second for 10 s
        flood += bucket.allow("mallory")
        clock.now += 0.001
    assert flood <= 8 + 4 * 10 + 1
    person = []
    for _ in range(30):  # three reconnects a second for 10 s
        person.append(bucket.allow("erin"))
        clock.now += 1 / 3
    assert all(person)


def test_full_buckets_are_forgotten_when_many_addresses_were_seen() -> None:
    clock = Clock()
    bucket = KexRate(rate=1.0, burst=2, clock=clock)
    for i in range(MAX_TRACKED):
        bucket.allow(f"10.0.{i // 256}.{i % 256}")
    clock.now += 10
    bucket.allow("192.0.2.1")
    assert len(bucket._buckets) == 1


async def _run_until_closed(conn: asyncssh.SSHClientConnection) -> None:
    for _ in range(20):
        await asyncio.wait_for(conn.run("echo hi"), 10)


async def test_a_client_that_keeps_re_keying_is_closed(
    start: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sshapp.ssh")
    server = await start(kex_rate=0.1, kex_burst=3)
    lost = (asyncssh.ConnectionLost, asyncssh.DisconnectError, asyncssh.ChannelOpenError)
    # rekey_bytes: the client asks for a fresh key exchange after every few packets.
    async with connect(server.port, rekey_bytes=1) as conn:
        with pytest.raises(lost):
            await _run_until_closed(conn)
    assert "event=rekey_refused" in caplog.text


async def test_re_keys_within_the_budget_are_served(start: StartServer) -> None:
    server = await start(kex_rate=100.0, kex_burst=100)
    async with connect(server.port, rekey_bytes=1) as conn:
        for _ in range(3):
            done = await asyncio.wait_for(conn.run("echo hi"), 10)
            assert done.exit_status == 0
            assert done.stdout.strip() == "hi"
