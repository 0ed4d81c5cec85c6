"""`make fleet`: a gateway on 127.0.0.1:2222 in front of three nodes on 127.0.0.2-127.0.0.4.

Each node is a plain `sshapp serve` with its own state directory, made heterogeneous
with SSHAPP_DISABLE_ISA (n1: everything this CPU has; n2: no AVX-512 or AMX; n3:
baseline x86-64). The gateway's client key is created on first start and is the only
key the nodes take an asserted identity from; the nodes' host keys are pinned in a
known_hosts file written once they listen. Ctrl-C (or SIGTERM) stops all of them.

    python scripts/fleet.py [--state DIR] [--port 2222] [--node-port 2222]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

NODES = (
    ("n1", "127.0.0.2", ""),
    ("n2", "127.0.0.3", "avx512,amx"),
    ("n3", "127.0.0.4", "avx512,amx,avx2"),
)
"""Name, address and masked ISAs of each node."""
NODE_LIMITS = (
    "--max-per-ip",
    "256",
    "--max-startups-per-ip",
    "64",
    "--max-startups",
    "64",
    "--rate-per-ip",
    "6000",
    "--kex-rate",
    "1000",
    "--kex-burst",
    "200",
    "--max-sessions",
    "256",
)
"""Every gateway session connects to the nodes from the gateway's one address: the
per-address limits meant for users would drop them (they apply at the gateway instead)."""
START_SECONDS = 60.0
"""Longest a server may take to listen."""


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSHAPP_")}
    env.update(extra)
    return env


def _serve(argv: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start `python -m sshapp.ssh ARGV` in its own process group; wait until it listens."""
    with log.open("ab") as out:
        offset = out.tell()
        proc = subprocess.Popen(
            [sys.executable, "-m", "sshapp.ssh", *argv],
            env=env,
            stderr=out,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        with log.open("rb") as f:
            f.seek(offset)
            match = re.search(rb"event=listening host=\S+ port=(\d+)", f.read())
        if match:
            return proc, int(match.group(1))
        time.sleep(0.1)
    _stop([proc])
    msg = f"{argv[1]}:{argv[3]} did not start; see {log}"
    raise SystemExit(msg)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def say(text: str) -> None:
    """One line to the terminal, at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> int:
    """Start the fleet, print how to reach it, and run until interrupted."""
    from sshapp.ssh.fleetopts import FLEET_KEY_NAME
    from sshapp.ssh.hostkeys import KEY_NAME, load_or_create_key

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--state", type=Path, default=Path(".fleet"), help="state root (.fleet)")
    p.add_argument("--port", type=int, default=2222, help="gateway port on 127.0.0.1")
    p.add_argument("--node-port", type=int, default=2222, help="port of every node")
    p.add_argument("--gateway-args", default="", help="more `serve` options for the gateway")
    args = p.parse_args()
    root = args.state.absolute()
    root.mkdir(parents=True, exist_ok=True)
    key = root / "gw" / "keys" / FLEET_KEY_NAME
    load_or_create_key(key, "sshapp fleet key")
    (root / "gateway_keys").write_text(key.with_suffix(".pub").read_text())
    procs: list[subprocess.Popen[bytes]] = []
    stop = {"now": False}

    def interrupted(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        known, toml = [], []
        for name, host, mask in NODES:
            state = root / name
            state.mkdir(exist_ok=True)
            argv = ["--host", host, "--port", str(args.node_port), "--auth", "open"]
            argv += ["--hostkey-dir", str(state / "keys")]
            argv += ["--gateway-keys", str(root / "gateway_keys"), "--shutdown-grace", "1"]
            argv += NODE_LIMITS
            env = _env({"SSHAPP_STATE_DIR": str(state / "state"), "SSHAPP_DISABLE_ISA": mask})
            proc, port = _serve(argv, env, state / "serve.log")
            procs.append(proc)
            public = (state / "keys" / KEY_NAME).with_suffix(".pub").read_text().split()
            known.append(f"[{host}]:{port} {public[0]} {public[1]}\n")
            toml.append(f'[[node]]\nname = "{name}"\naddress = "{host}"\nport = {port}\n\n')
            say(f"node {name} on {host}:{port}, masked: {mask or '-'}")
        (root / "known_hosts").write_text("".join(known))
        (root / "fleet.toml").write_text("".join(toml))
        argv = ["--host", "127.0.0.1", "--port", str(args.port), "--auth", "open"]
        argv += ["--hostkey-dir", str(root / "gw" / "keys"), "--fleet", str(root / "fleet.toml")]
        argv += ["--fleet-key", str(key), "--fleet-known-hosts", str(root / "known_hosts")]
        argv += shlex.split(args.gateway_args)
        gateway, port = _serve(
            argv, _env({"SSHAPP_STATE_DIR": str(root / "gw" / "state")}), root / "gw.log"
        )
        procs.append(gateway)
        say(f"fleet ready: ssh -p {port} 127.0.0.1 fleet   (Ctrl-C stops all)")
        while not stop["now"] and all(proc.poll() is None for proc in procs):
            time.sleep(0.2)
    finally:
        _stop(procs)
    say("fleet stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
