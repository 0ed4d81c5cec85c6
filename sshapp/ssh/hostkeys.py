"""Provides the server's ed25519 host key: load it, or create it on first start."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import asyncssh

KEY_NAME = "ssh_host_ed25519_key"


class HostKeyError(RuntimeError):
    """The host key cannot be used (unsafe permissions, unreadable, malformed)."""


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        msg = (
            f"host key {path} is accessible by group/others (mode {stat.S_IMODE(mode):04o});"
            f" run: chmod 600 {path}"
        )
        raise HostKeyError(msg)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_or_create(directory: Path) -> asyncssh.SSHKey:
    """Load the ed25519 host key from `directory`, creating it (mode 0600) if absent.

    Like sshd, a key readable by group or others is refused rather than used.

    Args:
        directory: The host-key directory; created with mode 0700 if missing.

    Returns:
        The private host key.

    Raises:
        HostKeyError: The key is unsafe, unreadable or malformed.
    """
    return load_or_create_key(directory / KEY_NAME, "sshapp host key")


def load_or_create_key(path: Path, comment: str) -> asyncssh.SSHKey:
    """Load an ed25519 private key, creating it (mode 0600, and a .pub) if absent.

    Raises:
        HostKeyError: The key is unsafe, unreadable or malformed.
    """
    directory = path.parent
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
            _write_atomic(path, key.export_private_key())
            _write_atomic(path.with_suffix(".pub"), key.export_public_key())
            return key
        _check_private(path)
        return asyncssh.read_private_key(str(path))
    except HostKeyError:
        raise
    except (OSError, asyncssh.KeyImportError) as exc:
        msg = f"cannot use {comment.removeprefix('sshapp ')} {path}: {exc}"
        raise HostKeyError(msg) from None
