"""SSH front under load: connect-to-first-screen latency and memory per idle TUI session.

Measures `sshapp serve` (asyncssh, one process per session) and, in the same run as
the peer, OpenSSH `sshd` with a forced command (`restrict,pty,command="… session"`).
Both are driven by the same asyncssh client: a PTY session counts as "on screen" when
a pyte screen fed with its output shows the marker (the TUI's title).

Scenarios: one connection at a time (p50/p95), a burst of concurrent connections
(PTY/exec mix), and many concurrent idle TUI sessions (failures, PSS per session from
/proc/<pid>/smaps_rollup). Loopback only; every step is bounded by timeouts.

Run it alone: `flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/ssh_load.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pyte

from sshapp.ssh.options import DEFAULT_PRELOAD

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0


@dataclass
class Target:
    """A server under test."""

    name: str
    port: int
    user: str
    key: asyncssh.SSHKey | None
    pid: int
    """Server process: session processes are its descendants."""


@dataclass
class Scenario:
    """Results of one scenario on one target."""

    latencies: list[float] = field(default_factory=list)
    exec_latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def connect(target: Target) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1",
        target.port,
        username=target.user,
        known_hosts=None,
        client_keys=[target.key] if target.key else None,
        password=None if target.key else "",
        agent_path=None,
        connect_timeout=TIMEOUT,
    )


async def open_screen(
    target: Target, marker: str, cols: int = 100, rows: int = 30
) -> tuple[float, asyncssh.SSHClientConnection, asyncssh.SSHClientProcess[bytes]]:
    """Connect, ask for a PTY session, time until `marker` arrives and shows on a pyte screen."""
    start = time.perf_counter()
    conn = await connect(target)
    proc = await conn.create_process(
        term_type="xterm-256color", term_size=(cols, rows), encoding=None
    )
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    needle, raw = marker.encode(), b""
    elapsed = None
    while True:
        chunk = await proc.stdout.read(65536)
        if not chunk:
            msg = "session ended before its first screen"
            raise RuntimeError(msg)
        raw += chunk
        if elapsed is None and needle in raw:
            # Timed when the bytes arrive; pyte (slow, client-side) confirms afterwards.
            elapsed = time.perf_counter() - start
        if elapsed is not None or len(raw) > 1 << 18:  # (fallback: styled mid-word)
            stream.feed(raw)
            raw = b""
            if any(marker in line for line in screen.display):
                elapsed = elapsed or time.perf_counter() - start
                break
    assert elapsed is not None
    # Keep draining output so an idle TUI is never blocked by a full channel window.
    drain = asyncio.ensure_future(_drain(proc))
    conn.drain_task = drain  # type: ignore[attr-defined]
    return elapsed, conn, proc


async def _drain(proc: asyncssh.SSHClientProcess[bytes]) -> None:
    with contextlib.suppress(Exception):
        while await proc.stdout.read(65536):
            pass


async def run_exec(target: Target, command: str) -> float:
    start = time.perf_counter()
    async with await connect(target) as conn:
        result = await conn.run(command, encoding=None)
    if result.exit_status != 0:
        msg = f"exec {command!r} exited {result.exit_status}: {result.stderr!r}"
        raise RuntimeError(msg)
    return time.perf_counter() - start


async def close(conn: asyncssh.SSHClientConnection) -> None:
    conn.drain_task.cancel()  # type: ignore[attr-defined]
    conn.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(conn.wait_closed(), 10)


async def sequential(targets: list[Target], n: int, marker: str) -> list[Scenario]:
    """One connection at a time, round-robin over the targets (fair under machine noise)."""
    out = [Scenario() for _ in targets]
    for _ in range(n):
        for target, sc in zip(targets, out, strict=True):
            try:
                latency, conn, _ = await asyncio.wait_for(open_screen(target, marker), TIMEOUT)
                sc.latencies.append(latency)
                await close(conn)
            except Exception as exc:
                sc.failures.append(repr(exc))
            await asyncio.sleep(0.3)  # let the previous session exit before the next
    return out


async def burst(target: Target, n: int, marker: str, exec_every: int, command: str) -> Scenario:
    out = Scenario()
    conns: list[asyncssh.SSHClientConnection] = []

    async def one(i: int) -> None:
        try:
            if exec_every and i % exec_every == exec_every - 1:
                out.exec_latencies.append(await asyncio.wait_for(run_exec(target, command), 60))
            else:
                latency, conn, _ = await asyncio.wait_for(open_screen(target, marker), TIMEOUT)
                out.latencies.append(latency)
                conns.append(conn)
        except Exception as exc:
            out.failures.append(repr(exc))

    await asyncio.gather(*(one(i) for i in range(n)))
    for conn in conns:
        await close(conn)
    return out


def descendants(pid: int) -> list[int]:
    """All live descendants of `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, USS) of one process in KiB, from smaps_rollup."""
    fields: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value = line.split(":", 1)
            fields[name] = int(value.split()[0])
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return fields.get("Pss", 0), uss


async def idle(target: Target, n: int, marker: str, settle: float) -> tuple[Scenario, dict]:
    """Open `n` TUI sessions (in waves of 10), let them idle, measure their memory."""
    out = Scenario()
    conns: list[asyncssh.SSHClientConnection] = []

    async def one() -> None:
        try:
            latency, conn, _ = await asyncio.wait_for(open_screen(target, marker), TIMEOUT)
            out.latencies.append(latency)
            conns.append(conn)
        except Exception as exc:
            out.failures.append(repr(exc))

    for start in range(0, n, 10):
        await asyncio.gather(*(one() for _ in range(min(10, n - start))))
    await asyncio.sleep(settle)
    pids = descendants(target.pid)
    mem = [memory_kib(pid) for pid in pids]
    server = memory_kib(target.pid)
    sessions = len(conns)
    info = {
        "sessions": sessions,
        "processes": len(pids),
        "pss_per_session_mib": sum(p for p, _ in mem) / 1024 / max(sessions, 1),
        "uss_per_session_mib": sum(u for _, u in mem) / 1024 / max(sessions, 1),
        "server_pss_mib": server[0] / 1024,
    }
    for conn in conns:
        await close(conn)
    return out, info


def start_sshapp(
    tmp: Path, session_cmd: str | None, *, zygote: bool, preload: str | None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [
        sys.executable, "-m", "sshapp.ssh", "--host", "127.0.0.1", "--port", str(port),
        "--hostkey-dir", str(tmp / "keys"), "--max-sessions", "400", "--max-per-ip", "400",
        "--rate-per-ip", "100000", "--idle-timeout", "0", "--log-level", "WARNING",
        "--max-startups", "400", "--max-startups-per-ip", "400", "--max-per-user", "400",
    ]  # fmt: skip
    if session_cmd:
        argv += ["--session-command", session_cmd]
    if not zygote:
        argv.append("--no-zygote")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSHAPP_")}
    if preload is not None:
        env["SSHAPP_ZYGOTE_PRELOAD"] = preload
    env["SSHAPP_STATE_DIR"] = str(tmp / "state")
    log = (tmp / f"serve-{port}.log").open("wb")
    proc = subprocess.Popen(argv, env=env, stderr=log)
    wait_port(port, proc)
    return proc, port


def start_sshd(
    tmp: Path, client_key: asyncssh.SSHKey, session_cmd: str
) -> tuple[subprocess.Popen[bytes], int] | None:
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(sshd).exists():
        return None
    Path("/run/sshd").mkdir(exist_ok=True)
    host_key = tmp / "sshd_host_key"
    host_key.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    host_key.chmod(0o600)
    command = f"env SSHAPP_STATE_DIR={tmp / 'state'} SSHAPP_USER=bench {session_cmd}"
    line = f'restrict,pty,command="{command}" '
    (tmp / "authorized_keys").write_bytes(line.encode() + client_key.export_public_key())
    port = free_port()
    (tmp / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nStrictModes no\nUsePAM no\n"
        "PermitRootLogin forced-commands-only\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nMaxStartups 400\nMaxSessions 10\n"
        f"PidFile {tmp / 'sshd.pid'}\nLogLevel ERROR\n"
    )
    proc = subprocess.Popen(
        [sshd, "-D", "-e", "-f", str(tmp / "sshd_config")],
        stderr=(tmp / "sshd.log").open("wb"),
    )
    wait_port(port, proc)
    return proc, port


def wait_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"server exited with {proc.returncode} before listening"
            raise RuntimeError(msg)
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    msg = "server did not start listening"
    raise RuntimeError(msg)


def row(name: str, sc: Scenario) -> str:
    lat = [x * 1000 for x in sc.latencies]
    ex = [x * 1000 for x in sc.exec_latencies]
    return (
        f"| {name} | {len(sc.latencies)} | {pct(lat, 0.5):.0f} | {pct(lat, 0.95):.0f} | "
        f"{(min(lat) if lat else float('nan')):.0f} | "
        f"{len(ex)} | {pct(ex, 0.5):.0f} | {len(sc.failures)} |"
    )


async def main_async(args: argparse.Namespace) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="sshapp-load-"))
    script = Path(sys.executable).parent / "sshapp"
    session_cmd = args.session_command or (
        f"{script} session" if script.exists() else f"{sys.executable} -m sshapp session"
    )
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    servers: list[subprocess.Popen[bytes]] = []
    targets: list[Target] = []
    for variant in args.variants.split(","):
        zygote = variant.startswith("zygote")
        preload = args.preload
        if variant == "zygote-cold":  # imports only, no warm-up calls
            names = (preload or ",".join(DEFAULT_PRELOAD)).split(",")
            preload = ",".join(name for name in names if ":" not in name)
        proc, port = start_sshapp(tmp, args.session_command, zygote=zygote, preload=preload)
        servers.append(proc)
        targets.append(Target(f"sshapp serve ({variant})", port, "bench", None, proc.pid))
    sshd = None if args.no_sshd else start_sshd(tmp, client_key, session_cmd)
    if sshd is not None:
        servers.append(sshd[0])
        user = os.environ.get("USER") or "root"
        targets.append(
            Target("OpenSSH sshd + forced command", sshd[1], user, client_key, sshd[0].pid)
        )
    lines = [
        "# SSH front under load",
        "",
        f"- when: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, host: {platform.node()},"
        f" {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- command: `{shlex.join(['python', 'benchmarks/ssh_load.py', *sys.argv[1:]])}`",
        f"- session: `{args.session_command or 'python -m sshapp session'}` under sshapp serve,"
        f" `{session_cmd}` as sshd's forced command;"
        f" first screen = pyte screen shows {args.marker!r}",
        "- client: asyncssh on the same machine (loopback), 100×30 xterm-256color PTY",
        "",
        "| scenario / server | screens | p50 ms | p95 ms | min ms | execs | exec p50 ms |"
        " failures |",
        "|---|---|---|---|---|---|---|---|",
    ]
    failures: list[str] = []
    memory: list[str] = []
    try:
        await sequential(targets, 1, args.marker)  # warm the page cache and state directory
        results = await sequential(targets, args.sequential, args.marker)
        for target, sc in zip(targets, results, strict=True):
            lines.append(row(f"one at a time ×{args.sequential} / {target.name}", sc))
            failures += sc.failures
        for target in targets:
            sc = await burst(target, args.burst, args.marker, args.exec_every, args.exec_command)
            lines.append(
                row(f"{args.burst} at once (1 in {args.exec_every} exec) / {target.name}", sc)
            )
            failures += sc.failures
        for target in targets:
            sc, info = await idle(target, args.idle, args.marker, args.settle)
            lines.append(row(f"{args.idle} idle TUIs (waves of 10) / {target.name}", sc))
            failures += sc.failures
            memory.append(
                f"| {target.name} | {info['sessions']} | {info['processes']} |"
                f" {info['pss_per_session_mib']:.1f} | {info['uss_per_session_mib']:.1f} |"
                f" {info['server_pss_mib']:.1f} |"
            )
    finally:
        for proc in servers:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(30)
            if proc.poll() is None:
                proc.kill()
    lines += [
        "",
        "Memory of idle TUI sessions (all processes under the server; sshd counts its",
        "per-connection sshd-session processes too):",
        "",
        "| server | sessions | processes | PSS MiB / session | USS MiB / session |"
        " listener PSS MiB |",
        "|---|---|---|---|---|---|",
        *memory,
    ]
    if failures:
        lines += ["", "Failures (first 10):", "", *(f"- `{f}`" for f in failures[:10])]
    shutil.rmtree(tmp, ignore_errors=True)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", type=int, default=20)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--idle", type=int, default=100)
    parser.add_argument("--exec-every", type=int, default=4, help="every Nth burst client execs")
    parser.add_argument("--exec-command", default="version")
    parser.add_argument("--marker", default="matmul ladder", help="text of the first screen")
    parser.add_argument("--session-command", help="session command (default: sshapp session)")
    parser.add_argument("--settle", type=float, default=3.0, help="idle seconds before PSS")
    parser.add_argument("--no-sshd", action="store_true", help="skip the OpenSSH peer")
    parser.add_argument(
        "--variants",
        default="zygote,spawn",
        help="sshapp serve variants: zygote, zygote-cold (no warm-up calls), spawn",
    )
    parser.add_argument("--preload", help="SSHAPP_ZYGOTE_PRELOAD for serve (module list)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/ssh_load.md")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    args.out.write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
