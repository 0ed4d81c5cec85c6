"""Threaded runs through the bench layer: plan, engine, BLAS reference and history."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from sshapp.bench.engine import Engine
from sshapp.bench.history.database import SCHEMA_VERSION, History
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Finished
from sshapp.bench.protocol.spec import BenchResult, BenchSpec, RunSpec, Shape, Stats
from sshapp.bench.run.plan import Limits, expand
from sshapp.config import GIB, Settings
from sshapp.kernels import allowed_cores, list_kernels

LIMITS = Limits(max_bytes=GIB, max_seconds=30.0)
CORES = allowed_cores()
TWO_CORES = pytest.mark.skipif(
    len(CORES) < 2, reason=f"needs 2 allowed cores for a team, this process has {len(CORES)}"
)
PACKED = next((k.id for k in list_kernels() if k.threaded and k.supported), None)


def _spec(*kernels: str, threads: tuple[int, ...], size: int = 64) -> BenchSpec:
    return BenchSpec(kernels=kernels, shapes=(Shape(size, size, size),), threads=threads)


@pytest.mark.parametrize("bad", [0, -1, len(CORES) + 1, 2**40])
def test_thread_counts_the_host_cannot_run_are_one_line(bad: int) -> None:
    with pytest.raises(SpecError) as err:
        expand(_spec("ref.naive.f32", threads=(bad,)), LIMITS)
    assert "\n" not in str(err.value)
    assert "threads" in str(err.value)


@TWO_CORES
def test_a_named_kernel_that_does_not_pack_refuses_threads() -> None:
    with pytest.raises(SpecError, match=r"ref\.naive\.f32 runs on one thread only"):
        expand(_spec("ref.naive.f32", threads=(1, 2)), LIMITS)


@TWO_CORES
def test_low_precision_kernels_run_on_teams_and_their_oracles_do_not() -> None:
    # The packed bf16/int8 kernels give each member its own rows of C (team_split.hpp);
    # their naive oracles do not pack and stay on one thread.
    lowp = [
        k.id for k in list_kernels() if k.packed and k.supported and k.dtype in ("bf16", "int8")
    ]
    assert all(k.threaded for k in list_kernels() if k.id in lowp)
    runs = expand(_spec("*.bf16", "*.int8", threads=(1, 2)), LIMITS)
    got = {(r.kernel_id, r.threads) for r in runs}
    for kid in lowp:
        assert (kid, 2) in got
    assert ("ref.naive.bf16", 1) in got
    assert ("ref.naive.bf16", 2) not in got
    with pytest.raises(SpecError, match=r"ref\.naive\.int8 runs on one thread only"):
        expand(_spec("ref.naive.int8", threads=(2,)), LIMITS)


@TWO_CORES
def test_a_series_runs_each_shape_on_each_count_and_globs_skip_the_unthreaded() -> None:
    if PACKED is None:
        pytest.skip("no packed kernel runs on this CPU")
    dtype = PACKED.rsplit(".", 1)[1]
    runs = expand(_spec(PACKED, "ref.*", "blas.*", threads=(1, 2)), LIMITS)
    got = [(r.kernel_id, r.threads) for r in runs if r.dtype == dtype]
    assert (PACKED, 1) in got
    assert (PACKED, 2) in got
    assert (f"blas.numpy.{dtype}", 2) in got
    assert (f"ref.naive.{dtype}", 1) in got
    assert (f"ref.naive.{dtype}", 2) not in got


def _result(threads: int) -> BenchResult:
    run = RunSpec("avx2.packed_6x16.f32", "f32", Shape(8, 8, 8), threads=threads)
    return BenchResult(run, (1e-3,), Stats(1e-3, 1e-3, 0.0), 1.0, 1.0, None, None, 0.0, True)


def test_history_records_the_thread_count(tmp_path: Path) -> None:
    store = History(tmp_path / "h.sqlite3")
    store.add(_result(1), user="u", cpu="c")
    store.add(_result(2), user="u", cpu="c")
    assert sorted(e.result.run.threads for e in store.entries()) == [1, 2]
    best = store.entries(best=True)
    assert sorted(e.result.run.threads for e in best) == [1, 2]  # best per thread count
    store.set_blas_reference("c", "f32", Shape(8, 8, 8), 5.0, threads=1)
    store.set_blas_reference("c", "f32", Shape(8, 8, 8), 9.0, threads=2)
    assert store.blas_reference("c", "f32", Shape(8, 8, 8), 1) == 5.0
    assert store.blas_reference("c", "f32", Shape(8, 8, 8), 2) == 9.0


V1_RUNS = """CREATE TABLE runs (
    id INTEGER PRIMARY KEY, finished_at REAL NOT NULL, user TEXT NOT NULL, cpu TEXT NOT NULL,
    kernel_id TEXT NOT NULL, dtype TEXT NOT NULL,
    m INTEGER NOT NULL, n INTEGER NOT NULL, k INTEGER NOT NULL,
    repeats INTEGER NOT NULL, budget_seconds REAL, warmup INTEGER NOT NULL,
    samples TEXT NOT NULL,
    best_seconds REAL NOT NULL, median_seconds REAL NOT NULL, spread REAL NOT NULL,
    best_gflops REAL NOT NULL, median_gflops REAL NOT NULL,
    peak_fraction REAL, blas_ratio REAL,
    check_error REAL NOT NULL, check_ok INTEGER NOT NULL)"""


def test_a_version_1_database_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.execute(V1_RUNS)
    db.execute(
        "CREATE TABLE blas_ref (cpu TEXT, dtype TEXT, m INTEGER, n INTEGER, k INTEGER, "
        "best_gflops REAL, measured_at REAL, PRIMARY KEY (cpu, dtype, m, n, k))"
    )
    db.execute(
        "INSERT INTO runs VALUES (1, 1.0, 'old', 'c', 'ref.naive.f32', 'f32', 4, 4, 4, 5, NULL,"
        " 1, '[0.001]', 0.001, 0.001, 0.0, 0.1, 0.1, NULL, NULL, 0.0, 1)"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = History(path)
    (old,) = store.entries()
    assert old.user == "old"
    assert old.result.run.threads == 1
    store.add(_result(2), user="u", cpu="c")
    store.set_blas_reference("c", "f32", Shape(8, 8, 8), 9.0, threads=2)
    assert store.count() == 2
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@TWO_CORES
async def test_a_threaded_run_finishes_checked_and_is_stored(settings: Settings) -> None:
    if PACKED is None:
        pytest.skip("no packed kernel runs on this CPU")
    engine = Engine(replace(settings, max_run_seconds=20.0), "u")
    spec = BenchSpec((PACKED,), (Shape(96, 80, 70),), repeats=2, threads=(2,))
    (run,) = engine.expand(spec)
    events = [event async for event in engine.run(run)]
    finished = [e for e in events if isinstance(e, Finished)]
    assert finished, events
    assert finished[0].result.run.threads == 2
    assert finished[0].result.check_ok
    assert engine.history()[0].result.run.threads == 2


def test_a_version_2_database_gains_threads_and_keeps_its_blocks(tmp_path: Path) -> None:
    from sshapp.bench.history import schema as history_module

    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(history_module._SCHEMA)
    for statement in history_module.MIGRATIONS[2]:
        db.execute(statement)
    db.execute(
        "INSERT INTO runs (finished_at, user, cpu, kernel_id, dtype, m, n, k, repeats, "
        "budget_seconds, warmup, samples, best_seconds, median_seconds, spread, best_gflops, "
        "median_gflops, peak_fraction, blas_ratio, check_error, check_ok, mc, kc, nc, "
        "blocking_source) VALUES (1.0, 'old', 'c', 'ref.naive.f32', 'f32', 4, 4, 4, 5, NULL, "
        "1, '[0.001]', 0.001, 0.001, 0.0, 0.1, 0.1, NULL, NULL, 0.0, 1, 12, 64, 96, 'model')"
    )
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    store = History(path)
    (old,) = store.entries()
    assert old.result.run.threads == 1
    blocks = old.result.run.blocking
    assert blocks is not None
    assert (blocks.mc, blocks.kc, blocks.nc, blocks.source) == (12, 64, 96, "model")
    store.set_blas_reference("c", "f32", Shape(8, 8, 8), 9.0, threads=2)
    assert store.blas_reference("c", "f32", Shape(8, 8, 8), threads=2) == 9.0
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
