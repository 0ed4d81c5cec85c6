"""Provides the live tuning job: one packed kernel re-timed continuously while its blocks change.

The job holds the host (through `jobs.run_on_host`, like every run) and times one call
per sample at size³ with the blocks the front end last asked for, so a change is measured
by the call after the one in flight (~20 ms each at 1024³ on a Zen 4 core). The sample in
flight when the blocks change is dropped and its series ends: the native call cannot be
interrupted, but its figure would be labelled with the wrong blocks. On request the job
runs the tuner's search instead, streaming every candidate as a sample, and goes on at
the winner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sshapp.bench.blocking import search
from sshapp.bench.blocking.store import Tuned
from sshapp.kernels import Blocking, get, time_kernel

AUTOTUNE_BUDGET = 20.0
"""Seconds one live autotune may take by default."""
SERIES_CALLS = 100_000
"""Calls of one timing series at fixed blocks (a change or a stop ends it sooner)."""


@dataclass(frozen=True, slots=True)
class LiveSample:
    """One timed call (or one tuner candidate) of the kernel being tuned."""

    blocking: Blocking
    """Blocks it ran with."""
    gflops: float
    """GFLOP/s of the call."""
    change: int
    """Number of the change (LiveControl.set) it measures; tuner candidates count too."""
    label: str
    """What the change was ("KC 128", "tune MC", "winner"...; "" for the start)."""


@dataclass(frozen=True, slots=True)
class AutotuneEnded:
    """The live autotune ended; the job goes on at the winner (or where it was)."""

    tuned: Tuned | None
    """The verdict (None: cancelled or stopped)."""


@dataclass(frozen=True, slots=True)
class BlasMeasured:
    """The host BLAS was timed once at the tune size, for the ×BLAS figure."""

    gflops: float
    """Its GFLOP/s (best of a few calls)."""


class LiveControl:
    """What a front end asks of a running live job; safe to call from any thread."""

    def __init__(self, blocking: Blocking) -> None:
        """Start at `blocking`."""
        self._lock = threading.Lock()
        self._blocking = blocking
        self._change = 0
        self._label = ""
        self._autotune: float | None = None
        self._tune_cancel = threading.Event()

    def set(self, blocking: Blocking, label: str) -> int:
        """Time `blocking` from now on; return the number of this change."""
        with self._lock:
            self._blocking = blocking
            self._change += 1
            self._label = label
            return self._change

    def current(self) -> tuple[Blocking, int, str]:
        """Return the blocks to time, the number of their change and its label."""
        with self._lock:
            return self._blocking, self._change, self._label

    def next_change(self) -> int:
        """Reserve a change number (for a tuner candidate) without changing the blocks."""
        with self._lock:
            self._change += 1
            return self._change

    def autotune(self, budget_seconds: float = AUTOTUNE_BUDGET) -> None:
        """Run the tuner's search next (the current sample finishes first)."""
        with self._lock:
            self._tune_cancel.clear()
            self._autotune = budget_seconds

    def cancel_autotune(self) -> None:
        """Stop a requested or running search at its next candidate."""
        with self._lock:
            self._autotune = None
            self._tune_cancel.set()

    def autotune_requested(self) -> bool:
        """Whether a search was requested and not yet taken."""
        with self._lock:
            return self._autotune is not None

    def take_autotune(self) -> float | None:
        """Return the budget of a requested search, once (None: none requested)."""
        with self._lock:
            budget, self._autotune = self._autotune, None
            return budget

    def autotune_cancelled(self) -> bool:
        """Whether the running search was cancelled."""
        return self._tune_cancel.is_set()


def _time_until_changed(
    control: LiveControl,
    what: tuple[str, int, int],
    emit: Callable[[Any], None],
    stop: threading.Event,
) -> None:
    """Time one call after another at the current blocks until they change or a stop.

    One timing series per blocking: the inputs are allocated and filled once, not per
    sample, so a sample costs one call (~20 ms at 1024³) and a change is timed by the
    call after the one in flight.
    """
    kernel_id, size, pin_core = what
    b, change, label = control.current()

    def on_sample(_index: int, seconds: float) -> bool:
        if control.current()[1] != change:  # changed while this call ran: drop it
            return False
        emit(LiveSample(b, 2.0 * size**3 / seconds / 1e9, change, label))
        return not (stop.is_set() or control.autotune_requested())

    time_kernel(
        kernel_id,
        size,
        size,
        size,
        warmup=0,
        repeats=SERIES_CALLS,
        pin_core=pin_core,
        min_sample_seconds=0.0,
        on_sample=on_sample,
        blocking=b,
    )


def _blas(dtype: str, size: int, pin_core: int) -> float | None:
    from sshapp.bench.host.blas import time_blas

    try:
        t = time_blas(f"blas.numpy.{dtype}", size, size, size, repeats=3, pin_core=pin_core)
    except (ValueError, ImportError):
        return None
    return 2.0 * size**3 / min(t.samples) / 1e9


def live_job(
    control: LiveControl, kernel_id: str, size: int, pin_core: int
) -> Callable[[Callable[[Any], None], threading.Event], None]:
    """Return the job body (see jobs.Work) that re-times `kernel_id` until stopped.

    Raises:
        ValueError: The kernel does not pack (raised when the job starts).
    """

    def work(emit: Callable[[Any], None], stop: threading.Event) -> None:
        info = get(kernel_id)
        if not info.packed:
            msg = f"{kernel_id} does not use cache blocks; only packed kernels can be tuned"
            raise ValueError(msg)
        blas = _blas(info.dtype, size, pin_core)
        if blas is not None:
            emit(BlasMeasured(blas))
        while not stop.is_set():
            budget = control.take_autotune()
            if budget is not None:
                _autotune(control, (kernel_id, size, pin_core), budget, emit, stop)
                continue
            _time_until_changed(control, (kernel_id, size, pin_core), emit, stop)

    return work


def _autotune(
    control: LiveControl,
    what: tuple[str, int, int],
    budget: float,
    emit: Callable[[Any], None],
    stop: threading.Event,
) -> None:
    """Run the tuner's search on (kernel id, size, pin core), streaming its candidates."""
    kernel_id, size, pin_core = what

    def candidate(c: search.Candidate) -> None:
        value = getattr(c.blocking, c.phase) if c.phase in {"KC", "MC", "NC"} else ""
        label = f"{c.phase} {value}".strip()
        emit(LiveSample(c.blocking, c.gflops, control.next_change(), f"tune {label}"))

    tuned = search.tune_kernel(
        kernel_id,
        size,
        budget,
        pin_core=pin_core,
        on_candidate=candidate,
        stop=lambda: stop.is_set() or control.autotune_cancelled(),
    )
    if tuned is not None:
        b = get(kernel_id).blocking
        control.set(Blocking(b.MR, b.NR, tuned.mc, tuned.kc, tuned.nc), "winner")
    emit(AutotuneEnded(tuned))


LiveEvent = LiveSample | AutotuneEnded | BlasMeasured
"""Anything a live job emits (run_on_host adds jobs.Waiting while it queues)."""
