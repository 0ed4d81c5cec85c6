"""Provides the blocking part of a run, done in a worker thread while holding the host.

Timing, the correctness check and the host-BLAS reference all happen here, one after
the other, so nothing else on the host runs a benchmark meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from sshapp.bench.blocking.blocks import as_blocking
from sshapp.bench.history.database import History, HistoryError
from sshapp.bench.host import blas
from sshapp.bench.host.peaks import HostPeaks
from sshapp.bench.protocol.spec import BenchResult, RunSpec, Stats, gflops
from sshapp.kernels import Timing, check_product, dtype, time_kernel
from sshapp.kernels.guard import checked_gemm

log = logging.getLogger(__name__)

BLAS_REFERENCE_SECONDS = 0.5
"""Timed-work budget of the host-BLAS reference measured next to a run."""


PEAK_SLACK = 1.02
"""A result this much above the cached peak proves the peak was measured too low."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the worker hands back to the event loop."""

    result: BenchResult | None
    """The checked result (None when the run stopped before its first sample)."""
    cancelled: bool
    """Whether the run was stopped by a cancel."""
    peak_stale: bool = False
    """Whether the result beat the cached peak (which is then raised to it)."""
    timed_out: bool = False
    """Whether the time limit stopped the run (before its first sample if result is None)."""


def pick_core(setting: int) -> int:
    """Return the core to pin runs to (-1 in settings = the last core we may use)."""
    if setting >= 0:
        return setting
    return max(os.sched_getaffinity(0))


@contextlib.contextmanager
def away_from(cores: Iterable[int]) -> Iterator[None]:
    """Keep the calling thread (the event loop) off the benchmark's cores for a while.

    Without this, the loop thread waking for each sample can be scheduled on the pinned
    core and preempt the timed kernel (measured: ~2 % per repetition on 2 cores). A run
    that holds every allowed core leaves the loop where it is: there is nowhere else.
    """
    saved = os.sched_getaffinity(0)
    others = saved - set(cores)
    if not others or others == saved:
        yield
        return
    os.sched_setaffinity(0, others)  # pid 0 = this thread only, on Linux
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)


@dataclass(frozen=True, slots=True)
class Job:
    """Everything the worker thread needs for one run."""

    run: RunSpec
    """What to run."""
    pin_core: int
    """Core to pin the timing thread to (a team's first core; the others follow it)."""
    max_bytes: int
    """Memory limit."""
    deadline: float
    """time.monotonic() after which no new sample starts."""
    cpu: str
    """CPU key for the BLAS reference cache."""
    history: History
    """Where the BLAS reference is cached."""
    peaks: HostPeaks | None
    """This host's peaks, for % of peak."""
    blas_seconds_per_gflop: float
    """Optimistic time per GFLOP of the host BLAS, to skip a too-long reference."""
    time_left: Callable[[], float]
    """Seconds left before the run's deadline."""


