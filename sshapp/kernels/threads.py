"""Provides the cores a run may use and the thread counts it may ask for."""

from __future__ import annotations

from sshapp import _native
from sshapp.kernels.registry import get


class ThreadsError(ValueError):
    """A thread count this process or kernel cannot run (one readable line)."""


def allowed_cores() -> tuple[int, ...]:
    """Return the cores this process may run on (its affinity mask at import), ascending.

    A container's cpuset or `taskset -c 0` shows up here; threaded runs stay inside it.
    """
    return tuple(_native.allowed_cores())


def team_cores(first: int, threads: int) -> tuple[int, ...]:
    """Return the cores a run on `threads` threads is pinned to, `first` (< 0: last) first.

    Raises:
        ThreadsError: threads < 1 or more than the allowed cores.
    """
    try:
        return tuple(_native.team_cores(first, threads))
    except ValueError as exc:
        raise ThreadsError(str(exc)) from None


def check_threads(kernel_id: str, threads: int) -> None:
    """Check that `kernel_id` can run on `threads` threads here.

    Raises:
        ThreadsError: threads < 1, above the allowed cores, or > 1 for a kernel that does
            not run threaded (only the packed ones do).
        UnknownKernelError: No such kernel.
    """
    team_cores(-1, threads)
    if threads > 1 and not get(kernel_id).threaded:
        msg = f"{kernel_id} runs on one thread only (the packed kernels run threaded)"
        raise ThreadsError(msg)


def scaling_series(limit: int | None = None) -> tuple[int, ...]:
    """Return the thread counts of a scaling series: 1, 2, 4, ... and the allowed count.

    Args:
        limit: Largest count (None = every allowed core).
    """
    top = len(allowed_cores()) if limit is None else min(limit, len(allowed_cores()))
    series = [1]
    while series[-1] * 2 <= top:
        series.append(series[-1] * 2)
    if series[-1] != top:
        series.append(top)
    return tuple(series)


def live_pool_threads() -> int:
    """Return how many team worker threads are alive (0 whenever no run is going)."""
    return _native.live_pool_threads()
