"""Provides spec validation and expansion: globs × sweep points → checked RunSpecs."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from sshapp.bench.blocking.blocks import TunedLookup, for_shape, run_blocking
from sshapp.bench.host import blas
from sshapp.bench.host.cost import estimate_seconds, run_bytes
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import BEST, BLOCKING_MODES, BenchSpec, RunBlocking, RunSpec, Shape
from sshapp.bench.run.bounds import MAX_REPEATS, MAX_SHAPES, MAX_SIDE, MAX_WARMUP, out_of_range
from sshapp.kernels import (
    DTYPES,
    ThreadsError,
    UnknownKernelError,
    check_threads,
    footprint_bytes,
    get,
    list_kernels,
    team_cores,
)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one run may cost."""

    max_bytes: int
    """Largest A+B+C footprint."""
    max_seconds: float
    """Longest run."""


def _fmt_seconds(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 120:
        return f"{s / 60:.0f} min"
    return f"{s:.0f} s"


def _match(pattern: str) -> list[tuple[str, str, bool, str]]:
    """Return (id, dtype, supported, reason) of every kernel or BLAS row `pattern` names."""
    if pattern == BEST:  # resolved per dtype and shape when the run starts
        return [(BEST, dtype, True, "") for dtype in DTYPES]
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
    if len(spec.shapes) > MAX_SHAPES:
        msg = f"a sweep may have at most {MAX_SHAPES} sizes, got {len(spec.shapes)}"
        raise SpecError(msg)
    for shape in spec.shapes:
        for name, value in (("m", shape.m), ("n", shape.n), ("k", shape.k)):
            if not isinstance(value, int):
                msg = f"sizes must be whole numbers, got {name}={value!r}"
                raise SpecError(msg)
            if why := out_of_range(name, value, 1, MAX_SIDE):
                raise SpecError(why)
    # Range-checked here, before any native call: the extension takes C ints.
    for name, value, lowest, highest in (
        ("repetitions", spec.repeats, 1, MAX_REPEATS),
        ("warm-up calls", spec.warmup, 0, MAX_WARMUP),
    ):
        if why := out_of_range(name, value, lowest, highest):
            raise SpecError(why)
    if spec.budget_seconds is not None and not spec.budget_seconds > 0:
        msg = f"time budget must be > 0 seconds, got {spec.budget_seconds}"
        raise SpecError(msg)
    if spec.blocking not in BLOCKING_MODES:
        msg = f"unknown blocking {spec.blocking!r}; choose one of {', '.join(BLOCKING_MODES)}"
        raise SpecError(msg)
    for name, value in (("MC", spec.mc), ("KC", spec.kc), ("NC", spec.nc)):
        if value < 0:
            msg = f"{name} must be >= 1, got {value}"
            raise SpecError(msg)
    _check_thread_counts(spec.threads)


def _check_thread_counts(counts: tuple[int, ...]) -> None:
    if not counts:
        msg = "no thread count given"
        raise SpecError(msg)
    for threads in counts:
        # Range-checked first: the extension takes a C int (as the parsers bound it too).
        if why := out_of_range("threads", threads, 1, MAX_SIDE):
            raise SpecError(why)
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
            if kernel_id == BEST:
                msg = "kernel 'best' runs on one thread; name a packed kernel for --threads"
                raise ThreadsError(msg)
            check_threads(kernel_id, threads)
        except ThreadsError as exc:
            if kernel_id in spec.kernels:
                raise SpecError(str(exc)) from None
            continue
        counts.append(threads)
    return counts


def _check_memory(run: RunSpec, limits: Limits) -> None:
    need = run_bytes(run)
    if need > limits.max_bytes:
        s = run.shape
        operands = footprint_bytes(s.m, s.n, s.k, run.dtype)
        msg = (
            f"{run.kernel_id} at {s} needs {need >> 20:,} MiB ({operands >> 20:,} MiB for "
            f"A, B and C, the rest for the check and the BLAS); the limit is "
            f"{limits.max_bytes >> 20:,} MiB per run"
        )
        raise SpecError(msg)


def _blocks(
    spec: BenchSpec, kernels: list[tuple[str, str]], tuned: TunedLookup | None
) -> dict[str, RunBlocking | None]:
    """Return the blocks each chosen kernel runs with (None: no cache blocks, or later)."""
    given = spec.mc > 0 or spec.kc > 0 or spec.nc > 0
    out: dict[str, RunBlocking | None] = {}
    for kernel_id, _ in kernels:
        if kernel_id == BEST and given:
            msg = "--mc/--kc/--nc need a concrete kernel, not 'best' (it may not pack)"
            raise SpecError(msg)
        if kernel_id == BEST or blas.is_blas(kernel_id):
            out[kernel_id] = None
            continue
        out[kernel_id] = run_blocking(
            kernel_id,
            mode=spec.blocking,
            mc=spec.mc,
            kc=spec.kc,
            nc=spec.nc,
            tuned=tuned,
            exact=kernel_id in spec.kernels,
        )
    if given and all(b is None for b in out.values()):
        msg = "--mc/--kc/--nc apply to packed kernels; none of the chosen kernels packs"
        raise SpecError(msg)
    return out


def expand(spec: BenchSpec, limits: Limits, tuned: TunedLookup | None = None) -> list[RunSpec]:
    """Validate `spec` and return its runs, kernels outer, shapes inner.

    Args:
        spec: What was asked for.
        limits: What one run may cost.
        tuned: This CPU's tune results (blocking mode "auto" runs with them).

    Raises:
        SpecError: Bad sizes or options, unknown, unsupported or wrong-dtype kernel, a
            thread count the host or kernel cannot run, or a run over the memory or
            time limit (one readable line).
    """
    _check_options(spec)
    kernels = _kernels(spec)
    blocks = _blocks(spec, kernels, tuned)
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
            for threads in counts:
                run = RunSpec(
                    kernel_id=kernel_id,
                    dtype=dtype,
                    shape=Shape(shape.m, shape.n, shape.k),
                    repeats=spec.repeats,
                    budget_seconds=spec.budget_seconds,
                    warmup=spec.warmup,
                    blocking=for_shape(kernel_id, blocks[kernel_id], shape),
                    blocking_mode=spec.blocking,
                    threads=threads,
                )
                _check_memory(run, limits)
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
