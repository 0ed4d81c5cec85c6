"""Provides `sshapp serve`: the asyncssh front that runs one `sshapp session` per SSH session.

Attributes load lazily so that `python -m sshapp.ssh.zygote` (which forks sessions)
does not carry asyncssh in every session process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sshapp.ssh.options import ServerOptions
    from sshapp.ssh.serve import ServerHandle, serve_main, start_server

__all__ = ["ServerHandle", "ServerOptions", "serve_main", "start_server"]

_WHERE = {
    "ServerHandle": "sshapp.ssh.serve",
    "serve_main": "sshapp.ssh.serve",
    "start_server": "sshapp.ssh.serve",
    "ServerOptions": "sshapp.ssh.options",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
