"""Provides the results table's columns and cells (plain data): which columns fit a width.

A column the terminal cannot show whole is left out rather than cut, least needed first
(median, then the blocks, the date, the BLAS ratio...); the screen shows what the
highlighted row's left-out columns hold on a line of its own. Kernel, size, best and
"from" always stay.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from sshapp.bench.protocol.spec import BenchResult

COLUMNS = (
    "kernel",
    "size",
    "thr",
    "best",
    "median",
    "% peak",
    "vs BLAS",
    "when",
    "MC/KC/NC",
    "from",
)
"""Every column, in display order."""
DROP_ORDER = ("median", "MC/KC/NC", "when", "vs BLAS", "thr", "% peak")
"""Columns left out when the table is too wide, first to go first."""
CELL_PADDING = 2
"""Columns a DataTable cell adds around its text (one each side)."""
RECENT_SECONDS = 182 * 86400
"""Runs newer than this show the time of day, older ones the year (as `ls -l` does)."""


def when(finished_at: float | None, now: float) -> str:
    """Return `Dec 02 16:28` for a run of the last six months, `Dec 02  2025` before, else -."""
    if finished_at is None:
        return "-"
    recent = now - RECENT_SECONDS < finished_at <= now + 86400
    return time.strftime("%b %d %H:%M" if recent else "%b %d  %Y", time.localtime(finished_at))


def pct(value: float | None) -> str:
    """A fraction as a whole percentage, or '-' when unknown."""
    return "-" if value is None else f"{100 * value:.0f}%"


def ratio(value: float | None) -> str:
    """A ratio as '×1.23', or '-' when unknown."""
    return "-" if value is None else f"×{value:.2f}"


def cells(result: BenchResult, source: str, finished_at: float | None, now: float) -> list[str]:
    """Return one result's cells, in COLUMNS order.

    Args:
        result: The run and its statistics.
        source: "session" or "history".
        finished_at: UNIX time it finished (None = unknown).
        now: The current UNIX time (recent runs show the time of day).
    """
    b = result.run.blocking
    return [
        result.run.kernel_id,
        str(result.run.shape),
        str(result.run.threads),
        f"{result.best_gflops:.2f}",
        f"{result.median_gflops:.2f}",
        pct(result.peak_fraction),
        ratio(result.blas_ratio),
        when(finished_at, now),
        "-" if b is None else f"{b.mc}/{b.kc}/{b.nc} {b.source}",
        source,
    ]


def fit(rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """Return the columns that fit `width` whole, in COLUMNS order.

    Args:
        rows: Cells of every row, in COLUMNS order.
        width: Columns the table may use.
    """
    needed = {
        name: max(len(name), *(len(r[i]) for r in rows)) + CELL_PADDING if rows else 0
        for i, name in enumerate(COLUMNS)
    }
    kept = list(COLUMNS)
    for name in DROP_ORDER:
        if sum(needed[k] for k in kept) <= width:
            break
        kept.remove(name)
    return kept


def detail(result: BenchResult, finished_at: float | None, left_out: Sequence[str]) -> str:
    """Return what the left-out columns hold for one row, in words ("" if none)."""
    b = result.run.blocking
    words = {
        "thr": f"{result.run.threads} thread(s)",
        "median": f"median {result.median_gflops:.2f}",
        "% peak": f"{pct(result.peak_fraction)} of peak",
        "vs BLAS": f"BLAS {ratio(result.blas_ratio)}",
        "when": "finished "
        + (
            "-"
            if finished_at is None
            else time.strftime("%b %d %Y %H:%M", time.localtime(finished_at))
        ),
        "MC/KC/NC": "no cache blocks" if b is None else str(b),
    }
    return " · ".join(words[name] for name in left_out if name in words)
