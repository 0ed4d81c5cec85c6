"""Provides the kernel table's rows as plain data: dtype groups, cells, column widths.

No Textual here: KernelTable (kernel_table.py) draws these lines and moves its cursor
over them; what a line says and where the cursor starts is decided here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len, set_cell_size

from sshapp.bench.protocol.rows import KernelRow

GROUP_PREFIX = "dtype:"
"""Row keys of the dtype header rows."""

HEADINGS = (" ", "kernel", "blocking", "summary")
"""Column headings (the first column is the mark)."""
MIN_SUMMARY = 40
"""Narrowest summary column beside the full blocking; narrower, the blocking column shows
MR×NR only (the details pane under the table has the whole of it)."""


@dataclass(frozen=True, slots=True)
class TableLine:
    """One table line: a dtype header (kernel None) or a kernel row."""

    key: str
    """`dtype:<dtype>` for a header, else the kernel id."""
    kernel: KernelRow | None
    """The kernel row (None for a header)."""
    title: str = ""
    """A header's text."""


def refreshed(
    lines: list[TableLine], rows: dict[str, KernelRow]
) -> tuple[list[TableLine], tuple[int, int, int]]:
    """Return `lines` with each kernel line's row replaced by the one in `rows`, and the
    column widths the new text needs."""
    fresh = [
        line if line.kernel is None else replace(line, kernel=rows[line.key]) for line in lines
    ]
    return fresh, column_widths(list(rows.values()))


def group_lines(rows: Sequence[KernelRow]) -> list[TableLine]:
    """Return the table lines in order: a header per dtype, then its kernels."""
    lines: list[TableLine] = []
    for dtype in dict.fromkeys(row.dtype for row in rows):
        group = [row for row in rows if row.dtype == dtype]
        lines.append(TableLine(f"{GROUP_PREFIX}{dtype}", None, f"── {dtype} ({len(group)}) ──"))
        lines.extend(TableLine(row.id, row) for row in group)
    return lines


def first_cursor(lines: Sequence[TableLine]) -> int:
    """Return the line the cursor starts on: the host's measured best kernel (large
    shapes, first dtype) if known, else the first supported one."""
    supported = [i for i, line in enumerate(lines) if line.kernel and line.kernel.supported]
    host_best = [
        i
        for i in supported
        if (kernel := lines[i].kernel) is not None and "large" in kernel.host_best
    ]
    return (host_best or supported or [min(1, len(lines) - 1)])[0]


def column_widths(rows: Sequence[KernelRow]) -> tuple[int, int, int]:
    """Return the widths of the mark, kernel and blocking columns (summary takes the rest)."""
    return (
        1,
        max([cell_len(HEADINGS[1]), *(cell_len(r.id) for r in rows)]),
        max([cell_len(HEADINGS[2]), *(cell_len(r.blocking) for r in rows)]),
    )


def short_blocking(blocking: str) -> str:
    """Return the register block alone: "14x32 MC=672 KC=192 ..." → "14x32"."""
    return blocking.split(" ", 1)[0]


def fit(text: str, width: int) -> str:
    """Return `text` if it fits in `width` cells, else its longest run of whole words that
    fits with "…" after it (cut mid-word only if the first word alone is too long)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    cut = set_cell_size(text, width - 1)
    words = cut.rsplit(" ", 1)[0] if " " in cut and text[len(cut)] != " " else cut
    return words.rstrip(" ,;:") + "…"


def row_cells(row: KernelRow, marked: Sequence[str]) -> tuple[str, str, str, str]:
    """Return the text of one kernel row's four cells (mark, id, blocking, summary).

    The mark is ● for a marked row, else ★ for the host's measured best of a dtype.
    """
    mark = "●" if row.id in marked else "★" if row.host_best else " "
    summary = row.summary if row.supported else f"unsupported: {row.reason}"
    return mark, row.id, row.blocking, summary


GAP = 2
"""Spaces between columns."""


def layout(
    texts: Sequence[str], widths: Sequence[int], width: int, rows: Sequence[KernelRow]
) -> str:
    """Return one table line: cells at the column widths, the last one taking what is left
    (cut after a whole word, marked …). Where the full blocking would leave the summary
    less than MIN_SUMMARY cells, the blocking column shows the short form."""
    cols = list(widths)
    narrow = width - 1 - sum(cols) - GAP * len(cols) < MIN_SUMMARY
    if narrow and len(texts) == len(HEADINGS):
        texts = (*texts[:2], short_blocking(texts[2]), *texts[3:])
        cols[2] = max(cell_len(short_blocking(r.blocking)) for r in rows)
        cols[2] = max(cols[2], cell_len(HEADINGS[2]))
    out: list[str] = []
    for text, column in zip(texts, cols, strict=False):
        out.append(set_cell_size(text, column) + " " * GAP)
    used = sum(cols[: len(out)]) + GAP * len(out)
    rest = max(0, width - used - 1)
    tail = texts[len(out)] if len(texts) > len(out) else ""
    return " " + "".join(out) + set_cell_size(fit(tail, rest), rest)
