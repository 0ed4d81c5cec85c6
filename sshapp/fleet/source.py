"""Provides the gateway's node sources: a TOML file of nodes, or `dns:NAME[:PORT]`.

A TOML source lists nodes by hand:

    [[node]]
    name = "amx1"
    address = "10.0.0.7"
    port = 2222

A DNS source takes every A/AAAA record of a name (what a Kubernetes headless Service
gives, one record per ready pod) and is read again each time the nodes are asked for,
at most every RESOLVE_SECONDS. Names are looked up with getaddrinfo, or — when
SSHAPP_FLEET_HOSTS names a hosts-format file — in that file only (a private resolver
for tests and for a host without DNS).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path

from sshapp.fleet.address import NodeAddress

DEFAULT_PORT = 2222
"""Port of a node when the source does not say."""
RESOLVE_SECONDS = 10.0
"""How long one DNS answer is used before the name is resolved again."""
HOSTS_VARIABLE = "SSHAPP_FLEET_HOSTS"
"""Environment variable naming a hosts-format file that replaces getaddrinfo."""
NODE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
"""Node names: short, printable, no spaces."""
MAX_NODES = 256
"""Most nodes one source may list."""


class SourceError(ValueError):
    """A fleet source cannot be read (one line)."""


def _port(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        msg = f"{where}: port must be 1..65535, got {value!r}"
        raise SourceError(msg)
    return value


def read_toml(path: Path) -> list[NodeAddress]:
    """Return the nodes of a TOML source.

    Raises:
        SourceError: Unreadable, malformed, duplicate names or bad fields.
    """
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"fleet file {path}: {getattr(exc, 'strerror', None) or exc}"
        raise SourceError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"fleet file {path}: {exc}"
        raise SourceError(msg) from None
    entries = data.get("node", [])
    if not isinstance(entries, list) or not entries:
        msg = f"fleet file {path}: no [[node]] entries"
        raise SourceError(msg)
    if len(entries) > MAX_NODES:
        msg = f"fleet file {path}: more than {MAX_NODES} nodes"
        raise SourceError(msg)
    nodes: list[NodeAddress] = []
    for i, entry in enumerate(entries, 1):
        where = f"fleet file {path}, node {i}"
        if not isinstance(entry, Mapping):
            msg = f"{where}: not a table"
            raise SourceError(msg)
        name, address = entry.get("name"), entry.get("address")
        if not isinstance(name, str) or not NODE_NAME.match(name):
            msg = f"{where}: name must be 1-64 characters of A-Z a-z 0-9 . _ -"
            raise SourceError(msg)
        if not isinstance(address, str) or not address or len(address) > 253:
            msg = f"{where}: address must be a host name or an IP address"
            raise SourceError(msg)
        nodes.append(NodeAddress(name, address, _port(entry.get("port", DEFAULT_PORT), where)))
    names = [n.name for n in nodes]
    if len(set(names)) != len(names):
        msg = f"fleet file {path}: node names must be unique"
        raise SourceError(msg)
    return nodes


def parse_dns(text: str) -> tuple[str, int]:
    """Return (name, port) of `dns:NAME[:PORT]`.

    Raises:
        SourceError: Malformed.
    """
    rest = text.removeprefix("dns:")
    name, _, port_text = rest.partition(":")
    if not name or not re.match(r"^[A-Za-z0-9.-]{1,253}$", name):
        msg = f"fleet source {text!r}: expected dns:NAME[:PORT]"
        raise SourceError(msg)
    port = DEFAULT_PORT
    if port_text:
        if not port_text.isdigit():
            msg = f"fleet source {text!r}: port must be a number"
            raise SourceError(msg)
        port = _port(int(port_text), f"fleet source {text!r}")
    return name, port


def _from_hosts_file(path: Path, name: str) -> list[str]:
    addresses: list[str] = []
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        msg = f"hosts file {path}: {exc.strerror}"
        raise SourceError(msg) from None
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and name in fields[1:]:
            try:
                addresses.append(str(ipaddress.ip_address(fields[0])))
            except ValueError:
                continue
    return addresses


def resolve(name: str, hosts_file: Path | None = None) -> list[str]:
    """Return every address of `name`, sorted, without duplicates ([] if none)."""
    if hosts_file is not None:
        found = _from_hosts_file(hosts_file, name)
    else:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return []
        found = [str(info[4][0]) for info in infos]
    return sorted(set(found), key=lambda a: (ipaddress.ip_address(a).version, a))


class Source:
    """Where the gateway's nodes come from; `nodes()` is the current list."""

    def __init__(self, text: str, env: Mapping[str, str] | None = None) -> None:
        """Parse a source now (a TOML file is read now, a DNS name on first use).

        Raises:
            SourceError: The source is malformed or its file unreadable.
        """
        self.text = text
        """The source as given."""
        env = env or {}
        hosts = env.get(HOSTS_VARIABLE)
        self._hosts_file = Path(hosts) if hosts else None
        self._dns: tuple[str, int] | None = None
        self._fixed: list[NodeAddress] = []
        self._cached: tuple[float, list[NodeAddress]] | None = None
        if text.startswith("dns:"):
            self._dns = parse_dns(text)
        else:
            self._fixed = read_toml(Path(text))

    def nodes(self) -> list[NodeAddress]:
        """Return the nodes now (a DNS name is resolved again after RESOLVE_SECONDS)."""
        if self._dns is None:
            return list(self._fixed)
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < RESOLVE_SECONDS:
            return list(self._cached[1])
        name, port = self._dns
        found = [NodeAddress(a, a, port) for a in resolve(name, self._hosts_file)[:MAX_NODES]]
        self._cached = (now, found)
        return list(found)
