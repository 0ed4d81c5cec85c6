"""The 256-bit int8 kernels (issue 21) beside their peers, their probes and AVX2 f32, one run.

Run: ``.venv/bin/python benchmarks/int8_avx2.py`` (it takes the host-wide bench lock
itself, so do not wrap it in ``flock``; it pins itself to core 1, or ``--core``).
Writes ``benchmarks/results/int8_avx2.{md,json}``.

In one process, on one pinned core, round-robin (one sample of every row per round,
``REPEATS`` rounds, each sample ≥ 50 ms of calls) at 1024³ and 2048³:
``avx2.packed_6x16.f32`` (our best AVX2 f32: the issue's "× f32" baseline for an
AVX2-only CPU), ``avx2.packed_6x16.int8`` (VPMADDWD), ``avxvnni.packed_6x16.int8``
(AVX-VNNI), ``avx512.packed_14x32.int8`` and ``torch._int_mm`` where present; every
kernel with the analytical model's blocks (what a fresh state directory runs), the
VPMADDWD kernel also with its table blocks. Then the probes (VPMADDWD, VPDPBUSD ymm /
zmm, AVX2 FMA f32), and 2 threads against 1 at 2048³ for the two new kernels (the team
pinned to this core and the other allowed one), round-robin too. A subprocess with
``SSHAPP_DISABLE_ISA=avx512,avx_vnni`` lists which int8 kernels an AVX2-only host runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lowp import peer_paths

RESULTS = Path(__file__).resolve().parent / "results"
LOCK = Path("/tmp/sshapp-bench.lock")
SIZES = (1024, 2048)
REPEATS = 7
SAMPLE_SECONDS = 0.05
ROWS = (
    "avx2.packed_6x16.f32",
    "avx2.packed_6x16.int8",
    "avxvnni.packed_6x16.int8",
    "avx512.packed_14x32.int8",
)
TABLE_BLOCKS = "avx2.packed_6x16.int8@table"
PROBES = (("avx2", "f32"), ("avx2", "int8"), ("avx_vnni", "int8"), ("avx512_vnni", "int8"))
THREADED = ("avx2.packed_6x16.int8", "avxvnni.packed_6x16.int8")
MASKED = (
    "import json; from sshapp import kernels; "
    "print(json.dumps([k.id for k in kernels.list_kernels() if k.dtype == 'int8' and k.supported]))"
)


def _stats(samples: list[float], ops: float) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "samples_s": samples,
        "best": ops / ordered[0] / 1e9,
        "median": ops / ordered[len(ordered) // 2] / 1e9,
    }


class Torch:
    """torch._int_mm at one size (None when torch is not installed)."""

    def __init__(self, size: int) -> None:
        import torch

        torch.set_num_threads(1)
        g = torch.Generator().manual_seed(0)
        self.a = torch.randint(-128, 128, (size, size), dtype=torch.int8, generator=g)
        self.b = torch.randint(-128, 128, (size, size), dtype=torch.int8, generator=g)
        self.c = torch.empty(size, size, dtype=torch.int32)
        self.version = str(torch.__version__)
        self.cpu: list[float] = []
        t0 = time.perf_counter()
        self.call()
        self.calls = max(1, int(SAMPLE_SECONDS / max(time.perf_counter() - t0, 1e-9)) + 1)

    def call(self) -> None:
        import torch

        torch._int_mm(self.a, self.b, out=self.c)

    def sample(self) -> float:
        t0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(self.calls):
            self.call()
        self.cpu.append((time.thread_time() - c0) / self.calls)
        return (time.perf_counter() - t0) / self.calls


BLOCKS: dict[str, str] = {}
"""row -> the blocks its last sample ran with (MR NR MC KC NC)."""
CPU: dict[str, list[float]] = {}
"""row + size -> seconds of thread CPU time per call of each one-thread sample; for a
team ("row size ×N"), its process CPU time per call divided by N (a member's share)."""


def _sample(row: str, size: int, core: int, first: bool, threads: int = 0) -> float:
    """One wall-clock sample (seconds per call) on `threads` threads; 0: one thread, and
    the calling thread's CPU time for that sample goes to CPU (the kernel runs on the
    calling thread; on a shared, oversubscribed host the scheduler's gaps are not the
    kernel's)."""
    from sshapp import kernels

    kid, _, variant = row.partition("@")
    blocking = kernels.get(kid).file_blocking if variant == "table" else None
    marks: list[float] = []
    t = kernels.time_kernel(
        kid,
        size,
        size,
        size,
        warmup=1 if first else 0,
        repeats=2,
        pin_core=core,
        min_sample_seconds=SAMPLE_SECONDS,
        blocking=blocking,
        threads=max(threads, 1),
        on_sample=lambda _i, _s: marks.append(
            time.thread_time() if threads == 0 else time.process_time()
        ),
    )
    BLOCKS[f"{row} {size}³"] = str(t.blocking)
    if len(marks) == 2:
        key = f"{row} {size}" if threads == 0 else f"{row} {size} ×{threads}"
        share = (marks[1] - marks[0]) / t.calls_per_sample / max(threads, 1)
        CPU.setdefault(key, []).append(share)
    return t.samples[1]


def measure(core: int) -> dict[str, Any]:
    """Every row at every size, round-robin; then the probes; then 1 vs 2 threads."""
    from sshapp import kernels

    here = {k.id for k in kernels.list_kernels() if k.supported}
    rows = [r for r in ROWS if r in here]
    if "avx2.packed_6x16.int8" in here:
        rows.insert(2, TABLE_BLOCKS)
    out: dict[str, Any] = {"sizes": {}, "blocks": BLOCKS}
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})  # torch's one thread too
    for size in SIZES:
        try:
            peer: Torch | None = Torch(size)
        except ImportError:
            peer = None
        samples: dict[str, list[float]] = {r: [] for r in rows}
        peer_samples: list[float] = []
        for round_ in range(REPEATS):
            for r in rows:
                samples[r].append(_sample(r, size, core, round_ == 0))
            if peer:
                peer_samples.append(peer.sample())
        ops = 2.0 * size**3
        entry = {
            r: {**_stats(s, ops), "cpu": _stats(CPU[f"{r} {size}"], ops)}
            for r, s in samples.items()
        }
        if peer:
            entry["torch._int_mm"] = {**_stats(peer_samples, ops), "cpu": _stats(peer.cpu, ops)}
            out["torch"] = peer.version
        out["sizes"][str(size)] = entry
        print(f"{size}³ done", file=sys.stderr, flush=True)
    out["probes"] = probes(core)
    os.sched_setaffinity(0, allowed)  # the team takes this core and another allowed one
    out["threads"] = threads(core, here) if len(allowed) >= 2 else {}
    return out


