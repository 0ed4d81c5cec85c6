"""The kernel ladder and a size sweep beside numpy's OpenBLAS, on one pinned core.

Run: ``flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/ladder.py`` (or
``make bench-ladder``). Writes ``benchmarks/results/ladder.{md,json}`` (git keeps the
history of earlier runs).

OpenBLAS picks its kernel when it is loaded, from the CPU and OPENBLAS_CORETYPE, so
this script is an orchestrator: it measures in two worker subprocesses of itself,
one with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from the environment (numpy's
default kernel) and one with OPENBLAS_CORETYPE=Haswell (the AVX2 comparison). Each
worker times our kernels and numpy side by side in the same process, pinned to the
same core, with BLAS limited to one thread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
LADDER_SIZE = 1024
SWEEP = [(s, s, s) for s in (64, 128, 256, 512, 1024, 2048)] + [
    (200, 300, 500),
    (1, 4096, 4096),
    (4096, 64, 4096),
]
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
LADDER_ROUNDS = 5  # the ladder is timed round-robin: one sample of every step per round
SLOW_SAMPLE = 1.0  # seconds: a step this slow (naive at 1024³) gets its first sample only
TARGETS = {"f32": 0.90, "f64": 0.85}  # issue 3: AVX2 packed vs OpenBLAS-Haswell


# ----------------------------------------------------------------------------- worker


def _stats(seconds: list[float], flops: float) -> dict[str, Any]:
    return {
        "samples_s": seconds,
        "best_gflops": flops / min(seconds) / 1e9,
        "median_gflops": flops / statistics.median(seconds) / 1e9,
    }


class _NumpyTimer:
    """Times np.matmul(a, b, out=c); fast calls are repeated so a sample lasts ≥ 50 ms."""

    def __init__(self, dtype: str, shape: tuple[int, int, int]) -> None:
        import numpy as np

        from sshapp.kernels import dtype as dtype_row

        m, n, k = shape
        rng = np.random.default_rng(0)
        row = dtype_row(dtype)
        self.a = row.draw(rng, (m, k))
        self.b = row.draw(rng, (k, n))
        self.c = np.empty((m, n), row.output)
        self.flops = 2.0 * m * n * k
        self.samples: list[float] = []
        t0 = time.perf_counter()
        np.matmul(self.a, self.b, out=self.c)  # warm-up; also sizes the sample
        self.calls = max(1, math.ceil(0.05 / max(time.perf_counter() - t0, 1e-9)))

    def sample(self) -> None:
        import numpy as np

        t0 = time.perf_counter()
        for _ in range(self.calls):
            np.matmul(self.a, self.b, out=self.c)
        self.samples.append((time.perf_counter() - t0) / self.calls)

    def result(self) -> dict[str, Any]:
        return {**_stats(self.samples, self.flops), "calls_per_sample": self.calls}


def _time_pair(kernel_id: str, dtype: str, shape: tuple[int, int, int], core: int) -> Any:
    """Times our kernel and numpy interleaved: one numpy sample after each of ours.

    Both then see the same moments of a shared, noisy host, so their ratio is fairer
    than two back-to-back series. numpy's samples run in the per-sample callback,
    outside our timed region.
    """
    from sshapp import kernels

    m, n, k = shape
    timer = _NumpyTimer(dtype, shape)
    t = kernels.time_kernel(
        kernel_id,
        m,
        n,
        k,
        warmup=1,
        repeats=7,
        pin_core=core,
        min_sample_seconds=0.05,
        on_sample=lambda _i, _s: timer.sample(),
    )
    ours = {**_stats(list(t.samples), timer.flops), "calls_per_sample": t.calls_per_sample}
    return {"id": kernel_id, **ours}, timer.result()


def _ladder(dtype: str) -> list[str]:
    """Kernel ids of one dtype in ladder order (the table is fastest-first)."""
    from sshapp import kernels

    return [k.id for k in reversed(kernels.list_kernels()) if k.dtype == dtype and k.supported]


def _time_ladder(dtype: str, core: int) -> list[dict[str, Any]]:
    """Times every ladder step of one dtype and numpy round-robin at LADDER_SIZE³.

    Adjacent steps are compared ("each step beats the one before"), so each round
    takes one sample of every step: a burst of load elsewhere on the host then hits
    all of them alike instead of one step's whole series.
    """
    from sshapp import kernels

    ids = _ladder(dtype)
    shape = (LADDER_SIZE,) * 3
    samples: dict[str, list[float]] = {kid: [] for kid in ids}
    calls: dict[str, int] = {}
    reference = _NumpyTimer(dtype, shape)
    for round_ in range(LADDER_ROUNDS):
        for kid in ids:
            if round_ > 0 and samples[kid][0] > SLOW_SAMPLE:
                continue
            t = kernels.time_kernel(
                kid, *shape, warmup=1, repeats=1, pin_core=core, min_sample_seconds=0.05
            )
            samples[kid].extend(t.samples)
            calls[kid] = t.calls_per_sample
        reference.sample()
    rows = [
        {"id": kid, **_stats(samples[kid], reference.flops), "calls_per_sample": calls[kid]}
        for kid in ids
    ]
    return [*rows, {"id": "numpy.matmul", **reference.result()}]


def worker(label: str, core: int, with_ladder: bool) -> dict[str, Any]:
    """Measures in this process (OpenBLAS already chose its kernel from our env)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from sshapp import kernels

    os.sched_setaffinity(0, {core})
    out: dict[str, Any] = {"label": label, "env": {v: os.environ.get(v) for v in OPENBLAS_VARS}}
    with threadpool_limits(limits=1, user_api="blas"):
        out["blas"] = [
            {key: i.get(key) for key in ("internal_api", "version", "architecture", "num_threads")}
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
        if with_ladder:
            out["ladder"] = {}
            for dtype in ("f32", "f64"):
                out["ladder"][dtype] = _time_ladder(dtype, core)
                _progress(f"[{label}] ladder {dtype} done")
        out["sweep"] = []
        for dtype in ("f32", "f64"):
            best = kernels.ladder_top(dtype).id
            for shape in SWEEP:
                ours, numpy = _time_pair(best, dtype, shape, core)
                out["sweep"].append(
                    {"shape": list(shape), "dtype": dtype, "ours": ours, "numpy": numpy}
                )
            _progress(f"[{label}] sweep {dtype} done")
    return out


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------ orchestrator


def _run_worker(label: str, core: int, env: dict[str, str], with_ladder: bool) -> Any:
    cmd = [sys.executable, __file__, "--worker", label, "--core", str(core)]
    if with_ladder:
        cmd.append("--with-ladder")
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(proc.stdout)


def _pct(value: float, peak: float | None) -> str:
    return f"{100 * value / peak:.0f} %" if peak else "-"


def _numpy_peak(peaks: Any, dtype: str) -> float | None:
    same = [v for key, v in peaks.fma_gflops.items() if key.endswith(dtype)]
    return max(same) if same else None


def render(report: dict[str, Any], peaks: Any) -> str:
    """Returns the markdown report."""
    lines = [
        f"# Kernel ladder — {report['cpu']['brand']}",
        "",
        f"- when: {report['when']} (UTC), host `{report['host']}`, core {report['core']}, "
        f"load average at start {report['loadavg']}",
        f"- command: `{report['command']}`",
        "- timing: best and median of up to 7 samples; our kernels timed in C++ "
        "(inputs allocated once, ≥ 50 ms per sample), numpy as `np.matmul(a, b, out=c)` "
        "with as many calls per sample; in the sweep one numpy sample follows each of "
        "ours (interleaved); BLAS limited to 1 thread; process pinned. "
        f"The ladder is timed round-robin ({LADDER_ROUNDS} rounds, one sample of each "
        f"step per round); steps slower than {SLOW_SAMPLE:.0f} s per call (naive) get one "
        "sample only. The sweep runs only the best kernel per dtype.",
        "- FMA peak (1 core): "
        + ", ".join(f"{key} {v:.1f} GFLOPS" for key, v in peaks.fma_gflops.items())
        + f"; triad bandwidth {peaks.bandwidth_gbs:.1f} GB/s",
        "- noise: the host's 2 cores are shared with other work; compare figures of one "
        "run only, ratios (same process, same minute) are steadier than absolute GFLOPS.",
    ]
    for w in report["workers"]:
        blas = ", ".join(
            f"{b['internal_api']} {b['version']} kernel={b['architecture']}" for b in w["blas"]
        )
        lines.append(f"- worker `{w['label']}`: env {w['env']}; BLAS: {blas}")
    default = report["workers"][0]
    lines += ["", f"## Ladder at {LADDER_SIZE}³ (worker `{default['label']}`)", ""]
    for dtype, rows in default["ladder"].items():
        lines += [
            f"### {dtype}",
            "",
            "| step | best GFLOPS | median | % of peak | × previous step | × numpy (best) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        np_best = rows[-1]["best_gflops"]
        prev = None
        for row in rows:
            peak = peaks.peak_for(row["id"]) or _numpy_peak(peaks, dtype)
            step = (
                f"{row['best_gflops'] / prev:.2f}" if prev and row["id"] != "numpy.matmul" else ""
            )
            lines.append(
                f"| `{row['id']}` | {row['best_gflops']:.1f} | {row['median_gflops']:.1f} | "
                f"{_pct(row['best_gflops'], peak)} | {step} | "
                f"{row['best_gflops'] / np_best:.2f} |"
            )
            prev = row["best_gflops"]
        lines.append("")
    for w in report["workers"]:
        lines += [
            f"## Sweep, best kernels vs numpy (worker `{w['label']}`)",
            "",
            "| m×n×k | dtype | kernel | ours best | ours median | numpy best | numpy median "
            "| × numpy (best) | × numpy (median) | ours % peak |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in w["sweep"]:
            o, n = row["ours"], row["numpy"]
            lines.append(
                f"| {'×'.join(map(str, row['shape']))} | {row['dtype']} | `{o['id']}` | "
                f"{o['best_gflops']:.1f} | {o['median_gflops']:.1f} | {n['best_gflops']:.1f} | "
                f"{n['median_gflops']:.1f} | {o['best_gflops'] / n['best_gflops']:.2f} | "
                f"{o['median_gflops'] / n['median_gflops']:.2f} | "
                f"{_pct(o['best_gflops'], peaks.peak_for(o['id']))} |"
            )
        lines.append("")
    lines += ["## Checks", "", *(f"- {c}" for c in report["checks"]), ""]
    return "\n".join(lines)


def checks(report: dict[str, Any]) -> list[str]:
    """The issue's targets, evaluated on this run's figures."""
    out = []
    for dtype, rows in report["workers"][0]["ladder"].items():
        ours = [r for r in rows if r["id"] != "numpy.matmul"]
        for prev, row in itertools.pairwise(ours):
            ok = row["best_gflops"] > prev["best_gflops"]
            out.append(
                f"{'PASS' if ok else 'FAIL'} ladder {dtype}: `{row['id']}` "
                f"{row['best_gflops']:.1f} > `{prev['id']}` {prev['best_gflops']:.1f} GFLOPS"
            )
    for w in report["workers"]:
        for row in w["sweep"]:
            o, n = row["ours"], row["numpy"]
            if not o["id"].startswith("avx2.packed") or row["shape"][0] not in (1024, 2048):
                continue
            if row["shape"][0] != row["shape"][1] or w["label"] != "haswell":
                continue
            ratio = o["best_gflops"] / n["best_gflops"]
            goal = TARGETS[row["dtype"]]
            out.append(
                f"{'PASS' if ratio >= goal else 'FAIL'} `{o['id']}` at {row['shape'][0]}³ = "
                f"{ratio:.2f}× OpenBLAS-Haswell (target ≥ {goal:.2f})"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark (orchestrator) or one measuring worker (--worker)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--with-ladder", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        json.dump(worker(args.worker, args.core, args.with_ladder), sys.stdout)
        return 0

    from sshapp import kernels

    started = time.monotonic()
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    os.sched_setaffinity(0, {args.core})
    peaks = kernels.measure_peaks(pin_core=args.core)
    base_env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    workers = [
        _run_worker("default", args.core, base_env, with_ladder=True),
        _run_worker("haswell", args.core, {**base_env, "OPENBLAS_CORETYPE": "Haswell"}, False),
    ]
    cpu = kernels.cpu_info()
    now = dt.datetime.now(dt.UTC)
    report: dict[str, Any] = {
        "when": now.strftime("%Y-%m-%d %H:%M:%S"),
        "host": platform.node(),
        "core": args.core,
        "loadavg": loadavg,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "cpu": {"brand": cpu.brand, "features": [f for f, on in cpu.features.items() if on]},
        "peaks": {"fma_gflops": peaks.fma_gflops, "bandwidth_gbs": peaks.bandwidth_gbs},
        "workers": workers,
    }
    report["checks"] = checks(report)
    report["runtime_s"] = round(time.monotonic() - started, 1)
    text = render(report, peaks)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ladder.md").write_text(text)
    (RESULTS / "ladder.json").write_text(json.dumps(report, indent=1) + "\n")
    print(text)
    print(f"\nwrote {RESULTS}/ladder.{{md,json}} in {report['runtime_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
