"""Hostile input against a real `sshapp serve` on 127.0.0.1 (issue 16, the SSH front's part).

Each test replays one finding: what one person could do to freeze, fill or fool the
server, and what a bystander must still get. Bounded in count and time, loopback only.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from tests.pty_program import PtyProgram
from tests.ssh.hostile_kit import (
    TUI_MARKER,
    Serve,
    Terminal,
    login,
    parent_pid,
    process_state,
    serve,
    session_pids,
    start_tui_run,
)
from tests.ssh.test_openssh import run, ssh_argv

pytestmark = pytest.mark.timeout(120)

RUN_BUDGET = 30.0
"""A bystander's small run must be done within one run's time limit."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """One `sshapp serve --auth open` with default limits for the tests that share it."""
    with serve(tmp_path_factory.mktemp("hostile")) as running:
        yield running


async def test_bad_byte_then_ctrl_z_during_a_run_freeze_nothing(server: Serve) -> None:
    async with login(server.port, "mallory1") as conn:
        term = await Terminal.open(conn)
        await start_tui_run(term, "ref.naive.f32", 400)
        await term.wait_for("running")
        await term.keys(b"\xff", b"\x1a", pause=0.4)  # a Latin-1 byte, then Ctrl+Z
        assert b"Traceback" not in term.raw
        assert not term.proc.is_closing()
        pids = session_pids(server, "mallory1")
        assert pids
        assert all(process_state(pid) not in ("T", "t", "") for pid in pids), pids
        async with login(server.port, "bystander1") as other:
            small = "bench ref.naive.f32 --size 16 --reps 1"
            done = await asyncio.wait_for(other.run(small, encoding=None), RUN_BUDGET)
        assert done.exit_status == 0, done.stderr
        await term.wait_for("finished", "best")  # the TUI carried on with its own run
        screen = term.text()
        assert "Traceback" not in screen
        assert "UnicodeDecodeError" not in screen
        await term.keys(b"q")
        await asyncio.wait_for(term.proc.wait(), 20)
        assert term.proc.exit_status == 0


async def test_window_changes_do_not_keep_a_silent_session_alive(tmp_path: Path) -> None:
    idle_timeout = 3.0
    with serve(tmp_path, "--idle-timeout", str(idle_timeout)) as idle:
        async with login(idle.port, "mallory2") as conn:
            opened = time.monotonic()
            term = await Terminal.open(conn, 80, 24)
            width = 80
            while not term.proc.is_closing() and time.monotonic() - opened < 3 * idle_timeout:
                width = 161 - width  # 80 ↔ 81, four times a second, and not a key
                term.proc.change_terminal_size(width, 24)
                await asyncio.sleep(0.25)
            assert term.proc.is_closing(), "resizes alone kept the session open"
            assert time.monotonic() - opened < idle_timeout + 2
            await term.close()
        assert b"without input" in term.raw
        assert "event=idle_timeout" in idle.log_text()


@pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH client not installed (apt)")
async def test_idle_sockets_from_eight_addresses_do_not_lock_out_a_login(server: Serve) -> None:
    crowd: list[socket.socket] = []
    try:
        for host in range(2, 10):  # 8 addresses × 16 sockets that never say a word
            for _ in range(16):
                sock = socket.socket()
                sock.bind((f"127.0.0.{host}", 0))
                sock.connect(("127.0.0.1", server.port))
                crowd.append(sock)
        await asyncio.sleep(1.0)
        status, out, err = await run(ssh_argv(server.port, "erin3@127.0.0.1", "version"), 30)
        assert status == 0, err
        assert out.strip()
        held = sum(_still_open(sock) for sock in crowd)
        assert held <= 8 * 3  # at most max-startups-per-ip from each address
    finally:
        for sock in crowd:
            sock.close()


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(64).startswith(b"SSH-")
    except BlockingIOError:
        return True
    except OSError:
        return False


async def _history(port: int, user: str, key: asyncssh.SSHKey | None) -> list[dict[str, object]]:
    keys = {"client_keys": [key], "password": None} if key else {}
    async with login(port, user, **keys) as conn:
        result = await conn.run("results --mine --json", encoding=None)
    assert result.exit_status == 0, result.stderr
    return [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]


async def _bench(port: int, user: str, key: asyncssh.SSHKey) -> None:
    async with login(port, user, client_keys=[key], password=None) as conn:
        done = await conn.run("bench ref.naive.f32 --size 16 --reps 1", encoding=None)
    assert done.exit_status == 0, done.stderr


async def test_two_keys_claiming_one_name_keep_separate_histories(server: Serve) -> None:
    mine, theirs = (asyncssh.generate_private_key("ssh-ed25519") for _ in range(2))
    await _bench(server.port, "alice7", mine)
    assert [row["user"] for row in await _history(server.port, "alice7", mine)] == [
        mine.get_fingerprint("sha256")
    ]
    assert await _history(server.port, "alice7", theirs) == []
    assert await _history(server.port, "alice7", None) == []  # a guest is nobody's key


async def test_authorized_keys_can_name_a_key_and_the_name_alone_is_nothing(
    tmp_path: Path,
) -> None:
    laptop, phone, other = (asyncssh.generate_private_key("ssh-ed25519") for _ in range(3))
    named = 'environment="SSHAPP_USER=alice" '
    lines = [
        named + laptop.export_public_key().decode(),
        named + phone.export_public_key().decode(),
    ]
    (tmp_path / "authorized_keys").write_text("".join([*lines, other.export_public_key().decode()]))
    with serve(tmp_path, "--authorized-keys", str(tmp_path / "authorized_keys")) as keyed:
        await _bench(keyed.port, "whoever", laptop)
        shared = await _history(keyed.port, "bob", phone)  # another key of alice's
        assert [row["user"] for row in shared] == ["alice"]
        assert await _history(keyed.port, "alice", other) == []  # claims the name only


async def test_a_dead_zygote_is_replaced_and_sessions_in_flight_keep_their_status(
    tmp_path: Path,
) -> None:
    with serve(tmp_path) as forking:
        first = int((await forking.wait_log(r"event=zygote_ready pid=(\d+)")).group(1))
        async with login(forking.port, "mallory10") as conn:
            proc = await conn.create_process("bench ref.naive.f32 --size 384 --json", encoding=None)
            await asyncio.wait_for(proc.stdout.readline(), 30)  # forked, running or queued
            mark = len(forking.log_text())
            os.kill(first, signal.SIGKILL)
            assert proc.exit_status is None  # still running: its zygote died under it
            await asyncio.wait_for(proc.wait(), 60)
            assert proc.exit_status == 0  # its run succeeded; the lost zygote is not its fault
            found = await forking.wait_log(r"event=zygote_restarted pid=(\d+)", after=mark)
            second = int(found.group(1))
            assert (await conn.run("version", encoding=None)).exit_status == 0
            term = await Terminal.open(conn)
            await term.wait_for(TUI_MARKER)
            assert [parent_pid(pid) for pid in session_pids(forking, "mallory10")] == [second]
            await term.keys(b"q")
            await asyncio.wait_for(term.proc.wait(), 20)
            assert term.proc.exit_status == 0


def _client_argv(client: str, server: Serve, *command: str) -> list[str]:
    if client == "ssh":
        return ssh_argv(server.port, "guest11@127.0.0.1", *command)
    if client == "dbclient":  # -y -y: accept any host key without asking
        return ["dbclient", "-y", "-y", "-p", str(server.port), "guest11@127.0.0.1", *command]
    fingerprint = server.host_key_fingerprint()
    return ["plink", "-ssh", "-batch", "-hostkey", fingerprint, "-P", str(server.port),
            "guest11@127.0.0.1", *command]  # fmt: skip


async def _tui_in_a_pty(argv: list[str]) -> int:
    """Run a client on a PTY of our own; wait for the TUI, press q; its exit status."""
    client = await PtyProgram.start(argv)
    try:
        await client.wait_for(TUI_MARKER)
        await client.keys(b"q")
        return await client.wait()
    finally:
        await client.close()


APT = {"ssh": "openssh-client", "dbclient": "dropbear-bin", "plink": "putty-tools"}


@pytest.mark.parametrize("client", ["ssh", "dbclient", "plink"])
async def test_openssh_dropbear_and_putty_run_bench_and_the_tui(server: Serve, client: str) -> None:
    # Under the algorithm policy (sshapp.ssh.algorithms): each negotiates curve25519 or
    # mlkem768x25519, AEAD; dbclient also sends a guessed first kex packet (kexguess).
    if shutil.which(client) is None:
        pytest.skip(f"{client} not installed (apt: {APT[client]})")
    argv = _client_argv(client, server, "bench", "ref.naive.f32", "--size", "16", "--json")
    status, out, err = await run(argv, timeout=60)
    assert status == 0, err
    assert out.strip(), err
    assert json.loads(out.splitlines()[-1])["event"] == "finished"
    shell = _client_argv(client, server)
    assert await _tui_in_a_pty([shell[0], "-t", *shell[1:]]) == 0  # -t: a PTY, no command
