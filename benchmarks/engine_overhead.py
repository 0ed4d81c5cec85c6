"""Measures what the engine adds on top of the native timer, and `sshapp kernels` start-up.

1. Per-repetition overhead at 256³: the share of wall time between consecutive samples
   (as the consumer sees them) not spent in timed kernel calls, through `Engine.run`
   (worker thread → event loop → async generator) versus a direct
   `sshapp.kernels.time_kernel` call with a callback; and whether the engine changes
   the time per call. Target: < 2 %.
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
from sshapp.bench.protocol.events import Sampled
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.bench.run.runner import pick_core
from sshapp.config import Settings
from sshapp.kernels import cpu_info, ladder_top, time_kernel

SIZE = 256
REPS = 200
ROUNDS = 5
STARTS = 15
OUT = Path(__file__).parent / "results" / "engine_overhead.md"


Stamps = list[tuple[float, float]]
"""(wall-clock time the consumer saw a sample, seconds per call of that sample)."""


def direct_stamps(kernel: str, core: int) -> tuple[Stamps, int]:
    """Samples of a direct native run, stamped in its callback; and calls per sample."""
    stamps: Stamps = []

    def on_sample(_: int, seconds: float) -> bool:
        stamps.append((time.perf_counter(), seconds))
        return True

    timing = time_kernel(kernel, SIZE, SIZE, SIZE, repeats=REPS, pin_core=core, on_sample=on_sample)
    return stamps, timing.calls_per_sample


async def engine_stamps(engine: Engine, kernel: str) -> Stamps:
    """Samples as an Engine.run consumer sees them."""
    (run,) = engine.expand(BenchSpec((kernel,), (Shape(SIZE, SIZE, SIZE),), repeats=REPS))
    stamps: Stamps = []
    async for event in engine.run(run):
        if isinstance(event, Sampled):
            stamps.append((time.perf_counter(), event.seconds))
    return stamps


def overheads(stamps: Stamps, calls: int | None) -> list[float]:
    """Per repetition: the share of wall time between samples not spent in timed calls.

    With calls=None the calls per sample are inferred (interval / seconds, rounded),
    exact as long as the overhead is below half a call.
    """
    shares = []
    for (t0, _), (t1, seconds) in itertools.pairwise(stamps):
        interval = t1 - t0
        n = calls if calls is not None else max(1, round(interval / seconds))
        shares.append((interval - n * seconds) / interval)
    return shares


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
    kernel = ladder_top("f32").id
    with tempfile.TemporaryDirectory() as state:
        settings = Settings.from_env({"SSHAPP_STATE_DIR": state})
        engine = Engine(settings, "bench")
        core = pick_core(settings.pin_core)
        direct: list[float] = []
        via_engine: list[float] = []
        direct_s: list[float] = []
        engine_s: list[float] = []
        for _ in range(ROUNDS):  # interleaved, so drift on a shared machine hits both
            stamps, calls = direct_stamps(kernel, core)
            direct += overheads(stamps, calls)
            direct_s += [sec for _, sec in stamps]
            stamps = asyncio.run(engine_stamps(engine, kernel))
            via_engine += overheads(stamps, None)
            engine_s += [sec for _, sec in stamps]
        env = {**os.environ, "SSHAPP_STATE_DIR": state}
        script = Path(sys.executable).with_name("sshapp")
        starts = startup_seconds([str(script), "kernels"], env)
        bare = startup_seconds([sys.executable, "-c", "pass"], env)
    d, e = statistics.median(direct), statistics.median(via_engine)
    ds, es = statistics.median(direct_s), statistics.median(engine_s)
    start = statistics.median(starts)
    lines = [
        "# Engine overhead",
        "",
        f"- host: {cpu_info().brand}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- kernel: {kernel} at {SIZE}³, {REPS} repetitions × {ROUNDS} rounds, pinned to core "
        f"{core}",
        "- overhead = share of the wall time between two samples not spent in timed calls",
        "",
        "| measure | value |",
        "|---|---|",
        f"| median time per call, direct time_kernel | {ds * 1e3:.4f} ms |",
        f"| median time per call, through Engine.run | {es * 1e3:.4f} ms "
        f"({(es - ds) / ds * 100:+.2f} %) |",
        f"| overhead per repetition, direct (callback only) | {d * 100:.3f} % |",
        f"| overhead per repetition, through Engine.run | {e * 100:.3f} % |",
        f"| engine's extra per-repetition overhead (target < 2 %) | {(e - d) * 100:+.3f} % |",
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