def _time(job: Job, on_sample: Callable[[int, float], bool]) -> Timing:
    run = job.run
    budget = job.run.budget_seconds or 0.0
    budget = min(budget, job.time_left()) if budget else job.time_left()
    timer = blas.time_blas if blas.is_blas(run.kernel_id) else time_kernel
    return timer(
        run.kernel_id,
        run.shape.m,
        run.shape.n,
        run.shape.k,
        warmup=run.warmup,
        repeats=run.repeats,
        budget_seconds=max(budget, 1e-3),
        pin_core=job.pin_core,
        # Warm-up included: the timed-work budget alone let `--warmup` run for minutes.
        deadline_seconds=max(job.time_left(), 1e-3),
        on_sample=on_sample,
        blocking=as_blocking(run.kernel_id, run.blocking),
        max_bytes=job.max_bytes,
        threads=run.threads,
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The run's correctness check."""

    ok: bool
    """Whether the timed kernel's own product passed (first time or on its re-run)."""
    error: float
    """Error of the timed kernel's last product."""
    detail: str
    """Method, error and tolerance in words (logged)."""
    notice: str = ""
    """One line when the check needed a re-run or a fallback (see sshapp.kernels.guard)."""


def _check(job: Job) -> Verdict:
    run = job.run
    rng = np.random.default_rng()
    draw = dtype(run.dtype).draw
    a = draw(rng, (run.shape.m, run.shape.k))
    b = draw(rng, (run.shape.k, run.shape.n))
    if blas.is_blas(run.kernel_id):
        verdict = check_product(blas.matmul(a, b, threads=run.threads), a, b)
        ok, error, notice = verdict.ok, verdict.error, ""
    else:
        # The answer is checked on the same team size that was timed: the threaded
        # driver's partition is what could go wrong. An AMX product that fails is re-run
        # once, then replaced (the guard's notice says which); never reported as right.
        checked = checked_gemm(
            run.kernel_id,
            a,
            b,
            blocking=as_blocking(run.kernel_id, run.blocking),
            max_bytes=job.max_bytes,
            threads=run.threads,
        )
        verdict, ok, error, notice = checked.check, checked.accepted, checked.error, checked.notice
    detail = f"{verdict.method} error {verdict.error:.3g} vs tolerance {verdict.tolerance:.3g}"
    return Verdict(ok, error, detail, notice)


def _cached_reference(job: Job, best: float | None = None) -> float | None:
    """Read (best=None) or raise the cached BLAS reference at the run's thread count; an
    unusable history is no cache."""
    run = job.run
    try:
        if best is None:
            return job.history.blas_reference(job.cpu, run.dtype, run.shape, run.threads)
        job.history.set_blas_reference(job.cpu, run.dtype, run.shape, best, run.threads)
    except HistoryError:  # already said once by the engine; the run goes on without it
        pass
    return best


def _blas_reference(job: Job) -> float | None:
    run = job.run
    ref_id = blas.reference_id(run.dtype)
    if blas.is_blas(run.kernel_id) or ref_id is None:
        return None
    cached = _cached_reference(job)
    if cached is not None:
        return cached
    need = run.shape.flops / 1e9 * job.blas_seconds_per_gflop * 3 / run.threads
    if need > min(job.time_left(), 5 * BLAS_REFERENCE_SECONDS):
        return None
    timing = blas.time_blas(
        ref_id,
        run.shape.m,
        run.shape.n,
        run.shape.k,
        repeats=5,
        budget_seconds=BLAS_REFERENCE_SECONDS,
        pin_core=job.pin_core,
        deadline_seconds=max(job.time_left(), 1e-3),
        max_bytes=job.max_bytes,
        threads=run.threads,
    )
    if not timing.samples:
        return None
    return _cached_reference(job, gflops(run.shape, min(timing.samples)))


def execute(job: Job, on_sample: Callable[[int, float], bool]) -> Outcome:
    """Time, check and compare one run (blocking; call from a worker thread).

    Args:
        job: The run and its context.
        on_sample: Called after each sample with (index, seconds per call); returning
            False stops the run.

    Returns:
        The outcome; `result.check_ok` says whether the answer was right.
    """
    run = job.run
    timing = _time(job, on_sample)
    if timing.cancelled and time.monotonic() < job.deadline:
        return Outcome(None, cancelled=True)
    if not timing.samples:
        return Outcome(None, cancelled=timing.cancelled, timed_out=timing.timed_out)
    verdict = _check(job)
    log.info("%s %s check: %s", run.kernel_id, run.shape, verdict.detail)
    stats = Stats.of(timing.samples)
    best = gflops(run.shape, stats.best_seconds)
    ref = _blas_reference(job)
    if blas.is_blas(run.kernel_id):
        ref = _cached_reference(job, best)
    isa = run.kernel_id.split(".", 1)[0]
    peak = job.peaks.peak(isa, run.dtype, run.threads) if job.peaks else None
    stale = peak is not None and best > peak * PEAK_SLACK
    if stale:
        # Nothing beats the FMA peak: the probe must have run on a busy machine.
        log.info("%s at %.1f GFLOP/s beats the cached peak %.1f", run.kernel_id, best, peak)
        peak = None
    result = BenchResult(
        run=run,
        samples=timing.samples,
        stats=stats,
        best_gflops=best,
        median_gflops=gflops(run.shape, stats.median_seconds),
        peak_fraction=best / peak if peak else None,
        blas_ratio=best / ref if ref else None,
        check_error=verdict.error,
        check_ok=verdict.ok,
        notice=verdict.notice,
    )
    return Outcome(result, cancelled=False, peak_stale=stale, timed_out=timing.timed_out)
