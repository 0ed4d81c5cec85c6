"""Provides the health probe: does the SSH port answer with an SSH-2.0 version banner?

Stdlib only, so a container HEALTHCHECK or a Kubernetes exec probe can run it cheaply
(`python -m sshapp.health` or `sshapp health`) without loading numpy or the kernels.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import time
from collections.abc import Mapping, Sequence

logger = logging.getLogger(__name__)

BANNER_PREFIX = b"SSH-2.0-"
"""What the version line must start with (RFC 4253 §4.2)."""
MAX_LINES = 16
"""Lines of pre-banner text tolerated before giving up (RFC 4253 allows some)."""
MAX_LINE = 255
"""Longest version line RFC 4253 allows, CR LF included."""
DEFAULT_HOST = "127.0.0.1"
"""Where the probe connects by default: the server inside the same container or pod."""
DEFAULT_PORT = 2222
"""The port `sshapp serve` listens on by default."""


class HealthError(Exception):
    """The port did not answer like an SSH server; the message says how."""


def read_banner(host: str, port: int, timeout: float) -> str:
    """Connect to `host:port` and return the server's SSH version line.

    Args:
        host: Address to connect to.
        port: TCP port.
        timeout: Seconds allowed for the whole probe (connect and read).

    Returns:
        The version line without its line ending, e.g. ``SSH-2.0-AsyncSSH_2.17``.

    Raises:
        HealthError: The connection failed, timed out, closed early, or the server sent
            no ``SSH-2.0-`` line.
    """
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            buffer = b""
            lines = 0
            while lines < MAX_LINES:
                newline = buffer.find(b"\n")
                if newline < 0:
                    if len(buffer) > MAX_LINE:
                        msg = f"{host}:{port} sent a line longer than {MAX_LINE} bytes"
                        raise HealthError(msg)
                    sock.settimeout(max(deadline - time.monotonic(), 0.001))
                    chunk = sock.recv(1024)
                    if not chunk:
                        msg = f"{host}:{port} closed the connection before an SSH banner"
                        raise HealthError(msg)
                    buffer += chunk
                    continue
                line, buffer = buffer[:newline].rstrip(b"\r"), buffer[newline + 1 :]
                if line.startswith(BANNER_PREFIX):
                    return line.decode("ascii", "replace")
                lines += 1
    except TimeoutError:
        msg = f"{host}:{port} did not send an SSH banner within {timeout:g} s"
        raise HealthError(msg) from None
    except OSError as exc:
        msg = f"cannot connect to {host}:{port}: {exc.strerror or exc}"
        raise HealthError(msg) from None
    msg = f"{host}:{port} sent {MAX_LINES} lines without an SSH-2.0 banner"
    raise HealthError(msg)


def main(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, timeout: float = 5.0) -> int:
    """Probe the server once and turn the outcome into an exit code.

    Args:
        host: Address to connect to.
        port: TCP port.
        timeout: Seconds allowed for the whole probe.

    Returns:
        0 when the port answered with an SSH-2.0 banner, 1 otherwise (the reason is
        logged at WARNING level).
    """
    try:
        banner = read_banner(host, port, timeout)
    except HealthError as exc:
        logger.warning("unhealthy: %s", exc)
        return 1
    logger.info("healthy: %s:%d answered %s", host, port, banner)
    return 0


def default_port(env: Mapping[str, str] | None = None) -> int:
    """The port to probe when none is given: ``$SSHAPP_PORT`` if it is a number, else 2222.

    Args:
        env: Environment to read; defaults to `os.environ`.

    Returns:
        The port.
    """
    raw = (os.environ if env is None else env).get("SSHAPP_PORT", "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_PORT


def cli(argv: Sequence[str] | None = None, prog: str = "python -m sshapp.health") -> int:
    """`python -m sshapp.health [--host H] [--port P] [--timeout S]` (or `sshapp health`).

    The port defaults to ``$SSHAPP_PORT`` (else 2222), so a container whose server port
    was changed through that variable keeps a working HEALTHCHECK.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.
        prog: Program name shown in usage messages.

    Returns:
        The exit code of `main` (2 for bad arguments, from argparse).
    """
    parser = argparse.ArgumentParser(prog=prog, description="Check that an SSH server answers.")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address (default %(default)s)")
    parser.add_argument("--port", type=int, default=default_port(), help="TCP port")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds (default 5)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="sshapp health: %(message)s")
    return main(args.host, args.port, args.timeout)


if __name__ == "__main__":
    sys.exit(cli())
