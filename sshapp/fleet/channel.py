"""Provides one call on one SSH channel: run a verb, read its JSON lines within limits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shlex
from collections.abc import Callable
from typing import Any

import asyncssh

from sshapp.bench.protocol import wire

MAX_STDERR_BYTES = 64 << 10
"""Stderr kept per call (its first line is what the caller is told)."""


async def exec_lines(
    conn: asyncssh.SSHClientConnection,
    argv: list[str],
    sink: Callable[[dict[str, Any]], None] | None,
    env: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], int, str]:
    """Run one verb on its own channel; hand each JSON line to sink (or keep them)."""
    process = await conn.create_process(shlex.join(argv), encoding=None, env=env or {})
    kept: list[dict[str, Any]] = []
    errors = bytearray()

    async def drain_stderr() -> None:
        while chunk := await process.stderr.read(4096):
            if len(errors) < MAX_STDERR_BYTES:
                errors.extend(chunk)

    stderr_task = asyncio.ensure_future(drain_stderr())
    try:
        buffer = b""
        while chunk := await process.stdout.read(65536):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if len(buffer) > wire.MAX_LINE_BYTES:
                msg = f"a line longer than {wire.MAX_LINE_BYTES >> 20} MiB"
                raise wire.ProtocolError(msg)
            for raw in lines:
                obj = parse_line(raw)
                if obj is None:
                    continue
                if sink is None:
                    kept.append(obj)
                else:
                    sink(obj)
        await process.wait_closed()
        await stderr_task
    finally:
        stderr_task.cancel()
        process.close()
        with contextlib.suppress(Exception):  # the channel is closed when this returns
            await asyncio.wait_for(process.wait_closed(), 2)
    text = errors.decode("utf-8", "replace").strip()
    status = process.exit_status
    # None: no exit status came (the node's session died by a signal or was dropped).
    return kept, 255 if status is None else status, text.splitlines()[0] if text else ""


def parse_line(raw: bytes) -> dict[str, Any] | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        msg = f"not JSON ({type(exc).__name__})"
        raise wire.ProtocolError(msg) from None
    if not isinstance(obj, dict):
        msg = f"expected a JSON object, got {type(obj).__name__}"
        raise wire.ProtocolError(msg)
    return obj


def reason(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return f"host key refused ({exc.reason})"
    if isinstance(exc, asyncssh.PermissionDenied):
        return "permission denied"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, asyncssh.ConnectionLost | asyncssh.DisconnectError):
        return f"connection lost ({exc.reason})" if exc.reason else "connection lost"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
