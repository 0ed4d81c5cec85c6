"""`make fleet` (scripts/fleet.py): one command, a gateway and three nodes; SIGINT stops all."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(240)


def _free_port(hosts: tuple[str, ...]) -> int:
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = int(probe.getsockname()[1])
        try:
            for host in hosts:
                with socket.socket() as s:
                    s.bind((host, port))
        except OSError:
            continue
        return port
    pytest.skip("no port free on every address at once")


def _refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return True
    return False


async def test_make_fleet_serves_three_heterogeneous_nodes_and_ctrl_c_stops_all(
    tmp_path: Path,
) -> None:
    nodes = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
    node_port, port = _free_port(nodes), _free_port(("127.0.0.1",))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSHAPP_")}
    proc = subprocess.Popen(
        [
            *(sys.executable, str(ROOT / "scripts" / "fleet.py"), "--state", str(tmp_path)),
            *("--port", str(port), "--node-port", str(node_port)),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        assert lines[-1].startswith(f"fleet ready: ssh -p {port} 127.0.0.1 fleet"), lines
        async with asyncssh.connect(
            "127.0.0.1",
            port,
            username="guest",
            known_hosts=None,
            client_keys=None,
            password="",
            agent_path=None,
            config=[],
            connect_timeout=20,
        ) as conn:
            result = await conn.run("fleet --json", timeout=120)
        states = [json.loads(x) for x in str(result.stdout).splitlines()]
        assert [s["name"] for s in states] == ["n1", "n2", "n3"], result.stderr
        assert all(s["state"] == "up" for s in states), states
        assert "avx2" not in states[2]["features"]
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert proc.wait(30) == 0
        assert "fleet stopped" in proc.stdout.read()
        deadline = time.monotonic() + 10
        while not all(_refused(h, node_port) for h in nodes) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all(_refused(h, node_port) for h in nodes)
        assert _refused("127.0.0.1", port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
