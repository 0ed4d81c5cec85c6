"""Provides install(): asyncssh judges a peer's guessed first key-exchange packet by RFC 4253.

A client may send its first key-exchange packet right after its KEXINIT, guessing the
algorithm (`first_kex_packet_follows`). RFC 4253 §7.1: the guess is wrong when the two
sides' *preferred* (first-listed) key-exchange or host-key algorithms differ, and a wrong
guess is silently ignored by the receiver while the sender sends the packet again.
asyncssh (2.24.1) instead calls the guess right when the *negotiated* algorithm is the
peer's first one (the rule of Dropbear's `kexguess2@matt.ucc.asn.au` extension, which
asyncssh does not advertise). Dropbear's `dbclient` lists `curve25519-sha256` first;
asyncssh lists `mlkem768x25519-sha256` first but negotiates curve25519 (the client's
order decides): asyncssh answers the guessed packet and finishes the exchange, Dropbear
(by the RFC) sends its packet again, and asyncssh disconnects with "Key exchange not in
progress".

`install` wraps asyncssh's KEXINIT handler so that, after asyncssh has processed the
peer's KEXINIT, the ignore-the-guess flag is recomputed by the RFC's rule from the two
KEXINIT messages. It applies only while asyncssh still has the rule above (checked in
its source), so an asyncssh that fixes it upstream is left alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from asyncssh.connection import SSHConnection
from asyncssh.constants import MSG_KEXINIT
from asyncssh.packet import SSHPacket

BUGGY_RULE = "self._kex.algorithm != peer_kex_algs[0]"
"""The line of asyncssh's `_process_kexinit` this module corrects."""

_Handler = Callable[[SSHConnection, int, int, SSHPacket], Awaitable[None]]


def needed() -> bool:
    """Whether the installed asyncssh still judges guesses by the negotiated algorithm."""
    try:
        source = inspect.getsource(SSHConnection._process_kexinit)
    except (AttributeError, OSError, TypeError):
        return False
    return BUGGY_RULE in source


def _preferred(kexinit: bytes) -> tuple[bytes, bytes, bool]:
    """First key-exchange and host-key algorithm and first_kex_packet_follows of a KEXINIT.

    Args:
        kexinit: The whole payload, message type byte included.
    """
    packet = SSHPacket(kexinit)
    packet.get_byte()  # MSG_KEXINIT
    packet.get_bytes(16)  # cookie
    kex = packet.get_namelist()
    host_key = packet.get_namelist()
    for _ in range(8):  # ciphers, MACs, compression (each way), languages (each way)
        packet.get_namelist()
    follows = packet.get_boolean()
    return (kex[0] if kex else b""), (host_key[0] if host_key else b""), follows


def guess_is_wrong(ours: bytes, theirs: bytes) -> bool:
    """RFC 4253 §7.1: the peer guessed and the preferred kex or host-key algorithms differ.

    Args:
        ours: Our KEXINIT payload.
        theirs: The peer's KEXINIT payload.
    """
    our_kex, our_host_key, _ = _preferred(ours)
    their_kex, their_host_key, follows = _preferred(theirs)
    return follows and (their_kex != our_kex or their_host_key != our_host_key)


def _wrap(original: _Handler) -> _Handler:
    async def process_kexinit(
        conn: SSHConnection, pkttype: int, pktid: int, packet: SSHPacket
    ) -> None:
        await original(conn, pkttype, pktid, packet)
        attrs: Any = conn  # asyncssh keeps both KEXINIT payloads on the connection
        if conn.is_server():
            ours, theirs = attrs._server_kexinit, attrs._client_kexinit
        else:
            ours, theirs = attrs._client_kexinit, attrs._server_kexinit
        attrs._ignore_first_kex = guess_is_wrong(ours, theirs)

    process_kexinit.sshapp_kexguess = True  # type: ignore[attr-defined]
    return process_kexinit


def install() -> bool:
    """Correct asyncssh's KEXINIT handling in this process (idempotent).

    Returns:
        Whether the correction is in place.
    """
    handlers: Any = SSHConnection._packet_handlers
    current = handlers[MSG_KEXINIT]
    if getattr(current, "sshapp_kexguess", False):
        return True
    if not needed():
        return False
    handlers[MSG_KEXINIT] = _wrap(current)
    return True
