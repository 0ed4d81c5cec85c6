"""Provides install(): a re-key a peer asks for spends its address's key-exchange budget.

Connections are throttled when they open (sshapp.ssh.kexrate, checked by the server's
`connection_made`), but one connection can also ask for a fresh key exchange at any
time by sending KEXINIT again, and each costs the server as much as a new connection's.
`install` wraps asyncssh's KEXINIT handler: before a KEXINIT that starts a re-key (the
session id is set) is processed, the connection's owner is asked `allow_rekey()`; when
it says no, the connection is closed and the key exchange never starts.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from asyncssh.connection import SSHConnection
from asyncssh.constants import DISC_BY_APPLICATION, MSG_KEXINIT
from asyncssh.packet import SSHPacket

_Handler = Callable[[SSHConnection, int, int, SSHPacket], Awaitable[None]]


def _wrap(original: _Handler) -> _Handler:
    @functools.wraps(original)  # keeps the kexguess marker of a wrapped handler
    async def process_kexinit(
        conn: SSHConnection, pkttype: int, pktid: int, packet: SSHPacket
    ) -> None:
        attrs: Any = conn  # the session id is set once the first key exchange is done
        owner = conn.get_owner()
        allow = getattr(owner, "allow_rekey", None)
        if attrs._session_id and allow is not None and not allow():
            conn.disconnect(DISC_BY_APPLICATION, "sshapp: too many key exchanges")
            return
        await original(conn, pkttype, pktid, packet)

    process_kexinit.sshapp_rekey = True  # type: ignore[attr-defined]
    return process_kexinit


def install() -> None:
    """Gate peer-started re-keys in this process (idempotent)."""
    handlers: Any = SSHConnection._packet_handlers
    if not getattr(handlers[MSG_KEXINIT], "sshapp_rekey", False):
        handlers[MSG_KEXINIT] = _wrap(handlers[MSG_KEXINIT])
