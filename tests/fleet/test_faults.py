"""Faults behind a real gateway: blackholing, garbage-speaking and killed nodes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fleet.conftest import Fleet, Gateway, Node, start_node
from tests.fleet.test_gateway import _exec

pytestmark = pytest.mark.timeout(300)

GARBAGE = str(Path(__file__).with_name("garbage_session.py"))
BOUND_SECONDS = 15.0
"""A bad node must be judged within this (the gateway's connect timeout is 5 s)."""


def _toml(nodes: list[tuple[str, str, int]]) -> str:
    return "".join(f'[[node]]\nname = "{n}"\naddress = "{h}"\nport = {p}\n\n' for n, h, p in nodes)


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port on 127.0.0.8 that completes TCP handshakes and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.8", 0))
    sock.listen(16)  # never accepted: the kernel completes the handshake, nobody speaks
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
def garbage(fleet: Fleet, tmp_path: Path) -> Iterator[list[Node]]:
    """Nodes that speak SSH but answer garbage (not JSON; a line over 1 MiB) or too late."""
    started: list[Node] = []
    try:
        for i, mode in enumerate(("text", "huge", "slow")):
            started.append(
                start_node(
                    f"g{i}",
                    f"127.0.0.{9 + i}",
                    tmp_path / f"g{i}",
                    fleet.authorized,
                    extra=(
                        "--session-command",
                        f"{sys.executable} {GARBAGE}",
                        "--gateway-keys",
                        str(fleet.key_file.parent / "gateway_keys"),
                    ),
                    env_extra={"SSHAPP_GARBAGE_MODE": mode},
                )
            )
        yield started
    finally:
        for node in started:
            node.stop()


async def test_blackholing_and_garbage_nodes_are_judged_in_bounded_time(
    fleet: Fleet, gateway: Gateway, blackhole: int, garbage: list[Node]
) -> None:
    good_toml, good_known = gateway.fleet_toml.read_text(), fleet.known_hosts.read_text()
    listed = [(n.name, n.host, n.port) for n in fleet.nodes]
    listed += [("hole", "127.0.0.8", blackhole), ("closed", "127.0.0.8", 1)]
    listed += [(g.name, g.host, g.port) for g in garbage]
    gateway.fleet_toml.write_text(_toml(listed))
    fleet.known_hosts.write_text(good_known + "".join(g.host_key_line() for g in garbage))
    try:
        started = time.monotonic()
        status, lines, err = await _exec(gateway.port, gateway.users["alice"], "fleet --json")
        took = time.monotonic() - started
        assert status == 0, err
        assert took < BOUND_SECONDS, f"fleet took {took:.1f} s"
        states = {line["name"]: (line["state"], line["detail"]) for line in lines}
        assert states["hole"][0] == "down"
        assert "no answer within" in states["hole"][1]
        assert states["closed"] == ("down", "node closed: connection refused")
        assert states["g0"][0] == "bad"
        assert "not JSON" in states["g0"][1]
        assert states["g1"][0] == "bad"
        assert "longer than 1 MiB" in states["g1"][1]
        assert states["g2"] == ("down", "node g2: no hello in time")
        assert all(states[n.name][0] == "up" for n in fleet.nodes)
        # The gateway keeps serving: a run is placed on a good node, in bounded time.
        started = time.monotonic()
        status, lines, err = await _exec(
            gateway.port,
            gateway.users["alice"],
            "bench ref.naive.f32 --size 16 --reps 1 --on any --json",
        )
        assert status == 0, err
        assert {line["node"] for line in lines} <= {n.name for n in fleet.nodes}
        assert time.monotonic() - started < BOUND_SECONDS
    finally:
        gateway.fleet_toml.write_text(good_toml)
        fleet.known_hosts.write_text(good_known)


async def test_a_node_killed_mid_run_ends_that_stream_in_one_line_and_comes_back(
    fleet: Fleet, gateway: Gateway
) -> None:
    victim = fleet.nodes[1]
    async with _connected(gateway) as conn:
        process = await conn.create_process(
            "bench ref.reorder.f32 --size 96 --time 4 --on all --json"
        )
        seen: list[str] = []
        while True:  # wait until the victim's run is timing
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, "the stream ended before the victim started"
            seen.append(line)
            if f'"node": "{victim.name}"' in line and '"sample"' in line:
                break
        os.killpg(victim.proc.pid, signal.SIGKILL)
        killed = time.monotonic()
        rest = await asyncio.wait_for(process.stdout.read(), 60)
        await process.wait()
    lines = [*seen, *rest.splitlines()]
    failed = [ln for ln in lines if '"failed"' in ln]
    assert len(failed) == 1, failed
    assert f'"node": "{victim.name}"' in failed[0]
    assert f"node {victim.name}: " in failed[0]
    finished = [ln for ln in lines if '"finished"' in ln]
    assert len(finished) == 2  # the other two nodes' runs finish
    assert process.exit_status == 1
    assert time.monotonic() - killed < 30
    victim.proc.wait(10)
    status, states, _ = await _exec(gateway.port, gateway.users["alice"], "fleet --json")
    assert {s["name"]: s["state"] for s in states}[victim.name] == "down"
    # Back on the same address and port: used again without restarting the gateway.
    again = start_node(
        victim.name,
        victim.host,
        victim.root,
        fleet.authorized,
        disable_isa="avx512,amx",
        port=victim.port,
        extra=("--gateway-keys", str(fleet.key_file.parent / "gateway_keys")),
    )
    fleet.nodes[1] = again
    status, states, _ = await _exec(gateway.port, gateway.users["alice"], "fleet --json")
    assert {s["name"]: s["state"] for s in states}[victim.name] == "up"
    status, lines2, err = await _exec(
        gateway.port,
        gateway.users["alice"],
        f"bench ref.naive.f32 --size 16 --reps 1 --on {victim.name} --json",
    )
    assert status == 0, err
    assert any(line["event"] == "finished" for line in lines2)


def _connected(gateway: Gateway):  # type: ignore[no-untyped-def]
    import asyncssh

    return asyncssh.connect(
        "127.0.0.1",
        gateway.port,
        username="u",
        client_keys=[str(gateway.users["alice"])],
        known_hosts=None,
        agent_path=None,
        config=[],
        connect_timeout=20,
    )
