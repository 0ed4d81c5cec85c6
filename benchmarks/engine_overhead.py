"""Measures what the engine adds on top of the native timer, and `sshapp kernels` start-up.

1. Per-repetition overhead at 256³: the interval between consecutive samples as the
   consumer sees them, through `Engine.run` (worker thread → event loop → async
   generator) versus a direct `sshapp.kernels.time_kernel` call with a callback.
   Target: < 2 %.
2. `sshapp kernels` wall time from process start to exit. Target: < 0.4 s.

Run it alone: `flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/engine_overhead.py`.
Writes benchmarks/results/engine_overhead.md.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sshapp.bench.engine import Engine
from sshapp.bench.events import Sampled
from sshapp.bench.runner import pick_core
from sshapp.bench.spec import BenchSpec, Shape
from sshapp.config import Settings
from sshapp.kernels import best, cpu_info, time_kernel

SIZE = 256
REPS = 200
ROUNDS = 5
STARTS = 15
OUT = Path(__file__).parent / "results" / "engine_overhead.md"


def direct_intervals(kernel: str, core: int) -> list[float]:
    """Intervals between consecutive sample callbacks of a direct native run."""
    stamps: list[float] = []

    def on_sample(_: int, __: float) -> bool:
        stamps.append(time.perf_counter())
        return True

    time_kernel(kernel, SIZE, SIZE, SIZE, repeats=REPS, pin_core=core, on_sample=on_sample)
    return [b - a for a, b in itertools.pairwise(stamps)]


async def engine_intervals(engine: Engine, kernel: str) -> list[float]:
    """Intervals between consecutive Sampled events as an engine consumer sees them."""
    (run,) = engine.expand(BenchSpec((kernel,), (Shape(SIZE, SIZE, SIZE),), repeats=REPS))
    stamps: list[float] = []
    async for event in engine.run(run):
        if isinstance(event, Sampled):
            stamps.append(time.perf_counter())
    return [b - a for a, b in itertools.pairwise(stamps)]


def startup_seconds(argv: list[str], env: dict[str, str]) -> list[float]:
    """Wall times of `argv` run STARTS times (after one warm-up run)."""
    times = []
    for i in range(STARTS + 1):
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        if i:
            times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    """Measure, print and write the figures."""
    kernel = best("f32").id
    with tempfile.TemporaryDirectory() as state:
        settings = Settings.from_env({"SSHAPP_STATE_DIR": state})
        engine = Engine(settings, "bench")
        core = pick_core(settings.pin_core)
        direct: list[float] = []
        via_engine: list[float] = []
        for _ in range(ROUNDS):  # interleaved, so drift on a shared machine hits both
            direct += direct_intervals(kernel, core)
            via_engine += asyncio.run(engine_intervals(engine, kernel))
        env = {**os.environ, "SSHAPP_STATE_DIR": state}
        script = Path(sys.executable).with_name("sshapp")
        starts = startup_seconds([str(script), "kernels"], env)
        bare = startup_seconds([sys.executable, "-c", "pass"], env)
    d, e = statistics.median(direct), statistics.median(via_engine)
    overhead = (e - d) / d
    start = statistics.median(starts)
    lines = [
        "# Engine overhead",
        "",
        f"- host: {cpu_info().brand}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- kernel: {kernel} at {SIZE}³, {REPS} repetitions × {ROUNDS} rounds, pinned to core "
        f"{core}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| median interval between samples, direct time_kernel | {d * 1e3:.4f} ms |",
        f"| median interval between samples, through Engine.run | {e * 1e3:.4f} ms |",
        f"| engine per-repetition overhead (target < 2 %) | {overhead * 100:+.2f} % |",
        f"| `sshapp kernels` wall time, median of {STARTS} (target < 0.4 s) | {start:.3f} s |",
        f"| `sshapp kernels` wall time, min | {min(starts):.3f} s |",
        f"| bare `python -c pass`, median | {statistics.median(bare):.3f} s |",
        "",
        "Figures from a shared, noisy machine unless stated otherwise.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
