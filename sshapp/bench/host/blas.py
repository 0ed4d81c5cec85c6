"""Provides the host BLAS (numpy matmul, same thread count as the run) as rows `blas.numpy.*`.

The reference every step of the ladder is compared with, not a step of it: numpy hands the
product to the BLAS it was built with (OpenBLAS in the wheels), whose kernels are hand-written
assembly per CPU family (Haswell, SkylakeX, Zen...), chosen when the library loads. Its plan is
the ladder's top step: a register-blocked micro-kernel per CPU family, A and B packed into
cache-sized panels, the same five loops (Goto's; BLIS names them).
What it adds over our packed step is years of per-core tuning: prefetch distances, edge
kernels, and blocks measured on each family. Its inner loop is not ours to show; its rate at
your size is measured the same way (the same threads, the same clock, the same check).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from sshapp.bench.protocol.rows import KernelRow
from sshapp.kernels import DTYPE_TABLE, Blocking, Timing, check_size, dtype, team_cores
from sshapp.kernels.gemm import SampleCallback

PREFIX = "blas.numpy."
"""Id prefix of the BLAS reference rows."""

IDS = tuple(f"{PREFIX}{row.name}" for row in DTYPE_TABLE if row.host_blas)
"""Every BLAS row id, e.g. "blas.numpy.f32": the dtypes numpy has a BLAS kernel for."""


def reference_id(dtype_name: str) -> str | None:
    """Return the BLAS row runs of `dtype_name` are compared with (None: numpy has none)."""
    kid = f"{PREFIX}{dtype_name}"
    return kid if kid in IDS else None


def is_blas(kernel_id: str) -> bool:
    """Return whether `kernel_id` names a BLAS reference row."""
    return kernel_id in IDS


def rows() -> list[KernelRow]:
    """Return the BLAS rows as front ends show them."""
    return [
        KernelRow(
            id=kid,
            isa="blas",
            dtype=kid.removeprefix(PREFIX),
            summary="host BLAS via numpy matmul, same thread count: the reference to beat",
            blocking="-",
            supported=True,
            reason="",
            ladder_step=False,
        )
        for kid in IDS
    ]


@contextlib.contextmanager
def _threads_on(core: int, threads: int) -> Iterator[None]:
    """Limit BLAS to `threads` threads and keep the calling thread on the run's cores.

    One thread: the calling thread is pinned to `core` (-1 = no pin). A team: BLAS's own
    pool does the work, with the calling thread kept within the same cores our team
    would use (`core` first); BLAS places its workers itself.

    Raises:
        ThreadsError: More threads than allowed cores.
    """
    from threadpoolctl import threadpool_limits  # costly import: only when timing BLAS

    cores = set(team_cores(core, threads)) if threads > 1 else ({core} if core >= 0 else None)
    saved = os.sched_getaffinity(0)
    try:
        if cores is not None:
            # pid 0 = the calling thread on Linux: only this worker thread moves.
            os.sched_setaffinity(0, cores)
        with threadpool_limits(limits=threads):
            yield
    finally:
        if cores is not None:
            os.sched_setaffinity(0, saved)


def matmul(a: npt.NDArray[Any], b: npt.NDArray[Any], *, threads: int = 1) -> npt.NDArray[Any]:
    """Return a @ b computed by the host BLAS on `threads` threads."""
    with _threads_on(-1, threads):
        out: npt.NDArray[Any] = np.matmul(a, b)
    return out


def time_blas(
    kernel_id: str,
    m: int,
    n: int,
    k: int,
    *,
    warmup: int = 1,
    repeats: int = 5,
    budget_seconds: float = 0.0,
    pin_core: int = -1,
    min_sample_seconds: float = 2e-3,
    deadline_seconds: float = 0.0,
    on_sample: SampleCallback | None = None,
    blocking: Blocking | None = None,
    max_bytes: int = 1 << 30,
    threads: int = 1,
) -> Timing:
    """Time numpy matmul like `sshapp.kernels.time_kernel` times a native kernel.

    Small products repeat the call until a sample lasts `min_sample_seconds`, so
    Python's per-call overhead stays small next to the work. Like the native loop, no
    call (warm-up) or sample starts that would end after `deadline_seconds` (0 = none)
    at the pace of the previous one.

    Raises:
        SizeLimitError: Over max_bytes.
        ThreadsError: More threads than allowed cores.
        ValueError: Bad sizes or options, or cache blocks (the BLAS chooses its own).
    """
    if blocking is not None:
        msg = f"{kernel_id} chooses its own cache blocks"
        raise ValueError(msg)
    row = dtype(kernel_id.removeprefix(PREFIX))
    check_size(m, n, k, row.name, max_bytes)
    end = time.perf_counter() + deadline_seconds if deadline_seconds > 0 else math.inf
    rng = np.random.default_rng(1)
    a = row.draw(rng, (m, k))
    b = row.draw(rng, (k, n))
    c = np.empty((m, n), dtype=row.output)
    samples: list[float] = []
    cancelled = timed_out = False
    with _threads_on(pin_core, threads):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        first = time.perf_counter() - t0
        for _ in range(1, warmup):
            if time.perf_counter() + first > end:
                timed_out = True
                break
            np.matmul(a, b, out=c)
        calls = 1
        if first < min_sample_seconds:
            calls = min(math.ceil(min_sample_seconds / max(first, 1e-9)), 1_000_000)
        timed, last = 0.0, first * calls
        for index in range(0 if timed_out else repeats):
            if time.perf_counter() + last > end:
                timed_out = True
                break
            start = time.perf_counter()
            for _ in range(calls):
                np.matmul(a, b, out=c)
            last = time.perf_counter() - start
            timed += last
            samples.append(last / calls)
            if on_sample is not None and on_sample(index, last / calls) is False:
                cancelled = True
                break
            if budget_seconds > 0 and timed >= budget_seconds:
                break
    return Timing(
        kernel_id=kernel_id,
        m=m,
        n=n,
        k=k,
        samples=tuple(samples),
        calls_per_sample=calls,
        cancelled=cancelled,
        timed_out=timed_out,
        blocking=Blocking(0, 0, 0, 0, 0),
    )
