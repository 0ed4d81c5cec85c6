"""The algorithm policy: defaults, operator lists checked against asyncssh and the policy."""

from __future__ import annotations

import pytest

from sshapp.config import ConfigError
from sshapp.ssh.algorithms import CIPHERS_ALLOWED, KEX_ALLOWED, AlgorithmPolicy, checked
from sshapp.ssh.options import parse


def test_defaults_put_post_quantum_first_and_offer_no_weak_algorithm() -> None:
    policy = AlgorithmPolicy.default()
    assert policy.kex[0] == "mlkem768x25519-sha256"
    assert "curve25519-sha256" in policy.kex
    assert not [n for n in policy.kex if "nistp" in n or "diffie-hellman" in n]
    assert set(policy.ciphers) == set(CIPHERS_ALLOWED)
    assert all(m.endswith("-etm@openssh.com") and "sha2" in m for m in policy.macs)
    kwargs = policy.listen_kwargs()
    assert kwargs["kex_algs"] == list(policy.kex)


def test_an_operator_list_keeps_its_order_without_repeats() -> None:
    text = "curve25519-sha256, mlkem768x25519-sha256,curve25519-sha256"
    assert checked("kex", text, KEX_ALLOWED) == ("curve25519-sha256", "mlkem768x25519-sha256")


@pytest.mark.parametrize(
    ("kind", "text", "why"),
    [
        ("kex", "", "empty list"),
        ("kex", "diffie-hellman-group14-sha1", "SHA-1"),
        ("kex", "diffie-hellman-group14-sha256", "2048-bit"),
        ("kex", "mlkem768nistp256-sha256", "NIST P-curve"),
        ("kex", "gss-curve25519-sha256", "GSS-API"),
        ("cipher", "aes256-ctr", "not AEAD"),
        ("cipher", "arcfour", "RC4"),
        ("mac", "hmac-sha2-256", "encrypt-and-MAC"),
        ("mac", "umac-64-etm@openssh.com", "64-bit tag"),
        ("mac", "hmac-sha2-256-96-etm@openssh.com", "truncated"),
        ("kex", "curve25519-sha256;rm -rf /", "unknown algorithm"),
    ],
)
def test_refused_names_say_why(kind: str, text: str, why: str) -> None:
    allowed = KEX_ALLOWED if kind == "kex" else ()
    with pytest.raises(ConfigError, match=why) as info:
        checked(kind, text, allowed)
    assert "\n" not in str(info.value)


def test_serve_options_carry_the_operators_lists() -> None:
    _, options, _ = parse(["--kex-algs", "curve25519-sha256", "--kex-rate", "2"])
    assert options.algorithms.kex == ("curve25519-sha256",)
    assert options.algorithms.ciphers == AlgorithmPolicy.default().ciphers
    assert options.kex_rate == 2.0
