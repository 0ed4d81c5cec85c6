"""The autotuner: descent from the model and the file's blocks; runs told apart in history."""

from __future__ import annotations

import time

import pytest

from sshapp.bench.blocking import search
from sshapp.bench.blocking.jobs import BestMeasured, TuneCandidate, TuneDone, TuneStarted
from sshapp.bench.engine import Engine
from sshapp.bench.protocol.events import Finished
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.config import Settings
from sshapp.kernels import list_kernels

PACKED = next((k for k in list_kernels() if k.packed and k.supported), None)
pytestmark = pytest.mark.skipif(PACKED is None, reason="no packed kernel runs on this CPU")


def test_search_starts_at_the_model_and_stays_in_budget() -> None:
    assert PACKED is not None
    seen: list[search.Candidate] = []
    started = time.monotonic()
    result = search.tune_kernel(PACKED.id, 96, 1.5, on_candidate=seen.append)
    assert time.monotonic() - started < 1.5 + 2.0  # the budget, plus one head-to-head
    assert result is not None
    assert seen[0].phase == "model"
    model = PACKED.blocking
    assert seen[0].blocking == model
    assert seen[-1].phase == "final"
    # The final row re-times a candidate and carries that candidate's number, not a new one.
    assert seen[seen[-1].index].blocking == seen[-1].blocking
    file_blocks = PACKED.file_blocking
    if (file_blocks.MC, file_blocks.KC, file_blocks.NC) != (model.MC, model.KC, model.NC):
        # The kernel file's own blocks are the second start, measured right after the model.
        assert seen[1].phase == "file"
        assert (seen[1].blocking.MC, seen[1].blocking.KC, seen[1].blocking.NC) == (
            file_blocks.MC,
            file_blocks.KC,
            file_blocks.NC,
        )
        assert {c.phase for c in seen[2:-1]} <= {"KC", "MC", "NC"}
    else:
        assert {c.phase for c in seen[1:-1]} <= {"KC", "MC", "NC"}
    assert len({c.blocking for c in seen[:-1]}) == len(seen) - 1  # nothing measured twice
    for c in seen:
        assert c.blocking.MC % c.blocking.MR == 0
        assert c.gflops > 0
    assert (result.mc, result.kc, result.nc) == (
        seen[-1].blocking.MC,
        seen[-1].blocking.KC,
        seen[-1].blocking.NC,
    )
    # The winner is kept only if it beat the model in the head-to-head.
    if (result.mc, result.kc, result.nc) != (model.MC, model.KC, model.NC):
        assert result.gflops >= result.model_gflops * search.KEEP_GAIN


def test_unpacked_kernel_cannot_be_tuned() -> None:
    with pytest.raises(ValueError, match="only packed kernels"):
        search.tune_kernel("ref.naive.f32", 64, 1.0)


def test_stop_ends_the_search() -> None:
    assert PACKED is not None
    assert search.tune_kernel(PACKED.id, 64, 30.0, stop=lambda: True) is None


async def test_engine_tune_streams_stores_and_remeasures_best(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert PACKED is not None
    from sshapp.bench.blocking import hostbest

    monkeypatch.setattr(hostbest, "CLASSES", {"small": (Shape(32, 32, 32),)})
    monkeypatch.setattr(hostbest, "ROUNDS", 1)
    engine = Engine(settings, "u")
    events = [e async for e in engine.tune([PACKED.id], 96, 2.0)]
    assert isinstance(events[0], TuneStarted)
    assert any(isinstance(e, TuneCandidate) for e in events)
    done = next(e for e in events if isinstance(e, TuneDone))
    assert isinstance(events[-1], BestMeasured)
    assert engine.tune_cache.tuned(PACKED.id) == done.tuned
    assert PACKED.dtype in engine.host_best().choices  # type: ignore[union-attr]
    # The next run of that kernel uses the tuned blocks, and history keeps them.
    (run,) = engine.expand(BenchSpec((PACKED.id,), (Shape(40, 40, 40),), repeats=1))
    assert run.blocking is not None
    assert run.blocking.source == "tuned"
    assert (run.blocking.mc, run.blocking.kc) == (done.tuned.mc, done.tuned.kc)
    assert not list((settings.state_dir / "queue").glob("*.ticket"))


async def test_runs_with_different_blocking_are_told_apart(settings: Settings) -> None:
    assert PACKED is not None
    engine = Engine(settings, "u")
    b = PACKED.blocking
    shape = (Shape(50, 50, 50),)
    for kc in (16, 32):
        (run,) = engine.expand(BenchSpec((PACKED.id,), shape, repeats=1, kc=kc, mc=b.MR))
        events = [e async for e in engine.run(run)]
        assert any(isinstance(e, Finished) for e in events), events
    stored = {(e.result.run.blocking.kc, e.result.run.blocking.source) for e in engine.history()}  # type: ignore[union-attr]
    assert stored == {(16, "given"), (32, "given")}
