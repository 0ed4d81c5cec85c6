"""bf16 and int8 kernels beside PyTorch's CPU bf16 matmul and ``torch._int_mm`` (oneDNN).

Run: ``flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/lowp.py`` (one pinned
core, one thread). Writes ``benchmarks/results/lowp.{md,json}``.

Every supported bf16 / int8 kernel of this build is timed at 256, 512, 1024, 2048
square and 200×300×500 (``ref.naive.*`` only up to 512: it needs seconds per call
beyond) together with the peers and our best f32 kernel (the fastest packed one,
measured; for the "what does lower precision buy" ratios), round-robin: each round
takes one sample of every one of them, in the same process on the same core, so the
ratios compare the same moments of a shared host. A separate short process with
``ONEDNN_VERBOSE=1`` records which implementation and ISA oneDNN chose for the peer.
Where the CPU lacks a feature (AVX512_BF16, AVX512_VNNI, AMX), the report says so and
the targets that need it are marked "not measurable here". Without torch the script
still times our kernels. At 2048³ every threaded bf16/int8 kernel is also timed on 1
and 2 threads, alternately (issue 21's scaling target).

Cache blocks: by default the run gets a fresh, empty state directory, so every packed
kernel runs with the analytical model's blocks (what a new install gets), never a stale
`sshapp tune` result; ``--state-dir DIR`` measures with DIR's tune results instead.

torch is an optional benchmark extra, never a runtime dependency. The leanest working
CPU install is PyPI's CPU-only build, which pulls no CUDA packages (only filelock,
fsspec, networkx, sympy, mpmath, jinja2, typing-extensions)::

    .venv/bin/pip install 'torch==2.13.0+cpu'    # or: pip install -e '.[bench]'

Where the index serves ``2.13.0+cpu``, the extra's ``torch==2.13.0`` resolves to it
(pip prefers the local version; checked with ``pip install --dry-run``). The plain
``2.13.0`` Linux wheel (``torch===2.13.0``) pulls triton and 16 nvidia-*-cu13 wheels;
if only that one is served, ``pip install --no-deps torch===2.13.0`` plus the
pure-Python packages above gives a working CPU torch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
SHAPES = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (200, 300, 500)]
NAIVE_MAX = 512  # ref.naive.* beyond this takes seconds per call
DTYPES = ("bf16", "int8")
REPEATS = 11  # best of 11: 2 vCPUs shared with other sessions move samples 2x
THREADS = 2  # the scaling target: this many threads against one, at THREAD_SIDE³
THREAD_SIDE = 2048
SAMPLE_SECONDS = 0.05
FEATURES = ("avx_vnni", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8")


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- the peer


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


class Peer:
    """One torch op at one shape; each sample repeats the call for ≥ SAMPLE_SECONDS."""

    def __init__(self, torch: Any, dtype: str, shape: tuple[int, int, int]) -> None:
        m, n, k = shape
        g = torch.Generator().manual_seed(0)
        if dtype == "bf16":  # the peer's own API differs per dtype; ours does not
            self.a = (torch.rand(m, k, generator=g) * 2 - 1).bfloat16()
            self.b = (torch.rand(k, n, generator=g) * 2 - 1).bfloat16()
            self.c = torch.empty(m, n, dtype=torch.bfloat16)
            self.call = lambda: torch.matmul(self.a, self.b, out=self.c)
            self.name = "torch.matmul bf16 (C in bf16)"
        else:
            self.a = torch.randint(-128, 128, (m, k), dtype=torch.int8, generator=g)
            self.b = torch.randint(-128, 128, (k, n), dtype=torch.int8, generator=g)
            self.c = torch.empty(m, n, dtype=torch.int32)
            self.call = lambda: torch._int_mm(self.a, self.b, out=self.c)
            self.name = "torch._int_mm (s8·s8 → s32)"
        self.flops = 2.0 * m * n * k
        t0 = time.perf_counter()
        self.call()
        self.calls = max(1, math.ceil(SAMPLE_SECONDS / max(time.perf_counter() - t0, 1e-9)))
        self.samples: list[float] = []

    def sample(self) -> None:
        t0 = time.perf_counter()
        for _ in range(self.calls):
            self.call()
        self.samples.append((time.perf_counter() - t0) / self.calls)

    def result(self) -> dict[str, Any]:
        while len(self.samples) < REPEATS:  # none of ours ran at this size (naive only)
            self.sample()
        return {"id": self.name, **_stats(self.samples, self.flops)}


def discover(out: Path) -> None:
    """(Subprocess, ONEDNN_VERBOSE=1) one call of each peer op per shape; notes oneDNN's path."""
    torch = _torch()
    for dtype in DTYPES:
        for shape in SHAPES:
            Peer(torch, dtype, shape)
    out.write_text("{}")


