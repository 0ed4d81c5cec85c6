"""The kernel ladder, tuned vs model blocking and the host best beside numpy's OpenBLAS.

Run: ``flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/ladder.py`` (or
``make bench-ladder``). Writes ``benchmarks/results/ladder.{md,json}`` (git keeps the
history of earlier runs).

One run, one pinned core, in this order:

1. the FMA peaks and triad bandwidth;
2. every packed kernel tuned at 1024³ (`sshapp.bench.blocking.search`, a bounded coordinate
   descent from the analytical model), then tuned and model blocking timed alternately
   at 1024³ and 2048³;
3. the host's best kernel per dtype and shape class (`sshapp.bench.blocking.hostbest`), measured
   with the tuned blocks;
4. two worker subprocesses of this script: one with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
   removed (numpy's default OpenBLAS kernel; it also times the ladder) and one with
   OPENBLAS_CORETYPE=Haswell set for that subprocess only (OpenBLAS picks its kernel
   when it loads). Each times, per sweep shape, the host best interleaved with numpy.

The verdict compares the host best with the *better* of the two OpenBLAS kernels.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ladder_report import checks, render

RESULTS = Path(__file__).resolve().parent / "results"
LADDER_SIZE = 1024
TUNE_SIZE = 1024
TUNE_BUDGET = 12.0  # seconds per packed kernel
COMPARE_SIZES = (1024, 2048)
COMPARE_ROUNDS = 3
SWEEP = [(s, s, s) for s in (64, 128, 256, 512, 1024, 2048)] + [
    (200, 300, 500),
    (1, 4096, 4096),
    (4096, 64, 4096),
]
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
LADDER_ROUNDS = 5  # the ladder is timed round-robin: one sample of every step per round
SLOW_SAMPLE = 1.0  # seconds: a step this slow (naive at 1024³) gets its first sample only


def _stats(seconds: list[float], flops: float) -> dict[str, Any]:
    return {
        "samples_s": seconds,
        "best_gflops": flops / min(seconds) / 1e9,
        "median_gflops": flops / statistics.median(seconds) / 1e9,
    }


def _blocking(plan: dict[str, Any], kernel_id: str, shape: tuple[int, int, int]) -> Any:
    """The blocks `bench` would use at `shape`: this run's tuned ones, or the narrow-B rule."""
    from sshapp.kernels import Blocking, get, narrow_blocking

    blocks = plan["blocking"].get(kernel_id)
    if blocks is None:
        return None
    b = get(kernel_id).blocking
    return narrow_blocking(Blocking(b.MR, b.NR, *blocks), kernel_id, *shape)


# ----------------------------------------------------------------------------- worker


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


def _time_pair(
    kernel_id: str, dtype: str, shape: tuple[int, int, int], core: int, plan: Any
) -> Any:
    """Times our kernel and numpy interleaved: one numpy sample after each of ours."""
    from sshapp import kernels

    timer = _NumpyTimer(dtype, shape)
    blocks = _blocking(plan, kernel_id, shape)
    t = kernels.time_kernel(
        kernel_id,
        *shape,
        warmup=1,
        repeats=7,
        pin_core=core,
        min_sample_seconds=0.05,
        on_sample=lambda _i, _s: timer.sample(),
        blocking=blocks,
    )
    ours = {**_stats(list(t.samples), timer.flops), "calls_per_sample": t.calls_per_sample}
    if blocks is not None:
        ours["blocks"] = f"MC={blocks.MC} KC={blocks.KC} NC={blocks.NC}"
    return {"id": kernel_id, **ours}, timer.result()


LADDER_DTYPES = ("f32", "f64", "int8")
"""The dtypes whose ladder is timed (int8: naive → AVX2 VPMADDWD → AVX-VNNI → AVX-512 VNNI
→ AMX, each where this CPU has it; no numpy row: numpy has no integer BLAS)."""


def _time_ladder(dtype: str, core: int, plan: Any) -> list[dict[str, Any]]:
    """Times every ladder step of one dtype and numpy (where it has a BLAS for the dtype)
    round-robin at LADDER_SIZE³."""
    from sshapp import kernels

    ids = [
        k.id
        for k in reversed(kernels.list_kernels())
        if k.dtype == dtype and k.supported and k.ladder_step
    ]
    shape = (LADDER_SIZE,) * 3
    samples: dict[str, list[float]] = {kid: [] for kid in ids}
    calls: dict[str, int] = {}
    reference = _NumpyTimer(dtype, shape) if kernels.dtype(dtype).host_blas else None
    flops = 2.0 * math.prod(shape)
    for round_ in range(LADDER_ROUNDS):
        for kid in ids:
            if round_ > 0 and samples[kid][0] > SLOW_SAMPLE:
                continue
            t = kernels.time_kernel(
                kid,
                *shape,
                warmup=1,
                repeats=1,
                pin_core=core,
                min_sample_seconds=0.05,
                blocking=_blocking(plan, kid, shape),
            )
            samples[kid].extend(t.samples)
            calls[kid] = t.calls_per_sample
        if reference:
            reference.sample()
    rows = [
        {"id": kid, **_stats(samples[kid], flops), "calls_per_sample": calls[kid]} for kid in ids
    ]
    return [*rows, {"id": "numpy.matmul", **reference.result()}] if reference else rows


