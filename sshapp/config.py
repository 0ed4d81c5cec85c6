"""Provides settings read from SSHAPP_* environment variables (stdlib only)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

GIB = 1 << 30
PUBLIC_NAME = re.compile(
    r"^(?:(?P<user>[A-Za-z0-9._+-]{1,64})@)?"
    r"(?:(?P<host>[A-Za-z0-9.-]{1,253})|\[(?P<v6>[0-9A-Fa-f:.]{2,45})\])"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)
"""`[USER@]HOST[:PORT]` (IPv6 in brackets): how users reach the host (SSHAPP_PUBLIC_NAME)."""


def _default_state_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sshapp"


class ConfigError(ValueError):
    """An SSHAPP_* variable holds a value that cannot be used."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        msg = f"{name} must be an integer, got {raw!r}"
        raise ConfigError(msg) from None
    if value < minimum:
        msg = f"{name} must be >= {minimum}, got {value}"
        raise ConfigError(msg)
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        msg = f"{name} must be a number, got {raw!r}"
        raise ConfigError(msg) from None
    if not value > 0:
        msg = f"{name} must be > 0, got {raw!r}"
        raise ConfigError(msg)
    return value


def _public_name(env: Mapping[str, str]) -> str:
    raw = (env.get("SSHAPP_PUBLIC_NAME") or "").strip()
    match = PUBLIC_NAME.match(raw)
    if raw and (match is None or not 0 < int(match["port"] or 22) < 65536):
        msg = f"SSHAPP_PUBLIC_NAME must be [USER@]HOST[:PORT], got {raw!r}"
        raise ConfigError(msg)
    return raw


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime settings shared by every layer; build with `Settings.from_env()`."""

    state_dir: Path = field(default_factory=_default_state_dir)
    """Where the history database and the queue's lock files live."""
    hostkey_dir: Path = Path("hostkeys")
    """Where `serve` keeps (and on first start creates) its ed25519 host key."""
    host: str = "0.0.0.0"
    """Address `serve` listens on."""
    port: int = 2222
    """Port `serve` listens on."""
    pin_core: int = -1
    """Core benchmark runs are pinned to; -1 picks the last core the process may use."""
    max_run_bytes: int = GIB
    """Largest A+B+C footprint one run may allocate."""
    max_run_seconds: float = 30.0
    """Longest one run may take (estimated before it starts, enforced while it runs)."""
    max_queued_per_user: int = 4
    """Most runs one user may have queued or running on the host at once (0 = no limit)."""
    public_name: str = ""
    """How users reach this host, `[USER@]HOST[:PORT]`, for hints such as `ssh HOST bench`
    ("" = the address each client connected to)."""
    operators: tuple[str, ...] = ()
    """Users who may store hand-picked cache blocks as this host's defaults (Tune's w);
    anyone may store a search's verdict, as `tune` does. `sshapp tui` at the host adds
    the local user."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read SSHAPP_* variables, then apply explicit overrides (e.g. CLI flags).

        Args:
            env: Environment to read; defaults to `os.environ`.
            **overrides: Field values that win over the environment.

        Returns:
            The settings.

        Raises:
            ConfigError: A variable holds an unusable value.
        """
        env = os.environ if env is None else env
        settings = cls(
            state_dir=Path(env["SSHAPP_STATE_DIR"])
            if env.get("SSHAPP_STATE_DIR")
            else _default_state_dir(),
            hostkey_dir=Path(env.get("SSHAPP_HOSTKEY_DIR") or "hostkeys"),
            host=env.get("SSHAPP_HOST") or "0.0.0.0",
            port=_int(env, "SSHAPP_PORT", 2222, 0),
            pin_core=_int(env, "SSHAPP_PIN_CORE", -1, -1),
            max_run_bytes=_int(env, "SSHAPP_MAX_RUN_BYTES", GIB, 1),
            max_run_seconds=_float(env, "SSHAPP_MAX_RUN_SECONDS", 30.0),
            max_queued_per_user=_int(env, "SSHAPP_MAX_QUEUED_PER_USER", 4, 0),
            public_name=_public_name(env),
            operators=tuple(
                n.strip() for n in env.get("SSHAPP_OPERATORS", "").split(",") if n.strip()
            ),
        )
        return replace(settings, **overrides) if overrides else settings
