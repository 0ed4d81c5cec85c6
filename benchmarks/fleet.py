"""Measures the fleet (issue 20): a gateway in front of three nodes, as `make fleet` serves it.

Usage: flock /tmp/sshapp-bench.lock python benchmarks/fleet.py [--screens N] [--clients N]
       [--runs N] [--out DIR]

Starts scripts/fleet.py on free ports (gateway on 127.0.0.1, nodes on 127.0.0.2-4, their
own state directories under a temporary root; the gateway's per-address limits raised,
since every client here comes from 127.0.0.1) and measures, in one run:

- first screen: connect with a PTY and time until the kernel table shows
  (`ref.naive.f32` on the screen), through the gateway and straight to node n1,
  alternating; p50 and p95 of each and their ratio (target p50 <= 1.3x direct);
- 20 clients (20 guest users) at once through the gateway (`bench … --on any`): failures
  (target 0);
- makespan of N runs of `--time 1` started at once, placed `--on any` over 3 nodes vs all
  `--on n1` (target <= 0.5x). All nodes share this machine's cores: pinned to one core,
  the three nodes cannot run at once and the ratio shows placement cost, not speed-up.

Writes fleet.json and fleet.md to --out (default benchmarks/results).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncssh
import pyte

ROOT = Path(__file__).resolve().parents[1]
NODES = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
LIMITS = (
    "--max-per-ip 64 --max-startups 64 --max-startups-per-ip 64 --rate-per-ip 6000 "
    "--kex-rate 1000 --kex-burst 200 --max-per-user 64 --max-sessions 256"
)
"""Every client of this benchmark is 127.0.0.1: the per-address limits are raised."""
MARKER = "ref.naive.f32"
TIMEOUT = 120.0


def free_port(hosts: tuple[str, ...]) -> int:
    """A port free on every one of `hosts`."""
    for _ in range(50):
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
    msg = "no port free on every address"
    raise SystemExit(msg)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _connect(host: str, port: int, user: str = "bench") -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        host,
        port,
        username=user,
        known_hosts=None,
        client_keys=None,
        password="",
        agent_path=None,
        config=[],
        connect_timeout=TIMEOUT,
    )


async def first_screen(host: str, port: int) -> float:
    """Seconds from connect to the kernel table on an 80×24 PTY."""
    start = time.perf_counter()
    async with await _connect(host, port) as conn:
        proc = await conn.create_process(
            term_type="xterm-256color", term_size=(80, 24), encoding=None
        )
        screen = pyte.Screen(80, 24)
        stream = pyte.ByteStream(screen)
        while True:
            chunk = await asyncio.wait_for(proc.stdout.read(65536), TIMEOUT)
            if not chunk:
                msg = f"{host}:{port}: the session ended before its first screen"
                raise RuntimeError(msg)
            stream.feed(chunk)
            if any(MARKER in line for line in screen.display):
                elapsed = time.perf_counter() - start
                break
        proc.stdin.write(b"q")
        proc.close()
    return elapsed


ERRORS: list[str] = []
"""The first line of each failure (stderr, or the exception)."""


async def run_exec(port: int, command: str, user: str) -> tuple[int, float]:
    """Exit status and seconds of one command through the gateway, as guest `user`."""
    start = time.perf_counter()
    try:
        async with await _connect("127.0.0.1", port, user) as conn:
            result = await conn.run(command, timeout=TIMEOUT)
        status = result.exit_status if result.exit_status is not None else 255
        if status != 0:
            failed = [ln for ln in str(result.stdout).splitlines() if '"failed"' in ln]
            why = [json.loads(ln)["error"] for ln in failed[:1]]
            ERRORS.append((str(result.stderr or "").strip().splitlines() or why or ["?"])[0])
    except (OSError, asyncssh.Error, TimeoutError) as exc:
        status = 255
        ERRORS.append(f"{type(exc).__name__}: {exc}")
    return status, time.perf_counter() - start


async def measure(args: argparse.Namespace, gateway: int, node: int) -> dict[str, Any]:
    """All figures of one run."""
    await first_screen("127.0.0.1", gateway)  # warm both paths once (zygotes, peaks)
    await first_screen(NODES[0], node)
    via, direct = [], []
    for _ in range(args.screens):
        via.append(await first_screen("127.0.0.1", gateway))
        direct.append(await first_screen(NODES[0], node))
    command = "bench ref.naive.f32 --size 32 --reps 1 --on any --json"
    # One user per client: a node queues at most 4 runs per user (its quota).
    burst = await asyncio.gather(
        *(run_exec(gateway, command, f"client{i}") for i in range(args.clients))
    )
    failures = sum(1 for status, _ in burst if status != 0)
    makespan = {}
    for on in ("any", "n1"):
        command = f"bench ref.reorder.f32 --size 256 --time 1 --on {on} --json"
        start = time.perf_counter()
        done = await asyncio.gather(
            *(run_exec(gateway, command, f"maker{i}") for i in range(args.runs))
        )
        makespan[on] = {
            "seconds": time.perf_counter() - start,
            "failures": sum(1 for status, _ in done if status != 0),
        }
    return {
        "first_screen": {
            "gateway_p50": statistics.median(via),
            "gateway_p95": pct(via, 0.95),
            "direct_p50": statistics.median(direct),
            "direct_p95": pct(direct, 0.95),
            "ratio_p50": statistics.median(via) / statistics.median(direct),
            "ratio_p95": pct(via, 0.95) / pct(direct, 0.95),
            "samples": args.screens,
        },
        "clients": {
            "count": args.clients,
            "failures": failures,
            "p50_seconds": statistics.median(s for _, s in burst),
            "max_seconds": max(s for _, s in burst),
            "errors": sorted(set(ERRORS)),
        },
        "makespan": {
            "runs": args.runs,
            "any": makespan["any"],
            "one_node": makespan["n1"],
            "ratio": makespan["any"]["seconds"] / makespan["n1"]["seconds"],
        },
    }


def report(data: dict[str, Any], out: Path) -> None:
    """Write fleet.json and fleet.md."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "fleet.json").write_text(json.dumps(data, indent=2) + "\n")
    fs, cl, mk = data["first_screen"], data["clients"], data["makespan"]
    lines = [
        "# Fleet: a gateway in front of three nodes (benchmarks/fleet.py)",
        "",
        f"Host: {data['host']}; affinity {data['affinity']}; one run, {data['when']}.",
        "",
        "| figure | gateway | direct | ratio | target |",
        "|---|---|---|---|---|",
        f"| first screen p50 | {fs['gateway_p50'] * 1e3:.0f} ms | {fs['direct_p50'] * 1e3:.0f} ms"
        f" | {fs['ratio_p50']:.2f}x | <= 1.3x |",
        f"| first screen p95 | {fs['gateway_p95'] * 1e3:.0f} ms | {fs['direct_p95'] * 1e3:.0f} ms"
        f" | {fs['ratio_p95']:.2f}x | |",
        f"| {cl['count']} clients at once (`--on any`) | {cl['failures']} failures, p50 "
        f"{cl['p50_seconds']:.2f} s, max {cl['max_seconds']:.2f} s | | | 0 failures |",
        f"| makespan of {mk['runs']} x `--time 1` | `--on any` {mk['any']['seconds']:.2f} s | "
        f"`--on n1` {mk['one_node']['seconds']:.2f} s | {mk['ratio']:.2f}x | <= 0.5x |",
        "",
        f"Makespan failures: `--on any` {mk['any']['failures']}, `--on n1` "
        f"{mk['one_node']['failures']}.",
        "",
        *(f"- failure: `{e}`" for e in cl["errors"]),
        "",
        *(
            [
                "All three nodes and the gateway ran on one core (the affinity above): runs on "
                "different nodes could not overlap, so the makespan ratio is placement cost."
            ]
            if len(data["affinity"]) == 1
            else []
        ),
        f"First screens: {fs['samples']} of each, alternating, after one warm-up each. "
        "Not measured: a key answered while a remote run streams.",
        "",
    ]
    (out / "fleet.md").write_text("\n".join(lines))


def main() -> int:
    """Start the fleet, measure, write the report, stop the fleet."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--screens", type=int, default=10)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--runs", type=int, default=6)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args()
    gateway, node = free_port(("127.0.0.1",)), free_port(NODES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSHAPP_")}
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [
                *(sys.executable, str(ROOT / "scripts" / "fleet.py"), "--state", tmp),
                *("--port", str(gateway), "--node-port", str(node), "--gateway-args", LIMITS),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            assert proc.stdout is not None
            for _ in range(4):
                line = proc.stdout.readline()
            if not line.startswith("fleet ready"):
                sys.stderr.write(f"the fleet did not start: {line}")
                return 1
            data = asyncio.run(measure(args, gateway, node))
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(60)
            if proc.stdout is not None:
                proc.stdout.close()
    from sshapp.kernels import cpu_info

    data["host"] = cpu_info().brand or platform.machine()
    data["affinity"] = sorted(os.sched_getaffinity(0))
    data["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    report(data, args.out)
    sys.stdout.write((args.out / "fleet.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
