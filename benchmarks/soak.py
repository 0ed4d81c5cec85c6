"""Soak: `sshapp serve` under a mixed, bounded, loopback-only load; does anything drift?

    flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/soak.py [--seconds 600]

The load (benchmarks/soak_load.py): headless runs over asyncssh, TUI sessions over OpenSSH
in tmux that run a benchmark and leave, OpenSSH clients SIGKILLed mid-run, hostile bytes.
Every few seconds it samples the server's RSS, open fds, descendant processes, queue
tickets and the SQLite history's size. After the load stops and the server settles, the
report gives start/end values, the drift per hour of each (least-squares slope over the
load) and checks: RSS within 10 % of its start, fds, children and tickets back to their
start values, one history row per finished run. Writes benchmarks/results/soak.{md,json}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak_load import Load

RESULTS = Path(__file__).resolve().parent / "results"
METRICS = ("rss_mib", "fds", "children", "tickets", "sqlite_kib")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(pid: int) -> int:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = 0, [pid]
    while frontier:
        kids = [p for p, pp in parents.items() if pp in frontier]
        found += len(kids)
        frontier = kids
    return found


def sample(pid: int, state: Path, t0: float) -> dict[str, float]:
    """One sample of the server process and its state directory."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    db = sum(p.stat().st_size for p in state.glob("history.sqlite3*"))
    return {
        "t": round(time.monotonic() - t0, 2),
        "rss_mib": round(rss / 1024, 2),
        "fds": sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir()),
        "children": _descendants(pid),
        "tickets": len(list((state / "queue").glob("*.ticket"))),
        "sqlite_kib": round(db / 1024, 1),
    }


def _slope_per_hour(points: list[dict[str, float]], key: str) -> float:
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(p["t"] for p in points) / n
    mv = sum(p[key] for p in points) / n
    den = sum((p["t"] - mt) ** 2 for p in points) or 1.0
    return sum((p["t"] - mt) * (p[key] - mv) for p in points) / den * 3600


def history_rows(state: Path) -> int:
    """Rows in the history's runs table."""
    with sqlite3.connect(f"file:{state / 'history.sqlite3'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


async def soak(seconds: float, port: int, pid: int, state: Path, every: float) -> dict[str, Any]:
    """Warm up (one action of each kind), then load for `seconds`, then settle."""
    load = Load(port)
    await load.start()
    t0 = time.monotonic()
    try:
        for action in (load.headless, load.tui, load.killed, load.hostile):
            await action()
        await asyncio.sleep(3)
        start = sample(pid, state, t0)
        points = [start]
        deadline = time.monotonic() + seconds
        tasks: set[asyncio.Task[None]] = set()
        next_sample = time.monotonic() + every
        while time.monotonic() < deadline:
            if len(tasks) < 3:
                task = asyncio.create_task(load.one())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(0.5)
            if time.monotonic() >= next_sample:
                points.append(sample(pid, state, t0))
                next_sample += every
        await asyncio.gather(*tasks)
        for _ in range(60):  # settle: sessions end, the zygote reaps them
            await asyncio.sleep(1)
            end = sample(pid, state, t0)
            if all(end[k] <= start[k] for k in ("fds", "children", "tickets")):
                break
    finally:
        await load.stop()
    return {"start": start, "end": end, "points": points, "tally": load.tally}


def report(result: dict[str, Any], seconds: float, rows: int) -> dict[str, Any]:
    """Checks and drift figures from a soak's samples."""
    start, end, tally = result["start"], result["end"], result["tally"]
    expected_rows = tally.runs + tally.tui_runs
    drift = {k: round(_slope_per_hour(result["points"], k), 2) for k in METRICS}
    checks = {
        "rss_within_10_percent": abs(end["rss_mib"] - start["rss_mib"]) <= 0.1 * start["rss_mib"],
        "fds_back": end["fds"] <= start["fds"],
        "children_back": end["children"] <= start["children"],
        "tickets_back": end["tickets"] == start["tickets"] == 0,
        "history_rows_match": rows == expected_rows,
    }
    return {
        "seconds": seconds,
        "start": start,
        "end": end,
        "drift_per_hour": drift,
        "load": {
            "runs": tally.runs,
            "tui_runs": tally.tui_runs,
            "killed": tally.killed,
            "hostile": tally.hostile,
            "errors": tally.errors,
        },
        "history_rows": {"counted": rows, "expected": expected_rows, "warmup_included": True},
        "checks": checks,
        "ok": all(checks.values()),
        "samples": result["points"],
    }


def markdown(rep: dict[str, Any]) -> str:
    """The report as a Markdown page."""
    s, e, d = rep["start"], rep["end"], rep["drift_per_hour"]
    lines = [
        f"# Soak: `sshapp serve` for {rep['seconds']:g} s under mixed load", "",
        "| metric | start | end | drift per hour |", "|---|---|---|---|",
        *(f"| {k} | {s[k]} | {e[k]} | {d[k]:+} |" for k in METRICS), "",
        f"Load: {rep['load']['runs']} headless runs, {rep['load']['tui_runs']} TUI runs, "
        f"{rep['load']['killed']} clients killed mid-run, {rep['load']['hostile']} hostile "
        f"connections; {len(rep['load']['errors'])} actions went wrong.", "",
        f"History rows: {rep['history_rows']['counted']} counted, "
        f"{rep['history_rows']['expected']} expected (one per finished run, warm-up included).",
        "", "| check | ok |", "|---|---|",
        *(f"| {k} | {'yes' if v else '**no**'} |" for k, v in rep["checks"].items()), "",
        *(f"- error: `{x}`" for x in rep["load"]["errors"][:20]),
    ]  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    """Run the soak and write its report; exit 1 if a check failed."""
    p = argparse.ArgumentParser(description="soak sshapp serve under mixed load")
    p.add_argument("--seconds", type=float, default=600.0)
    p.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    p.add_argument("--out", type=Path, default=RESULTS, help="report directory")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sshapp-soak-"))
    state, port = tmp / "state", _free_port()
    env = {**os.environ, "SSHAPP_STATE_DIR": str(state)}
    argv = [sys.executable, "-m", "sshapp", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--hostkey-dir", str(tmp / "keys"), "--log-level", "WARNING"]  # fmt: skip
    with (tmp / "serve.log").open("wb") as log:
        server = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)  # the zygote preloads
        result = asyncio.run(soak(args.seconds, port, server.pid, state, args.every))
        rep = report(result, args.seconds, history_rows(state))
    finally:
        server.terminate()
        server.wait(30)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(rep, indent=1) + "\n")
    (args.out / "soak.md").write_text(markdown(rep))
    print(markdown(rep))
    return 0 if rep["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
