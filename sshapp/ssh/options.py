"""Provides the options of `sshapp serve` (auth policy, limits, session command) and their CLI."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sshapp.config import Settings
from sshapp.ssh import algorithms, fleetopts
from sshapp.ssh.algorithms import AlgorithmPolicy
from sshapp.ssh.limits import Startups

AuthMode = Literal["open", "keys"]


DEFAULT_PRELOAD = (
    "sshapp.cli.main",
    "sshapp.cli.session",
    "sshapp.kernels",
    "sshapp.bench.engine",
    "sshapp.tui.app",
    "textual.app",
    "textual.drivers.linux_driver",
    "sshapp.tui.warmup:warm_up",
    "sshapp.fleet.gateway",  # a gateway's sessions (asyncssh is loaded by the server anyway)
)
"""Modules the zygote imports once so that forked sessions start with them loaded."""


def default_session_argv() -> tuple[str, ...]:
    """The command each SSH session runs: this interpreter's `sshapp session`."""
    return (sys.executable, "-m", "sshapp", "session")


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """How the SSH front admits, limits and runs sessions (all times in seconds)."""

    auth: AuthMode = "open"
    """`open`: any user, any or no key; `keys`: only keys listed in `authorized_keys`."""
    authorized_keys: Path | None = None
    """The OpenSSH authorized_keys file used when `auth` is `keys`."""
    max_sessions: int = 128
    """Logged-in connections (and session processes) alive at once, server-wide."""
    max_startups: Startups = field(default_factory=Startups)
    """Connections that have not logged in yet, server-wide (OpenSSH's MaxStartups)."""
    max_startups_per_ip: int = 3
    """Connections that have not logged in yet from one source address."""
    max_per_ip: int = 16
    """Connections alive at once from one source address."""
    max_per_user: int = 8
    """Session processes one identity (key, named user or guest name) may hold at once."""
    rate_per_ip: int = 60
    """New connections one source address may open per minute."""
    kex_rate: float = 4.0
    """Key exchanges (new connections and re-keys) one address may start per second..."""
    kex_burst: int = 8
    """... after a burst of this many (a token bucket; sshapp.ssh.kexrate)."""
    max_channels: int = 4
    """Session channels (processes) one connection may hold at once."""
    login_grace: float = 30.0
    """Seconds a client has to finish the handshake and authenticate."""
    idle_timeout: float = 900.0
    """Seconds without client input after which a connection is closed (0 = never)."""
    shutdown_grace: float = 10.0
    """Seconds sessions get after SIGTERM before they are ended."""
    hangup_grace: float = 2.0
    """Seconds between SIGHUP and SIGKILL when a session's client goes away."""
    session_argv: tuple[str, ...] = field(default_factory=default_session_argv)
    """The command each session runs (never through a shell)."""
    zygote: bool = True
    """Fork sessions from a process that has pre-imported `zygote_preload` (when the
    session command is this Python running `-m MODULE` or a script); else spawn each."""
    zygote_preload: tuple[str, ...] = DEFAULT_PRELOAD
    """Modules the zygote imports up front (missing ones are skipped)."""
    algorithms: AlgorithmPolicy = field(default_factory=AlgorithmPolicy.default)
    """Key-exchange, cipher and MAC algorithms offered (sshapp.ssh.algorithms)."""
    fleet: str | None = None
    """A gateway's node source (TOML file or dns:NAME[:PORT]); None: a plain host."""
    fleet_key: Path | None = None
    """The gateway's client key for nodes (None: <hostkey dir>/fleet_ed25519_key)."""
    fleet_known_hosts: Path | None = None
    """known_hosts file node host keys must match (plain keys or @cert-authority)."""
    gateway_keys: Path | None = None
    """authorized_keys-format file of gateway keys whose sessions may assert an identity."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be >= 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _startups(text: str) -> Startups:
    try:
        return Startups.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        msg = f"must be >= 0 seconds, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        msg = f"must be > 0 per second, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _preload(text: str | None) -> tuple[str, ...]:
    if text is None:
        return DEFAULT_PRELOAD
    return tuple(name.strip() for name in text.split(",") if name.strip())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `sshapp serve`."""
    d = ServerOptions()
    p = argparse.ArgumentParser(
        prog="sshapp serve", description="Serve the sshapp benchmark over SSH (asyncssh)."
    )
    p.add_argument("--host", help="address to listen on (default SSHAPP_HOST or 0.0.0.0)")
    p.add_argument("--port", type=int, help="port (default SSHAPP_PORT or 2222; 0 = free port)")
    p.add_argument("--hostkey-dir", type=Path, help="host-key directory (default hostkeys/)")
    p.add_argument("--auth", choices=["open", "keys"], help="auth policy (default open)")
    p.add_argument("--authorized-keys", type=Path, metavar="FILE", help="implies --auth keys")
    p.add_argument(
        "--max-sessions",
        type=_positive_int,
        default=d.max_sessions,
        help=f"logged-in connections and session processes at once (default {d.max_sessions})",
    )
    p.add_argument(
        "--max-startups",
        type=_startups,
        default=d.max_startups,
        metavar="START:RATE:FULL",
        help="connections not logged in yet: above START, drop RATE%% of new ones, rising to"
        f" all at FULL (default {d.max_startups.start}:{d.max_startups.rate}"
        f":{d.max_startups.full}, as OpenSSH's MaxStartups)",
    )
    p.add_argument(
        "--max-startups-per-ip",
        type=_positive_int,
        default=d.max_startups_per_ip,
        help=f"connections not logged in yet from one address (default {d.max_startups_per_ip})",
    )
    p.add_argument(
        "--max-per-user",
        type=_positive_int,
        default=d.max_per_user,
        help=f"sessions one identity may hold at once (default {d.max_per_user})",
    )
    p.add_argument(
        "--max-per-ip",
        type=_positive_int,
        default=d.max_per_ip,
        help=f"connections at once from one address (default {d.max_per_ip})",
    )
    p.add_argument(
        "--rate-per-ip",
        type=_positive_int,
        default=d.rate_per_ip,
        help=f"new connections per minute from one address (default {d.rate_per_ip})",
    )
    p.add_argument(
        "--kex-rate",
        type=_rate,
        default=d.kex_rate,
        metavar="PER_SECOND",
        help="key exchanges (connections, re-keys) one address may start per second"
        f" (default {d.kex_rate:g}; ssh-audit's DHEat test wants < 20)",
    )
    p.add_argument(
        "--kex-burst",
        type=_positive_int,
        default=d.kex_burst,
        help=f"key exchanges one address may start at once before --kex-rate applies"
        f" (default {d.kex_burst})",
    )
    p.add_argument(
        "--login-grace",
        type=_seconds,
        default=d.login_grace,
        help=f"seconds to authenticate (default {d.login_grace:g})",
    )
    p.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=d.idle_timeout,
        help=f"seconds without client input before closing (default {d.idle_timeout:g}; 0 = never)",
    )
    p.add_argument(
        "--shutdown-grace",
        type=_seconds,
        default=d.shutdown_grace,
        help=f"seconds sessions get after SIGTERM (default {d.shutdown_grace:g})",
    )
    p.add_argument(
        "--session-command",
        metavar="CMD",
        help="command each session runs, split like a shell would but never run by one"
        " (default: this Python's `-m sshapp session`)",
    )
    p.add_argument(
        "--no-zygote",
        action="store_true",
        help="spawn every session from scratch instead of forking a pre-loaded zygote",
    )
    p.add_argument(
        "--zygote-preload",
        metavar="MODULES",
        help="comma-separated modules the zygote imports up front"
        " (default SSHAPP_ZYGOTE_PRELOAD or the CLI, engine and TUI modules)",
    )
    fleetopts.add_arguments(p)
    algorithms.add_arguments(p)
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p


