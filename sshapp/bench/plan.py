"""Provides spec validation and expansion: globs × sweep points → checked RunSpecs."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from sshapp.bench import blas
from sshapp.bench.service import SpecError
from sshapp.bench.spec import BenchSpec, RunSpec, Shape
from sshapp.kernels import (
    DTYPES,
    SizeLimitError,
    ThreadsError,
    UnknownKernelError,
    check_size,
    check_threads,
    get,
    list_kernels,
    team_cores,
)

# Rough, optimistic GFLOP/s of each kernel family on one core, in cache and out of it
# (unblocked kernels slow down 3-10x once A, B and C outgrow the caches; measured on a
# Zen 3 core). Used only to refuse runs that obviously cannot fit the time limit: a
# native call cannot be interrupted, so warm-up, one sample and the check call must fit.
# Slower-than-estimated runs are still stopped by the budget and the deadline.
RATES: tuple[tuple[str, float, float], ...] = (
    ("ref.naive.*", 1.5, 0.4),
    ("ref.*", 15.0, 5.0),
    ("blas.*", 150.0, 150.0),
    ("amx.*", 1000.0, 1000.0),
    ("avx2.packed*", 100.0, 100.0),
    ("avx512.packed*", 200.0, 200.0),
    ("*.simd.*", 30.0, 6.0),
    ("*.ukr*", 60.0, 10.0),
    ("*", 50.0, 10.0),
)
"""(id glob, GFLOP/s in cache, GFLOP/s out of cache); the first matching row counts."""
CACHE_BYTES = 8 << 20
"""Footprint above which the out-of-cache rate applies."""
BLAS_RATE = 150.0
"""Optimistic host-BLAS GFLOP/s, to skip a too-long BLAS reference measurement."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one run may cost."""

    max_bytes: int
    """Largest A+B+C footprint."""
    max_seconds: float
    """Longest run."""


def rate_gflops(kernel_id: str, footprint: int = 0) -> float:
    """Return the optimistic GFLOP/s used to estimate a run of this kernel."""
    for pattern, in_cache, out_of_cache in RATES:
        if fnmatch.fnmatchcase(kernel_id, pattern):
            return in_cache if footprint <= CACHE_BYTES else out_of_cache
    return RATES[-1][2]


def estimate_seconds(run: RunSpec) -> float:
    """Return the least time a run takes: warm-up, one sample and the check call."""
    s = run.shape
    footprint = (s.m * s.k + s.k * s.n + s.m * s.n) * (8 if run.dtype == "f64" else 4)
    per_call = s.flops / (rate_gflops(run.kernel_id, footprint) * run.threads * 1e9)
    return per_call * (max(run.warmup, 1) + 2)


