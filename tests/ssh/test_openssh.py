"""Real OpenSSH client against `sshapp serve`: exec, refusals, and a PTY inside tmux."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from sshapp.ssh import ServerHandle
from sshapp.ssh.options import default_session_argv
from tests.ssh.conftest import StartServer

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH client not installed (apt)"),
]

TUI_MARKER = "matmul ladder"
"""Text in the real TUI's header (its title), i.e. the first full screen."""


def ssh_argv(port: int, *extra: str, key: Path | None = None) -> list[str]:
    """An OpenSSH command line for 127.0.0.1:port that ignores host keys and user config."""
    argv = [
        "ssh",
        "-F",
        "/dev/null",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "IdentitiesOnly=yes",
        "-p",
        str(port),
    ]
    argv += ["-i", str(key)] if key else ["-o", "PubkeyAuthentication=no"]
    return [*argv, *extra]


async def run(argv: list[str], timeout: float = 30) -> tuple[int, str, str]:
    """Run a command; returns (exit status, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=-1, stderr=-1
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def test_openssh_exec_and_exit_status(server: ServerHandle, tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "id_ed25519"
    key_path.write_bytes(key.export_private_key())
    key_path.chmod(0o600)
    port = server.port
    assert await run(ssh_argv(port, "bob@127.0.0.1", "echo", "hi", "there")) == (
        0,
        "hi there\n",
        "",
    )
    status, _, _ = await run(ssh_argv(port, "bob@127.0.0.1", "exit 5"))
    assert status == 5
    status, out, _ = await run(ssh_argv(port, "carol@127.0.0.1", "env", key=key_path))
    env = json.loads(out)
    assert env["SSHAPP_LOGIN"] == "carol"  # the claimed name; the key is the identity
    assert env["SSHAPP_USER"] == env["SSHAPP_KEY_FINGERPRINT"] == key.get_fingerprint()


async def test_openssh_sees_refusal_reasons(start: StartServer) -> None:
    server = await start(max_per_ip=1)
    holder = await asyncio.create_subprocess_exec(
        *ssh_argv(server.port, "bob@127.0.0.1", "sleep 20"), stdout=-1, stderr=-1
    )
    assert holder.stdout is not None
    await asyncio.wait_for(holder.stdout.readline(), 20)
    status, _, err = await run(ssh_argv(server.port, "bob@127.0.0.1", "echo no"))
    assert status == 255
    assert "too many connections" in err
    status, _, err = await run(ssh_argv(server.port, "-s", "bob@127.0.0.1", "sftp"))
    assert status != 0
    holder.kill()
    await holder.wait()


class Tmux:
    """A private tmux server (own socket) with a sentinel session kept alive."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, *args: str) -> str:
        status, out, err = await run(["tmux", "-L", self.name, *args])
        assert status == 0, err
        return out

    async def screen(self, target: str) -> str:
        return await self("capture-pane", "-p", "-t", target)

    async def wait_for(self, target: str, text: str, timeout: float = 20) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        screen = ""
        while loop.time() < deadline:
            screen = await self.screen(target)
            if text in screen:
                return screen
            await asyncio.sleep(0.1)
        msg = f"{text!r} not on screen:\n{screen}"
        raise AssertionError(msg)


@pytest.fixture
async def tmux() -> AsyncIterator[Tmux]:
    """tmux on a private socket; killed afterwards."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux not installed (apt)")
    mux = Tmux(f"sshapp-test-{os.getpid()}")
    await mux("new-session", "-d", "-s", "sentinel", "-x", "80", "-y", "24", "sleep 600")
    yield mux
    await run(["tmux", "-L", mux.name, "kill-server"])


async def _open_app(mux: Tmux, port: int) -> None:
    command = " ".join(ssh_argv(port, "-tt", "dave@127.0.0.1"))
    await mux("new-session", "-d", "-s", "app", "-x", "100", "-y", "30", command)
    await mux("set-option", "-t", "app", "remain-on-exit", "on")


async def test_openssh_pty_in_tmux_with_fake_session(server: ServerHandle, tmux: Tmux) -> None:
    await _open_app(tmux, server.port)
    await tmux.wait_for("app", "FAKE TUI 100x30")
    await tmux("resize-window", "-t", "app", "-x", "120", "-y", "40")
    await tmux.wait_for("app", "FAKE TUI 120x40")
    await tmux("send-keys", "-t", "app", "z")
    await tmux.wait_for("app", "key:7a")


@pytest.mark.skipif(
    importlib.util.find_spec("sshapp.tui") is None, reason="sshapp.tui is not on this branch yet"
)
async def test_openssh_pty_in_tmux_shows_the_tui(start: StartServer, tmux: Tmux) -> None:
    server = await start(session_argv=default_session_argv())
    await _open_app(tmux, server.port)
    screen = await tmux.wait_for("app", TUI_MARKER, timeout=30)
    column = next(line.index(TUI_MARKER) for line in screen.splitlines() if TUI_MARKER in line)
    await tmux("resize-window", "-t", "app", "-x", "140", "-y", "40")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    moved = column
    while moved == column and loop.time() < deadline:  # the centred title moves right
        await asyncio.sleep(0.2)
        lines = (await tmux.screen("app")).splitlines()
        moved = next((ln.index(TUI_MARKER) for ln in lines if TUI_MARKER in ln), column)
    assert moved > column
    await tmux("send-keys", "-t", "app", "C-q")  # typing reaches the app: it quits
    fields = ["0"]
    deadline = loop.time() + 30
    while loop.time() < deadline:
        dead = await tmux(
            "list-panes", "-t", "app", "-F", "#{pane_dead} #{pane_dead_status}#{pane_dead_signal}"
        )
        fields = dead.split()
        # tmux marks the pane dead a moment before it records how the client ended
        # (under load, sometimes much later): wait a little for the status too.
        if fields == ["1"] and deadline - loop.time() > 5:
            deadline = loop.time() + 5
        if len(fields) == 2:
            break
        await asyncio.sleep(0.2)
    assert fields[0] == "1"  # the ssh client exited: the app quit on the key
    assert fields[1:] in ([], ["0"])
    deadline = loop.time() + 10
    while server.state.sessions and loop.time() < deadline:  # the server side winds down
        await asyncio.sleep(0.05)
    assert not server.state.sessions
