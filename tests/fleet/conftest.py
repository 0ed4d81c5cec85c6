"""Fixtures for the fleet tests: real `sshapp serve` nodes on 127.0.0.2–127.0.0.4.

Each node is its own process group with its own host key and state directory, started
with `--authorized-keys` (one client key, named `alice`); finalizers kill the groups.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pytest

from sshapp.fleet.link import ClientAuth, NodeAddress, NodeLink
from sshapp.ssh.hostkeys import KEY_NAME

START_SECONDS = 60.0
"""Longest a node may take to listen (a loaded 2-core machine imports slowly)."""


@dataclass
class Node:
    """One running node."""

    name: str
    host: str
    root: Path
    proc: subprocess.Popen[bytes]
    port: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def state_dir(self) -> Path:
        """The node's state directory (its queue and history)."""
        return self.root / "state"

    def host_key_line(self) -> str:
        """The node's known_hosts line."""
        key = asyncssh.read_private_key(str(self.root / "keys" / KEY_NAME))
        public = key.export_public_key().decode().split()[:2]
        return f"[{self.host}]:{self.port} {' '.join(public)}\n"

    def stop(self) -> None:
        """Kill the node's process group and reap it."""
        if self.proc.poll() is None:
            with _suppress():
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], ProcessLookupError)  # type: ignore[arg-type]


def start_node(
    name: str,
    host: str,
    root: Path,
    authorized: Path,
    *,
    disable_isa: str = "",
    port: int = 0,
    extra: tuple[str, ...] = (),
    env_extra: dict[str, str] | None = None,
) -> Node:
    """Start `python -m sshapp.ssh` on host:port and wait until it listens."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSHAPP_")}
    env.update(env_extra or {})
    env["SSHAPP_STATE_DIR"] = str(root / "state")
    if disable_isa:
        env["SSHAPP_DISABLE_ISA"] = disable_isa
    argv = [sys.executable, "-m", "sshapp.ssh", "--host", host, "--port", str(port)]
    argv += ["--hostkey-dir", str(root / "keys"), "--authorized-keys", str(authorized)]
    argv += ["--shutdown-grace", "0.5", *extra]
    root.mkdir(parents=True, exist_ok=True)
    log_path = root / "serve.log"
    with log_path.open("ab") as log:  # a file, not a pipe: nobody has to drain it
        offset = log.tell()
        proc = subprocess.Popen(argv, env=env, stderr=log, start_new_session=True)
    node = Node(name, host, root, proc)
    deadline = time.monotonic() + START_SECONDS
    buffer = b""
    while time.monotonic() < deadline and proc.poll() is None:
        with log_path.open("rb") as log:
            log.seek(offset)
            buffer = log.read()
        match = re.search(rb"event=listening host=\S+ port=(\d+)", buffer)
        if match:
            node.port = int(match.group(1))
            return node
        time.sleep(0.1)
    node.stop()
    tail = buffer.decode(errors="replace")[-2000:]
    pytest.fail(f"node {name} did not listen within {START_SECONDS:g} s: {tail}")


@dataclass
class Fleet:
    """Three nodes, a client key they accept as `alice`, and a known_hosts file."""

    nodes: list[Node]
    key_file: Path
    known_hosts: Path
    authorized: Path
    links: list[NodeLink] = field(default_factory=list)

    def auth(self, **overrides: object) -> ClientAuth:
        """Client settings that log in as alice and check host keys."""
        base: dict[str, object] = {
            "username": "alice",
            "key_file": self.key_file,
            "known_hosts": self.known_hosts,
            "connect_timeout": 20.0,
            "call_timeout": 60.0,
        }
        base.update(overrides)
        return ClientAuth(**base)  # type: ignore[arg-type]

    def link(self, index: int, **overrides: object) -> NodeLink:
        """A new link to node `index` (closed at teardown)."""
        node = self.nodes[index]
        link = NodeLink(NodeAddress(node.name, node.host, node.port), self.auth(**overrides))
        self.links.append(link)
        return link

    def write_known_hosts(self) -> None:
        """Write every node's current host key to the known_hosts file."""
        self.known_hosts.write_text("".join(n.host_key_line() for n in self.nodes))


HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
ISA_MASKS = ("", "avx512,amx", "avx512,amx,avx2")
"""Heterogeneous nodes: all this CPU has; no AVX-512 or AMX; baseline x86-64 only."""


def _key(root: Path, name: str) -> tuple[Path, str]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = root / name
    key.write_private_key(str(path))
    path.chmod(0o600)
    return path, key.export_public_key().decode().strip()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """Three real nodes, one per loopback address, each with its own state directory.

    They accept alice's key (as `alice`) and take a gateway's key from --gateway-keys.
    """
    root = tmp_path_factory.mktemp("fleet")
    key_file, public = _key(root, "client_key")
    _, gateway_public = _key(root, "gateway_key")
    authorized = root / "authorized_keys"
    authorized.write_text(f'environment="SSHAPP_USER=alice" {public}\n')
    (root / "gateway_keys").write_text(f"{gateway_public}\n")
    extra = ("--gateway-keys", str(root / "gateway_keys"))
    nodes: list[Node] = []
    the_fleet = Fleet(nodes, key_file, root / "known_hosts", authorized)
    try:
        for i, (host, mask) in enumerate(zip(HOSTS, ISA_MASKS, strict=True)):
            name = f"n{i + 1}"
            nodes.append(
                start_node(name, host, root / name, authorized, disable_isa=mask, extra=extra)
            )
        the_fleet.write_known_hosts()
        yield the_fleet
    finally:
        for link in the_fleet.links:
            link.close()
        for node in nodes:
            node.stop()


@dataclass
class Gateway:
    """A real gateway in front of the fleet, and two users' keys for it."""

    node: Node
    users: dict[str, Path]
    fleet_toml: Path

    @property
    def port(self) -> int:
        """Where it listens on 127.0.0.1."""
        return self.node.port


@pytest.fixture(scope="module")
def gateway(fleet: Fleet) -> Iterator[Gateway]:
    """`sshapp serve --fleet` on 127.0.0.1 with the three nodes in a TOML file."""
    root = fleet.key_file.parent
    users: dict[str, Path] = {}
    lines = []
    for user in ("alice", "bob"):
        path, public = _key(root, f"{user}_key")
        users[user] = path
        lines.append(f'environment="SSHAPP_USER={user}" {public}\n')
    (root / "gateway_users").write_text("".join(lines))
    toml = root / "fleet.toml"
    toml.write_text(
        "".join(
            f'[[node]]\nname = "{n.name}"\naddress = "{n.host}"\nport = {n.port}\n\n'
            for n in fleet.nodes
        )
    )
    extra = (
        "--fleet",
        str(toml),
        "--fleet-key",
        str(root / "gateway_key"),
        "--fleet-known-hosts",
        str(fleet.known_hosts),
    )
    gw = start_node("gw", "127.0.0.1", root / "gw", root / "gateway_users", extra=extra)
    try:
        yield Gateway(gw, users, toml)
    finally:
        gw.stop()


def wait_until(check: Callable[[], bool], seconds: float, step: float = 0.05) -> float:
    """Poll `check` until true; return the seconds it took (fails after `seconds`)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            pytest.fail(f"condition not met within {seconds:g} s")
        time.sleep(step)
    return time.monotonic() - start
