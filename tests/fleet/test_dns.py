"""A gateway on a dns: source (a private hosts file): nodes join and leave while it runs."""

from __future__ import annotations

import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sshapp.ssh.fleetopts import FLEET_KEY_NAME
from tests.fleet.conftest import Node, _key, start_node
from tests.fleet.test_gateway import _exec

pytestmark = pytest.mark.timeout(300)

DNS_HOSTS = ("127.0.0.5", "127.0.0.6", "127.0.0.7")


def _shared_port() -> int:
    """A port free on every DNS node's address (one name, one port: a headless Service)."""
    for _ in range(20):
        probe = socket.socket()
        probe.bind((DNS_HOSTS[0], 0))
        port = int(probe.getsockname()[1])
        probe.close()
        try:
            for host in DNS_HOSTS:
                with socket.socket() as s:
                    s.bind((host, port))
        except OSError:
            continue
        return port
    pytest.skip("no port free on 127.0.0.5-7 at once")


@pytest.fixture(scope="module")
def dns_fleet(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Node, list[Node], Path, Path]]:
    root = tmp_path_factory.mktemp("dns")
    user_key, public = _key(root, "user_key")
    (root / "users").write_text(f'environment="SSHAPP_USER=carol" {public}\n')
    hosts = root / "hosts"
    hosts.write_text("")
    known = root / "known_hosts"
    known.write_text("")
    port = _shared_port()
    extra = ("--fleet", f"dns:bench.fleet.test:{port}", "--fleet-known-hosts", str(known))
    gw = start_node(
        "gw",
        "127.0.0.1",
        root / "gw",
        root / "users",
        extra=extra,
        env_extra={"SSHAPP_FLEET_HOSTS": str(hosts)},
    )
    nodes: list[Node] = []
    try:
        # The gateway made its client key on first start; nodes trust it as a gateway's.
        key = root / "gw" / "keys" / FLEET_KEY_NAME
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        (root / "gateway_keys").write_text(key.with_suffix(".pub").read_text())
        for i, host in enumerate(DNS_HOSTS):
            nodes.append(
                start_node(
                    f"d{i}",
                    host,
                    root / f"d{i}",
                    root / "users",
                    port=port,
                    extra=("--gateway-keys", str(root / "gateway_keys")),
                )
            )
        known.write_text("".join(n.host_key_line() for n in nodes))
        yield gw, nodes, hosts, user_key
    finally:
        for node in [*nodes, gw]:
            node.stop()


async def _names(gw: Node, key: Path) -> dict[str, str]:
    status, lines, err = await _exec(gw.port, key, "fleet --json")
    assert status == 0, err
    return {line["name"]: line["state"] for line in lines}


async def test_nodes_join_and_leave_through_the_name_while_the_gateway_runs(
    dns_fleet: tuple[Node, list[Node], Path, Path],
) -> None:
    gw, _, hosts, key = dns_fleet
    assert await _names(gw, key) == {}
    hosts.write_text(f"{DNS_HOSTS[0]} bench.fleet.test\n{DNS_HOSTS[1]} bench.fleet.test\n")
    assert await _names(gw, key) == {DNS_HOSTS[0]: "up", DNS_HOSTS[1]: "up"}
    hosts.write_text("".join(f"{h} bench.fleet.test\n" for h in DNS_HOSTS))
    assert await _names(gw, key) == dict.fromkeys(DNS_HOSTS, "up")
    status, lines, err = await _exec(
        gw.port, key, "bench ref.naive.f32 --size 16 --reps 1 --on all --json"
    )
    assert status == 0, err
    assert {line["node"] for line in lines if line["event"] == "finished"} == set(DNS_HOSTS)
    hosts.write_text(f"{DNS_HOSTS[1]} bench.fleet.test\n{DNS_HOSTS[2]} bench.fleet.test\n")
    assert await _names(gw, key) == {DNS_HOSTS[1]: "up", DNS_HOSTS[2]: "up"}
