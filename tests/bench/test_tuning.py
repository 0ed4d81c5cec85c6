"""The tune cache (per CPU), blocking resolution, `best` per dtype and shape class."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sshapp.bench.blocking import hostbest, store
from sshapp.bench.blocking.blocks import run_blocking
from sshapp.bench.blocking.store import HostBest, TuneCache, Tuned
from sshapp.bench.engine import Engine
from sshapp.bench.history.database import SCHEMA_VERSION, History
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Finished, Queued, Started
from sshapp.bench.protocol.spec import BEST, BenchSpec, RunBlocking, Shape
from sshapp.config import Settings
from sshapp.kernels import DTYPES, list_kernels

PACKED = next((k for k in list_kernels() if k.packed and k.supported), None)
needs_packed = pytest.mark.skipif(PACKED is None, reason="no packed kernel runs on this CPU")


def _tuned(kernel_id: str, kc: int = 40) -> Tuned:
    info = next(k for k in list_kernels() if k.id == kernel_id)
    return Tuned(kernel_id, 2 * info.blocking.MR, kc, 3 * info.blocking.NR, 10.0, 9.0, 256)


def test_tune_cache_round_trips_per_cpu(tmp_path: Path) -> None:
    cache = TuneCache(tmp_path)
    assert cache.tuned("avx2.packed_6x16.f32") is None
    cache.store_tuned(Tuned("avx2.packed_6x16.f32", 12, 64, 32, 100.0, 95.0, 512, 1.0))
    assert cache.tuned("avx2.packed_6x16.f32") == Tuned(
        "avx2.packed_6x16.f32", 12, 64, 32, 100.0, 95.0, 512, 1.0
    )
    best = HostBest({"f32": {"large": "x"}}, {"f32": {"large": 1.0}}, 2.0)
    cache.store_host_best(best)
    assert cache.host_best() == best
    assert set(cache.all_tuned()) == {"avx2.packed_6x16.f32"}


def test_tune_cache_is_ignored_on_another_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = TuneCache(tmp_path)
    cache.store_tuned(Tuned("avx2.packed_6x16.f32", 12, 64, 32, 100.0, 95.0, 512))
    cache.store_host_best(HostBest({"f32": {"large": "avx2.packed_6x16.f32"}}, {}))
    here = store.cpu_key()
    monkeypatch.setattr(store, "cpu_key", lambda: "Other CPU [0123456789abcdef]")
    assert cache.tuned("avx2.packed_6x16.f32") is None
    assert cache.host_best() is None
    monkeypatch.setattr(store, "cpu_key", lambda: here)
    assert cache.tuned("avx2.packed_6x16.f32") is not None


def test_cpu_key_names_the_caches_and_features(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from sshapp.kernels import cpu_info

    real = cpu_info()
    key = store.cpu_key()
    assert key.startswith(real.brand)
    smaller = {**real.caches, "l2": {**real.caches.get("l2", {}), "bytes": 1}}
    monkeypatch.setattr(store, "cpu_info", lambda: replace(real, caches=smaller))
    assert store.cpu_key() != key
    fewer = dict.fromkeys(real.features, False)
    monkeypatch.setattr(store, "cpu_info", lambda: replace(real, features=fewer))
    assert store.cpu_key() != key


def test_unreadable_tune_cache_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "tuning.json").write_text("{not json")
    assert TuneCache(tmp_path).tuned("avx2.packed_6x16.f32") is None


@needs_packed
def test_blocking_comes_from_tune_then_model_then_flags(tmp_path: Path) -> None:
    assert PACKED is not None
    kid, model = PACKED.id, PACKED.blocking
    cache = TuneCache(tmp_path)
    assert run_blocking(kid, tuned=cache.tuned) == RunBlocking(
        model.MC, model.KC, model.NC, "model"
    )
    cache.store_tuned(_tuned(kid))
    tuned = run_blocking(kid, tuned=cache.tuned)
    assert tuned == RunBlocking(2 * model.MR, 40, 3 * model.NR, "tuned")
    assert run_blocking(kid, mode="model", tuned=cache.tuned).source == "model"
    given = run_blocking(kid, kc=24, tuned=cache.tuned)
    assert given == RunBlocking(2 * model.MR, 24, 3 * model.NR, "given")


@needs_packed
def test_bad_blocking_in_a_spec_is_a_spec_error(settings: Settings) -> None:
    assert PACKED is not None
    engine = Engine(settings, "u")
    shape = (Shape(64, 64, 64),)
    with pytest.raises(SpecError, match="MC must be a multiple of MR"):
        engine.expand(BenchSpec((PACKED.id,), shape, mc=PACKED.blocking.MR + 1))
    with pytest.raises(SpecError, match="does not use cache blocks"):
        engine.expand(BenchSpec(("ref.naive.f32",), shape, kc=64))
    with pytest.raises(SpecError, match="need a concrete kernel"):
        engine.expand(BenchSpec((BEST,), shape, kc=64))
    with pytest.raises(SpecError, match="unknown blocking"):
        engine.expand(BenchSpec((PACKED.id,), shape, blocking="magic"))
    # A glob applies explicit blocks to its packed kernels and leaves the others alone.
    runs = engine.expand(BenchSpec((f"*.{PACKED.dtype}",), shape, kc=48))
    assert {r.blocking.kc for r in runs if r.blocking is not None} == {48}


@pytest.mark.parametrize(
    ("shape", "cls"),
    [
        (Shape(1, 4096, 4096), "skinny"),
        (Shape(4096, 1, 64), "skinny"),
        (Shape(300, 500, 1), "skinny"),
        (Shape(64, 64, 64), "small"),
        (Shape(128, 100, 128), "small"),
        (Shape(129, 64, 64), "large"),
        (Shape(4096, 64, 4096), "large"),
        (Shape(1024, 1024, 1024), "large"),
    ],
)
def test_shape_classes(shape: Shape, cls: str) -> None:
    assert hostbest.shape_class(shape) == cls


def test_best_resolves_per_dtype_and_shape_class() -> None:
    best = HostBest(
        {
            "f32": {"small": "a.small.f32", "large": "a.large.f32", "skinny": "a.skinny.f32"},
            "f64": {"large": "a.large.f64"},
        },
        {},
    )
    assert hostbest.choose(best, "f32", Shape(64, 64, 64)) == "a.small.f32"
    assert hostbest.choose(best, "f32", Shape(2048, 2048, 2048)) == "a.large.f32"
    assert hostbest.choose(best, "f32", Shape(1, 4096, 4096)) == "a.skinny.f32"
    assert hostbest.choose(best, "f64", Shape(512, 512, 512)) == "a.large.f64"
    assert hostbest.choose(best, "f64", Shape(1, 512, 512)) is None
    assert hostbest.choose(None, "f32", Shape(64, 64, 64)) is None


def test_best_expands_per_dtype(settings: Settings) -> None:
    engine = Engine(settings, "u")
    runs = engine.expand(BenchSpec((BEST,), (Shape(64, 64, 64),)))
    assert [(r.kernel_id, r.dtype) for r in runs] == [(BEST, dt) for dt in DTYPES]
    (run,) = engine.expand(BenchSpec((BEST,), (Shape(64, 64, 64),), dtype="f64"))
    assert run.dtype == "f64"


def test_candidates_are_supported_and_not_reference() -> None:
    for dtype in ("f32", "f64"):
        for kid in hostbest.candidates(dtype):
            info = next(k for k in list_kernels() if k.id == kid)
            assert info.supported
            assert info.dtype == dtype
            assert info.isa != "ref"


async def test_started_event_names_the_cached_host_best(settings: Settings) -> None:
    engine = Engine(settings, "u")
    kid = next(k.id for k in list_kernels() if k.dtype == "f32" and k.supported)
    engine.tune_cache.store_host_best(HostBest({"f32": {"small": kid}}, {"f32": {"small": 1.0}}))
    (run,) = engine.expand(BenchSpec((BEST,), (Shape(32, 32, 32),), dtype="f32", repeats=2))
    events = [e async for e in engine.run(run)]
    started = next(e for e in events if isinstance(e, Started))
    assert started.run.kernel_id == kid
    finished = next(e for e in events if isinstance(e, Finished))
    assert finished.result.run.kernel_id == kid
    assert all(e.run.kernel_id == BEST for e in events if isinstance(e, Queued))


def test_measure_picks_a_candidate_per_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        hostbest,
        "CLASSES",
        {"small": (Shape(24, 24, 24),), "skinny": (Shape(1, 64, 64),)},
    )
    monkeypatch.setattr(hostbest, "ROUNDS", 1)
    best = hostbest.measure(("f32",))
    for cls in ("small", "skinny"):
        assert best.choices["f32"][cls] in hostbest.candidates("f32")
        assert best.gflops["f32"][cls] > 0


def test_history_v1_database_is_migrated_and_still_readable(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    from sshapp.bench.history import schema as history_module

    db.executescript(history_module._SCHEMA)
    db.execute(
        "INSERT INTO runs (finished_at, user, cpu, kernel_id, dtype, m, n, k, repeats, "
        "budget_seconds, warmup, samples, best_seconds, median_seconds, spread, best_gflops, "
        "median_gflops, peak_fraction, blas_ratio, check_error, check_ok) VALUES "
        "(1.0, 'old', 'cpu', 'ref.naive.f32', 'f32', 2, 2, 2, 1, NULL, 1, '[0.5]', 0.5, 0.5, "
        "0.0, 1.0, 1.0, NULL, NULL, 0.0, 1)"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = History(path)
    (entry,) = store.entries()
    assert entry.user == "old"
    assert entry.result.run.blocking is None
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    check.close()


@needs_packed
def test_narrow_shapes_get_the_narrow_rule_per_shape_and_given_blocks_stay(
    settings: Settings,
) -> None:
    assert PACKED is not None
    engine = Engine(settings, "u")
    shapes = (Shape(4096, 64, 4096), Shape(256, 256, 256))
    if PACKED.dtype not in ("f32", "f64"):
        pytest.skip(f"{PACKED.id} has its own driver: the narrow rule is for f32/f64")
    narrow, square = engine.expand(BenchSpec((PACKED.id,), shapes))
    assert narrow.blocking is not None
    assert square.blocking is not None
    assert narrow.blocking.source == "narrow"
    assert narrow.blocking.kc >= 4 * square.blocking.kc
    assert square.blocking.source in {"model", "tuned"}
    # In one sweep each shape has its own blocks; explicit blocks are the user's.
    runs = engine.expand(BenchSpec((PACKED.id,), shapes, kc=64))
    assert {(r.blocking.kc, r.blocking.source) for r in runs if r.blocking} == {(64, "given")}
    # The plan's blocks are what run_blocking gives for that shape.
    assert run_blocking(PACKED.id, shape=shapes[0]) == narrow.blocking