def worker(label: str, core: int, with_ladder: bool, plan: dict[str, Any]) -> dict[str, Any]:
    """Measures in this process (OpenBLAS already chose its kernel from our env)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from sshapp.bench.blocking import hostbest
    from sshapp.bench.protocol.spec import Shape

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
            for dtype in LADDER_DTYPES:
                out["ladder"][dtype] = _time_ladder(dtype, core, plan)
                _progress(f"[{label}] ladder {dtype} done")
        out["sweep"] = []
        for dtype in ("f32", "f64"):
            for shape in SWEEP:
                cls = hostbest.shape_class(Shape(*shape))
                kid = plan["best"][dtype][cls]
                ours, numpy = _time_pair(kid, dtype, shape, core, plan)
                out["sweep"].append(
                    {
                        "shape": list(shape),
                        "dtype": dtype,
                        "class": cls,
                        "ours": ours,
                        "numpy": numpy,
                    }
                )
            _progress(f"[{label}] sweep {dtype} done")
    return out


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------ orchestrator


def _tune_all(core: int) -> dict[str, Any]:
    """Tunes every packed kernel, then times tuned vs model blocking alternately."""
    from sshapp import kernels
    from sshapp.bench.blocking import search

    out: dict[str, Any] = {}
    for info in kernels.list_kernels():
        if not (info.packed and info.supported):
            continue
        tuned = search.tune_kernel(info.id, TUNE_SIZE, TUNE_BUDGET, pin_core=core)
        assert tuned is not None
        model = info.blocking
        chosen = kernels.Blocking(model.MR, model.NR, tuned.mc, tuned.kc, tuned.nc)
        entry: dict[str, Any] = {
            "model": [model.MC, model.KC, model.NC],
            "tuned": [tuned.mc, tuned.kc, tuned.nc],
            "explain": kernels.blocking_model(info.id).explain(),
            "sizes": {},
        }
        for size in COMPARE_SIZES:
            best = {"model": 0.0, "tuned": 0.0}
            for _ in range(COMPARE_ROUNDS):
                for name, blk in (("model", model), ("tuned", chosen)):
                    t = kernels.time_kernel(
                        info.id, size, size, size, repeats=1, pin_core=core, blocking=blk
                    )
                    best[name] = max(best[name], 2.0 * size**3 / min(t.samples) / 1e9)
            entry["sizes"][str(size)] = best
        out[info.id] = entry
        _progress(f"tuned {info.id}: {entry['tuned']} (model {entry['model']})")
    return out


def _run_worker(label: str, core: int, env: dict[str, str], with_ladder: bool, plan: Any) -> Any:
    cmd = [sys.executable, __file__, "--worker", label, "--core", str(core)]
    cmd += ["--plan", json.dumps(plan)]
    if with_ladder:
        cmd.append("--with-ladder")
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark (orchestrator) or one measuring worker (--worker)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--with-ladder", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        plan = json.loads(args.plan)
        json.dump(worker(args.worker, args.core, args.with_ladder, plan), sys.stdout)
        return 0

    from sshapp import kernels
    from sshapp.bench.blocking import hostbest
    from sshapp.bench.blocking.store import Tuned

    started = time.monotonic()
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    os.sched_setaffinity(0, {args.core})
    peaks = kernels.measure_peaks(pin_core=args.core)
    tuning = _tune_all(args.core)
    blocking = {kid: t["tuned"] for kid, t in tuning.items()}

    def tuned(kid: str) -> Tuned | None:
        if kid not in blocking:
            return None
        return Tuned(kid, *blocking[kid], 0.0, 0.0, TUNE_SIZE)

    best = hostbest.measure(("f32", "f64"), pin_core=args.core, tuned=tuned)
    _progress(f"host best: {best.choices}")
    plan = {"best": best.choices, "blocking": blocking}
    base_env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    workers = [
        _run_worker("default", args.core, base_env, True, plan),
        _run_worker(
            "haswell", args.core, {**base_env, "OPENBLAS_CORETYPE": "Haswell"}, False, plan
        ),
    ]
    cpu = kernels.cpu_info()
    now = dt.datetime.now(dt.UTC)
    report: dict[str, Any] = {
        "when": now.strftime("%Y-%m-%d %H:%M:%S"),
        "host": platform.node(),
        "core": args.core,
        "loadavg": loadavg,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "cpu": {
            "brand": cpu.brand,
            "vendor": cpu.vendor,
            "family": cpu.family,
            "model": cpu.model,
            "caches": cpu.caches,
            "features": [f for f, on in cpu.features.items() if on],
        },
        "peaks": {"fma_gflops": peaks.fma_gflops, "bandwidth_gbs": peaks.bandwidth_gbs},
        "tuning": tuning,
        "host_best": {"choices": best.choices, "gflops": best.gflops},
        "workers": workers,
    }
    report["checks"] = checks(report)
    report["runtime_s"] = round(time.monotonic() - started, 1)
    text = render(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ladder.md").write_text(text)
    (RESULTS / "ladder.json").write_text(json.dumps(report, indent=1) + "\n")
    print(text)
    print(f"\nwrote {RESULTS}/ladder.{{md,json}} in {report['runtime_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
