"""Provides HistoryError and the advice that goes with each way the history can fail.

A read-only mount or a full disk is not a damaged file: telling people to move a good
database aside would lose its history. The user's line never names a server path (a
remote user has no business with it); the operator finds the path in the server log.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path

from sshapp.logfmt import format_event

operator_log = logging.getLogger("sshapp.bench.runs.history")
"""Details for the operator: under the run logger, so it reaches the server log (when a
session runs under `sshapp serve`) and never the user's screen."""
# Without a handler of its own, a record nobody handles would reach logging's last-resort
# handler, i.e. the session's stderr: the user's screen.
operator_log.addHandler(logging.NullHandler())

CORRUPT = "corrupt"
"""The file is damaged or is not an SQLite database."""
READ_ONLY = "read-only"
"""The file or its directory cannot be written (read-only mount, permissions)."""
FULL = "full"
"""The disk (or a file-size limit) is full."""
IO = "io"
"""Another I/O error (a failing disk, a vanished mount)."""
BUSY = "busy"
"""Another process holds the lock for too long."""
NEWER = "newer"
"""Written by a newer sshapp."""
PLACE = "place"
"""The state directory cannot be made (a file is in the way)."""

FULL_BYTES = 64 << 10
"""Free space below which an I/O error is taken for a full disk."""

_BY_CODE = {
    "SQLITE_CORRUPT": CORRUPT,
    "SQLITE_NOTADB": CORRUPT,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_CANTOPEN": READ_ONLY,
    "SQLITE_PERM": READ_ONLY,
    "SQLITE_AUTH": READ_ONLY,
    "SQLITE_FULL": FULL,
    "SQLITE_IOERR": IO,
    "SQLITE_BUSY": BUSY,
    "SQLITE_LOCKED": BUSY,
}

_ADVICE = {
    CORRUPT: "the history database is damaged; the host's operator can move it aside "
    "(the server log names it) to start afresh",
    READ_ONLY: "the history database is read-only here (a read-only mount or permissions); "
    "its contents are intact",
    FULL: "the disk holding the history is full; the stored history is intact",
    IO: "the disk holding the history gave an I/O error; the stored history is left as it is",
    BUSY: "the history database is busy (another process holds its lock); try again",
    NEWER: "the history database was written by a newer sshapp; it is left as it is",
    PLACE: "the history database cannot be created where SSHAPP_STATE_DIR points",
}


class HistoryError(RuntimeError):
    """The history database cannot be read or written (one readable line, no paths)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        """Create the error.

        Args:
            kind: One of CORRUPT, READ_ONLY, FULL, IO, BUSY, NEWER.
            detail: What SQLite or the OS said (no path).
        """
        self.kind = kind
        """Which way the history failed."""
        self.detail = detail
        """What SQLite or the OS said."""
        text = _ADVICE.get(kind, "the history database cannot be used")
        super().__init__(f"{text} ({detail})" if detail else text)


def kind_of(exc: BaseException) -> str:
    """Return which way an sqlite3 or OS error failed (CORRUPT, READ_ONLY, FULL...)."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    for prefix, kind in _BY_CODE.items():
        if name == prefix or name.startswith(prefix + "_"):
            return kind
    text = str(exc).lower()
    if isinstance(exc, OSError):
        errno_kinds = {
            errno.ENOSPC: FULL,
            errno.EDQUOT: FULL,
            errno.EFBIG: FULL,
            errno.EROFS: READ_ONLY,
            errno.EACCES: READ_ONLY,
            errno.EPERM: READ_ONLY,
            errno.EEXIST: PLACE,
            errno.ENOTDIR: PLACE,
        }
        return errno_kinds.get(exc.errno or 0, IO)
    if "malformed" in text or "not a database" in text:
        return CORRUPT
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return READ_ONLY
    if "full" in text:
        return FULL
    return CORRUPT if type(exc) is sqlite3.DatabaseError else IO


def _disk_full(directory: Path) -> bool:
    try:
        st = os.statvfs(directory)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < FULL_BYTES or (st.f_files > 0 and st.f_favail == 0)


def error_for(exc: BaseException, path: Path, doing: str) -> HistoryError:
    """Return the user's HistoryError for `exc`, logging the details for the operator.

    Args:
        exc: What sqlite3 or the OS raised.
        path: The database file (goes to the operator log only).
        doing: What was being done ("read", "write", "open").
    """
    kind = kind_of(exc)
    if kind == IO and _disk_full(path.parent):
        kind = FULL  # SQLite says "disk I/O error" when the -shm or -wal cannot grow
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    detail = detail.replace(str(path), "<history>").replace(str(path.parent), "<state>")
    advice = "move it aside to start afresh" if kind == CORRUPT else None
    operator_log.warning(
        "%s",
        format_event(
            "history_error", doing=doing, kind=kind, path=str(path), error=detail, advice=advice
        ),
    )
    return HistoryError(kind, detail)
