"""Measures how fast the TUI answers a key press while a multi-second run streams samples.

Usage: flock /tmp/sshapp-bench.lock python benchmarks/tui_latency.py [--kernel ID]
       [--size N] [--seconds S] [--presses N] [--out FILE]

The real app runs on a pseudo-terminal (80×24, xterm-256color) with the real engine and a
temporary state directory, as `sshapp tui` or an SSH session would. The parent plays the
user: it presses `?` (the help modal opens) and `?` again (it closes), and times each
press from the write on the PTY master to the first output that shows the new screen. It
does so first with the app idle on the kernel table (the baseline), then while a run
started by a small hook in the child (a time budget, so the run lasts `--seconds`) keeps
the benchmark core busy and streams samples into the chart. Only presses that start and
end inside the run count for the "running" row. Target: a key answered within 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from fcntl import ioctl
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
from sshapp.bench.engine import Engine
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.config import Settings
from sshapp.tui.app import BenchApp, settle_heap

kernel, size, seconds, go, marks = (
    sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5])
)
engine = Engine(Settings.from_env(), "bench")
times = {}

class Driven(BenchApp):
    # The hook starts one run when the parent creates the `go` file, and records when the
    # run started and ended; everything else is the app as users get it.
    def on_mount(self):
        super().on_mount()
        self.set_interval(0.05, self.check)

    def check(self):
        if "start" not in times and go.exists():
            spec = BenchSpec((kernel,), (Shape(size, size, size),), repeats=100000,
                             budget_seconds=seconds)
            self.session.pending = engine.expand(spec)
            times["start"] = time.time()
            self.switch_mode("run")
        elif "start" in times and "end" not in times and self.session.results:
            times["end"] = time.time()
            times["samples"] = len(self.session.results[-1].samples)
            marks.write_text(json.dumps(times))

settle_heap()  # as sshapp.tui.app.main does before it runs the app
Driven(engine, "bench").run()
"""

OPEN_MARKER = b"mark every kernel of this dtype"
"""Text only the help modal shows."""
CLOSE_MARKERS = {"idle": b"blocking", "running": b"GFLOP/s per repetition"}
"""Text the screen under the modal shows when it is repainted."""


class Terminal:
    """The PTY master: write keys, read output with arrival times."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.tail = b""

    def drain(self, seconds: float) -> None:
        """Read and drop output for `seconds`."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self._read(left)

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the app has gone
            msg = "the app closed its terminal"
            raise RuntimeError(msg) from None
        self.tail = (self.tail + data)[-8000:]
        return data

    def wait_for(self, marker: bytes, timeout: float, since: float | None = None) -> float | None:
        """Seconds from `since` (default: now) until output containing `marker` arrives.

        Returns None if it does not arrive within `timeout`.
        """
        start = time.perf_counter() if since is None else since
        seen = b""
        while (left := start + timeout - time.perf_counter()) > 0:
            seen = (seen + self._read(left))[-(len(marker) + 65536) :]
            if marker in seen:
                return time.perf_counter() - start
        return None

    def press(self, key: bytes, marker: bytes, timeout: float = 5.0) -> float | None:
        """Write `key` and time until `marker` shows."""
        self.drain(0)  # nothing old may count as the answer
        start = time.perf_counter()
        os.write(self.fd, key)
        return self.wait_for(marker, timeout, since=start)


def toggle_help(term: Terminal, phase: str) -> tuple[float | None, float | None]:
    """Open and close the help modal; return both latencies in seconds."""
    opened = term.press(b"?", OPEN_MARKER)
    term.drain(0.15)
    closed = term.press(b"?", CLOSE_MARKERS[phase])
    return opened, closed


def p95(ordered: list[float]) -> float:
    """95th percentile (nearest rank) of sorted, non-empty values."""
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return "| 0 | - | - | - | - |"
    return (
        f"| {len(ms)} | {statistics.median(ms):.0f} | {p95(ms):.0f} | {ms[0]:.0f} | {ms[-1]:.0f} |"
    )