def probes(core: int) -> dict[str, float | str]:
    """Every probe of PROBES on `core` (why not, where this CPU lacks it)."""
    from sshapp import kernels

    out: dict[str, float | str] = {}
    for isa, dtype in PROBES:
        try:
            out[f"{isa}.{dtype}"] = kernels.measure_fma(isa, dtype, seconds=0.5, pin_core=core)
        except kernels.UnsupportedKernelError as exc:
            out[f"{isa}.{dtype}"] = str(exc)
    return out


def threads(core: int, here: set[str]) -> dict[str, dict[str, Any]]:
    """1 and 2 threads at the largest size, round-robin, for the kernels of THREADED."""
    size = SIZES[-1]
    teams = [(kid, t) for kid in THREADED if kid in here for t in (1, 2)]
    got: dict[tuple[str, int], list[float]] = {key: [] for key in teams}
    for round_ in range(5):
        for kid, t in teams:
            got[(kid, t)].append(_sample(kid, size, core, round_ == 0, threads=t))
    out: dict[str, dict[str, Any]] = {}
    for (kid, t), s in got.items():
        ops = 2.0 * size**3
        # CPU: ops / (a member's share of the CPU seconds): the team's rate when no
        # member waits for its core (each does 1/t of the ops in that time).
        cpu = _stats(CPU[f"{kid} {size} ×{t}"], ops)
        out.setdefault(kid, {})[str(t)] = {**_stats(s, ops), "cpu": cpu}
    return out


