"""Measures how many bytes the TUI writes to its terminal per second while a run streams.

Usage: flock /tmp/sshapp-bench.lock python benchmarks/tui_bytes.py [--kernel ID] [--size N]
       [--seconds S] [--cols 80] [--rows 24]

The app runs on a pseudo-terminal of the given size with the real engine (a temporary state
directory), exactly as `sshapp tui` would; a one-line hook in the child submits one run with
a time budget once the app is up, writes the run's start and end times to a side file and
quits. The parent drains the PTY and counts bytes with timestamps. Target: <= 50 KB/s at
80×24 (a slow SSH link must not be flooded by chart redraws).
"""

from __future__ import annotations

import argparse
import sys

from pty_run import run_on_pty

CHILD = r"""
import json, sys, time
from pathlib import Path
from sshapp.bench.engine import Engine
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.config import Settings
from sshapp.tui.app import BenchApp

kernel, size, seconds, marks = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4])
engine = Engine(Settings.from_env(), "bench")
times = {}

class Driven(BenchApp):
    def on_mount(self):
        super().on_mount()
        self.set_timer(1.5, self.kick)
        self.set_interval(0.05, self.check)

    def kick(self):
        spec = BenchSpec((kernel,), (Shape(size, size, size),), repeats=100000,
                         budget_seconds=seconds)
        self.session.pending = engine.expand(spec)
        times["start"] = time.time()
        self.switch_mode("run")

    def check(self):
        if "start" in times and "end" not in times and self.session.results:
            times["end"] = time.time()
            times["samples"] = len(self.session.results[-1].samples)
            marks.write_text(json.dumps(times))
            self.set_timer(1.0, self.exit)

Driven(engine, "bench").run()
"""


def main() -> int:
    """Run the app on a PTY, print bytes per second during the run, return 0 if under target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="avx2.simd.f32")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--cols", type=int, default=80)
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--target-kbs", type=float, default=50.0)
    args = parser.parse_args()

    args_child = [args.kernel, str(args.size), str(args.seconds)]
    run = run_on_pty(CHILD, args_child, args.cols, args.rows, args.seconds + 60)
    if run.marks is None:
        print("the run did not finish; no figure. Last output:", file=sys.stderr)
        print(run.tail.decode(errors="replace"), file=sys.stderr)
        return 1
    times = run.marks
    start, end = times["start"], times["end"]
    during = run.bytes_between(start, end)
    seconds = end - start
    rate = during / seconds / 1000
    total = sum(n for _, n in run.chunks)
    print(
        f"{args.cols}x{args.rows} {args.kernel} at {args.size}, {times['samples']} samples in "
        f"{seconds:.1f} s: {during / 1000:.1f} KB written during the run = {rate:.1f} KB/s "
        f"(whole session {total / 1000:.1f} KB; target <= {args.target_kbs:g} KB/s)"
    )
    return 0 if rate <= args.target_kbs else 1


if __name__ == "__main__":
    sys.exit(main())
