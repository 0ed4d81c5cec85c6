"""The SSH front's policy: auth, refused features, limits and timeouts (real asyncssh client)."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import asyncssh
import pytest

from sshapp.ssh import ServerHandle
from tests.ssh.conftest import StartServer, connect

pytestmark = pytest.mark.timeout(60)


async def _works(port: int, **kwargs: object) -> None:
    """An unrelated client still gets a working session."""
    async with connect(port, **kwargs) as conn:
        result = await conn.run("echo still here", encoding=None)
    assert result.stdout == b"still here\n"


# -- auth --------------------------------------------------------------------------------
async def test_authorized_keys_admit_listed_key_only(start: StartServer, tmp_path: Path) -> None:
    listed = asyncssh.generate_private_key("ssh-ed25519")
    other = asyncssh.generate_private_key("ssh-ed25519")
    keys = tmp_path / "authorized_keys"
    keys.write_bytes(listed.export_public_key())
    server = await start(auth="keys", authorized_keys=keys)
    async with connect(server.port, client_keys=[listed], password=None) as conn:
        result = await conn.run("env", encoding=None)
    assert json.loads(result.stdout)["SSHAPP_KEY_FINGERPRINT"] == listed.get_fingerprint()
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port, client_keys=[other], password=None)
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server.port)  # no key: keyboard-interactive is not offered


async def test_odd_user_name_is_refused_with_a_reason(server: ServerHandle) -> None:
    with pytest.raises(asyncssh.DisconnectError, match="user names"):
        await connect(server.port, username="a/b;rm")
    await _works(server.port)


# -- refused features --------------------------------------------------------------------
async def test_forwarding_is_refused(server: ServerHandle) -> None:
    async with connect(server.port) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_connection("127.0.0.1", server.port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 9)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_unix_connection("/run/sshapp-test.sock")
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_path("/tmp/sshapp-test-listen.sock", "/tmp/x.sock")
        result = await conn.run("echo fine", encoding=None)
    assert result.stdout == b"fine\n"


async def test_agent_and_x11_forwarding_are_refused(server: ServerHandle, tmp_path: Path) -> None:
    agent = socket.socket(socket.AF_UNIX)
    agent.bind(str(tmp_path / "agent.sock"))
    agent.listen()
    try:
        async with connect(
            server.port, agent_path=str(tmp_path / "agent.sock"), agent_forwarding=True
        ) as conn:
            result = await conn.run("env", encoding=None)
            owner = next(iter(server.state.connections))
            assert owner.conn is not None
            assert owner.conn.get_agent_path() is None
            with pytest.raises(asyncssh.ChannelOpenError, match="X11"):
                await conn.create_process(
                    "env", x11_forwarding=True, x11_display="127.0.0.1:99", encoding=None
                )
    finally:
        agent.close()
    assert "SSH_AUTH_SOCK" not in json.loads(result.stdout)


async def test_sftp_and_subsystems_are_refused(server: ServerHandle) -> None:
    async with connect(server.port) as conn:
        with pytest.raises((asyncssh.SFTPError, asyncssh.ChannelOpenError, OSError)):
            await asyncio.wait_for(conn.start_sftp_client(), 10)
        proc = await conn.create_process(subsystem="netconf", encoding=None)
        err = await asyncio.wait_for(proc.stderr.read(), 10)
        await proc.wait()
    assert b"not offered" in err
    assert proc.exit_status == 1
    await _works(server.port)


# -- limits ------------------------------------------------------------------------------
async def test_per_ip_limit_refuses_with_a_message(start: StartServer) -> None:
    server = await start(max_per_ip=2)
    first, second = await connect(server.port), await connect(server.port)
    with pytest.raises(asyncssh.DisconnectError, match="too many connections"):
        await connect(server.port)
    await _works(server.port, local_addr=("127.0.0.2", 0))  # another address is served
    first.close()
    await first.wait_closed()
    await asyncio.sleep(0.1)
    await _works(server.port)
    second.close()


async def test_server_wide_limit_refuses_with_a_message(start: StartServer) -> None:
    server = await start(max_sessions=1)
    async with connect(server.port) as conn:
        with pytest.raises(asyncssh.DisconnectError, match="server is full"):
            await connect(server.port, local_addr=("127.0.0.2", 0))
        result = await conn.run("echo ok", encoding=None)
    assert result.stdout == b"ok\n"


async def test_channels_per_connection_are_limited(start: StartServer) -> None:
    server = await start(max_channels=1)
    async with connect(server.port) as conn:
        busy = await conn.create_process("sleep 30", encoding=None)
        await asyncio.wait_for(busy.stdout.readline(), 10)
        second = await conn.run("echo no", encoding=None)
        busy.terminate()
    assert second.exit_status == 1
    assert b"per connection" in second.stderr


async def test_sessions_per_identity_are_limited(start: StartServer) -> None:
    server = await start(max_per_user=2)
    key = asyncssh.generate_private_key("ssh-ed25519")
    async with (
        connect(server.port, client_keys=[key], password=None) as first,
        connect(server.port, username="bob", client_keys=[key], password=None) as second,
    ):
        busy = [await conn.create_process("sleep 30", encoding=None) for conn in (first, second)]
        for proc in busy:
            await asyncio.wait_for(proc.stdout.readline(), 10)
        refused = await second.run("echo no", encoding=None)  # same key, another name
        assert refused.exit_status == 1
        assert b"per user" in refused.stderr
        await _works(server.port)  # a guest is another identity
        for proc in busy:
            proc.terminate()


async def test_unauthenticated_connections_do_not_count_as_logins(start: StartServer) -> None:
    server = await start(max_sessions=1, max_startups_per_ip=2)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", server.port, local_addr=("127.0.0.2", 0)
    )
    try:
        await asyncio.wait_for(reader.readline(), 5)  # admitted, then silent
        await _works(server.port)  # the one login slot is still free
    finally:
        writer.close()


async def test_rate_limit_drops_the_flood_only(start: StartServer) -> None:
    server = await start(rate_per_ip=3)
    for _ in range(3):
        async with connect(server.port):
            pass
    with pytest.raises((ConnectionError, asyncssh.Error)):
        await connect(server.port)
    await _works(server.port, local_addr=("127.0.0.2", 0))


async def test_login_grace_closes_silent_clients(start: StartServer) -> None:
    server = await start(login_grace=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    banner = await asyncio.wait_for(reader.readline(), 5)
    assert banner.startswith(b"SSH-2.0-")
    rest = await asyncio.wait_for(reader.read(), 5)  # EOF once the grace time is over
    assert rest == b""
    writer.close()
    await _works(server.port)


async def test_idle_timeout_disconnects_with_a_message(start: StartServer) -> None:
    server = await start(idle_timeout=0.6)
    async with connect(server.port) as conn:
        proc = await conn.create_process(term_type="xterm", encoding=None)
        for _ in range(5):  # typing keeps the connection alive
            proc.stdin.write(b"x")
            await asyncio.sleep(0.25)
        assert not proc.is_closing()
        output = await asyncio.wait_for(proc.stdout.read(), 10)
        await asyncio.wait_for(conn.wait_closed(), 10)
    assert b"without input" in output
    await _works(server.port)
