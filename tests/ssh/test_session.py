"""End-to-end sessions through a real asyncssh client: exec, PTY, resize, exit status, env."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import asyncssh
import pyte
import pytest

from sshapp.ssh import ServerHandle
from sshapp.ssh.channel import TERMINAL_RESET
from tests.ssh.conftest import StartServer, connect

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=["zygote", "spawn"])
async def server(request: pytest.FixtureRequest, start: StartServer) -> ServerHandle:
    """Every session test runs with forked (zygote) and freshly spawned sessions."""
    return await start(zygote=request.param == "zygote")


async def _screen_until(
    process: asyncssh.SSHClientProcess[bytes], screen: pyte.Screen, text: str, timeout: float = 10
) -> str:
    stream = pyte.ByteStream(screen)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        display = "\n".join(screen.display)
        if text in display:
            return display
        remaining = deadline - loop.time()
        if remaining <= 0:
            msg = f"{text!r} never appeared; screen:\n{display}"
            raise AssertionError(msg)
        chunk = await asyncio.wait_for(process.stdout.read(65536), remaining)
        if not chunk:
            msg = f"EOF before {text!r}; screen:\n{display}"
            raise AssertionError(msg)
        stream.feed(chunk)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_exec_relays_output_and_exit_status(server: ServerHandle) -> None:
    async with connect(server.port) as conn:
        ok = await conn.run("echo hello  world", encoding=None)
        failed = await conn.run("stderr oops", encoding=None)
        code = await conn.run("exit 7", encoding=None)
    assert (ok.exit_status, ok.stdout, ok.stderr) == (0, b"hello  world\n", b"")
    assert (failed.exit_status, failed.stdout, failed.stderr) == (3, b"", b"oops\n")
    assert code.exit_status == 7


async def test_session_exits_like_a_normal_process(server: ServerHandle) -> None:
    """Threads are joined and atexit handlers run (also when forked from the zygote)."""
    async with connect(server.port) as conn:
        result = await conn.run("atexit", encoding=None)
    assert result.stdout == b"thread done\natexit ran\n"
    assert result.exit_status == 0


async def test_exec_passes_stdin_and_eof(server: ServerHandle) -> None:
    data = bytes(range(256)) * 64  # not UTF-8: must pass untouched
    async with connect(server.port) as conn:
        result = await conn.run("cat", input=data, encoding=None)
    assert result.exit_status == 0
    assert result.stdout == data


async def test_slow_reader_gets_all_output_after_the_child_exits(server: ServerHandle) -> None:
    data = os.urandom(6 << 20)  # more than the channel window: the rest waits in pipes
    async with connect(server.port) as conn:
        proc = await conn.create_process("cat", encoding=None)
        proc.stdin.write(data)
        proc.stdin.write_eof()
        await asyncio.sleep(3)  # not reading; the server must keep the tail for us
        out = await asyncio.wait_for(proc.stdout.read(), 30)
        await proc.wait()
    assert out == data
    assert proc.exit_status == 0


async def test_child_env_is_clean_and_carries_identity(server: ServerHandle) -> None:
    hostile = {
        "LD_PRELOAD": "/tmp/evil.so",
        "PYTHONPATH": "/tmp",
        "TEXTUAL_DRIVER": "x",
        "COLUMNS": "10",
        "SSHAPP_STATE_DIR": "/tmp/other",
        "SSHAPP_USER": "root",
    }
    async with connect(server.port) as conn:
        result = await conn.run("env", env=hostile, encoding=None)
        pty = await conn.run("env", env=hostile | {"COLORTERM": "truecolor"}, term_type="xterm")
    env = json.loads(result.stdout)
    assert env["SSHAPP_USER"] == "guest:alice"  # no key: a guest, never a keyed identity
    assert env["SSHAPP_LOGIN"] == "alice"
    assert env["SSHAPP_KEY_FINGERPRINT"] == ""
    assert env["SSH_ORIGINAL_COMMAND"] == "env"
    assert env["LANG"] == "C.UTF-8"
    assert env["SSHAPP_STATE_DIR"] == str(server.state.settings.state_dir.absolute())
    for key in ("LD_PRELOAD", "PYTHONPATH", "TEXTUAL_DRIVER", "COLUMNS", "LINES", "TERM"):
        assert key not in env
    assert isinstance(pty.stdout, str)
    pty_env = json.loads(pty.stdout.replace("\r\n", "\n"))
    assert pty_env["TERM"] == "xterm"
    assert pty_env["COLORTERM"] == "truecolor"
    assert "LD_PRELOAD" not in pty_env


async def test_key_fingerprint_reaches_session(server: ServerHandle) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    async with connect(server.port, client_keys=[key], password=None) as conn:
        result = await conn.run("env", encoding=None)
    env = json.loads(result.stdout)
    assert env["SSHAPP_KEY_FINGERPRINT"] == key.get_fingerprint("sha256")


async def test_pty_session_draws_resizes_and_exits(server: ServerHandle) -> None:
    screen = pyte.Screen(100, 30)
    async with connect(server.port) as conn:
        proc = await conn.create_process(term_type="xterm", term_size=(100, 30), encoding=None)
        await _screen_until(proc, screen, "FAKE TUI 100x30")
        proc.change_terminal_size(120, 40)
        screen.resize(40, 120)
        await _screen_until(proc, screen, "FAKE TUI 120x40")
        proc.stdin.write(b"\xff\x1b[Ax")  # invalid UTF-8 and an escape sequence
        await _screen_until(proc, screen, "key:")
        proc.stdin.write(b"q")
        await asyncio.wait_for(proc.wait(), 10)
    assert proc.exit_status == 0


async def test_pty_zero_size_falls_back_to_80x24(server: ServerHandle) -> None:
    async with connect(server.port) as conn:
        result = await conn.run("size", term_type="xterm", term_size=(0, 0))
    assert result.stdout == "80x24\r\n"


async def test_pty_is_the_controlling_terminal_of_a_new_session(server: ServerHandle) -> None:
    async with connect(server.port) as conn:
        result = await conn.run("ttyinfo", term_type="xterm")
        piped = await conn.run("ttyinfo")
    assert isinstance(result.stdout, str)
    assert isinstance(piped.stdout, str)
    info, pinfo = json.loads(result.stdout), json.loads(piped.stdout)
    assert info["isatty"] is True
    assert info["sid"] == info["pgrp"]  # session leader, own group
    assert pinfo["isatty"] is False
    assert pinfo["sid"] == pinfo["pgrp"]


async def test_client_gone_mid_run_leaves_no_process(server: ServerHandle) -> None:
    conn = await connect(server.port)
    proc = await conn.create_process("sleep 60", encoding=None)
    line = await asyncio.wait_for(proc.stdout.readline(), 10)
    pid = int(line.split()[1])
    assert _alive(pid)
    conn.abort()  # vanish without a clean close
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while _alive(pid) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    assert not _alive(pid)
    assert not server.state.sessions


async def test_shutdown_tells_sessions_then_ends_them(server: ServerHandle) -> None:
    async with connect(server.port) as conn:
        proc = await conn.create_process("sleep 60", encoding=None)
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        pid = int(line.split()[1])
        await server.shutdown(grace=0.3)
        err = await asyncio.wait_for(proc.stderr.read(), 10)
    assert b"shutting down" in err
    assert not _alive(pid)


async def test_zygote_sessions_share_preloads_but_not_the_server(start: StartServer) -> None:
    server = await start(zygote_preload=("json", "http.client"))
    assert server.state.forkserver is not None
    async with connect(server.port) as conn:
        result = await conn.run("modules http.client asyncssh sshapp.ssh.serve", encoding=None)
    assert json.loads(result.stdout) == {
        "http.client": True,
        "asyncssh": False,
        "sshapp.ssh.serve": False,
    }


async def test_sessions_survive_the_zygote_dying(start: StartServer) -> None:
    server = await start()
    forkserver = server.state.forkserver
    assert forkserver is not None
    async with connect(server.port) as conn:
        proc = await conn.create_process("sleep 60", encoding=None)
        pid = int((await asyncio.wait_for(proc.stdout.readline(), 10)).split()[1])
        os.kill(forkserver.pid, 9)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while forkserver.alive and loop.time() < deadline:
            await asyncio.sleep(0.05)
        assert not forkserver.alive
        later = await conn.run("echo spawned", encoding=None)  # falls back to posix_spawn
        assert later.stdout == b"spawned\n"
        os.kill(pid, 9)  # the orphan's end is still noticed (pidfd)
        await asyncio.wait_for(proc.wait(), 10)
    assert not server.state.sessions


async def test_a_killed_pty_session_gets_the_client_terminal_reset(server: ServerHandle) -> None:
    async with connect(server.port) as conn:
        proc = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        seen = await asyncio.wait_for(proc.stdout.read(4096), 10)
        pid = next(entry.pid for entry in server.state.sessions)
        os.kill(pid, signal.SIGKILL)
        while chunk := await asyncio.wait_for(proc.stdout.read(4096), 10):
            seen += chunk
        await asyncio.wait_for(proc.wait(), 10)
    assert seen.endswith(TERMINAL_RESET)
    assert proc.exit_signal is not None
    assert proc.exit_signal[0] == "KILL"
