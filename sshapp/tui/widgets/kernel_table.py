"""Provides KernelTable: every kernel grouped by dtype, unsupported ones dimmed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from sshapp.bench.service import KernelRow

GROUP_PREFIX = "dtype:"
"""Row keys of the dtype header rows."""


class KernelTable(DataTable[Text]):
    """Kernel rows under one header row per dtype; space marks rows, enter confirms."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark", show=True),
        Binding("a", "mark_group", "Mark dtype", show=False),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto a kernel row."""

        row: KernelRow
        """The kernel under the cursor."""

    @dataclass
    class Picked(Message):
        """Enter was pressed: the marked kernels, or the one under the cursor."""

        ids: list[str]
        """Kernel ids, table order."""

    def __init__(self, rows: Sequence[KernelRow], *, id: str | None = None) -> None:
        """Create the table.

        Args:
            rows: Kernel rows in table order (BLAS rows included).
            id: Widget id.
        """
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.rows_by_id = {row.id: row for row in rows}
        """Every kernel row by id."""
        self.marked: list[str] = []
        """Marked kernel ids, in the order they were marked."""

    def on_mount(self) -> None:
        """Fill the table: a header row per dtype, then its kernels."""
        self.add_column(" ", key="mark", width=1)
        self.add_column("kernel", key="id")
        self.add_column("blocking", key="blocking")
        self.add_column("summary", key="summary")
        dtypes: list[str] = []
        for row in self.rows_by_id.values():
            if row.dtype not in dtypes:
                dtypes.append(row.dtype)
        for dtype in dtypes:
            count = sum(r.dtype == dtype for r in self.rows_by_id.values())
            self.add_row(
                Text(""),
                Text(f"── {dtype} ({count}) ──", style="bold"),
                Text(""),
                Text(""),
                key=f"{GROUP_PREFIX}{dtype}",
            )
            for row in self.rows_by_id.values():
                if row.dtype == dtype:
                    self.add_row(*self._cells(row), key=row.id)
        keys = [row.key.value for row in self.ordered_rows]
        first = next(
            (k for k in keys if k in self.rows_by_id and self.rows_by_id[k].supported), None
        )
        self.move_cursor(row=keys.index(first) if first else 1)

    def _cells(self, row: KernelRow) -> tuple[Text, Text, Text, Text]:
        mark = "●" if row.id in self.marked else " "
        if not row.supported:
            return (
                Text(mark),
                Text(row.id, style="dim"),
                Text(row.blocking, style="dim"),
                Text(f"unsupported: {row.reason}", style="dim italic"),
            )
        style = "italic" if row.isa == "blas" else ""
        return Text(mark), Text(row.id, style=style), Text(row.blocking), Text(row.summary)

    def _current(self) -> KernelRow | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_id.get(key or "")

    def _set_mark(self, row: KernelRow, on: bool) -> None:
        if on and row.id not in self.marked and row.supported:
            self.marked.append(row.id)
        elif not on and row.id in self.marked:
            self.marked.remove(row.id)
        self.update_cell(row.id, "mark", Text("●" if row.id in self.marked else " "))

    def action_mark(self) -> None:
        """Mark or unmark the kernel under the cursor (unsupported ones cannot be marked)."""
        row = self._current()
        if row is None:
            return
        if not row.supported:
            self.notify(f"{row.id}: {row.reason}", severity="warning")
            return
        self._set_mark(row, row.id not in self.marked)

    def action_mark_group(self) -> None:
        """Mark every supported kernel of the dtype under the cursor (or unmark them)."""
        row = self._current()
        if row is None:
            return
        group = [r for r in self.rows_by_id.values() if r.dtype == row.dtype and r.supported]
        on = not all(r.id in self.marked for r in group)
        for one in group:
            self._set_mark(one, on)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Tell the screen which kernel is under the cursor."""
        row = self.rows_by_id.get(event.row_key.value or "")
        if row is not None:
            self.post_message(self.Highlighted(row))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Confirm: the marked kernels in table order, else the one under the cursor."""
        event.stop()
        if self.marked:
            ids = [k for k in self.rows_by_id if k in self.marked]
        else:
            row = self.rows_by_id.get(event.row_key.value or "")
            if row is None:
                return
            if not row.supported:
                self.notify(f"{row.id}: {row.reason}", severity="warning")
                return
            ids = [row.id]
        self.post_message(self.Picked(ids))
