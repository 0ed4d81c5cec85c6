"""Provides the history database's schema, its migrations and the step that applies them."""

from __future__ import annotations

import sqlite3
import time

SCHEMA_VERSION = 3
"""Value of PRAGMA user_version this code writes and reads."""

MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 2: the cache blocks a packed kernel ran with (NULL: unblocked kernel, or a run
    # recorded before blocking was chosen at run time), so runs can be told apart.
    2: (
        "ALTER TABLE runs ADD COLUMN mc INTEGER",
        "ALTER TABLE runs ADD COLUMN kc INTEGER",
        "ALTER TABLE runs ADD COLUMN nc INTEGER",
        "ALTER TABLE runs ADD COLUMN blocking_source TEXT",
    ),
    # 3: runs record their thread count (old runs ran on one); the BLAS references are
    # keyed by it too. blas_ref is a cache: rebuilt rather than copied.
    3: (
        "ALTER TABLE runs ADD COLUMN threads INTEGER NOT NULL DEFAULT 1",
        "DROP TABLE blas_ref",
        """CREATE TABLE blas_ref (
            cpu TEXT NOT NULL, dtype TEXT NOT NULL,
            m INTEGER NOT NULL, n INTEGER NOT NULL, k INTEGER NOT NULL,
            best_gflops REAL NOT NULL, measured_at REAL NOT NULL,
            threads INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (cpu, dtype, m, n, k, threads)
        )""",
    ),
}
"""Statements that bring a database of version v - 1 to version v (v1 is _SCHEMA)."""

BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another process's lock before giving up."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    finished_at REAL NOT NULL,
    user TEXT NOT NULL,
    cpu TEXT NOT NULL,
    kernel_id TEXT NOT NULL,
    dtype TEXT NOT NULL,
    m INTEGER NOT NULL, n INTEGER NOT NULL, k INTEGER NOT NULL,
    repeats INTEGER NOT NULL, budget_seconds REAL, warmup INTEGER NOT NULL,
    samples TEXT NOT NULL,
    best_seconds REAL NOT NULL, median_seconds REAL NOT NULL, spread REAL NOT NULL,
    best_gflops REAL NOT NULL, median_gflops REAL NOT NULL,
    peak_fraction REAL, blas_ratio REAL,
    check_error REAL NOT NULL, check_ok INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_user ON runs (user, finished_at);
CREATE INDEX IF NOT EXISTS runs_kernel ON runs (cpu, kernel_id, m, n, k);
CREATE TABLE IF NOT EXISTS blas_ref (
    cpu TEXT NOT NULL, dtype TEXT NOT NULL,
    m INTEGER NOT NULL, n INTEGER NOT NULL, k INTEGER NOT NULL,
    best_gflops REAL NOT NULL, measured_at REAL NOT NULL,
    PRIMARY KEY (cpu, dtype, m, n, k)
);
"""


def _switch_to_wal(db: sqlite3.Connection) -> str:
    """Set WAL mode, waiting while another process holds the lock.

    SQLite answers "database is locked" at once to a journal-mode change that races
    another connection (the busy timeout does not apply to it), so two processes that
    open a new database together need this bounded retry.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(db.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def create(db: sqlite3.Connection) -> None:
    """Bring a database to SCHEMA_VERSION: WAL mode, the v1 schema, then each migration."""
    if _switch_to_wal(db) != "wal":
        msg = "cannot switch the history database to WAL mode"
        raise sqlite3.OperationalError(msg)
    db.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have created the schema while we waited for the lock.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            version = 1
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target]:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
