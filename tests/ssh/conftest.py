"""Fixtures for the SSH tests: a real server on 127.0.0.1:0 with a temporary host key."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from sshapp.config import Settings
from sshapp.ssh import ServerHandle, ServerOptions, start_server

FAKE_SESSION = str(Path(__file__).with_name("fake_session.py"))
FAKE_ARGV = (sys.executable, FAKE_SESSION)

StartServer = Callable[..., Awaitable[ServerHandle]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Loopback, free port, temporary host-key and state directories."""
    return Settings.from_env(
        {}, host="127.0.0.1", port=0, hostkey_dir=tmp_path / "keys", state_dir=tmp_path / "state"
    )


@pytest.fixture
async def start(settings: Settings) -> AsyncIterator[StartServer]:
    """Start servers running the fake session (override options by keyword)."""
    handles: list[ServerHandle] = []

    async def _start(**overrides: Any) -> ServerHandle:
        base = ServerOptions(session_argv=FAKE_ARGV, zygote_preload=("json",))
        options = replace(base, **overrides)
        handle = await start_server(settings, options)
        handles.append(handle)
        return handle

    yield _start
    for handle in handles:
        await handle.shutdown(grace=0.5)


@pytest.fixture
async def server(start: StartServer) -> ServerHandle:
    """One server with default options and the fake session."""
    return await start()


def connect(port: int, **kwargs: Any) -> asyncssh.connection._ConnectionContext:  # type: ignore[name-defined]
    """Connect as `alice` with no key (prompt-less keyboard-interactive), no host check."""
    options: dict[str, Any] = {
        "username": "alice",
        "known_hosts": None,
        "client_keys": None,
        "password": "",
        "agent_path": None,
        "connect_timeout": 10,
    }
    options.update(kwargs)
    return asyncssh.connect("127.0.0.1", port, **options)
