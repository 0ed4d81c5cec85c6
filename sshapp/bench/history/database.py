"""Provides the SQLite history of finished runs and the cached host-BLAS references."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from sshapp.bench.history import schema, storage
from sshapp.bench.history.schema import BUSY_TIMEOUT_MS, SCHEMA_VERSION
from sshapp.bench.history.storage import HistoryError
from sshapp.bench.protocol.rows import HistoryEntry
from sshapp.bench.protocol.spec import BenchResult, RunBlocking, RunSpec, Shape, Stats

__all__ = ["History", "HistoryError"]

log = logging.getLogger(__name__)

_COLUMNS = (
    "finished_at, user, cpu, kernel_id, dtype, m, n, k, repeats, budget_seconds, warmup, "
    "samples, best_seconds, median_seconds, spread, best_gflops, median_gflops, "
    "peak_fraction, blas_ratio, check_error, check_ok, mc, kc, nc, blocking_source, threads"
)


class History:
    """The history database in the state directory, opened per call."""

    def __init__(self, path: Path) -> None:
        """Point at a database file (nothing is opened yet).

        Args:
            path: The SQLite file; created with its directory on first use.
        """
        self.path = path
        """The database file."""

    def _connect(self, *, read_only: bool = False) -> sqlite3.Connection:
        """Open the database (creating it unless read_only).

        A reader falls back to a read-only connection when the file cannot be written
        (read-only mount, full disk: opening a WAL database writes its -shm file), and
        to an immutable one when no write-ahead log is pending: the data is fine, only
        writing is not.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not (read_only and self.path.exists()):
                raise storage.error_for(exc, self.path, "open") from None
        try:
            return self._open(self.path, create=True)
        except sqlite3.Error as exc:
            error = storage.error_for(exc, self.path, "open")
            if not read_only or error.kind in (storage.CORRUPT, storage.BUSY):
                raise error from None
        uri = f"{self.path.absolute().as_uri()}?mode=ro"
        wal = self.path.with_name(self.path.name + "-wal")
        fallbacks = [uri] + ([] if wal.exists() and wal.stat().st_size else [uri + "&immutable=1"])
        for target in fallbacks:
            try:
                return self._open(target, create=False)
            except sqlite3.Error as exc:
                last = exc
        raise storage.error_for(last, self.path, "read") from None

    def _open(self, target: Path | str, *, create: bool) -> sqlite3.Connection:
        db = sqlite3.connect(
            target,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            uri=isinstance(target, str),
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    storage.NEWER, f"schema {version}; this sshapp knows up to {SCHEMA_VERSION}"
                )
            if version < SCHEMA_VERSION:
                if not create:
                    raise HistoryError(storage.READ_ONLY, "no history yet")
                schema.create(db)
        except BaseException:
            db.close()
            raise
        return db

    def _run(self, sql: str, params: tuple[object, ...] = (), *, write: bool = False) -> list[Any]:
        db = self._connect(read_only=not write)
        try:
            return db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise storage.error_for(exc, self.path, "write" if write else "read") from None
        finally:
            db.close()

    def check(self) -> None:
        """Open the database once, creating it if needed.

        Raises:
            HistoryError: It is unreadable, corrupt or from a newer sshapp.
        """
        self._connect().close()

    def add(self, result: BenchResult, *, user: str, cpu: str, when: float | None = None) -> None:
        """Store one finished run.

        Raises:
            HistoryError: The database cannot be written.
        """
        r, s = result.run, result.stats
        row = (
            time.time() if when is None else when,
            user,
            cpu,
            r.kernel_id,
            r.dtype,
            r.shape.m,
            r.shape.n,
            r.shape.k,
            r.repeats,
            r.budget_seconds,
            r.warmup,
            json.dumps(result.samples),
            s.best_seconds,
            s.median_seconds,
            s.spread,
            result.best_gflops,
            result.median_gflops,
            result.peak_fraction,
            result.blas_ratio,
            result.check_error,
            int(result.check_ok),
            *(
                (None, None, None, None)
                if r.blocking is None
                else (r.blocking.mc, r.blocking.kc, r.blocking.nc, r.blocking.source)
            ),
            r.threads,
        )
        marks = ", ".join("?" * len(row))
        self._run(f"INSERT INTO runs ({_COLUMNS}) VALUES ({marks})", row, write=True)

    def entries(
        self,
        *,
        user: str | None = None,
        cpu: str | None = None,
        best: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[HistoryEntry]:
        """Return stored runs, newest first; a damaged row is skipped (one warning).

        Args:
            user: Only this user's runs (None = everybody's).
            cpu: Only runs on this CPU (None = any).
            best: Only the fastest correct run per kernel and shape.
            limit: At most this many entries.
            offset: Skip this many first.

        Raises:
            HistoryError: The database cannot be read.
        """
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        if user is not None:
            where.append("user = ?")
            params.append(user)
        if cpu is not None:
            where.append("cpu = ?")
            params.append(cpu)
        cond = " AND ".join(where)
        if best:
            sql = (
                f"SELECT {_COLUMNS} FROM runs WHERE id IN ("
                f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER ("
                f"PARTITION BY kernel_id, m, n, k, threads ORDER BY best_gflops DESC) AS rn "
                f"FROM runs WHERE {cond} AND check_ok = 1) "
                f"WHERE rn = 1) ORDER BY best_gflops DESC LIMIT ? OFFSET ?"
            )
        else:
            sql = (
                f"SELECT {_COLUMNS} FROM runs WHERE {cond} "
                f"ORDER BY finished_at DESC, id DESC LIMIT ? OFFSET ?"
            )
        entries: list[HistoryEntry] = []
        damaged = 0
        for row in self._run(sql, (*params, limit, offset)):
            try:
                entries.append(_entry(row))
            except (ValueError, TypeError):  # bad JSON, a NULL or text where a number goes
                damaged += 1
        if damaged:
            log.warning("skipped %d damaged history row%s", damaged, "s" if damaged > 1 else "")
        return entries

    def count(self) -> int:
        """Return how many runs are stored."""
        return int(self._run("SELECT COUNT(*) FROM runs")[0][0])

    def blas_reference(self, cpu: str, dtype: str, shape: Shape, threads: int = 1) -> float | None:
        """Return the cached host-BLAS GFLOP/s at this shape and thread count on this CPU
        (None if none)."""
        rows = self._run(
            "SELECT best_gflops FROM blas_ref WHERE cpu = ? AND dtype = ? AND m = ? AND n = ? "
            "AND k = ? AND threads = ?",
            (cpu, dtype, shape.m, shape.n, shape.k, threads),
        )
        return float(rows[0][0]) if rows else None

    def set_blas_reference(
        self, cpu: str, dtype: str, shape: Shape, gflops: float, threads: int = 1
    ) -> None:
        """Remember the host-BLAS GFLOP/s at this shape and thread count (keeps the best)."""
        self._run(
            "INSERT INTO blas_ref (cpu, dtype, m, n, k, best_gflops, measured_at, threads) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
            "best_gflops = MAX(best_gflops, excluded.best_gflops), "
            "measured_at = excluded.measured_at",
            (cpu, dtype, shape.m, shape.n, shape.k, gflops, time.time(), threads),
            write=True,
        )


def _entry(row: Any) -> HistoryEntry:
    (when, user, cpu, kid, dtype, m, n, k, reps, budget, warm, samples, *rest) = row
    best_s, med_s, spread, best_g, med_g, peak, ratio, err, ok, *tail = rest
    mc, kc, nc, source, threads = tail
    blocks = None if mc is None else RunBlocking(int(mc), int(kc), int(nc), str(source))
    run = RunSpec(
        kernel_id=str(kid),
        dtype=str(dtype),
        shape=Shape(int(m), int(n), int(k)),
        repeats=int(reps),
        budget_seconds=None if budget is None else float(budget),
        warmup=int(warm),
        blocking=blocks,
        threads=int(threads),
    )
    result = BenchResult(
        run=run,
        samples=tuple(json.loads(str(samples))),
        stats=Stats(float(best_s), float(med_s), float(spread)),
        best_gflops=float(best_g),
        median_gflops=float(med_g),
        peak_fraction=None if peak is None else float(peak),
        blas_ratio=None if ratio is None else float(ratio),
        check_error=float(err),
        check_ok=bool(ok),
    )
    return HistoryEntry(result=result, user=str(user), finished_at=float(when), cpu=str(cpu))
