"""Fault and bad-input tests (bounded, loopback only): the server stays up throughout."""

from __future__ import annotations

import asyncio
import contextlib
import os

import asyncssh
import numpy as np
import pytest

from sshapp.ssh import ServerHandle
from sshapp.ssh.limits import Startups
from tests.ssh.conftest import StartServer, connect

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def busy_server(start: StartServer) -> ServerHandle:
    """A server with limits loose enough for a burst of connections from one address."""
    return await start(
        rate_per_ip=1000,
        kex_rate=1000.0,
        kex_burst=1000,
        max_per_ip=200,
        max_sessions=200,
        max_startups=Startups(200, 30, 200),
        max_startups_per_ip=200,
        max_per_user=200,
    )


async def _echo(conn: asyncssh.SSHClientConnection, text: str) -> None:
    result = await conn.run(f"echo {text}", encoding=None)
    assert result.stdout == f"{text}\n".encode()


async def test_random_bytes_and_escapes_on_channels(
    busy_server: ServerHandle, rng: np.random.Generator
) -> None:
    port = busy_server.port
    async with connect(port) as bystander, connect(port) as conn:
        tui = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        cat = await conn.create_process("cat", encoding=None)
        escapes = [b"\x1b[6n", b"\x1b]0;title\x07", b"\x1bP+q544e\x1b\\", b"\x03", b"\x1a", b"\0"]
        for _ in range(40):
            chunk = rng.integers(0, 256, int(rng.integers(1, 2048)), dtype=np.uint8).tobytes()
            chunk += escapes[int(rng.integers(len(escapes)))]
            for proc in (tui, cat):
                with contextlib.suppress(BrokenPipeError, asyncssh.Error):
                    proc.stdin.write(chunk)
            await asyncio.sleep(0)
        cat.stdin.write_eof()
        out = await asyncio.wait_for(cat.stdout.read(), 20)
        assert len(out) > 0
        tui.close()
        await _echo(bystander, "alive")
        await _echo(conn, "same-connection")


async def test_garbage_on_the_raw_port(busy_server: ServerHandle, rng: np.random.Generator) -> None:
    port = busy_server.port
    async with connect(port) as bystander:
        for after_version in (False, True):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await asyncio.wait_for(reader.readline(), 5)
            if after_version:
                writer.write(b"SSH-2.0-fuzz\r\n")
            writer.write(rng.integers(0, 256, 70000, dtype=np.uint8).tobytes() + b"\r\n")
            with contextlib.suppress(ConnectionError):
                await writer.drain()
                rest = await asyncio.wait_for(reader.read(), 10)  # the server hangs up
                assert len(rest) < 4096
            writer.close()
        await _echo(bystander, "alive")


async def test_zero_and_enormous_window_sizes(busy_server: ServerHandle) -> None:
    async with connect(busy_server.port) as conn:
        huge = await conn.run("size", term_type="xterm", term_size=(1_000_000, 1_000_000))
        zero = await conn.run("size", term_type="xterm", term_size=(0, 0))
        proc = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        await asyncio.wait_for(proc.stdout.read(100), 10)  # raw mode is on: 'q' will arrive
        for size in ((0, 0), (2**31, 2**31), (1, 1), (65535, 0)):
            proc.change_terminal_size(*size)
        proc.stdin.write(b"q")
        await asyncio.wait_for(proc.wait(), 10)
        await _echo(conn, "alive")
    assert huge.stdout == "4096x4096\r\n"
    assert zero.stdout == "80x24\r\n"


async def test_resize_storm(busy_server: ServerHandle) -> None:
    async with connect(busy_server.port) as conn:
        proc = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        await asyncio.wait_for(proc.stdout.read(100), 10)
        for i in range(500):
            proc.change_terminal_size(20 + i % 200, 10 + i % 50)
        proc.change_terminal_size(99, 33)
        seen = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while b"FAKE TUI 99x33" not in seen[-200:] and loop.time() < deadline:
            seen += await asyncio.wait_for(proc.stdout.read(65536), 15)
        assert b"FAKE TUI 99x33" in seen[-200:]
        proc.stdin.write(b"q")
        await asyncio.wait_for(proc.wait(), 10)


async def test_fifty_connections_opened_and_dropped_at_once(busy_server: ServerHandle) -> None:
    port = busy_server.port

    async def raw_drop() -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.transport.abort()

    async def session_drop() -> int:
        conn = await connect(port)
        proc = await conn.create_process("sleep 30", encoding=None)
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        conn.abort()
        return int(line.split()[1])

    async with connect(port) as bystander:
        results = await asyncio.gather(
            *(raw_drop() for _ in range(25)), *(session_drop() for _ in range(25))
        )
        await _echo(bystander, "alive")
    pids = [pid for pid in results if isinstance(pid, int)]
    assert len(pids) == 25
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while busy_server.state.sessions and loop.time() < deadline:
        await asyncio.sleep(0.1)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
