"""Provides the program a user types to run a verb: `sshapp` here, `ssh HOST` over SSH.

Hints and usage lines name a command the reader can type. Locally that is `sshapp`;
in a session reached over SSH (our server or an OpenSSH forced command) it is
`ssh [-p PORT] [USER@]HOST`, with HOST the operator's configured public name
(SSHAPP_PUBLIC_NAME) or else the address the client connected to (SSH_CONNECTION, set
by sshd and by `sshapp serve` alike).

Messages from below the CLI name commands as `'sshapp VERB'`; `named` renames the
program in them, so the engine never needs to know which front end shows its errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sshapp.config import PUBLIC_NAME

LOCAL = "sshapp"
"""The program when the CLI runs on the host itself."""
UNKNOWN_HOST = "ssh HOST"
"""The program over SSH when neither a public name nor the server's address is known."""
_TOKEN = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")
"""A user name safe to print inside a command the reader may paste."""
_HOST = re.compile(r"^[A-Za-z0-9._:%-]{1,253}$")
"""A host name or an IPv4 / IPv6 address (nothing a shell would interpret)."""


def destination(user: str, host: str, port: int) -> str:
    """Return `ssh [-p PORT] [USER@]HOST` (port 22 and an empty user left out)."""
    at = f"{user}@" if user else ""
    return f"ssh -p {port} {at}{host}" if port != 22 else f"ssh {at}{host}"


def from_public_name(name: str) -> str | None:
    """Return the program for a `[USER@]HOST[:PORT]` public name, or None if malformed."""
    match = PUBLIC_NAME.match(name.strip())
    port = int(match["port"] or 22) if match else 0
    if match is None or not 0 < port < 65536:
        return None
    return destination(match["user"] or "", match["host"] or match["v6"], port)


def ssh_program(env: Mapping[str, str], public_name: str = "") -> str:
    """Return what a user types before a verb to reach this SSH session's host.

    Args:
        env: The session's environment: SSH_CONNECTION (`client port server port`)
            where the client connected; SSHAPP_LOGIN (our server) or USER (sshd) the
            account it used.
        public_name: The host's configured public name (`[USER@]HOST[:PORT]`, "" =
            none): when given it is used as it is.

    Returns:
        `ssh [-p PORT] [USER@]HOST`, or `ssh HOST` when nothing says where.
    """
    if public_name:
        return from_public_name(public_name) or UNKNOWN_HOST
    fields = env.get("SSH_CONNECTION", "").split()
    if len(fields) != 4 or not _HOST.match(fields[2]) or not fields[3].isdigit():
        return UNKNOWN_HOST
    user = env.get("SSHAPP_LOGIN") or env.get("USER") or ""
    return destination(user if _TOKEN.match(user) else "", fields[2], int(fields[3]))


def named(message: str, prog: str) -> str:
    """Return `message` with its `'sshapp VERB'` hints naming `prog` instead."""
    if prog == LOCAL:
        return message
    return message.replace(f"'{LOCAL} ", f"'{prog} ")
