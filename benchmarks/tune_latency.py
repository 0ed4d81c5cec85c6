"""Measures the Tune screen: key press → first re-timed sample on screen, and bytes/s sent.

Usage: flock /tmp/sshapp-bench.lock python benchmarks/tune_latency.py [--size N]
       [--changes N] [--gap S] [--out FILE]

The real app (`sshapp.tui.app.main`, real engine, temporary state directory) runs on a
pseudo-terminal at 80×24, xterm-256color. The parent opens the Tune screen (`t`), waits
for the continuous run at size³ to stream, then types a new KC (`e`, digits, enter) every
`--gap` seconds, each value distinct. It times each change from the write of enter to
the first output holding the change's label under the trace ("KC 208"), which is drawn
only with the first sample timed at the new blocks. Bytes read from the terminal over
10 s of streaming with no key pressed give bytes/s (and, apart, while values are
typed). Targets: p95 ≤ 500 ms, ≤ 50 KB/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import pty
import struct
import sys
import tempfile
import termios
import time
from fcntl import ioctl
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from tui_latency import Terminal, p95

STEADY_SECONDS = 10.0
"""Seconds of streaming with no key pressed, for the bytes/s figure."""
CHILD = "from sshapp.tui.app import main; raise SystemExit(main('bench'))"


class Counting(Terminal):
    """A Terminal that counts every byte it reads."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd)
        self.bytes = 0

    def _read(self, timeout: float) -> bytes:
        data = super()._read(timeout)
        self.bytes += len(data)
        return data


def play(term: Counting, changes: int, gap: float) -> tuple[list[float], int, float, float]:
    """Open the screen, stream, make `changes` KC changes.

    Returns:
        Latencies (s), changes never seen, bytes/s while streaming with no key pressed,
        bytes/s while changing (typing a value repaints the field too).
    """
    if term.press(b"t", b"running", timeout=60) is None:
        msg = "the Tune screen never started running"
        raise RuntimeError(msg)
    term.drain(2.0)  # BLAS reference, first samples, clocks up
    start_bytes, started = term.bytes, time.perf_counter()
    term.drain(STEADY_SECONDS)
    steady = (term.bytes - start_bytes) / (time.perf_counter() - started)
    start_bytes, started = term.bytes, time.perf_counter()
    latencies: list[float] = []
    lost = 0
    for i in range(changes):
        kc = 200 + 8 * i
        for key in (b"e", str(kc).encode()):
            os.write(term.fd, key)
            term.drain(0.05)
        took = term.press(b"\r", f"KC {kc}".encode(), timeout=5.0)
        if took is None:
            lost += 1
        else:
            latencies.append(took)
        term.drain(gap)
    changing = (term.bytes - start_bytes) / (time.perf_counter() - started)
    return latencies, lost, steady, changing


def main() -> int:
    """Run the app on a PTY and measure; 0 if both targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between changes")
    parser.add_argument("--out", type=Path, help="append the markdown report here")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="sshapp-tune-latency-"))
    env = {**os.environ, "TERM": "xterm-256color", "SSHAPP_STATE_DIR": str(state)}
    for name in ("COLUMNS", "LINES", "COLORTERM"):
        env.pop(name, None)
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-c", CHILD], env)
    ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        latencies, lost, steady, changing = play(Counting(fd), args.changes, args.gap)
    except RuntimeError as exc:
        print(f"tune_latency: {exc}", file=sys.stderr)
        return 1
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    ordered = sorted(ms * 1000 for ms in latencies)
    rate, busy = steady / 1000, changing / 1000
    worst = p95(ordered) if ordered else float("inf")
    met = bool(ordered) and lost == 0 and worst <= 500 and rate <= 50
    text = (
        f"tune_latency on {platform.node()} ({args.size}³, 80×24): key → first re-timed "
        f"sample p50 {ordered[len(ordered) // 2]:.0f} ms, p95 {worst:.0f} ms, max "
        f"{ordered[-1]:.0f} ms over {len(ordered)} changes ({lost} lost; target p95 ≤ 500 ms); "
        f"{rate:.1f} KB/s sent while streaming (target ≤ 50), {busy:.1f} KB/s while a value "
        f"was typed every {args.gap:g} s — "
        f"{'met' if met else 'NOT met'}"
        if ordered
        else f"tune_latency: no change was seen ({lost} lost)"
    )
    print(text)
    if args.out:
        with args.out.open("a") as out:
            out.write(text + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
