"""Node sources (TOML, dns: through a private hosts file), the fleet key, asserted identities."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from sshapp.fleet import source
from sshapp.fleet.address import NodeAddress
from sshapp.fleet.source import HOSTS_VARIABLE, Source, SourceError
from sshapp.ssh import fleetopts
from sshapp.ssh.identity import asserted


def test_a_toml_source_lists_its_nodes_with_default_ports(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[[node]]\nname = "amx1"\naddress = "10.0.0.7"\nport = 2200\n\n'
        '[[node]]\nname = "zen3"\naddress = "zen3.lan"\n'
    )
    assert Source(str(path)).nodes() == [
        NodeAddress("amx1", "10.0.0.7", 2200),
        NodeAddress("zen3", "zen3.lan", 2222),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no [[node]] entries"),
        ("[[node]]\nname = 'a b'\naddress = 'x'\n", "name must be"),
        ("[[node]]\nname = 'a'\n", "address must be"),
        ("[[node]]\nname = 'a'\naddress = 'x'\nport = 70000\n", "port must be 1..65535"),
        ("[[node]]\nname = 'a'\naddress = 'x'\n[[node]]\nname = 'a'\naddress = 'y'\n", "unique"),
        ("[[node]\n", "fleet file"),
    ],
)
def test_a_bad_toml_source_is_one_line(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    with pytest.raises(SourceError, match=re.escape(says)) as caught:
        Source(str(path))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["dns:", "dns:a b", "dns:name:port", "dns:name:0"])
def test_a_bad_dns_source_is_one_line(text: str) -> None:
    with pytest.raises(SourceError, match="fleet source"):
        Source(text)


def test_dns_takes_every_address_of_the_name_and_reads_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.5 fleet.test\n127.0.0.6 other fleet.test # two names\n::1 x\n")
    monkeypatch.setattr(source, "RESOLVE_SECONDS", 0.0)
    src = Source("dns:fleet.test:2300", {HOSTS_VARIABLE: str(hosts)})
    assert src.nodes() == [
        NodeAddress("127.0.0.5", "127.0.0.5", 2300),
        NodeAddress("127.0.0.6", "127.0.0.6", 2300),
    ]
    hosts.write_text("127.0.0.6 fleet.test\n127.0.0.7 fleet.test\n")
    assert [n.host for n in src.nodes()] == ["127.0.0.6", "127.0.0.7"]
    hosts.write_text("")
    assert src.nodes() == []


def test_dns_through_getaddrinfo_finds_localhost() -> None:
    assert "127.0.0.1" in source.resolve("localhost") or "::1" in source.resolve("localhost")
    assert source.resolve("no-such-name.invalid") == []


def test_the_fleet_key_is_created_0600_on_first_start_and_reused(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    toml = tmp_path / "fleet.toml"
    toml.write_text('[[node]]\nname = "a"\naddress = "127.0.0.2"\n')
    path = fleetopts.prepare(tmp_path / "keys", str(toml), None, known)
    assert path == tmp_path / "keys" / fleetopts.FLEET_KEY_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    assert fleetopts.prepare(tmp_path / "keys", str(toml), None, known) == path
    assert path.read_bytes() == first
    with pytest.raises(ValueError, match="no such file"):
        fleetopts.prepare(tmp_path / "keys", str(toml), None, tmp_path / "missing")
    assert fleetopts.prepare(tmp_path / "keys", None, None, None) is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("alice", True),
        ("guest:bob", True),
        ("SHA256:" + "A" * 43, True),
        (b"alice", True),
        ("alice\nSSHAPP_USER=root", False),
        ("a:b", False),
        ("", False),
        (None, False),
        ("x" * 33, False),
    ],
)
def test_only_well_formed_identities_can_be_asserted(value: object, ok: bool) -> None:
    assert (asserted(value) is not None) is ok
