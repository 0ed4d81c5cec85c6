"""TuneState, the Tune screen's rules without Textual: start, edits, the change log, saving."""

from __future__ import annotations

import pytest

from sshapp.bench.blocking.live import LiveSample
from sshapp.bench.protocol.errors import SpecError
from sshapp.tui.tunestate import TuneState
from tests.tui.fakes import FakeService

KERNEL = "avx2.packed_6x16.f32"


def started(service: FakeService) -> TuneState:
    state = TuneState()
    state.kernel_id = state.first_kernel(service, [])
    assert not state.begin(service)  # nothing saved: the model's blocks
    return state


def test_nothing_runs_before_begin_and_invalid_blocks_are_refused_untimed() -> None:
    service = FakeService()
    state = TuneState()
    with pytest.raises(SpecError, match="nothing is running"):
        state.apply(service, 96)
    state = started(service)
    assert state.kernel_id == KERNEL
    before = state.current
    state.selected = "MC"
    with pytest.raises(SpecError, match=r"✗ .*multiple of MR.*\(nothing ran\)"):
        state.apply(service, 7)
    assert state.current == before
    assert state.changes == []


def test_an_edit_is_logged_once_and_its_first_sample_found() -> None:
    service = FakeService()
    state = started(service)
    assert state.current is not None
    assert state.apply(service, state.current.KC) == (f"KC is {state.current.KC} already", False)
    text, changed = state.apply(service, 96)
    assert changed
    assert "KC=96" in text
    change, label = state.changes[-1]
    assert label == "KC 96"
    for _ in range(2):
        state.record(LiveSample(state.current, 10.0, change, label))
    assert [s.change for s in state.first_samples] == [change]
    assert state.state == "running"


def test_save_uses_the_best_figure_seen_at_the_current_blocks() -> None:
    service = FakeService()
    state = started(service)
    assert state.current is not None
    assert state.model is not None
    state.record(LiveSample(state.current, 12.5, 0, ""))
    verdict = state.to_save(1024)
    assert verdict is not None
    assert (verdict.mc, verdict.kc, verdict.nc) == (
        state.current.MC,
        state.current.KC,
        state.current.NC,
    )
    assert verdict.gflops == 12.5
    assert verdict.model_gflops == 12.5  # the model's blocks are the current ones
