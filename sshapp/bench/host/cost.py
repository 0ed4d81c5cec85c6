"""Provides what a run costs on a host: optimistic rates, call overheads, memory and time."""

from __future__ import annotations

import fnmatch

from sshapp.bench.protocol.spec import BEST, RunSpec
from sshapp.kernels import check_overhead_bytes, footprint_bytes

# Rough, optimistic GFLOP/s of each kernel family on one core, in cache and out of it
# (unblocked kernels slow down 3-10x once A, B and C outgrow the caches; measured on a
# Zen 3 core). Used only to refuse runs that obviously cannot fit the time limit: a
# native call cannot be interrupted, so warm-up, one sample and the check call must fit.
# Slower-than-estimated runs are still stopped by the budget and the deadline.
RATES: tuple[tuple[str, float, float], ...] = (
    ("ref.naive.*", 1.5, 0.4),
    ("ref.*", 15.0, 5.0),
    ("blas.*", 150.0, 150.0),
    (BEST, 100.0, 100.0),
    ("amx.*", 1000.0, 1000.0),
    ("avx2.packed*", 100.0, 100.0),
    ("avx2.widen*", 100.0, 100.0),  # the AVX2 bf16 kernels: f32 FMAs, as avx2.packed
    ("avx512.packed*", 200.0, 200.0),
    ("avxvnni.packed*", 200.0, 200.0),
    ("*.simd.*", 30.0, 6.0),
    ("*.ukr*", 60.0, 10.0),
    ("*", 50.0, 10.0),
)
"""(id glob, GFLOP/s in cache, GFLOP/s out of cache); the first matching row counts."""
CACHE_BYTES = 8 << 20
"""Footprint above which the out-of-cache rate applies."""
BLAS_RATE = 150.0
"""Optimistic host-BLAS GFLOP/s, to skip a too-long BLAS reference measurement."""
CALL_SECONDS: tuple[tuple[str, float], ...] = (("blas.*", 5e-7), ("*", 5e-9))
"""(id glob, least seconds one call costs however small the product): numpy's dispatch
for BLAS rows, the driver's set-up for native kernels (measured: ~0.9 µs and 5-60 ns at
size 1 on Zen 4). Without it, `--size 1 --warmup 60000000` looked free."""


BLAS_WORKSPACE_BYTES = 16 << 20
"""The host BLAS's own buffers per thread (OpenBLAS packs into a per-thread buffer;
measured on one thread: a run's peak RSS is A+B+C + the check's chunks + 3-8 MiB)."""


def run_bytes(run: RunSpec) -> int:
    """Return the most memory one run allocates at a time.

    Phases run one after the other (timing, check, BLAS reference), each holding A, B
    and C once; the check adds its float64 working memory, and the host BLAS its buffers.
    Inputs are drawn in place in their own dtype, never via a float64 copy.
    """
    s = run.shape
    overhead = check_overhead_bytes(s.m, s.n, s.k) + BLAS_WORKSPACE_BYTES * run.threads
    return footprint_bytes(s.m, s.n, s.k, run.dtype) + overhead


def rate_gflops(kernel_id: str, footprint: int = 0) -> float:
    """Return the optimistic GFLOP/s used to estimate a run of this kernel."""
    for pattern, in_cache, out_of_cache in RATES:
        if fnmatch.fnmatchcase(kernel_id, pattern):
            return in_cache if footprint <= CACHE_BYTES else out_of_cache
    return RATES[-1][2]


def call_seconds(kernel_id: str) -> float:
    """Return the least time one call of this kernel costs, whatever its size."""
    return next(t for pattern, t in CALL_SECONDS if fnmatch.fnmatchcase(kernel_id, pattern))


def estimate_seconds(run: RunSpec) -> float:
    """Return the least time a run takes: warm-up, one sample and the check call."""
    s = run.shape
    footprint = footprint_bytes(s.m, s.n, s.k, run.dtype)
    per_call = s.flops / (rate_gflops(run.kernel_id, footprint) * run.threads * 1e9)
    return (per_call + call_seconds(run.kernel_id)) * (max(run.warmup, 1) + 2)