def peer_paths() -> dict[str, Any]:
    """Returns oneDNN's version, ISA line and implementation per op, from its verbose log."""
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"lowp-discover-{os.getpid()}.json"
    env = {**os.environ, "ONEDNN_VERBOSE": "1"}
    proc = subprocess.run(
        [sys.executable, __file__, "--discover", str(tmp)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    tmp.unlink(missing_ok=True)
    info: dict[str, Any] = {"ops": {}, "lines": []}
    for line in proc.stdout.splitlines():
        parts = line.split(",")
        if line.startswith("onednn_verbose,v1,info,") and "template" not in line:
            info["lines"].append(",".join(parts[3:]))
        elif len(parts) > 7 and parts[2] == "primitive" and parts[3] == "exec":
            # kind (matmul / gemm_api), implementation, memory descriptors, problem
            kind, impl, mds, problem = parts[5], parts[6] or "(not named)", parts[8], parts[-2]
            info["ops"][f"{kind} {mds.split()[0]} {problem}"] = impl
    if proc.returncode != 0:
        info["error"] = proc.stderr.strip().splitlines()[-1:] or ["failed"]
    return info


# ------------------------------------------------------------------------------ ours


def _stats(seconds: list[float], flops: float) -> dict[str, Any]:
    return {
        "samples_s": seconds,
        "best_gflops": flops / min(seconds) / 1e9,
        "median_gflops": flops / sorted(seconds)[len(seconds) // 2] / 1e9,
    }


def _checked(kernel_id: str) -> bool:
    """One product at 200×300×500 against the dtype's rule (the tests do the full set)."""
    import numpy as np

    from sshapp import kernels

    row = kernels.dtype(kernels.get(kernel_id).dtype)
    rng = np.random.default_rng(7)
    a, b = row.draw(rng, (200, 500)), row.draw(rng, (500, 300))
    return kernels.check_product(kernels.gemm(kernel_id, a, b), a, b).ok


def best_f32(core: int) -> str:
    """Our fastest packed f32 kernel here, by measurement at 1024³."""
    from sshapp import kernels

    ids = [k.id for k in kernels.list_kernels() if k.dtype == "f32" and k.supported]
    packed = [kid for kid in ids if "packed" in kid] or [kernels.ladder_top("f32").id]
    best = {kid: min(_sample(kid, (1024,) * 3, core, i == 0) for i in range(3)) for kid in packed}
    return min(best, key=best.__getitem__)


def blocks_here(kernel_id: str) -> Any:
    """The cache blocks `sshapp bench` would run `kernel_id` with on this host: this CPU's
    `sshapp tune` result where there is one, else the analytical model (None: no blocks)."""
    from sshapp import kernels
    from sshapp.bench.blocking.blocks import as_blocking, run_blocking
    from sshapp.bench.blocking.store import TuneCache
    from sshapp.config import Settings

    cache = TuneCache(Settings.from_env().state_dir)
    return (
        as_blocking(kernel_id, run_blocking(kernel_id, tuned=cache.tuned))
        if kernels.get(kernel_id).packed
        else None
    )


def _sample(kernel_id: str, shape: tuple[int, int, int], core: int, first: bool) -> float:
    """One sample of one of our kernels (the first call of a series warms it up), with the
    blocks `bench` would use here."""
    from sshapp import kernels

    t = kernels.time_kernel(
        kernel_id,
        *shape,
        warmup=1 if first else 0,
        repeats=1,
        pin_core=core,
        min_sample_seconds=SAMPLE_SECONDS,
        blocking=blocks_here(kernel_id),
    )
    return t.samples[0]


def measure(core: int, shapes: list[tuple[int, int, int]]) -> dict[str, Any]:
    """Times every supported bf16/int8 kernel, the peers and our best f32, at every shape.

    Round-robin: each round takes one sample of every kernel of ours and of each peer,
    so a burst of load elsewhere on the shared host hits all of them alike and the
    ratios stay fair; ref.naive gets 3 rounds (and only up to NAIVE_MAX).
    """
    from sshapp import kernels

    torch = _torch()
    f32 = best_f32(core)
    rows: list[dict[str, Any]] = []
    for shape in shapes:
        ids = {
            dtype: [
                k.id
                for k in kernels.list_kernels()
                if k.dtype == dtype
                and k.supported
                and ("naive" not in k.id or shape[0] <= NAIVE_MAX)
            ]
            for dtype in DTYPES
        }
        peers = {dtype: Peer(torch, dtype, shape) for dtype in DTYPES} if torch else {}
        samples: dict[str, list[float]] = {kid: [] for kid in [f32, *ids["bf16"], *ids["int8"]]}
        for round_ in range(REPEATS):
            for kid, got in samples.items():
                if "naive" not in kid or round_ < 3:
                    got.append(_sample(kid, shape, core, first=round_ == 0))
            for peer in peers.values():
                peer.sample()
        flops = 2.0 * math.prod(shape)

        def stats(kid: str, flops: float = flops, samples: dict[str, Any] = samples) -> Any:
            return {"id": kid, **_stats(samples[kid], flops)}

        entry: dict[str, Any] = {"shape": list(shape), "f32": stats(f32)}
        for dtype in DTYPES:
            peer = peers.get(dtype)
            entry[dtype] = {
                "ours": [stats(kid) for kid in ids[dtype]],
                "peer": peer.result() if peer else None,
            }
        rows.append(entry)
        _progress(f"{'×'.join(map(str, shape))} done")
    return {"best_f32": f32, "rows": rows, "torch": torch.__version__ if torch else None}


def measure_threads(core: int, side: int) -> dict[str, Any]:
    """Every threaded bf16/int8 kernel at side³ on 1 and THREADS threads, round-robin."""
    from sshapp import kernels

    cores = kernels.allowed_cores()
    if len(cores) < THREADS:
        return {"skipped": f"{len(cores)} allowed core(s), {THREADS} needed"}
    ids = [k.id for k in kernels.list_kernels() if k.dtype in DTYPES and k.supported and k.threaded]
    samples: dict[tuple[str, int], list[float]] = {(k, t): [] for k in ids for t in (1, THREADS)}
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, set(cores))  # the team's members are pinned by the driver
    try:
        for round_ in range(REPEATS):
            for (kid, threads), got in samples.items():
                t = kernels.time_kernel(
                    kid,
                    side,
                    side,
                    side,
                    warmup=1 if round_ == 0 else 0,
                    repeats=1,
                    pin_core=core,
                    min_sample_seconds=SAMPLE_SECONDS,
                    blocking=blocks_here(kid),
                    threads=threads,
                )
                got.append(t.samples[0])
    finally:
        os.sched_setaffinity(0, saved)
    flops = 2.0 * side**3
    rows = {k: {str(t): _stats(samples[(k, t)], flops) for t in (1, THREADS)} for k in ids}
    return {"side": side, "threads": THREADS, "cores": list(cores), "rows": rows}


# ------------------------------------------------------------------------------ report


def _best_of(row: dict[str, Any], dtype: str, family: str) -> dict[str, Any] | None:
    ours = [r for r in row[dtype]["ours"] if r["id"].startswith(f"{family}.")]
    return max(ours, key=lambda r: r["best_gflops"], default=None)


def _absent(family: str, dtype: str) -> str | None:
    """Why kernels of `family` and `dtype` cannot be measured here (None: they can)."""
    from sshapp import kernels

    row = kernels.dtype(dtype)
    peak = row.peak_for(family)
    lacking = [f for f in (peak.features if peak else ()) if not kernels.cpu_info().features[f]]
    if lacking:
        return f"not measurable here: this CPU lacks {', '.join(lacking)}"
    if not any(k.isa == family and k.dtype == dtype for k in kernels.list_kernels()):
        return f"not measurable yet: this build has no {family}.*.{dtype} kernel"
    return None


# (family, dtype, what, side, goal, compared with): the issues' targets (issue 21 for
# AVX-512 BF16/VNNI, with the model's blocks; issue 12's for AMX, kept until it has run).
TARGETS = [
    ("avx512", "bf16", "× torch bf16", 1024, 1.0, "peer"),
    ("avx512", "bf16", "× torch bf16", 2048, 1.0, "peer"),
    ("avx512", "bf16", "× its probe (VDPBF16PS)", 1024, 0.90, "peak"),
    ("avx512", "bf16", "× its probe (VDPBF16PS)", 2048, 0.90, "peak"),
    ("avx512", "bf16", f"on {THREADS} threads × on 1", THREAD_SIDE, 1.8, "threads"),
    ("avx512", "int8", "× torch._int_mm", 1024, 1.0, "peer"),
    ("avx512", "int8", "× torch._int_mm", 2048, 1.0, "peer"),
    ("avx512", "int8", "× its probe (VPDPBUSD)", 1024, 0.90, "peak"),
    ("avx512", "int8", "× its probe (VPDPBUSD)", 2048, 0.90, "peak"),
    ("avx512", "int8", f"on {THREADS} threads × on 1", THREAD_SIDE, 1.8, "threads"),
    ("amx", "bf16", f"on {THREADS} threads × on 1", THREAD_SIDE, 1.8, "threads"),
    ("amx", "int8", f"on {THREADS} threads × on 1", THREAD_SIDE, 1.8, "threads"),
    ("amx", "bf16", "× torch bf16", 1024, 1.0, "peer"),
    ("amx", "bf16", "× torch bf16", 2048, 1.0, "peer"),
    ("amx", "bf16", "× our best f32", 2048, 8.0, "f32"),
    ("amx", "bf16", "× the AMX bf16 peak (stretch)", 2048, 0.5, "peak"),
    ("amx", "int8", "× our AMX bf16", 2048, 1.6, "amx.bf16"),
    # Issue 21: int8 on AVX2 (VPMADDWD) and AVX-VNNI (VEX VPDPBUSD ymm). "× our best f32"
    # is the AVX2-only CPU's target: elsewhere a wider f32 kernel is the baseline.
    ("avx2", "int8", "× our best f32", 1024, 1.3, "f32"),
    ("avx2", "int8", "× our best f32", 2048, 1.3, "f32"),
    ("avx2", "int8", "× the VPMADDWD probe", 2048, 0.8, "peak"),
    ("avxvnni", "int8", "× the VPDPBUSD ymm probe", 2048, 0.8, "peak"),
    # Issue 21, set for AVX2-only CPUs (there our best f32 is avx2.packed_6x16.f32 and
    # torch's bf16 matmul runs its own loops, not oneDNN).
    ("avx2", "bf16", "× our best f32", 1024, 0.90, "f32"),
    ("avx2", "bf16", "× our best f32", 2048, 0.90, "f32"),
    ("avx2", "bf16", "× torch bf16", 1024, 50.0, "peer"),
    ("avx2", "bf16", "× torch bf16", 2048, 50.0, "peer"),
]


def _out_of_reach(
    report: dict[str, Any], family: str, dtype: str, against: str, goal: float
) -> str | None:
    """Why a target cannot be met on this CPU whatever the kernel does (None: it can).

    The AVX-512 targets were set on Zen 4, where oneDNN's best path is AVX512_BF16 /
    VNNI and VDPBF16PS runs at twice the f32 FMA rate. On an AMX CPU oneDNN runs on the
    tiles, and a Sapphire Rapids core runs VDPBF16PS at half its f32 FMA rate.
    """
    from sshapp.kernels.probes import peak_key

    if family == "avx2":  # benchmarks/avx2_bf16.py measures these beside AVX2 f32 and torch
        if against == "f32" and not report["best_f32"].startswith("avx2."):
            return f"the best f32 here is `{report['best_f32']}`, not AVX2 (see avx2_bf16.md)"
        tag = {"bf16": "bf16", "int8": "s8"}[dtype]
        wide = [
            i for op, i in report["peer"].get("ops", {}).items() if tag in op and "avx2" not in i
        ]
        if against == "peer" and wide:
            return f"torch runs oneDNN's `{wide[0]}` here, not an AVX2 path (see avx2_bf16.md)"
    if against == "peer" and family != "amx":
        tag = {"bf16": "bf16", "int8": "s8"}[dtype]
        ops = report["peer"].get("ops", {}).items()
        amx_paths = [impl for op, impl in ops if tag in op and "amx" in impl]
        if amx_paths:
            return f"oneDNN runs on AMX tiles here (`{amx_paths[0]}`), not {family}"
        key = peak_key(family, dtype) or ""
        own = report["peaks"].get(key)
        peers = [r[dtype]["peer"] for r in report["rows"] if r[dtype].get("peer")]
        fastest = max((p["best_gflops"] for p in peers), default=0)
        if own and fastest > own:
            return f"the peer reaches {fastest:.0f}, above the {key} probe's {own:.0f}"
    if against == "f32":
        own = report["peaks"].get(peak_key(family, dtype) or "")
        f32 = max((v for k, v in report["peaks"].items() if k.endswith(".f32")), default=0)
        if own and f32 and own / f32 < goal:
            return f"its probe is {own / f32:.2f}× the best f32 FMA probe here"
    return None


def _scaling(threads: dict[str, Any], family: str, dtype: str, label: str, goal: float) -> str:
    """The scaling target's line: best on THREADS threads over best on 1, same run."""
    rows = {k: v for k, v in threads.get("rows", {}).items() if k.startswith(f"{family}.")}
    rows = {k: v for k, v in rows.items() if k.endswith(f".{dtype}")}
    if not rows:
        return f"SKIP {label}: {threads.get('skipped', 'not timed on threads')}"
    kid, row = max(rows.items(), key=lambda kv: kv[1][str(THREADS)]["best_gflops"])
    ratio = row[str(THREADS)]["best_gflops"] / row["1"]["best_gflops"]
    return f"{'PASS' if ratio >= goal else 'FAIL'} {label}: `{kid}` {ratio:.2f}"


def checks(report: dict[str, Any]) -> list[str]:
    """The issue's targets on this run's figures, or why they cannot be shown here."""
    from sshapp.kernels.probes import peak_key

    out = []
    by_side = {r["shape"][0]: r for r in report["rows"] if len(set(r["shape"])) == 1}
    for family, dtype, what, side, goal, against in TARGETS:
        label = f"`{family}.*.{dtype}` at {side}³ {what} ≥ {goal}"
        why = _absent(family, dtype)
        row = by_side.get(side)
        ours = _best_of(row, dtype, family) if row else None
        if why or row is None or ours is None:
            out.append(f"SKIP {label}: {why or 'no run'}")
            continue
        if against == "threads":
            out.append(_scaling(report.get("threads", {}), family, dtype, label, goal))
            continue
        base = {
            "peer": (row[dtype]["peer"] or {}).get("best_gflops"),
            "f32": row["f32"]["best_gflops"],
            "peak": report["peaks"].get(peak_key(family, dtype) or ""),
            "amx.bf16": (_best_of(row, "bf16", "amx") or {}).get("best_gflops"),
        }[against]
        if not base:
            out.append(f"SKIP {label}: nothing to compare with ({against} not measured)")
            continue
        bound = _out_of_reach(report, family, dtype, against, goal)
        if bound:
            out.append(f"SKIP {label}: {bound} (`{ours['id']}` {ours['best_gflops'] / base:.2f})")
            continue
        ratio = ours["best_gflops"] / base
        out.append(f"{'PASS' if ratio >= goal else 'FAIL'} {label}: `{ours['id']}` {ratio:.2f}")
    return out


def render(report: dict[str, Any]) -> str:
    """Returns the markdown report."""
    cpu = report["cpu"]
    feats = ", ".join(f"{f} {'yes' if cpu['features'][f] else 'no'}" for f in FEATURES)
    peer = report["peer"]
    lines = [
        f"# bf16 / int8 kernels vs PyTorch (oneDNN) — {cpu['brand']}",
        "",
        f"- when: {report['when']} (UTC), host `{report['host']}`, core {report['core']}, "
        f"1 thread, load average at start {report['loadavg']}; {report['minutes']:.1f} min",
        f"- command: `{report['command']}`",
        f"- CPU features: {feats}",
        "- peaks (1 core): "
        + (", ".join(f"{k} {v:.1f}" for k, v in report["peaks"].items()) or "none measured")
        + " (GFLOP/s; int8 GOP/s)",
        "- peer: "
        + "; ".join(
            [f"torch {report['torch'] or 'not installed: ours only'}", *peer.get("lines", [])]
        ),
        *(f"- oneDNN path: {op} → `{impl}`" for op, impl in peer.get("ops", {}).items()),
        f"- our best f32 kernel here (measured at 1024³): `{report['best_f32']}`, GFLOP/s "
        + ", ".join(
            f"{'×'.join(map(str, r['shape']))} {r['f32']['best_gflops']:.1f}"
            for r in report["rows"]
        ),
        f"- timing: best and median of {REPEATS} samples (ref.naive: 3, only up to "
        f"{NAIVE_MAX}), taken round-robin (one sample of every kernel and peer per round); "
        "every sample ≥ 50 ms of calls.",
        f"- cache blocks ({report.get('state', 'as `bench` chooses them here')}): "
        + (", ".join(f"`{k}` {v}" for k, v in report.get("blocks", {}).items()) or "none"),
        "- noise: 2 shared vCPUs; compare figures of this run only.",
        "",
        *_render_threads(report.get("threads", {})),
        "## Not runnable here",
        "",
        *(f"- `{kid}`: {why}" for kid, why in report["unsupported"].items()),
        *(["- (every compiled kernel runs here)"] if not report["unsupported"] else []),
        "",
    ]
    for dtype in DTYPES:
        lines += [
            f"## {dtype}",
            "",
            "| m×n×k | kernel | best | median | × peer | × best f32 | check |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for row in report["rows"]:
            shape = "×".join(map(str, row["shape"]))
            peer_row = row[dtype]["peer"]
            for r in [*row[dtype]["ours"], *([peer_row] if peer_row else [])]:
                vs_peer = r["best_gflops"] / peer_row["best_gflops"] if peer_row else None
                lines.append(
                    f"| {shape} | `{r['id']}` | {r['best_gflops']:.1f} | "
                    f"{r['median_gflops']:.1f} | {f'{vs_peer:.2f}' if vs_peer else '-'} | "
                    f"{r['best_gflops'] / row['f32']['best_gflops']:.2f} | "
                    f"{report['checked'].get(r['id'], '')} |"
                )
        lines.append("")
    lines += ["## Targets (issue 21; AMX: issue 12)", "", *(f"- {c}" for c in report["checks"])]
    return "\n".join([*lines, ""])


def _render_threads(threads: dict[str, Any]) -> list[str]:
    """The 1- against THREADS-thread table (or why there is none)."""
    if not threads.get("rows"):
        return [f"## Threads\n\n- not timed: {threads.get('skipped', 'no threaded kernel')}", ""]
    n, side = threads["threads"], threads["side"]
    lines = [
        f"## Threads ({side}³, cores {threads['cores']}, 1 and {n} threads alternately)",
        "",
        f"| kernel | 1 thread best | median | {n} threads best | median | × 1 thread |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kid, row in threads["rows"].items():
        one, many = row["1"], row[str(n)]
        lines.append(
            f"| `{kid}` | {one['best_gflops']:.1f} | {one['median_gflops']:.1f} | "
            f"{many['best_gflops']:.1f} | {many['median_gflops']:.1f} | "
            f"{many['best_gflops'] / one['best_gflops']:.2f} |"
        )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark, or (--discover) the peer once under ONEDNN_VERBOSE."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument("--discover", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where lowp.{md,json} go")
    parser.add_argument("--quick", action="store_true", help="256³ and 200×300×500 only")
    parser.add_argument(
        "--state-dir", type=Path, help="use this state directory's tune results (default: fresh)"
    )
    args = parser.parse_args(argv)
    if args.discover:
        discover(args.discover)
        return 0
    # Read by Settings.from_env() in blocks_here(): a fresh directory has no tune results.
    fresh = args.state_dir is None
    state = Path(tempfile.mkdtemp(prefix="lowp-state-")) if fresh else args.state_dir
    os.environ["SSHAPP_STATE_DIR"] = str(state)

    from sshapp import kernels

    started = time.monotonic()
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    kernels.allowed_cores()  # the process's cores, noted before it is pinned to one
    os.sched_setaffinity(0, {args.core})
    peaks = kernels.measure_peaks(pin_core=args.core)
    peer = peer_paths() if _torch() else {}
    low = [k for k in kernels.list_kernels() if k.dtype in DTYPES]
    measured = measure(args.core, [SHAPES[0], SHAPES[-1]] if args.quick else SHAPES)
    threads = {"skipped": "--quick"} if args.quick else measure_threads(args.core, THREAD_SIDE)
    cpu = kernels.cpu_info()
    report: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "host": platform.node(),
        "core": args.core,
        "loadavg": loadavg,
        "command": "flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/lowp.py",
        "cpu": {"brand": cpu.brand, "features": {f: cpu.features.get(f, False) for f in FEATURES}},
        "peaks": peaks.fma_gflops,
        "bandwidth_gbs": peaks.bandwidth_gbs,
        "peer": peer,
        "unsupported": {k.id: k.reason for k in low if not k.supported},
        "checked": {k.id: "ok" if _checked(k.id) else "WRONG" for k in low if k.supported},
        "blocks": {
            k.id: str(b) for k in low if k.supported and (b := blocks_here(k.id)) is not None
        },
        "state": "a fresh state directory: the model's"
        if fresh
        else f"state directory {state}: `sshapp tune` result, else the model",
        "threads": threads,
        **measured,
    }
    report["checks"] = checks(report)
    report["minutes"] = (time.monotonic() - started) / 60
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lowp.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / "lowp.md").write_text(render(report))
    _progress(f"wrote {args.out / 'lowp.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
