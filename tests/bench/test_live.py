"""The live tuning job on the real engine: re-times after a change, autotunes, frees the host."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from sshapp.bench.blocking.live import (
    AutotuneEnded,
    BlasMeasured,
    LiveControl,
    LiveSample,
    live_job,
)
from sshapp.bench.engine import Engine
from sshapp.bench.protocol.errors import SpecError
from sshapp.config import Settings
from sshapp.kernels import Blocking, get, list_kernels

PACKED = next((k for k in list_kernels() if k.packed and k.supported), None)
needs_packed = pytest.mark.skipif(PACKED is None, reason="no packed kernel runs on this CPU")
SIZE = 96
"""Small: a call takes well under a millisecond, the test stays quick on any CPU."""


@needs_packed
async def test_a_change_is_timed_by_the_next_samples_and_closing_frees_the_host(
    settings: Settings,
) -> None:
    assert PACKED is not None
    engine = Engine(settings, "tester")
    b = PACKED.blocking
    control = LiveControl(b)
    changed = Blocking(b.MR, b.NR, b.MC, max(b.KC // 2, 8), b.NC)
    seen: list[LiveSample] = []
    blas = False
    async with contextlib.aclosing(engine.live(PACKED.id, SIZE, control)) as events:
        async for event in events:
            if isinstance(event, BlasMeasured):
                blas = event.gflops > 0
            if isinstance(event, LiveSample):
                seen.append(event)
                if len(seen) == 3:
                    change = control.set(changed, f"KC {changed.KC}")
                if seen[-1].change > 0:
                    break
    assert blas
    assert seen[-1].change == change
    assert seen[-1].blocking == changed
    assert seen[-1].label == f"KC {changed.KC}"
    assert all(s.blocking == b for s in seen[:-1] if s.change == 0)
    assert all(s.gflops > 0 for s in seen)
    ticket = engine.queue.enqueue()  # the host is free again: the next job gets it at once
    try:
        await asyncio.wait_for(engine.queue.wait(ticket, lambda _: None), timeout=5)
    finally:
        ticket.release()


@needs_packed
async def test_autotune_streams_candidates_and_goes_on_at_the_winner(settings: Settings) -> None:
    assert PACKED is not None
    engine = Engine(settings, "tester")
    control = LiveControl(PACKED.blocking)
    control.autotune(budget_seconds=1.5)
    labels: list[str] = []
    ended: AutotuneEnded | None = None
    async with contextlib.aclosing(engine.live(PACKED.id, SIZE, control)) as events:
        async for event in events:
            if isinstance(event, LiveSample):
                labels.append(event.label)
                if ended is not None:
                    break
            elif isinstance(event, AutotuneEnded):
                ended = event
    assert ended is not None
    assert ended.tuned is not None
    assert labels[0] == "tune model"
    assert labels[-1] == "winner"
    winner = control.current()[0]
    assert (ended.tuned.mc, ended.tuned.kc, ended.tuned.nc) == (winner.MC, winner.KC, winner.NC)


def test_check_blocking_and_model_through_the_engine(settings: Settings) -> None:
    engine = Engine(settings, "tester")
    kid = "avx2.packed_6x16.f32"
    assert engine.blocking_model(kid).blocking.MR == get(kid).blocking.MR
    assert engine.check_blocking(kid, 12, 64, 256).MC == 12
    with pytest.raises(SpecError, match="multiple of MR"):
        engine.check_blocking(kid, 7, 64, 256)
    with pytest.raises(SpecError, match="does not use cache blocks"):
        engine.check_blocking("ref.naive.f32", 0, 0, 0)


def test_a_kernel_that_does_not_pack_is_refused_when_the_job_starts() -> None:
    work = live_job(LiveControl(get("ref.naive.f32").blocking), "ref.naive.f32", 64, -1)
    with pytest.raises(ValueError, match="only packed kernels"):
        work(lambda _: None, threading.Event())