def _fmt_seconds(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 120:
        return f"{s / 60:.0f} min"
    return f"{s:.0f} s"


def _match(pattern: str) -> list[tuple[str, str, bool, str]]:
    """Return (id, dtype, supported, reason) of every kernel or BLAS row `pattern` names."""
    if not any(ch in pattern for ch in "*?["):
        if blas.is_blas(pattern):
            return [(pattern, pattern.removeprefix(blas.PREFIX), True, "")]
        try:
            info = get(pattern)
        except UnknownKernelError as exc:
            raise SpecError(str(exc)) from None
        return [(info.id, info.dtype, info.supported, info.reason)]
    found = [
        (k.id, k.dtype, k.supported, k.reason)
        for k in list_kernels()
        if fnmatch.fnmatchcase(k.id, pattern)
    ]
    found += [
        (kid, kid.removeprefix(blas.PREFIX), True, "")
        for kid in blas.IDS
        if fnmatch.fnmatchcase(kid, pattern)
    ]
    if not found:
        msg = f"no kernel matches {pattern!r}; 'sshapp kernels' lists them"
        raise SpecError(msg)
    return found


def _kernels(spec: BenchSpec) -> list[tuple[str, str]]:
    if not spec.kernels:
        msg = "no kernel given; 'sshapp kernels' lists them"
        raise SpecError(msg)
    if spec.dtype is not None and spec.dtype not in DTYPES:
        msg = f"unknown dtype {spec.dtype!r}; choose one of {', '.join(DTYPES)}"
        raise SpecError(msg)
    chosen: list[tuple[str, str]] = []
    for pattern in spec.kernels:
        matches = _match(pattern)
        exact = len(matches) == 1 and matches[0][0] == pattern
        if spec.dtype is not None:
            if exact and matches[0][1] != spec.dtype:
                msg = f"kernel {pattern} works on {matches[0][1]}, not {spec.dtype}"
                raise SpecError(msg)
            matches = [m for m in matches if m[1] == spec.dtype]
            if not matches:
                msg = f"no {spec.dtype} kernel matches {pattern!r}"
                raise SpecError(msg)
        if exact and not matches[0][2]:
            msg = f"kernel {pattern} cannot run here: {matches[0][3]}"
            raise SpecError(msg)
        runnable = [m for m in matches if m[2]]
        if not runnable:
            msg = f"no kernel matching {pattern!r} can run here: {matches[0][3]}"
            raise SpecError(msg)
        chosen.extend((m[0], m[1]) for m in runnable if (m[0], m[1]) not in chosen)
    return chosen


def _check_options(spec: BenchSpec) -> None:
    if not spec.shapes:
        msg = "no size given"
        raise SpecError(msg)
    for shape in spec.shapes:
        for name, value in (("m", shape.m), ("n", shape.n), ("k", shape.k)):
            if not isinstance(value, int) or value < 1:
                msg = f"sizes must be whole numbers >= 1, got {name}={value}"
                raise SpecError(msg)
    if spec.repeats < 1:
        msg = f"repetitions must be >= 1, got {spec.repeats}"
        raise SpecError(msg)
    if spec.warmup < 0:
        msg = f"warm-up calls must be >= 0, got {spec.warmup}"
        raise SpecError(msg)
    if spec.budget_seconds is not None and not spec.budget_seconds > 0:
        msg = f"time budget must be > 0 seconds, got {spec.budget_seconds}"
        raise SpecError(msg)
    if not spec.threads:
        msg = "no thread count given"
        raise SpecError(msg)
    for threads in spec.threads:
        try:
            team_cores(-1, threads)
        except ThreadsError as exc:
            raise SpecError(str(exc)) from None


def _thread_counts(kernel_id: str, spec: BenchSpec) -> list[int]:
    """Return the thread counts `kernel_id` runs on in this spec.

    A kernel named exactly that cannot run threaded is refused; one a glob matched
    keeps only its one-thread runs (`'avx2.*' --scaling` scales the packed ones).
    """
    counts = []
    for threads in spec.threads:
        if threads == 1 or blas.is_blas(kernel_id):
            counts.append(threads)
            continue
        try:
            check_threads(kernel_id, threads)
        except ThreadsError as exc:
            if kernel_id in spec.kernels:
                raise SpecError(str(exc)) from None
            continue
        counts.append(threads)
    return counts


def expand(spec: BenchSpec, limits: Limits) -> list[RunSpec]:
    """Validate `spec` and return its runs: kernels outer, then shapes, thread counts inner.

    Raises:
        SpecError: Bad sizes or options, unknown, unsupported or wrong-dtype kernel, a
            thread count the host or kernel cannot run, or a run over the memory or
            time limit (one readable line).
    """
    _check_options(spec)
    kernels = _kernels(spec)
    if spec.budget_seconds is not None and spec.budget_seconds > limits.max_seconds:
        msg = (
            f"time budget {spec.budget_seconds:g} s is over the limit of "
            f"{limits.max_seconds:g} s per run"
        )
        raise SpecError(msg)
    runs: list[RunSpec] = []
    for kernel_id, dtype in kernels:
        counts = _thread_counts(kernel_id, spec)
        for shape in spec.shapes:
            try:
                check_size(shape.m, shape.n, shape.k, dtype, limits.max_bytes)
            except SizeLimitError as exc:
                raise SpecError(str(exc)) from None
            for threads in counts:
                run = RunSpec(
                    kernel_id=kernel_id,
                    dtype=dtype,
                    shape=Shape(shape.m, shape.n, shape.k),
                    repeats=spec.repeats,
                    budget_seconds=spec.budget_seconds,
                    warmup=spec.warmup,
                    threads=threads,
                )
                need = estimate_seconds(run)
                if need > limits.max_seconds:
                    msg = (
                        f"{kernel_id} at {shape} would take at least {_fmt_seconds(need)} "
                        f"(limit {limits.max_seconds:g} s per run); try a smaller size or a "
                        f"faster kernel"
                    )
                    raise SpecError(msg)
                runs.append(run)
    if not runs:
        msg = "none of these kernels runs threaded (only the packed ones do); try --threads 1"
        raise SpecError(msg)
    return runs
