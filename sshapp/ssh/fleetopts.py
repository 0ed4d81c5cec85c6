"""Provides the fleet options of `sshapp serve` (gateway and node) and the gateway's start-up.

A gateway (`--fleet SOURCE`) relays its users' sessions to nodes with its own client key
(`--fleet-key`, created 0600 on first start like the host key) and checks node host keys
against `--fleet-known-hosts`. A node honours the identity a gateway asserts only from a
key in `--gateway-keys`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

FLEET_KEY_NAME = "fleet_ed25519_key"
"""The gateway's client key in the host-key directory, when --fleet-key is not given."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add --fleet, --fleet-key, --fleet-known-hosts and --gateway-keys."""
    p.add_argument(
        "--fleet", metavar="SOURCE", help="be a gateway: nodes from a TOML file or dns:NAME[:PORT]"
    )
    p.add_argument("--fleet-key", type=Path, metavar="FILE", help="client key for nodes (0600)")
    p.add_argument(
        "--fleet-known-hosts", type=Path, metavar="FILE", help="node host keys (known_hosts)"
    )
    p.add_argument(
        "--gateway-keys",
        type=Path,
        metavar="FILE",
        help="keys of gateways whose sessions may say whose they are (authorized_keys format)",
    )


def refusal(ns: argparse.Namespace) -> str | None:
    """Why these fleet options cannot go together (None: they can)."""
    if ns.fleet is None and (ns.fleet_key or ns.fleet_known_hosts):
        return "--fleet-key and --fleet-known-hosts need --fleet SOURCE"
    if ns.fleet is not None and ns.fleet_known_hosts is None:
        return "--fleet needs --fleet-known-hosts FILE: node host keys are never taken on trust"
    return None


def prepare(
    hostkey_dir: Path, source: str | None, key: Path | None, known: Path | None
) -> Path | None:
    """Check a gateway's source and known_hosts and load (or create) its client key.

    Args:
        hostkey_dir: Where the key goes when `key` is None.
        source: --fleet (None: not a gateway; nothing is done).
        key: --fleet-key.
        known: --fleet-known-hosts.

    Returns:
        The client key's path (None: not a gateway).

    Raises:
        ValueError: The source or the known_hosts file cannot be used (one line).
        HostKeyError: The client key is unsafe or unreadable.
    """
    if source is None:
        return None
    from sshapp.fleet.source import Source
    from sshapp.ssh.hostkeys import load_or_create_key

    Source(source, os.environ)  # a malformed source stops the start, in one line
    if known is not None and not known.is_file():
        msg = f"--fleet-known-hosts {known}: no such file"
        raise ValueError(msg)
    path = key or hostkey_dir / FLEET_KEY_NAME
    load_or_create_key(path, "sshapp fleet key")
    return path
