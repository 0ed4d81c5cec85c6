"""Thread scaling of the packed kernels beside numpy on the same thread count, and the probes.

Run: ``flock /tmp/sshapp-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
.venv/bin/python benchmarks/scaling.py`` (numpy's default OpenBLAS kernel). Writes
``benchmarks/results/scaling.{md,json}``.

For every dtype and every thread count of the scaling series (1, 2, 4 ... all allowed
cores), each packed kernel of that dtype is timed through the app's own path
(``sshapp.kernels.time_kernel``: a pinned team created before timing) and numpy's
matmul with BLAS limited to the same count (threadpoolctl), the calling thread kept on
the same cores. Rounds alternate ours and numpy so drift hits both alike; best sample
counts. Then every FMA probe runs on 1..N threads at once: N times the one-core rate
means a unit per core, the same rate a shared unit.

Targets (issue 15, a 2-core machine): at 2048³ f32 and f64, the best kernel on 2
threads >= 1.8x itself on 1 thread, and >= 0.95x numpy on 2 threads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from sshapp import kernels
from sshapp.kernels import probes

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_SPEEDUP = 1.8
TARGET_VS_NUMPY = 0.95


def _numpy_samples(
    dtype: str, n: int, threads: int, cores: tuple[int, ...], reps: int
) -> list[float]:
    """Seconds of `reps` numpy matmuls at n³ on `threads` BLAS threads (after one warm-up)."""
    rng = np.random.default_rng(0)
    np_dt = kernels.dtype(dtype).input
    a = rng.uniform(-1, 1, (n, n)).astype(np_dt)
    b = rng.uniform(-1, 1, (n, n)).astype(np_dt)
    c = np.empty((n, n), np_dt)
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, set(cores))
    try:
        with threadpool_limits(limits=threads):
            np.matmul(a, b, out=c)
            samples = []
            for _ in range(reps):
                t0 = time.perf_counter()
                np.matmul(a, b, out=c)
                samples.append(time.perf_counter() - t0)
    finally:
        os.sched_setaffinity(0, saved)
    return samples


def _ours_samples(kernel_id: str, n: int, threads: int, first: int, reps: int) -> list[float]:
    timing = kernels.time_kernel(kernel_id, n, n, n, repeats=reps, pin_core=first, threads=threads)
    return list(timing.samples)


def measure(size: int, rounds: int, reps: int) -> dict[str, Any]:
    """Time every packed kernel and numpy on every count of the series; run the probes."""
    series = kernels.scaling_series()
    first = kernels.allowed_cores()[-1]
    flops = 2.0 * size**3
    rows: list[dict[str, Any]] = []
    for dtype in ("f32", "f64"):
        ids = [
            k.id for k in kernels.list_kernels() if k.threaded and k.supported and k.dtype == dtype
        ]
        for threads in series:
            cores = kernels.team_cores(first, threads)
            samples: dict[str, list[float]] = {kid: [] for kid in [*ids, "numpy"]}
            for _ in range(rounds):
                for kid in samples:
                    if kid == "numpy":
                        samples[kid] += _numpy_samples(dtype, size, threads, cores, reps)
                    else:
                        samples[kid] += _ours_samples(kid, size, threads, first, reps)
            for kid, secs in samples.items():
                best, median = flops / min(secs) / 1e9, flops / statistics.median(secs) / 1e9
                rows.append(
                    {
                        "dtype": dtype,
                        "kernel": kid,
                        "threads": threads,
                        "gflops": best,
                        "median_gflops": median,
                        "samples": len(secs),
                    }
                )
                print(
                    f"{dtype} {kid:26} {threads:2} threads {best:8.1f} GFLOP/s best,"
                    f" {median:8.1f} median of {len(secs)}",
                    flush=True,
                )
    probe_rows = []
    for isa, dtype in probes.supported_probes():
        by_n = {n: probes.measure_fma(isa, dtype, pin_core=first, threads=n) for n in series}
        probe_rows.append({"probe": f"{isa}.{dtype}", "gflops": by_n})
        text = ", ".join(f"{n}: {v:.1f}" for n, v in by_n.items())
        print(f"probe {isa}.{dtype}: {text}", flush=True)
    return {"size": size, "series": list(series), "rows": rows, "probes": probe_rows}


def verdicts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Per dtype: the best kernel's speedup on the top count and its ratio to numpy there."""
    out = []
    top = data["series"][-1]
    for dtype in ("f32", "f64"):
        rows = [r for r in data["rows"] if r["dtype"] == dtype]
        ours = [r for r in rows if r["kernel"] != "numpy"]
        if not ours or top == 1:
            continue
        at_top = max((r for r in ours if r["threads"] == top), key=lambda r: r["gflops"])
        one = next(r for r in ours if r["kernel"] == at_top["kernel"] and r["threads"] == 1)
        numpy_top = next(r for r in rows if r["kernel"] == "numpy" and r["threads"] == top)
        out.append(
            {
                "dtype": dtype,
                "kernel": at_top["kernel"],
                "threads": top,
                "speedup": at_top["gflops"] / one["gflops"],
                "vs_numpy": at_top["gflops"] / numpy_top["gflops"],
                "speedup_met": at_top["gflops"] / one["gflops"] >= TARGET_SPEEDUP,
                "vs_numpy_met": at_top["gflops"] / numpy_top["gflops"] >= TARGET_VS_NUMPY,
            }
        )
    return out


