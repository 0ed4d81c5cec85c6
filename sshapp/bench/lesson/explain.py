"""Provides the engine's steps of a lesson: resolve the id, measure the host, time a run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sshapp.bench.blocking.store import Tuned
from sshapp.bench.host import blas
from sshapp.bench.host.peaks import HostPeaks
from sshapp.bench.host.queue import HostQueue
from sshapp.bench.lesson.model import Lesson, build
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Event, Failed, Finished
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.kernels import UnknownKernelError, cpu_info, get, measure_cache_reads

REPEATS = 3
"""Repetitions of each measuring run (best of them is the answer)."""
READS_SECONDS = 1.0
"""What the cache read probes cost, for the queue's estimate."""


def resolve(kernel_id: str) -> str:
    """Return the id of a kernel or BLAS row.

    Raises:
        SpecError: No such kernel (the message names close matches).
    """
    if blas.is_blas(kernel_id):
        return kernel_id
    try:
        return get(kernel_id).id
    except UnknownKernelError as exc:
        raise SpecError(str(exc)) from None


def spec(kernel_id: str, size: int) -> BenchSpec:
    """Return the spec of one measuring run at size³."""
    return BenchSpec((kernel_id,), (Shape(size, size, size),), repeats=REPEATS)


def host_lesson(
    kernel_id: str,
    size: int,
    host: HostPeaks | None,
    reads: dict[str, float | None],
    tuned: Tuned | None,
) -> Lesson:
    """Return the lesson on this host: its caches, its measured peaks and bandwidths."""
    cpu = cpu_info()
    bandwidths = {
        "L1": reads.get("l1"),
        "L2": reads.get("l2"),
        "L3": reads.get("l3"),
        "memory": host.bandwidth_gbs if host else None,
    }
    return build(
        kernel_id,
        size,
        caches={"L1": cpu.l1d_bytes, "L2": cpu.l2_bytes, "L3": cpu.l3_bytes},
        peaks=host.fma_gflops if host else {},
        bandwidths=bandwidths,
        blocking=(tuned.mc, tuned.kc, tuned.nc) if tuned else None,
    )


async def on_host(queue: HostQueue, user: str, quota: int, core: int) -> dict[str, float | None]:
    """Measure the cache read bandwidths while holding the host (queued like any run)."""
    cpu = cpu_info()
    ticket = queue.enqueue(user, quota)
    try:
        await queue.wait(ticket, lambda _: None)
        ticket.mark_running(READS_SECONDS)
        return await asyncio.to_thread(
            measure_cache_reads, cpu.l1d_bytes, cpu.l2_bytes, cpu.l3_bytes, pin_core=core
        )
    finally:
        ticket.release()


async def best(events: AsyncIterator[Event]) -> float:
    """Return the best rate of a run's events.

    Raises:
        RuntimeError: The run failed or ended without a result (one line).
    """
    async with contextlib.aclosing(events) as stream:  # type: ignore[type-var]
        async for event in stream:
            if isinstance(event, Finished):
                return event.result.best_gflops
            if isinstance(event, Failed):
                msg = f"{event.run.kernel_id}: {event.error}"
                raise RuntimeError(msg)
    msg = "the measuring run ended without a result"
    raise RuntimeError(msg)