Latencies = dict[str, dict[str, list[float]]]
"""phase (idle, running) → key (open, close) → seconds."""


def record(latencies: Latencies, phase: str, pair: tuple[float | None, float | None]) -> int:
    """Store one open/close pair; return how many of the two went unanswered."""
    lost = 0
    for kind, value in zip(("open", "close"), pair, strict=True):
        if value is None:
            lost += 1
        else:
            latencies[phase][kind].append(value)
    return lost


def play(term: Terminal, presses: int, go: Path, marks: Path) -> tuple[Latencies, int]:
    """The user's part: presses while idle, then start the run and press until it ends.

    Raises:
        RuntimeError: The app did not start or the run view did not appear.
    """
    latencies: Latencies = {p: {"open": [], "close": []} for p in ("idle", "running")}
    lost = 0
    if term.wait_for(b"matmul ladder", 60) is None:
        msg = f"the app did not start; last output: {term.tail.decode(errors='replace')}"
        raise RuntimeError(msg)
    term.drain(1.0)
    for _ in range(presses):
        lost += record(latencies, "idle", toggle_help(term, "idle"))
        term.drain(0.25)
    go.touch()
    if term.wait_for(CLOSE_MARKERS["running"], 60) is None:
        msg = "the run view did not appear"
        raise RuntimeError(msg)
    term.drain(1.0)  # the run is under way (warm-up, first samples)
    while not marks.exists():
        pair = toggle_help(term, "running")
        if marks.exists():  # the run ended during this pair: it does not count
            break
        lost += record(latencies, "running", pair)
        term.drain(0.25)
    return latencies, lost


def report(
    args: argparse.Namespace, times: dict[str, float], latencies: Latencies, lost: int
) -> tuple[str, bool]:
    """The markdown report and whether the target was met."""
    running = sorted(latencies["running"]["open"] + latencies["running"]["close"])
    worst = p95(running) * 1000
    lines = [
        f"## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.kernel} at "
        f"{args.size}, {args.seconds:g} s budget",
        "",
        f"- host: {platform.node()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the end, Python {platform.python_version()}",
        f"- run: {times['samples']:.0f} samples in {times['end'] - times['start']:.1f} s; "
        f"terminal 80×24 xterm-256color; key `?` opens the help modal, `?` closes it",
        f"- command: `python benchmarks/tui_latency.py {' '.join(sys.argv[1:])}`",
        "",
        "| app state / key | presses | p50 ms | p95 ms | min ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for phase in ("idle", "running"):
        for kind in ("open", "close"):
            lines.append(f"| {phase}, {kind} help " + summary(latencies[phase][kind]))
    met = worst <= args.target_ms and not lost
    lines += [
        "",
        f"While running: p95 {worst:.0f} ms over {len(running)} presses, {lost} unanswered "
        f"(target: answered within {args.target_ms:g} ms): {'met' if met else 'MISSED'}.",
        "",
    ]
    return "\n".join(lines), met


def main() -> int:
    """Run the app on a PTY, time key presses idle and during a run; 0 if p95 is in target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="avx2.packed_6x16.f32")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=10.0, help="run's time budget")
    parser.add_argument("--presses", type=int, default=10, help="idle open/close pairs")
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--out", type=Path, help="append the markdown report here")
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="sshapp-tui-latency-"))
    go, marks = state / "go", state / "marks.json"
    env = {**os.environ, "TERM": "xterm-256color", "SSHAPP_STATE_DIR": str(state)}
    for name in ("COLUMNS", "LINES", "COLORTERM"):
        env.pop(name, None)
    argv = [sys.executable, "-c", CHILD, args.kernel, str(args.size), str(args.seconds)]
    argv += [str(go), str(marks)]
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, argv, env)
    ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        latencies, lost = play(Terminal(fd), args.presses, go, marks)
        times = json.loads(marks.read_text())
    except RuntimeError as exc:
        print(f"tui_latency: {exc}", file=sys.stderr)
        return 1
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    text, met = report(args, times, latencies, lost)
    print(text)
    if args.out:
        with args.out.open("a") as out:
            out.write(text + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
