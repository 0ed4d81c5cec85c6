"""`sshapp serve` audited as a public SSH service: ssh-audit 3.9 and the DHEat rate test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ssh.audit_kit import connection_rate, findings, ssh_audit
from tests.ssh.hostile_kit import Serve, serve
from tests.ssh.test_openssh import run, ssh_argv

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(ssh_audit() is None, reason="ssh-audit not installed (pip: .[test])"),
]

KNOWN_WARNINGS = {
    ("kex", "curve25519-sha256", "does not provide protection against post-quantum attacks"): (
        "the only kex shared with Dropbear 2022.83, PuTTY 0.78 and OpenSSH 7.4-9.8; "
        "mlkem768x25519-sha256 comes first for clients that have it, and asyncssh 2.24.1 "
        "has no sntrup761x25519-sha512"
    ),
}
"""Warnings that stay, each with why it cannot go without locking out a supported client."""
DHEAT_SAFE_RATE = 20.0
"""ssh-audit's MAX_SAFE_RATE: completed connections per second from one address."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """`sshapp serve` with its defaults."""
    with serve(tmp_path_factory.mktemp("audit")) as running:
        yield running


def test_ssh_audit_finds_no_failure_and_only_the_known_warnings(server: Serve) -> None:
    status, found = findings(server.port)
    assert status != 1, "ssh-audit could not connect"  # 1: CONNECTION_ERROR
    fails = [f for f in found if f[0] == "fail"]
    assert not fails, fails
    warnings = {f[1:] for f in found if f[0] == "warn"}
    assert warnings == set(KNOWN_WARNINGS), warnings ^ set(KNOWN_WARNINGS)


def test_a_connection_flood_gets_fewer_than_twenty_key_exchanges_a_second(
    tmp_path: Path,
) -> None:
    # The per-minute rate limit raised out of the way: the key-exchange bucket alone holds.
    with serve(tmp_path, "--rate-per-ip", "100000") as flooded:
        rate, output = connection_rate(flooded.port, sockets=8, seconds=5.0)
        log = flooded.log_text()
    print(output.strip().splitlines()[-1])
    assert rate < DHEAT_SAFE_RATE, output[-1500:]
    assert "reason=kex_rate" in log


@pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH client not installed (apt)")
async def test_a_person_reconnecting_a_few_times_a_second_is_not_refused(server: Serve) -> None:
    for _ in range(6):  # within the burst: a script re-running `ssh host version` in a loop
        status, out, err = await run(ssh_argv(server.port, "erin@127.0.0.1", "version"), 30)
        assert status == 0, err
        assert out.startswith("sshapp")


@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--kex-algs", "ecdh-sha2-nistp256", "NIST P-curve"),
        ("--kex-algs", "diffie-hellman-group-exchange-sha256", "below 3072 bits"),
        ("--cipher-algs", "aes128-cbc", "CBC"),
        ("--mac-algs", "hmac-sha1", "SHA-1"),
        ("--mac-algs", "no-such-mac", "unknown algorithm"),
    ],
)
def test_weak_or_unknown_algorithms_stop_the_server_with_one_line(
    option: str, value: str, why: str
) -> None:
    argv = [sys.executable, "-m", "sshapp", "serve", "--port", "0", option, value]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert why in done.stderr
    assert option in done.stderr


def test_ssh_audit_json_lists_only_the_policy(server: Serve) -> None:
    argv = [str(ssh_audit()), "-j", "--skip-rate-test", "-p", str(server.port), "127.0.0.1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    report = json.loads(done.stdout)
    kex = [k["algorithm"] for k in report["kex"]]
    assert kex[0] == "mlkem768x25519-sha256"
    assert "curve25519-sha256" in kex
    assert {k["algorithm"] for k in report["key"]} == {"ssh-ed25519"}
    assert {e["algorithm"] for e in report["enc"]} <= {
        "chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com"
    }  # fmt: skip
    assert all(m["algorithm"].endswith("-etm@openssh.com") for m in report["mac"])
