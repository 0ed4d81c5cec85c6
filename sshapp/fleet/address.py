"""Provides what the fleet modules share: where a node is, how to log in, node errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class NodeError(RuntimeError):
    """A node cannot be reached or misbehaved: one line that names the node."""

    def __init__(self, message: str, state: str = "down") -> None:
        """Keep what the failure says about the node."""
        super().__init__(message)
        self.state = state
        """The node's state it shows: "down", "refused" (host key), "incompatible"
        (protocol version), "bad" (garbage or oversized answers) or "failed" (the call
        failed there; the node is up)."""


class NodeExit(NodeError):
    """A call ended with a non-zero exit status; the message is the node's error line."""

    def __init__(self, message: str, status: int) -> None:
        """Keep the exit status next to the line."""
        super().__init__(message, "failed")
        self.status = status
        """The remote exit status (2: usage or bad spec)."""


@dataclass(frozen=True, slots=True)
class NodeAddress:
    """Where a node listens."""

    name: str
    """Its name in the fleet (shown to users)."""
    host: str
    """Address or host name."""
    port: int = 2222
    """SSH port."""


@dataclass(frozen=True, slots=True)
class ClientAuth:
    """How a link logs in to nodes and checks them."""

    username: str = "sshapp"
    """SSH user name sent to the node."""
    key_file: Path | None = None
    """Private key to log in with (None: no key, a guest on an open node)."""
    known_hosts: Path | None = None
    """known_hosts file the node's host key must match (None: not checked)."""
    connect_timeout: float = 5.0
    """Seconds to connect, exchange keys, log in and hear the hello."""
    call_timeout: float = 30.0
    """Seconds a synchronous call may take."""
    assert_user: str | None = None
    """Identity to assert to the node (SSHAPP_AS on each channel; a node honours it only
    from a key it lists in --gateway-keys)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Extra asyncssh connect options (tests)."""