def parse(argv: list[str]) -> tuple[Settings, ServerOptions, str]:
    """Parse `sshapp serve` arguments over the SSHAPP_* environment.

    Args:
        argv: Arguments after `serve`.

    Returns:
        Settings, server options and the log level name.

    Raises:
        SystemExit: Bad arguments (argparse prints one usage line and exits 2).
        ConfigError: An algorithm list names an unknown or refused algorithm.
    """
    parser = build_parser()
    ns = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if ns.host is not None:
        overrides["host"] = ns.host
    if ns.port is not None:
        if not 0 <= ns.port <= 65535:
            parser.error(f"--port must be 0..65535, got {ns.port}")
        overrides["port"] = ns.port
    if ns.hostkey_dir is not None:
        overrides["hostkey_dir"] = ns.hostkey_dir
    settings = Settings.from_env(**overrides)
    auth: AuthMode = "keys" if ns.authorized_keys is not None else (ns.auth or "open")
    if auth == "keys" and ns.authorized_keys is None:
        parser.error("--auth keys needs --authorized-keys FILE")
    if ns.auth == "open" and ns.authorized_keys is not None:
        parser.error("--auth open and --authorized-keys exclude each other")
    if why := fleetopts.refusal(ns):
        parser.error(why)
    command = tuple(shlex.split(ns.session_command)) if ns.session_command else None
    if command is not None and (not command or not Path(command[0]).is_absolute()):
        parser.error("--session-command must start with an absolute path")
    options = ServerOptions(
        auth=auth,
        authorized_keys=ns.authorized_keys,
        max_sessions=ns.max_sessions,
        max_startups=ns.max_startups,
        max_startups_per_ip=ns.max_startups_per_ip,
        max_per_ip=ns.max_per_ip,
        max_per_user=ns.max_per_user,
        rate_per_ip=ns.rate_per_ip,
        kex_rate=ns.kex_rate,
        kex_burst=ns.kex_burst,
        login_grace=ns.login_grace,
        idle_timeout=ns.idle_timeout,
        shutdown_grace=ns.shutdown_grace,
        session_argv=command or default_session_argv(),
        zygote=not ns.no_zygote,
        zygote_preload=_preload(ns.zygote_preload or os.environ.get("SSHAPP_ZYGOTE_PRELOAD")),
        algorithms=algorithms.from_args(ns),
        fleet=ns.fleet,
        fleet_key=ns.fleet_key,
        fleet_known_hosts=ns.fleet_known_hosts,
        gateway_keys=ns.gateway_keys,
    )
    return settings, options, ns.log_level
