"""Tests for the SSH health probe against tiny TCP servers on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from sshapp import health

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]


@contextlib.asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[int]:
    """Run `handler` for each connection on a loopback port; yield the port.

    On exit, waits for every handler to finish and closes its socket, so no task or
    socket outlives the test (warnings are errors here).
    """
    tasks: set[asyncio.Task[None]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()
        await asyncio.gather(*tasks, return_exceptions=True)


def sends(payload: bytes, *, linger: float = 0.0) -> Handler:
    """A handler that writes `payload`, then waits up to `linger` s for the client to hang up."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.read(), linger)

    return handler


async def probe(port: int, timeout: float = 2.0) -> int:
    """Run the blocking probe off the event loop that serves the connection."""
    return await asyncio.to_thread(health.main, "127.0.0.1", port, timeout)


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"SSH-2.0-AsyncSSH_2.17.0\r\n", id="crlf"),
        pytest.param(b"SSH-2.0-OpenSSH_9.2\n", id="lf-only"),
        pytest.param(b"welcome\r\nmotd line\r\nSSH-2.0-x\r\n", id="pre-banner-lines"),
    ],
)
async def test_ssh_banner_is_healthy(payload: bytes) -> None:
    async with serving(sends(payload, linger=0.5)) as port:
        assert await probe(port) == 0


async def test_banner_split_over_reads_is_healthy() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for part in (b"SS", b"H-2.0-slow", b"\r\n"):
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.05)
        await asyncio.wait_for(reader.read(), 2.0)

    async with serving(handler) as port:
        assert await probe(port) == 0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        pytest.param(b"HTTP/1.1 400 Bad Request\r\n\r\n", "closed the connection", id="http"),
        pytest.param(b"SSH-1.5-ancient\r\n", "closed the connection", id="ssh1"),
        pytest.param(b"", "closed the connection", id="silent-close"),
        pytest.param(b"x" * 300, "longer than 255", id="endless-line"),
        pytest.param(b"noise\n" * 20, "16 lines", id="too-many-lines"),
    ],
)
async def test_non_ssh_answer_is_unhealthy(
    payload: bytes, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="sshapp.health")
    async with serving(sends(payload, linger=0.2)) as port:
        assert await probe(port) == 1
    assert reason in caplog.text


async def test_silent_server_times_out(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="sshapp.health")
    async with serving(sends(b"", linger=3.0)) as port:
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert await probe(port, timeout=0.3) == 1
        assert loop.time() - start < 2.0
    assert "within 0.3 s" in caplog.text


def test_refused_port_is_unhealthy(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="sshapp.health")
    assert health.main("127.0.0.1", closed_port(), 1.0) == 1
    assert "cannot connect" in caplog.text


def test_read_banner_returns_the_line() -> None:
    async def scenario() -> str:
        async with serving(sends(b"SSH-2.0-Test_1\r\n", linger=0.5)) as port:
            return await asyncio.to_thread(health.read_banner, "127.0.0.1", port, 2.0)

    assert asyncio.run(scenario()) == "SSH-2.0-Test_1"


def test_module_entry_point_exit_codes() -> None:
    """`python -m sshapp.health` (the container HEALTHCHECK) exits 1 with one line."""
    port = closed_port()
    done = subprocess.run(
        [sys.executable, "-m", "sshapp.health", "--port", str(port), "--timeout", "1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("sshapp health: unhealthy: cannot connect")
    assert "Traceback" not in done.stderr


def test_module_entry_point_reads_port_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int, float]] = []

    def fake_main(host: str, port: int, timeout: float) -> int:
        seen.append((host, port, timeout))
        return 0

    monkeypatch.setenv("SSHAPP_PORT", "2345")
    monkeypatch.setattr(health, "main", fake_main)
    assert health.cli([]) == 0
    assert seen == [("127.0.0.1", 2345, 5.0)]


@pytest.mark.parametrize(
    ("env", "port"),
    [({}, 2222), ({"SSHAPP_PORT": "2200"}, 2200), ({"SSHAPP_PORT": "x"}, 2222)],
)
def test_default_port(env: dict[str, str], port: int) -> None:
    assert health.default_port(env) == port


def test_cli_health_verb_probes_a_server() -> None:
    """`sshapp health` reaches the same probe: healthy on an SSH banner, 1 when refused."""
    from sshapp.cli.main import main

    async def scenario() -> int:
        async with serving(sends(b"SSH-2.0-Test_1\r\n", linger=0.5)) as port:
            return await asyncio.to_thread(main, ["health", "--port", str(port)])

    assert asyncio.run(scenario()) == 0
    assert main(["health", "--port", str(closed_port()), "--timeout", "1"]) == 1
