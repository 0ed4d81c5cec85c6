"""Peaks: measured once per host through the probe API, cached, unknown without a probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sshapp.bench.engine import Engine
from sshapp.bench.host import peaks
from sshapp.bench.protocol.events import Finished
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.config import Settings
from sshapp.kernels import probes


@dataclass(frozen=True)
class FakePeaks:
    fma_gflops: dict[str, float] = field(default_factory=lambda: {"avx2.f32": 100.0})
    bandwidth_gbs: float = 12.5
    team_gflops: dict[str, dict[int, float]] = field(
        default_factory=lambda: {"avx2.f32": {2: 190.0}}
    )


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replaces the native probe with a fake; returns a list counting its calls."""
    calls: list[int] = []

    def measure_peaks() -> FakePeaks:
        calls.append(1)
        return FakePeaks()

    monkeypatch.setattr(probes, "measure_peaks", measure_peaks)
    return calls


def test_peak_of_an_isa_without_probe_is_the_dtypes_best() -> None:
    p = peaks.HostPeaks({"avx2.f32": 100.0, "avx512.f32": 200.0, "avx2.f64": 50.0}, 10.0)
    assert p.peak("avx2", "f32") == 100.0
    assert p.peak("ref", "f32") == 200.0
    assert p.peak("blas", "f64") == 50.0
    assert p.peak("ref", "bf16") is None


def test_cache_round_trip_is_keyed_by_host(tmp_path: Path) -> None:
    cache = peaks.PeakCache(tmp_path)
    assert cache.load() is None
    cache.store(peaks.HostPeaks({"avx2.f32": 1.5}, None))
    assert cache.load() == peaks.HostPeaks({"avx2.f32": 1.5}, None)
    assert peaks.host_key() in cache.path.read_text()


def test_unreadable_cache_counts_as_unmeasured(tmp_path: Path) -> None:
    (tmp_path / "peaks.json").write_text("{not json")
    assert peaks.PeakCache(tmp_path).load() is None


async def test_measured_once_and_used_for_percent_of_peak(
    settings: Settings, probe: list[int]
) -> None:
    engine = Engine(settings, "u")
    assert engine.peak_gflops("avx2", "f32") is None
    (run,) = engine.expand(BenchSpec(("ref.reorder.f32",), (Shape(32, 32, 32),), repeats=2))
    for _ in range(2):
        events = [e async for e in engine.run(run)]
        assert isinstance(events[-1], Finished)
        result = events[-1].result
        assert result.peak_fraction == pytest.approx(result.best_gflops / 100.0)
    assert probe == [1]
    assert Engine(settings, "v").peak_gflops("avx2", "f32") == 100.0
    assert engine.bandwidth_gbs() == 12.5


async def test_failing_probe_leaves_peaks_unknown(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> FakePeaks:
        raise RuntimeError("probe crashed")

    monkeypatch.setattr(probes, "measure_peaks", broken)
    engine = Engine(settings, "u")
    assert await engine.measure_peaks() is None
    assert engine.peak_gflops("avx2", "f32") is None


async def test_measure_peaks_goes_through_the_queue_once(
    settings: Settings, probe: list[int]
) -> None:
    engine = Engine(settings, "u")
    first = await engine.measure_peaks()
    again = await engine.measure_peaks()
    assert first == again == peaks.HostPeaks({"avx2.f32": 100.0}, 12.5, {"avx2.f32": {2: 190.0}})
    assert probe == [1]
    assert list((settings.state_dir / "queue").glob("*.ticket")) == []


async def test_a_result_above_the_peak_raises_the_cached_peak(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A probe that read low (busy host) is corrected by what kernels achieve, no re-probe."""
    calls: list[int] = []

    def tiny_peak() -> FakePeaks:
        calls.append(1)
        return FakePeaks(fma_gflops={"avx2.f32": 1e-6, "avx2.f64": 1e-6})

    monkeypatch.setattr(probes, "measure_peaks", tiny_peak)
    engine = Engine(settings, "u")
    (run,) = engine.expand(BenchSpec(("ref.reorder.f32",), (Shape(32, 32, 32),), repeats=2))
    events = [e async for e in engine.run(run)]
    assert isinstance(events[-1], Finished)
    first = events[-1].result
    assert first.peak_fraction is None
    assert engine.peak_gflops("ref", "f32") == first.best_gflops
    assert engine.peak_gflops("avx2", "f64") == 1e-6
    events = [e async for e in engine.run(run)]
    assert isinstance(events[-1], Finished)
    assert calls == [1]


def test_raise_peak_keeps_the_higher_value(tmp_path: Path) -> None:
    cache = peaks.PeakCache(tmp_path)
    cache.raise_peak("avx2", "f32", 5.0)
    assert cache.load() is None
    cache.store(peaks.HostPeaks({"avx2.f32": 10.0, "avx512.f32": 20.0}, 1.0))
    cache.raise_peak("avx2", "f32", 5.0)
    cache.raise_peak("ref", "f32", 30.0)
    assert cache.load() == peaks.HostPeaks({"avx2.f32": 10.0, "avx512.f32": 30.0}, 1.0)


def test_low_precision_kernels_are_bounded_by_their_dtype_probe() -> None:
    p = peaks.HostPeaks(
        {"avx512.f32": 117.0, "avx512_bf16.bf16": 235.0, "avx512_vnni.int8": 470.0}, 30.0
    )
    assert p.peak("avx512", "bf16") == 235.0  # the dtype table maps avx512 -> avx512_bf16
    assert p.peak("ref", "bf16") == 235.0
    assert p.peak("avx512", "int8") == 470.0
    assert p.peak("amx", "bf16") is None  # has a probe of its own, not measured here


def test_raising_a_low_precision_peak_touches_only_its_probe(tmp_path: Path) -> None:
    cache = peaks.PeakCache(tmp_path)
    cache.store(peaks.HostPeaks({"avx512_bf16.bf16": 200.0, "avx512.f32": 100.0}, None))
    cache.raise_peak("avx512", "bf16", 230.0)
    cache.raise_peak("amx", "bf16", 3000.0)  # not measured: nothing to raise
    loaded = cache.load()
    assert loaded is not None
    assert loaded.fma_gflops == {"avx512_bf16.bf16": 230.0, "avx512.f32": 100.0}
