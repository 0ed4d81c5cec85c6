"""deploy/openssh/: the `Match User` + `ForceCommand` recipe, checked by a real sshd."""

from __future__ import annotations

import getpass
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SNIPPET = Path(__file__).resolve().parents[2] / "deploy" / "openssh" / "sshd_config.d-sshapp.conf"
SSHD = Path("/usr/sbin/sshd")
"""OpenSSH insists on an absolute path to re-execute itself."""
INSTALLED = "/opt/sshapp/venv/bin/sshapp session"
"""The command the recipe forces, as written in the snippet."""

needs_openssh = pytest.mark.skipif(
    not SSHD.exists() or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="OpenSSH server/client not installed (apt-get install openssh-server)",
)


@dataclass
class Sshd:
    """A private sshd configured with the recipe, and how to reach it."""

    config: Path
    port: int
    key: Path
    user: str

    def ssh(
        self, *command: str, flags: tuple[str, ...] = (), timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run the OpenSSH client (with extra `flags`) and `command` against this server."""
        options = ["BatchMode=yes", "IdentitiesOnly=yes", "StrictHostKeyChecking=no"]
        options += ["UserKnownHostsFile=/dev/null", "LogLevel=ERROR", "ConnectTimeout=10"]
        argv = ["ssh", "-F", "/dev/null", "-i", str(self.key), "-p", str(self.port), *flags]
        argv += [arg for option in options for arg in ("-o", option)]
        argv += [f"{self.user}@127.0.0.1", *command]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def _configure(tmp_path: Path, user: str) -> tuple[Path, int]:
    """The recipe as shipped, pointed at this user and this checkout's sshapp."""
    sshapp = Path(sys.executable).with_name("sshapp")
    forced = f"env SSHAPP_STATE_DIR={tmp_path / 'state'} {sshapp} session"
    snippet = SNIPPET.read_text()
    assert "Match User bench\n" in snippet
    assert f"ForceCommand {INSTALLED}\n" in snippet
    snippet = snippet.replace("Match User bench", f"Match User {user}")
    (tmp_path / "sshapp.conf").write_text(snippet.replace(INSTALLED, forced))
    _keygen(tmp_path / "host_key")
    port = _free_port()
    root = "prohibit-password" if os.geteuid() == 0 else "no"
    config = tmp_path / "sshd_config"
    config.write_text(
        # Included first, as Debian's sshd_config does: the Match block ends with its file.
        f"Include {tmp_path / 'sshapp.conf'}\n"
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp_path / 'host_key'}\n"
        f"PidFile {tmp_path / 'sshd.pid'}\nAuthorizedKeysFile {tmp_path / 'authorized_keys'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        f"PermitRootLogin {root}\nAllowUsers {user}\n"
        # Set after the Include on purpose: the Match block must still win for its user.
        "AllowTcpForwarding yes\nX11Forwarding yes\n"
    )
    return config, port


def _privsep_dir() -> None:
    """sshd run as root wants its privilege-separation directory."""
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)


def _effective(config: Path, user: str) -> dict[str, str]:
    """`sshd -T` for a connection by `user`: the settings sshd would apply."""
    _privsep_dir()
    out = subprocess.run(
        [str(SSHD), "-T", "-f", str(config), "-C", f"user={user},host=localhost,addr=127.0.0.1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


@needs_openssh
def test_recipe_forces_sshapp_and_disables_forwarding_for_its_user_only(tmp_path: Path) -> None:
    user = getpass.getuser()
    config, _ = _configure(tmp_path, user)
    mine = _effective(config, user)
    assert mine["forcecommand"].endswith("sshapp session")
    assert mine["disableforwarding"] == "yes"
    for key in ("allowtcpforwarding", "allowagentforwarding", "x11forwarding", "permituserrc"):
        assert mine[key] == "no", key
    assert mine["allowstreamlocalforwarding"] == "no"
    assert mine["permittunnel"] == "no"
    assert mine["permittty"] == "yes"
    assert mine["authenticationmethods"] == "publickey"
    other = _effective(config, "someone-else")
    assert other["forcecommand"] == "none"
    assert other["allowtcpforwarding"] == "yes"


def _has_session_command() -> bool:
    try:
        return importlib.util.find_spec("sshapp.cli.session") is not None
    except ModuleNotFoundError:
        return False


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    """The recipe's sshd running on 127.0.0.1 with one plain (unrestricted) client key."""
    if not _has_session_command():
        pytest.skip("`sshapp session` is not in this build yet (sshapp.cli.session missing)")
    user = getpass.getuser()
    config, port = _configure(tmp_path, user)
    _keygen(tmp_path / "user_key")
    # No `restrict` or `command=` here: the sshd_config recipe alone must hold.
    (tmp_path / "authorized_keys").write_text((tmp_path / "user_key.pub").read_text())
    _privsep_dir()
    proc = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("sshd did not start")
                time.sleep(0.05)
        yield Sshd(config=config, port=port, key=tmp_path / "user_key", user=user)
    finally:
        proc.terminate()
        proc.wait(10)


@needs_openssh
def test_client_command_goes_through_sshapp(sshd: Sshd) -> None:
    result = sshd.ssh("kernels", "--json")
    assert result.returncode == 0, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert "ref.naive.f32" in ids


@needs_openssh
def test_shell_is_never_reached(sshd: Sshd, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    result = sshd.ssh(f"sh -c 'touch {marker}'; touch {marker}")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("sshapp: ")
    assert not marker.exists()


@needs_openssh
def test_port_forwarding_is_refused(sshd: Sshd) -> None:
    remote = _free_port()
    flags = ("-N", "-o", "ExitOnForwardFailure=yes", "-R", f"{remote}:127.0.0.1:9")
    result = sshd.ssh(flags=flags, timeout=30)
    assert result.returncode == 255
    assert "forwarding failed" in result.stderr
