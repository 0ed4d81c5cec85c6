"""Measures how many bytes the lesson screen writes per second while its outer product plays.

Usage: python benchmarks/lesson_bytes.py [--kernel ID] [--seconds S] [--cols 80] [--rows 24]
       [--pace-index N] [--target-kbs 20]

The app runs on a pseudo-terminal of the given size with the real engine (a temporary state
directory, nothing is timed), opens the lesson of --kernel, shows its outer product (tab 3)
at the fastest pace, and quits after --seconds; the parent drains the PTY and counts the
bytes written between the start and end marks the child writes to a side file. Target:
<= 20 KB/s at 80×24 (the animation is throttled like the charts).
"""

from __future__ import annotations

import argparse
import sys

from pty_run import run_on_pty

CHILD = r"""
import json, sys, time
from pathlib import Path
from sshapp.bench.engine import Engine
from sshapp.config import Settings
from sshapp.tui.app import BenchApp
from sshapp.tui.screens.lesson import LessonScreen
from sshapp.tui.widgets.outer_product import OuterProduct

kernel, seconds, pace, marks = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
engine = Engine(Settings.from_env(), "bench")
times = {}

class Driven(BenchApp):
    def on_mount(self):
        super().on_mount()
        self.set_timer(1.0, self.open)

    def open(self):
        self.push_screen(LessonScreen(self.session, kernel))
        self.set_timer(1.5, self.play)

    def play(self):
        screen = self.screen
        screen.action_tab("outer")
        widget = screen.query_one(OuterProduct)
        widget.steps.pace_index = pace
        self.set_timer(0.5, self.start)

    def start(self):
        times["start"] = time.time()
        times["ticks0"] = self.screen.query_one(OuterProduct).steps.ticks
        self.set_timer(seconds, self.end)

    def end(self):
        times["end"] = time.time()
        times["ticks"] = self.screen.query_one(OuterProduct).steps.ticks - times["ticks0"]
        marks.write_text(json.dumps(times))
        self.exit()

Driven(engine, "bench").run()
"""


def measure(
    kernel: str, seconds: float, cols: int, rows: int, pace_index: int
) -> tuple[float, float, int]:
    """Return (bytes written during the animation, its seconds, rows stepped) on a PTY."""
    args = [kernel, str(seconds), str(pace_index)]
    run = run_on_pty(CHILD, args, cols, rows, seconds + 60)
    if run.marks is None:
        msg = "the lesson child never reached its end mark"
        raise RuntimeError(msg)
    times = run.marks
    during = run.bytes_between(times["start"], times["end"])
    return float(during), times["end"] - times["start"], int(times["ticks"])


def main() -> int:
    """Print bytes per second while the outer product plays; 0 if under the target."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kernel", default="avx2.ukr_5x16.f32")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--cols", type=int, default=80)
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--pace-index", type=int, default=6, help="index into PACES (6: 32/s)")
    parser.add_argument("--target-kbs", type=float, default=20.0)
    args = parser.parse_args()
    during, seconds, ticks = measure(
        args.kernel, args.seconds, args.cols, args.rows, args.pace_index
    )
    rate = during / seconds / 1000
    print(
        f"{args.cols}x{args.rows} lesson of {args.kernel}, outer product at pace index "
        f"{args.pace_index}: {ticks} rows stepped in {seconds:.1f} s, {during / 1000:.1f} KB "
        f"written = {rate:.1f} KB/s (target <= {args.target_kbs:g} KB/s)"
    )
    return 0 if rate <= args.target_kbs else 1


if __name__ == "__main__":
    sys.exit(main())
