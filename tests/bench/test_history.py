"""History: round trip, best/mine queries, many writer processes, corrupt databases."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sshapp.bench.history.database import SCHEMA_VERSION, History, HistoryError
from sshapp.bench.protocol.spec import BenchResult, RunSpec, Shape, Stats


def _result(kernel: str = "ref.naive.f32", gf: float = 1.0, ok: bool = True) -> BenchResult:
    run = RunSpec(kernel_id=kernel, dtype="f32", shape=Shape(8, 9, 10), repeats=3)
    return BenchResult(
        run=run,
        samples=(2e-3, 1e-3, 3e-3),
        stats=Stats.of((2e-3, 1e-3, 3e-3)),
        best_gflops=gf,
        median_gflops=gf / 2,
        peak_fraction=None,
        blas_ratio=0.25,
        check_error=1e-7,
        check_ok=ok,
    )


def test_round_trip_and_queries(tmp_path: Path) -> None:
    h = History(tmp_path / "h.db")
    h.add(_result(gf=1.0), user="alice", cpu="cpu", when=1.0)
    h.add(_result(gf=3.0), user="bob", cpu="cpu", when=2.0)
    h.add(_result(gf=9.0, ok=False), user="bob", cpu="cpu", when=3.0)
    h.add(_result("ref.reorder.f32", gf=2.0), user="alice", cpu="cpu", when=4.0)
    newest = h.entries()
    assert [e.finished_at for e in newest] == [4.0, 3.0, 2.0, 1.0]
    assert newest[3].result == _result(gf=1.0)
    assert [e.user for e in h.entries(user="alice")] == ["alice", "alice"]
    best = h.entries(best=True)
    assert [(e.result.run.kernel_id, e.result.best_gflops) for e in best] == [
        ("ref.naive.f32", 3.0),
        ("ref.reorder.f32", 2.0),
    ]
    assert h.count() == 4


def test_blas_reference_cache_keeps_the_best(tmp_path: Path) -> None:
    h = History(tmp_path / "h.db")
    shape = Shape(4, 4, 4)
    assert h.blas_reference("cpu", "f32", shape) is None
    h.set_blas_reference("cpu", "f32", shape, 10.0)
    h.set_blas_reference("cpu", "f32", shape, 5.0)
    assert h.blas_reference("cpu", "f32", shape) == 10.0
    assert h.blas_reference("cpu", "f64", shape) is None


def test_database_uses_wal_and_schema_version(tmp_path: Path) -> None:
    h = History(tmp_path / "h.db")
    h.check()
    with sqlite3.connect(tmp_path / "h.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_corrupt_database_is_a_clear_error_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    junk = b"\x00garbage, not SQLite\n" * 500
    path.write_bytes(junk)
    with pytest.raises(HistoryError, match="damaged") as info:
        History(path).add(_result(), user="u", cpu="c")
    assert "\n" not in str(info.value)
    assert path.read_bytes() == junk


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="knows up to"):
        History(path).entries()


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="cannot be created") as info:
        History(blocker / "h.db").check()
    assert str(tmp_path) not in str(info.value)


WRITER = """
import sys
from pathlib import Path
from sshapp.bench.history.database import History
from sshapp.bench.protocol.spec import BenchResult, RunSpec, Shape, Stats
h = History(Path(sys.argv[1]))
run = RunSpec("ref.naive.f32", "f32", Shape(8, 9, 10))
for i in range(int(sys.argv[2])):
    r = BenchResult(run, (1e-3,), Stats.of((1e-3,)), float(i), float(i), None, None, 0.0, True)
    h.add(r, user=sys.argv[3], cpu="cpu")
"""


def test_twenty_writer_processes_lose_no_row(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    root = Path(__file__).parents[2]
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), "25", f"user{i}"], cwd=root)
        for i in range(20)
    ]
    assert [p.wait(120) for p in procs] == [0] * 20
    h = History(path)
    assert h.count() == 500
    assert {e.user for e in h.entries(limit=1000)} == {f"user{i}" for i in range(20)}
