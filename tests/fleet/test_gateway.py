"""A real gateway (`sshapp serve --fleet`) in front of three real nodes, driven with asyncssh."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from sshapp.bench.protocol.events import Sampled
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.fleet.remote import RemoteService
from tests.fleet.conftest import Fleet, Gateway

pytestmark = pytest.mark.timeout(300)


async def _exec(
    port: int, key: Path, command: str, *, host: str = "127.0.0.1", user: str = "u", **env: str
) -> tuple[int, list[dict[str, Any]], str]:
    async with asyncssh.connect(
        host,
        port,
        username=user,
        client_keys=[str(key)],
        known_hosts=None,
        agent_path=None,
        config=[],
        connect_timeout=20,
    ) as conn:
        result = await conn.run(command, env=env, timeout=120)
    out = str(result.stdout or "")
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return result.exit_status or 0, lines, str(result.stderr or "")


async def test_fleet_lists_every_node_with_its_cpu_and_state(
    fleet: Fleet, gateway: Gateway
) -> None:
    status, lines, err = await _exec(gateway.port, gateway.users["alice"], "fleet --json")
    assert status == 0, err
    by_name = {line["name"]: line for line in lines}
    assert list(by_name) == ["n1", "n2", "n3"]
    assert all(line["state"] == "up" for line in lines), lines
    assert all(line["cpu"] for line in lines)
    assert "avx2" not in by_name["n3"]["features"]  # SSHAPP_DISABLE_ISA on that node
    assert "avx512f" not in by_name["n2"]["features"]
    assert by_name["n1"]["address"] == f"127.0.0.2:{fleet.nodes[0].port}"


async def test_bench_on_all_runs_on_every_node_and_each_line_names_its_node(
    fleet: Fleet, gateway: Gateway
) -> None:
    command = "bench ref.reorder.f32 --size 48 --reps 2 --on all --json"
    status, lines, err = await _exec(gateway.port, gateway.users["bob"], command)
    assert status == 0, err
    finished = [line for line in lines if line["event"] == "finished"]
    assert sorted(line["node"] for line in finished) == ["n1", "n2", "n3"]
    assert all(line["check_ok"] for line in finished)
    assert all("node" in line for line in lines)
    # Recorded on each node under the identity the gateway asserted, not the gateway's key.
    status, history, err = await _exec(
        gateway.port, gateway.users["bob"], "results --on all --mine --limit 10 --json"
    )
    assert status == 0, err
    assert {line["node"] for line in history} == {"n1", "n2", "n3"}
    assert {line["user"] for line in history} == {"bob"}
    stamps = [line["finished_at"] for line in history]
    assert stamps == sorted(stamps, reverse=True)


async def test_on_any_feature_places_only_where_the_feature_is(
    fleet: Fleet, gateway: Gateway
) -> None:
    command = "bench ref.naive.f32 --size 16 --reps 1 --on any:avx2 --json"
    status, lines, err = await _exec(gateway.port, gateway.users["alice"], command)
    assert status == 0, err
    nodes = {line["node"] for line in lines}
    assert len(nodes) == 1
    assert nodes <= {"n1", "n2"}  # n3 has AVX2 masked
    status, _, err = await _exec(
        gateway.port, gateway.users["alice"], "bench ref.naive.f32 --on any:no_such_isa"
    )
    assert status == 2
    assert err.startswith("sshapp: error: no node can run this:")
    assert err.count("\n") == 1
    status, _, err = await _exec(
        gateway.port, gateway.users["alice"], "bench ref.naive.f32 --on n9"
    )
    assert status == 2
    assert "no node named 'n9'" in err


async def test_a_user_on_a_node_directly_cannot_claim_another_identity(fleet: Fleet) -> None:
    node = fleet.nodes[0]
    status, lines, err = await _exec(
        node.port, fleet.key_file, "version --json", host=node.host, SSHAPP_AS="bob"
    )
    assert status == 0, err
    assert lines[0]["user"] == "alice"  # the key's own identity; SSHAPP_AS ignored


async def test_a_changed_node_host_key_is_refused_and_shown(fleet: Fleet, gateway: Gateway) -> None:
    good = fleet.known_hosts.read_text()
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().split()
    n2 = fleet.nodes[1]
    forged = good.replace(n2.host_key_line(), f"[{n2.host}]:{n2.port} {other[0]} {other[1]}\n")
    assert forged != good
    fleet.known_hosts.write_text(forged)
    try:
        started = time.monotonic()
        status, lines, err = await _exec(gateway.port, gateway.users["alice"], "fleet --json")
        assert time.monotonic() - started < 30
    finally:
        fleet.known_hosts.write_text(good)
    assert status == 0, err
    by_name = {line["name"]: line for line in lines}
    assert by_name["n2"]["state"] == "refused"
    assert "host key" in by_name["n2"]["detail"]
    assert by_name["n1"]["state"] == by_name["n3"]["state"] == "up"


async def test_verbs_a_plain_host_has_no_fleet_for_are_one_line(fleet: Fleet) -> None:
    node = fleet.nodes[2]
    status, _, err = await _exec(node.port, fleet.key_file, "fleet", host=node.host)
    assert status == 2
    assert err == "sshapp: error: this host is not a gateway: 'fleet' and --on work through one\n"


async def test_n_nodes_run_n_runs_at_once(fleet: Fleet, gateway: Gateway) -> None:
    command = "bench ref.reorder.f32 --size 64 --time 1.5 --on all --json"
    status, lines, err = await _exec(gateway.port, gateway.users["alice"], command)
    assert status == 0, err
    kinds = [(line["event"], line["node"]) for line in lines]
    first_finish = next(i for i, (kind, _) in enumerate(kinds) if kind == "finished")
    started_before = {node for kind, node in kinds[:first_finish] if kind == "started"}
    assert started_before == {"n1", "n2", "n3"}  # all three were timing at once


async def test_any_places_on_the_shortest_queue(fleet: Fleet, gateway: Gateway) -> None:
    busy = RemoteService(fleet.link(0))  # hold n1's queue with a long run of our own
    # ~30 ms per sample: 1000 samples outlast the 20 s budget, which outlasts the test.
    spec = BenchSpec(("ref.naive.f32",), (Shape(256, 256, 256),), budget_seconds=20, repeats=1000)
    (run,) = busy.expand(spec)
    stream = busy.run(run)
    try:
        async for event in stream:
            if isinstance(event, Sampled):
                break
        status, states, err = await _exec(gateway.port, gateway.users["alice"], "fleet --json")
        assert {s["name"]: s["queue"] for s in states} == {"n1": 1, "n2": 0, "n3": 0}
        for _ in range(3):
            status, lines, err = await _exec(
                gateway.port,
                gateway.users["alice"],
                "bench ref.naive.f32 --size 16 --reps 1 --on any:avx2 --json",
            )
            assert status == 0, err
            assert {line["node"] for line in lines} == {"n2"}, (
                lines[:1],
                err,
            )  # n1 busy, n3 no AVX2
    finally:
        await stream.aclose()