def masked() -> list[str]:
    """The int8 kernels a process masked to AVX2 (no AVX-512, no AVX-VNNI) can run."""
    env = {**os.environ, "SSHAPP_DISABLE_ISA": "avx512,avx_vnni"}
    proc = subprocess.run(
        [sys.executable, "-c", MASKED], env=env, capture_output=True, text=True, check=True
    )
    result: list[str] = json.loads(proc.stdout)
    return result


def render(report: dict[str, Any]) -> str:
    """The markdown report: figures, ratios side by side, the issue's targets."""
    lines = [
        f"# 256-bit int8 kernels — {report['cpu']}",
        "",
        f"- when: {report['when']} UTC, host `{report['host']}`, core {report['core']}, "
        f"load average at start {report['loadavg']}",
        "- command: `.venv/bin/python benchmarks/int8_avx2.py` (takes the bench lock)",
        f"- torch: {report['measured'].get('torch', 'not installed')}; oneDNN: "
        + (", ".join(f"{op} → `{impl}`" for op, impl in report["onednn"].items()) or "-"),
        "- blocks run (model = a fresh state directory; `@table` = the file's): "
        + ", ".join(f"`{k}` {v}" for k, v in report["measured"]["blocks"].items()),
        "- probes (1 core, GFLOP/s or GOP/s): "
        + ", ".join(
            f"{k} {v:.1f}" if isinstance(v, float) else f"{k}: {v}"
            for k, v in report["measured"]["probes"].items()
        ),
        f"- an AVX2-only host (SSHAPP_DISABLE_ISA=avx512,avx_vnni) runs: {report['masked']}",
        f"- best / median of {REPEATS} samples, round-robin; compare within this run only.",
        "",
        "Ratios from the best of each row's samples in thread CPU time (`cpu`; the host is"
        " shared and oversubscribed: wall time counts the scheduler's gaps), wall time beside.",
        "",
        "| size | kernel | cpu best | cpu median | wall best | wall median | × avx2 f32 "
        "| × torch._int_mm | × own probe |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rates = report["measured"]["probes"]
    own = {
        "avx2": rates.get("avx2.int8"),
        "avxvnni": rates.get("avx_vnni.int8"),
        "avx512": rates.get("avx512_vnni.int8"),
    }
    for size, entry in report["measured"]["sizes"].items():
        f32 = entry.get("avx2.packed_6x16.f32", {}).get("cpu", {}).get("best")
        peer = entry.get("torch._int_mm", {}).get("cpu", {}).get("best")
        for row, s in entry.items():
            isa = row.partition(".")[0]
            peak = own.get(isa) if "int8" in row else rates.get(f"{isa}.f32")
            cpu = s["cpu"]
            cells = [
                f"{cpu['best'] / base:.2f}" if isinstance(base, float) and base else "-"
                for base in (f32, peer, peak)
            ]
            lines.append(
                f"| {size}³ | `{row}` | {cpu['best']:.1f} | {cpu['median']:.1f} | "
                f"{s['best']:.1f} | {s['median']:.1f} | " + " | ".join(cells) + " |"
            )
    lines += [
        "",
        "Threads, best of 5 round-robin: wall time (a team is as fast as its slowest member)"
        " and CPU time (ops per member's share of the process CPU time: the team's rate when"
        " no member waits for its core).",
        "",
        "| 2048³ | wall 1 thread | wall 2 threads | × | cpu 1 thread | cpu 2 threads | × |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kid, by in report["measured"]["threads"].items():
        one, two = by["1"]["best"], by["2"]["best"]
        c1, c2 = by["1"]["cpu"]["best"], by["2"]["cpu"]["best"]
        lines.append(
            f"| `{kid}` | {one:.1f} | {two:.1f} | {two / one:.2f} "
            f"| {c1:.1f} | {c2:.1f} | {c2 / c1:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Takes the lock, measures, writes the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from sshapp import kernels

    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        measured = measure(args.core)
    report = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "host": platform.node(),
        "core": args.core,
        "loadavg": loadavg,
        "cpu": kernels.cpu_info().brand,
        "masked": masked(),
        "onednn": {op: impl for op, impl in peer_paths().get("ops", {}).items() if "s8" in op},
        "measured": measured,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "int8_avx2.json").write_text(json.dumps(report, indent=1) + "\n")
    text = render(report)
    (args.out / "int8_avx2.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
