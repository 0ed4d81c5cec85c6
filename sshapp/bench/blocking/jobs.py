"""Provides host jobs that are not single runs: tuning blocks and measuring `best`.

Both go through the host-wide queue like any run (one benchmark at a time per host),
do their work in a worker thread while holding it, and stream what they measure as
events. Closing the stream stops the worker at its next measurement; the host is
handed on only once the worker has stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sshapp.bench.blocking import hostbest, search
from sshapp.bench.blocking.blocks import run_blocking
from sshapp.bench.blocking.store import HostBest, TuneCache, Tuned
from sshapp.bench.host.queue import HostQueue
from sshapp.bench.protocol.spec import RunSpec
from sshapp.kernels import DTYPES, get, ladder_top


@dataclass(frozen=True, slots=True)
class Waiting:
    """The job waits for the host-wide queue."""

    position: int
    """Runs ahead of it."""


@dataclass(frozen=True, slots=True)
class TuneStarted:
    """Tuning of one kernel starts."""

    kernel_id: str
    """The kernel."""
    size: int
    """Square size it is tuned at."""
    budget_seconds: float
    """Its share of the time budget."""


@dataclass(frozen=True, slots=True)
class TuneCandidate:
    """One blocking was measured."""

    candidate: search.Candidate
    """What was measured."""


@dataclass(frozen=True, slots=True)
class TuneDone:
    """A kernel's verdict (stored in the tune cache)."""

    tuned: Tuned
    """Winner, and the model's figure in the same head-to-head."""


@dataclass(frozen=True, slots=True)
class BestMeasured:
    """The host's best kernels were measured (and cached)."""

    best: HostBest
    """The choices."""


BEST_SECONDS = 10.0
"""About how long measuring the host's best kernels of one dtype takes (hostbest)."""

TuneEvent = Waiting | TuneStarted | TuneCandidate | TuneDone | BestMeasured
"""Anything a tune job yields."""

Work = Callable[[Callable[[Any], None], threading.Event], None]
"""A job body: emits items through its first argument, stops when the event is set."""


async def run_on_host(queue: HostQueue, work: Work) -> AsyncGenerator[Any, None]:
    """Yield Waiting while queued, then every item `work` emits while holding the host."""
    ticket = queue.enqueue()
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[tuple[Any] | None] = asyncio.Queue()
    stop = threading.Event()
    future: asyncio.Future[None] | None = None
    try:
        positions: list[int] = []
        waiter = asyncio.ensure_future(queue.wait(ticket, positions.append))
        try:
            while not waiter.done():
                await asyncio.wait({waiter}, timeout=queue.poll_seconds)
                while positions:
                    yield Waiting(positions.pop(0))
            waiter.result()
        finally:
            waiter.cancel()

        def emit(item: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: the job stops
                loop.call_soon_threadsafe(items.put_nowait, (item,))

        def body() -> None:
            try:
                work(emit, stop)
            finally:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(items.put_nowait, None)

        future = loop.run_in_executor(None, body)
        while (item := await items.get()) is not None:
            yield item[0]
        await future
    finally:
        stop.set()
        if future is not None and not future.done():
            with contextlib.suppress(BaseException):
                await asyncio.shield(future)  # the worker stops at its next measurement
        ticket.release()


def tune_job(
    cache: TuneCache,
    kernel_ids: Sequence[str],
    size: int,
    budget_seconds: float,
    pin_core: int,
) -> Work:
    """Return the job that tunes `kernel_ids` within the budget, then re-measures `best`."""

    dtypes = tuple(dict.fromkeys(get(k).dtype for k in kernel_ids))
    # What measuring `best` afterwards takes (about BEST_SECONDS per dtype) comes out of
    # the budget first; the search gets the rest, at least a quarter of the budget.
    search_seconds = max(budget_seconds - BEST_SECONDS * len(dtypes), budget_seconds / 4)
    share = search_seconds / max(len(kernel_ids), 1)

    def work(emit: Callable[[Any], None], stop: threading.Event) -> None:
        for kid in kernel_ids:
            if stop.is_set():
                return
            emit(TuneStarted(kid, size, share))
            tuned = search.tune_kernel(
                kid,
                size,
                share,
                pin_core=pin_core,
                on_candidate=lambda c: emit(TuneCandidate(c)),
                stop=stop.is_set,
            )
            if tuned is None:
                return
            cache.store_tuned(tuned)
            emit(TuneDone(tuned))
        best_job(cache, dtypes, pin_core)(emit, stop)

    return work


def best_job(cache: TuneCache, dtypes: tuple[str, ...], pin_core: int) -> Work:
    """Return the job that measures (and caches) the host's best kernels of `dtypes`."""

    def work(emit: Callable[[Any], None], stop: threading.Event) -> None:
        measured = hostbest.measure(
            dtypes or DTYPES, pin_core=pin_core, tuned=cache.tuned, stop=stop.is_set
        )
        if stop.is_set():
            return
        old = cache.host_best()
        if old is not None:  # keep the dtypes not measured this time
            for dtype in old.choices:
                if dtype not in measured.choices:
                    measured.choices[dtype] = old.choices[dtype]
                    measured.gflops[dtype] = old.gflops.get(dtype, {})
        cache.store_host_best(measured)
        emit(BestMeasured(measured))

    return work


def concrete(run: RunSpec, cache: TuneCache, pin_core: int) -> RunSpec:
    """Return a run of kernel "best" as the host's measured best for its dtype and shape.

    The host's best kernels are measured now if they never were (call this only while
    holding the host); with no candidate at all, the ladder's top step stands in.
    """
    kid = hostbest.choose(cache.host_best(), run.dtype, run.shape)
    if kid is None:
        best_job(cache, (run.dtype,), pin_core)(lambda _: None, threading.Event())
        kid = hostbest.choose(cache.host_best(), run.dtype, run.shape)
    kid = kid or ladder_top(run.dtype).id
    blocks = run_blocking(
        kid, mode=run.blocking_mode, tuned=cache.tuned, exact=False, shape=run.shape
    )
    return dataclasses.replace(run, kernel_id=kid, blocking=blocks)
