"""Provides the SSH algorithm policy of `sshapp serve`: the defaults, what may replace them, why.

The defaults pass ssh-audit 3.9 with no failure, and with no warning that could go
without locking out a client we support (OpenSSH >= 7.4, Dropbear `dbclient` 2022.83,
PuTTY `plink` 0.78, asyncssh): post-quantum hybrid key exchange first, then X25519 (which
ssh-audit warns about as not post-quantum; Dropbear, PuTTY and OpenSSH < 9.9 have
nothing else we offer), AEAD ciphers, encrypt-then-MAC SHA-2 MACs, an Ed25519 host key.

No finite-field Diffie-Hellman: no client we support needs it, it is what a DHEat flood
(CVE-2002-20001) makes a server compute, and asyncssh's group exchange offers moduli
below 3072 bits that cannot be switched off. Operators may reorder or narrow the lists;
names outside the policy are refused at start with the reason.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from asyncssh.encryption import get_encryption_algs
from asyncssh.kex import get_kex_algs
from asyncssh.mac import get_mac_algs

from sshapp.config import ConfigError

KEX_ALLOWED = (
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "curve448-sha512",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
)
"""Key exchanges an operator may list (post-quantum hybrids, then the 25519/448 curves,
then fixed groups of 4096 and 8192 bits), in the order of preference."""
KEX_DEFAULT = KEX_ALLOWED[:4]
"""Key exchanges offered by default (those of them this asyncssh implements); without the
pre-RFC alias curve25519-sha256@libssh.org: every client we support (OpenSSH >= 7.4,
Dropbear >= 2018.76, PuTTY >= 0.74) knows the RFC 8731 name."""
CIPHERS_ALLOWED = (
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
)
"""Ciphers an operator may list: AEAD only (they carry their own MAC)."""
MACS_ALLOWED = ("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com")
"""MACs an operator may list: SHA-2, encrypt-then-MAC (used only by non-AEAD peers' lists)."""

_WEAK = (
    ("gss-", "GSS-API key exchange is not offered"),
    ("group-exchange", "asyncssh's group exchange offers moduli below 3072 bits"),
    ("nistp", "a NIST P-curve"),
    ("1.3.132", "a SEC curve"),
    ("sha1", "SHA-1"),
    ("md5", "MD5"),
    ("group1-", "a 1024-bit group"),
    ("group14", "a 2048-bit group"),
    ("group15", "a 3072-bit group below the 4096 bits of the policy"),
    ("group17", "a 6144-bit group outside OpenSSH's set"),
    ("rsa", "RSA key exchange with a small modulus"),
    ("-96", "a truncated tag"),
    ("umac-64", "a 64-bit tag"),
    ("umac", "not SHA-2"),
    ("cbc", "CBC mode"),
    ("arcfour", "RC4"),
    ("ctr", "not AEAD"),
    ("hmac-", "encrypt-and-MAC (not -etm)"),
)
"""Why a name asyncssh knows is outside the policy (first matching substring wins)."""


def _reason(name: str) -> str:
    return next((why for part, why in _WEAK if part in name), "outside the policy")


@dataclass(frozen=True, slots=True)
class AlgorithmPolicy:
    """The algorithm lists the server offers, most preferred first.

    Host-key algorithms follow from the host key, which is Ed25519 (sshapp.ssh.hostkeys).
    """

    kex: tuple[str, ...]
    """Key-exchange algorithms."""
    ciphers: tuple[str, ...]
    """Encryption algorithms (both directions)."""
    macs: tuple[str, ...]
    """MAC algorithms (both directions)."""

    @classmethod
    def default(cls) -> AlgorithmPolicy:
        """The policy's defaults, narrowed to what the installed asyncssh implements."""
        known = _known("kex")
        return cls(tuple(n for n in KEX_DEFAULT if n in known), CIPHERS_ALLOWED, MACS_ALLOWED)

    def listen_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `asyncssh.listen` that set these lists."""
        return {
            "kex_algs": list(self.kex),
            "encryption_algs": list(self.ciphers),
            "mac_algs": list(self.macs),
        }


def _known(kind: str) -> set[str]:
    algs = {"kex": get_kex_algs, "cipher": get_encryption_algs, "mac": get_mac_algs}[kind]()
    return {name.decode() for name in algs}


def checked(kind: str, text: str, allowed: Iterable[str]) -> tuple[str, ...]:
    """Split a comma-separated list and check every name against asyncssh and the policy.

    Args:
        kind: "kex", "cipher" or "mac".
        text: The operator's list, e.g. "curve25519-sha256,mlkem768x25519-sha256".
        allowed: Names the policy accepts for `kind`.

    Returns:
        The names in the given order, without repeats.

    Raises:
        ConfigError: The list is empty, or names an algorithm asyncssh does not
            implement or the policy refuses (one line, with the reason).
    """
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    option = f"--{kind}-algs"
    if not names:
        msg = f"{option}: empty list"
        raise ConfigError(msg)
    known, allowed = _known(kind), tuple(allowed)
    for name in names:
        if name not in known:
            msg = f"{option}: unknown algorithm {name!r} (this asyncssh does not implement it)"
            raise ConfigError(msg)
        if name not in allowed:
            usable = ", ".join(n for n in allowed if n in known)
            msg = f"{option}: {name!r} is refused: {_reason(name)}; allowed: {usable}"
            raise ConfigError(msg)
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --kex-algs, --cipher-algs and --mac-algs to `sshapp serve`'s parser."""
    d = AlgorithmPolicy.default()
    for kind, default in (("kex", d.kex), ("cipher", d.ciphers), ("mac", d.macs)):
        parser.add_argument(
            f"--{kind}-algs",
            metavar="LIST",
            help=f"comma-separated {kind} algorithms, preferred first"
            f" (default {','.join(default)})",
        )


def from_args(ns: argparse.Namespace) -> AlgorithmPolicy:
    """The policy `sshapp serve`'s arguments ask for (defaults where not given).

    Raises:
        ConfigError: A list names an unknown or refused algorithm.
    """
    d = AlgorithmPolicy.default()
    return AlgorithmPolicy(
        checked("kex", ns.kex_algs, KEX_ALLOWED) if ns.kex_algs else d.kex,
        checked("cipher", ns.cipher_algs, CIPHERS_ALLOWED) if ns.cipher_algs else d.ciphers,
        checked("mac", ns.mac_algs, MACS_ALLOWED) if ns.mac_algs else d.macs,
    )
