"""Host key: created once with mode 0600, reused, refused when others can read it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sshapp.ssh.hostkeys import KEY_NAME, HostKeyError, load_or_create


def test_created_once_with_private_mode_then_reused(tmp_path: Path) -> None:
    key = load_or_create(tmp_path / "keys")
    path = tmp_path / "keys" / KEY_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert key.algorithm == b"ssh-ed25519"
    again = load_or_create(tmp_path / "keys")
    assert again.get_fingerprint() == key.get_fingerprint()
    assert [p.name for p in (tmp_path / "keys").iterdir() if p.name.startswith(".")] == []


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_or_create(tmp_path)
    (tmp_path / KEY_NAME).chmod(0o644)
    with pytest.raises(HostKeyError, match="chmod 600"):
        load_or_create(tmp_path)


def test_malformed_key_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / KEY_NAME
    path.write_text("not a key\n")
    path.chmod(0o600)
    with pytest.raises(HostKeyError, match="cannot use host key"):
        load_or_create(tmp_path)
