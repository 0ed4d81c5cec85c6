"""Engine: event stream, correctness verdict, cancel while waiting and while running."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sshapp.bench.engine import Engine
from sshapp.bench.history import unsaved
from sshapp.bench.protocol.events import (
    Cancelled,
    Event,
    Failed,
    Finished,
    Queued,
    Sampled,
    Started,
)
from sshapp.bench.protocol.spec import BenchSpec, RunSpec, Shape
from sshapp.bench.service import BenchService
from sshapp.config import Settings
from sshapp.kernels import CheckResult, cpu_info, guard


def _run(engine: Engine, kernel: str, size: int, reps: int) -> RunSpec:
    (run,) = engine.expand(BenchSpec((kernel,), (Shape(size, size, size),), repeats=reps))
    return run


async def _collect(engine: Engine, run: RunSpec) -> list[Event]:
    return [event async for event in engine.run(run)]


def _tickets(settings: Settings) -> list[Path]:
    return list((settings.state_dir / "queue").glob("*.ticket"))


async def _until(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def test_engine_is_a_bench_service(settings: Settings) -> None:
    service: BenchService = Engine(settings, "alice")
    assert service.user == "alice"


def test_kernels_include_blas_rows(settings: Settings) -> None:
    ids = [row.id for row in Engine(settings, "u").kernels()]
    assert "blas.numpy.f32" in ids
    assert "blas.numpy.f64" in ids
    assert ids.index("ref.naive.f32") < ids.index("blas.numpy.f32")


@pytest.mark.parametrize("kernel", ["ref.reorder.f32", "ref.naive.f64", "blas.numpy.f32"])
async def test_run_streams_samples_then_a_checked_result(settings: Settings, kernel: str) -> None:
    engine = Engine(settings, "alice")
    events = await _collect(engine, _run(engine, kernel, 67, 4))
    assert isinstance(events[0], Started)
    samples = [e for e in events if isinstance(e, Sampled)]
    assert [s.index for s in samples] == [0, 1, 2, 3]
    assert all(s.gflops > 0 for s in samples)
    (done,) = [e for e in events if isinstance(e, Finished)]
    assert done.result.check_ok
    assert done.result.samples == tuple(s.seconds for s in samples)
    assert done.result.blas_ratio is not None
    assert events[-1] is done
    (entry,) = engine.history(mine=True)
    assert entry.result.run.kernel_id == kernel
    assert entry.user == "alice"
    assert entry.cpu == cpu_info().brand
    assert _tickets(settings) == []


async def test_wrong_answer_fails_loudly(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong(*_: object, **__: object) -> CheckResult:
        return CheckResult(ok=False, error=0.5, tolerance=1e-6, method="elementwise")

    monkeypatch.setattr(guard, "check_product", wrong)  # runner checks through the guard
    engine = Engine(settings, "u")
    events = await _collect(engine, _run(engine, "ref.reorder.f32", 32, 2))
    assert isinstance(events[-1], Failed)
    assert "WRONG ANSWER" in events[-1].error
    assert not [e for e in events if isinstance(e, Finished)]
    assert engine.history(best=True) == []


async def test_cancel_while_running_releases_promptly(settings: Settings) -> None:
    """Closing the stream mid-run stops the native loop at its next sample."""
    engine = Engine(settings, "u")
    long_run = _run(engine, "ref.naive.f32", 256, 2000)
    stream = engine.run(long_run)
    async for event in stream:
        if isinstance(event, Sampled):
            break
    closed = time.monotonic()
    await stream.aclose()
    await _until(lambda: _tickets(settings) == [])
    assert time.monotonic() - closed < 1.0
    events = await _collect(engine, _run(engine, "ref.reorder.f32", 32, 2))
    assert isinstance(events[-1], Finished)


async def test_task_cancel_while_running(settings: Settings) -> None:
    engine = Engine(settings, "u")
    seen: list[Event] = []

    async def consume() -> None:
        async for event in engine.run(_run(engine, "ref.naive.f32", 256, 2000)):
            seen.append(event)

    task = asyncio.create_task(consume())
    await _until(lambda: any(isinstance(e, Sampled) for e in seen))
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await _until(lambda: _tickets(settings) == [], timeout=1.0)


async def test_cancel_while_waiting(settings: Settings) -> None:
    engine = Engine(settings, "u")
    blocker = engine.queue.enqueue()
    try:
        stream = engine.run(_run(engine, "ref.reorder.f32", 32, 2))
        first = await anext(stream)
        assert isinstance(first, Queued)
        assert first.position == 1
        assert len(_tickets(settings)) == 2
        await stream.aclose()
        assert _tickets(settings) == [blocker.path]
    finally:
        blocker.release()


async def test_engine_cancel_yields_cancelled(settings: Settings) -> None:
    engine = Engine(settings, "u")
    blocker = engine.queue.enqueue()
    try:
        events: list[Event] = []
        async for event in engine.run(_run(engine, "ref.reorder.f32", 32, 2)):
            events.append(event)
            if isinstance(event, Queued):
                engine.cancel()
        assert isinstance(events[-1], Cancelled)
        assert _tickets(settings) == [blocker.path]
    finally:
        blocker.release()
    after = await _collect(engine, _run(engine, "ref.reorder.f32", 32, 2))
    assert isinstance(after[-1], Finished)


async def test_time_limit_stops_a_long_run(settings: Settings) -> None:
    engine = Engine(replace(settings, max_run_seconds=0.4), "u")
    started = time.monotonic()
    events = await _collect(engine, _run(engine, "ref.naive.f32", 128, 100_000))
    assert time.monotonic() - started < 3.0
    assert isinstance(events[-1], Finished)


async def test_corrupt_history_keeps_the_run_aside_and_the_file(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    db = settings.state_dir / "history.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    engine = Engine(settings, "u")
    events = await _collect(engine, _run(engine, "ref.reorder.f32", 32, 2))
    assert isinstance(events[-1], Finished)  # the user still gets the result
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("damaged" in w for w in warnings), warnings
    assert not any(str(settings.state_dir) in w for w in warnings), warnings
    (kept,) = (settings.state_dir / unsaved.UNSAVED_FILE).read_text().splitlines()
    assert json.loads(kept)["result"]["run"]["kernel_id"] == "ref.reorder.f32"
    assert db.read_bytes() == b"this is not a database" * 100
