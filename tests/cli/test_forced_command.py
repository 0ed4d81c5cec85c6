"""A real OpenSSH server with `restrict,command="sshapp session"`: what clients can run."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = Path("/usr/sbin/sshd")
"""OpenSSH insists on an absolute path to re-execute itself."""


@dataclass
class Server:
    """A private sshd and the client options that reach it."""

    port: int
    key: Path
    user: str
    marker: Path

    def ssh(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run the ssh client with `command` and return what came back."""
        argv = [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            str(self.key),
            "-p",
            str(self.port),
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=10",
            f"{self.user}@127.0.0.1",
            *command,
        ]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sshapp_command() -> str:
    script = Path(sys.executable).with_name("sshapp")
    return str(script) if script.exists() else f"{sys.executable} -m sshapp"


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        timeout=30,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An sshd on 127.0.0.1 whose only key is forced to `sshapp session`."""
    tmp_path = tmp_path_factory.mktemp("sshd")
    state_dir = tmp_path / "state"
    if not SSHD.exists() or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH server/client not installed (apt-get install openssh-server)")
    root = os.geteuid() == 0
    if root:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
    _keygen(tmp_path / "host_key")
    _keygen(tmp_path / "user_key")
    marker = tmp_path / "pwned"
    forced = f"env SSHAPP_STATE_DIR={state_dir} SSHAPP_USER=tester {_sshapp_command()} session"
    pub = (tmp_path / "user_key.pub").read_text().strip()
    (tmp_path / "authorized_keys").write_text(f'restrict,command="{forced}" {pub}\n')
    port = _free_port()
    user = getpass.getuser()
    (tmp_path / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp_path / 'host_key'}\n"
        f"PidFile {tmp_path / 'sshd.pid'}\nAuthorizedKeysFile {tmp_path / 'authorized_keys'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        f"PermitRootLogin {'forced-commands-only' if root else 'no'}\nAllowUsers {user}\n"
    )
    proc = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(tmp_path / "sshd_config")],
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "Server listening" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(15):
            pytest.fail(f"sshd did not start: {''.join(lines)}")
        yield Server(port=port, key=tmp_path / "user_key", user=user, marker=marker)
    finally:
        proc.terminate()
        proc.wait(10)
        reader.join(5)
        if proc.stderr is not None:
            proc.stderr.close()


def test_bench_streams_json_through_openssh(server: Server) -> None:
    started = time.monotonic()
    result = server.ssh("bench", "ref.reorder.f32", "--size", "256", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["event"] for e in events] == ["started"] + ["sample"] * 5 + ["finished"]
    assert events[-1]["check_ok"] is True
    assert time.monotonic() - started < 60
    listing = server.ssh("results", "--mine", "--json")
    assert json.loads(listing.stdout.splitlines()[0])["user"] == "tester"


@pytest.mark.parametrize(
    "command",
    [
        "bench x; touch {marker}",
        "sh -c 'touch {marker}'",
        "kernels\ntouch {marker}",
        "touch {marker}",
        "bench $(touch {marker})",
        "bench `touch {marker}`",
    ],
)
def test_anything_else_is_refused_and_nothing_runs(server: Server, command: str) -> None:
    server.marker.unlink(missing_ok=True)
    result = server.ssh(command.format(marker=server.marker))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith(("sshapp: refused:", "sshapp: error:")), result.stderr
    assert result.stderr.count("\n") == 1
    assert not server.marker.exists()


def test_no_command_without_terminal_prints_usage(server: Server) -> None:
    """sshd's SSH_CONNECTION names the address and port the client reached (item 17)."""
    result = server.ssh()
    assert result.returncode == 2
    assert f"usage: ssh -p {server.port} {server.user}@127.0.0.1 COMMAND" in result.stderr


def test_hints_name_ssh_not_sshapp(server: Server) -> None:
    """Issue 26, item 17: a forced-command user is told `ssh -p PORT USER@HOST …`."""
    prog = f"ssh -p {server.port} {server.user}@127.0.0.1"
    usage = server.ssh("bench", "--size", "64")
    assert usage.returncode == 2
    assert usage.stderr.count("\n") == 1, usage.stderr
    assert f"usage: {prog} bench KERNEL" in usage.stderr
    unknown = server.ssh("bench", "'nosuch.*'")
    assert unknown.returncode == 2
    assert f"'{prog} kernels' lists them" in unknown.stderr
    helped = server.ssh("help", "bench")
    assert helped.stdout.startswith(f"usage: {prog} bench "), helped.stdout