def markdown(data: dict[str, Any]) -> str:
    """The results as a Markdown report."""
    lines = [
        f"# Thread scaling at {data['size']}³ ({data['when']})",
        "",
        f"CPU: {data['cpu']}; allowed cores {data['cores']}; load average at start "
        f"{data['load_average']}. `python benchmarks/scaling.py`, numpy's default OpenBLAS.",
        "",
        "Best and median of every sample (rounds × reps, ours and numpy alternating); the"
        " ratios use the best.",
        "",
        "| dtype | kernel | threads | GFLOP/s best | median | × 1 thread"
        " | × numpy (same threads) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        one = next(
            x["gflops"]
            for x in data["rows"]
            if x["kernel"] == r["kernel"] and x["dtype"] == r["dtype"] and x["threads"] == 1
        )
        np_same = next(
            x["gflops"]
            for x in data["rows"]
            if x["kernel"] == "numpy" and x["dtype"] == r["dtype"] and x["threads"] == r["threads"]
        )
        lines.append(
            f"| {r['dtype']} | {r['kernel']} | {r['threads']} | {r['gflops']:.1f} | "
            f"{r['median_gflops']:.1f} | "
            f"{r['gflops'] / one:.2f} | {r['gflops'] / np_same:.2f} |"
        )
    lines += ["", "## Probes: 1 vs N threads at once (sum of the threads' rates)", ""]
    lines += ["| probe | " + " | ".join(f"{n} thr" for n in data["series"]) + " | N / 1 |"]
    lines += ["|---|" + "---|" * (len(data["series"]) + 1)]
    for p in data["probes"]:
        vals = [p["gflops"][n] for n in data["series"]]
        cells = " | ".join(f"{v:.1f}" for v in vals)
        lines.append(f"| {p['probe']} | {cells} | {vals[-1] / vals[0]:.2f} |")
    lines += ["", "## Targets", ""]
    for v in data["verdicts"]:
        lines.append(
            f"- {v['dtype']}: {v['kernel']} on {v['threads']} threads is {v['speedup']:.2f}× "
            f"itself on 1 (target {TARGET_SPEEDUP}: {'met' if v['speedup_met'] else 'NOT met'})"
            f", {v['vs_numpy']:.2f}× numpy on {v['threads']} (target {TARGET_VS_NUMPY}: "
            f"{'met' if v['vs_numpy_met'] else 'NOT met'})"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"note: {var}={os.environ[var]} is set: numpy is not on its default kernel")
    data = measure(args.size, args.rounds, args.reps)
    data |= {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": kernels.cpu_info().brand or platform.processor(),
        "cores": list(kernels.allowed_cores()),
        "load_average": [round(x, 2) for x in load],
    }
    data["verdicts"] = verdicts(data)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scaling.json").write_text(json.dumps(data, indent=1) + "\n")
    report = markdown(data)
    (args.out / "scaling.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
