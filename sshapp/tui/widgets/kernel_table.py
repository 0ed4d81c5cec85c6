"""Provides KernelTable: every kernel grouped by dtype, unsupported ones dimmed.

A line-API widget (ScrollView + render_line) rather than a DataTable: the table is the
first thing every SSH session draws, and DataTable renders each cell through Rich's
padding and wrapping machinery, about 40 ms of a session's first screen on a 2-core
host. Here a row is a handful of pre-styled segments, cut to the width once per size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sshapp.bench.protocol.rows import KernelRow
from sshapp.tui.widgets.kernel_rows import (
    HEADINGS,
    TableLine,
    column_widths,
    first_cursor,
    group_lines,
    layout,
    refreshed,
    row_cells,
)


class KernelTable(ScrollView, can_focus=True):
    """Kernel rows under one header row per dtype; space marks rows, enter confirms."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Pick", show=False),
        Binding("space", "mark", "Mark", show=True),
        Binding("a", "mark_group", "Mark dtype", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "kernel-table--header",
        "kernel-table--group",
        "kernel-table--cursor",
    }

    DEFAULT_CSS = """
    KernelTable {
        overflow-x: hidden;
        background: $surface;
        color: $foreground;
        & > .kernel-table--header {
            text-style: bold;
            background: $panel;
        }
        &:ansi > .kernel-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .kernel-table--group {
            text-style: bold;
        }
        & > .kernel-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .kernel-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

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
        super().__init__(id=id)
        self.rows_by_id = {row.id: row for row in rows}
        """Every kernel row by id."""
        self.marked: list[str] = []
        """Marked kernel ids, in the order they were marked."""
        self.lines: list[TableLine] = group_lines(rows)
        """Table lines in order: a header per dtype, then its kernels."""
        self.cursor_row = first_cursor(self.lines)
        """Index into `lines` of the highlighted line: the host's measured best kernel
        (large shapes, first dtype) if known, else the first supported one."""
        self._widths = column_widths(rows)

    @property
    def keys(self) -> list[str]:
        """Line keys in table order (`dtype:…` for headers, else kernel ids)."""
        return [line.key for line in self.lines]

    def cells(self, key: str) -> tuple[str, str, str, str]:
        """Return the text of one kernel row's four cells (mark, id, blocking, summary).

        The mark is ● for a marked row, else ★ for the host's measured best of a dtype.
        """
        return row_cells(self.rows_by_id[key], self.marked)

    def on_mount(self) -> None:
        """Announce the first highlighted kernel."""
        self._highlight()

    @property
    def view_size(self) -> Size:
        """The room for lines: the widget less its scrollbar (rows include the heading)."""
        return self.scrollable_content_region.size

    def on_resize(self) -> None:
        """Keep the content exactly as wide as the room beside the scrollbar (the summary is
        cut to fit): any wider and a horizontal scrollbar covers the bottom row."""
        self.virtual_size = Size(self.view_size.width, len(self.lines) + 1)
        self._scroll_cursor_visible()

    def update_rows(self, rows: Sequence[KernelRow]) -> None:
        """Show what the same kernels' rows say now (blocks stored since); cursor kept."""
        fresh = {row.id: row for row in rows}
        if fresh.keys() == self.rows_by_id.keys() and fresh != self.rows_by_id:
            self.rows_by_id, (self.lines, self._widths) = fresh, refreshed(self.lines, fresh)
            self.refresh()
            self._highlight()

    # Drawing.

    def _row_style(self, line: TableLine) -> Style:
        if line.kernel is None:
            return self.get_component_rich_style("kernel-table--group", partial=True)
        if not line.kernel.supported:
            return Style(dim=True)
        return Style(italic=True) if line.kernel.isa == "blas" else Style()

    def _segments(self, texts: Sequence[str], width: int) -> list[Segment]:
        return [Segment(layout(texts, self._widths, width, list(self.rows_by_id.values())))]

    def render_line(self, y: int) -> Strip:
        """Line y of the widget: the column headings, then table lines from the scroll offset."""
        width = self.view_size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("kernel-table--header", partial=True)
            segments = self._segments(HEADINGS, width)
            return Strip(segments).apply_style(style).adjust_cell_length(width, style)
        index = y - 1 + round(self.scroll_offset.y)
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        style = base + self._row_style(line)
        if index == self.cursor_row:
            style += self.get_component_rich_style("kernel-table--cursor", partial=True)
        texts = ("", line.title) if line.kernel is None else self.cells(line.key)
        strip = Strip(self._segments(texts, width)).apply_style(style)
        return strip.adjust_cell_length(width, style)

    # Cursor.

    def _kernel_at(self, index: int) -> KernelRow | None:
        return self.lines[index].kernel if 0 <= index < len(self.lines) else None

    def _current(self) -> KernelRow | None:
        return self._kernel_at(self.cursor_row)

    def _highlight(self) -> None:
        row = self._current()
        if row is not None:
            self.post_message(self.Highlighted(row))

    def _scroll_cursor_visible(self) -> None:
        rows_shown = max(1, self.view_size.height - 1)
        top = round(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows_shown:
            self.scroll_to(y=self.cursor_row - rows_shown + 1, animate=False, immediate=True)

    def move_cursor(self, index: int) -> None:
        """Put the cursor on a kernel line near `index` (dtype headers are skipped)."""
        index = max(0, min(index, len(self.lines) - 1))
        step = 1 if index >= self.cursor_row else -1
        for direction in (step, -step):  # onward first; back if only headers lie ahead
            while self._kernel_at(index) is None and 0 <= index + direction < len(self.lines):
                index += direction
        if self._kernel_at(index) is None or index == self.cursor_row:
            return
        self.cursor_row = index
        self._scroll_cursor_visible()
        self.refresh()
        self._highlight()

    def action_cursor_up(self) -> None:
        """Previous kernel."""
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        """Next kernel."""
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        """One screenful up."""
        self.move_cursor(self.cursor_row - max(1, self.view_size.height - 2))

    def action_page_down(self) -> None:
        """One screenful down."""
        self.move_cursor(self.cursor_row + max(1, self.view_size.height - 2))

    def action_first(self) -> None:
        """First kernel."""
        self.move_cursor(0)

    def action_last(self) -> None:
        """Last kernel."""
        self.move_cursor(len(self.lines) - 1)

    def on_click(self, event: events.Click) -> None:
        """Click a row to highlight it; click the highlighted row to pick it."""
        if event.y < 1:
            return
        index = event.y - 1 + round(self.scroll_offset.y)
        if self._kernel_at(index) is None:
            return
        if index == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(index)

    # Marking and picking.

    def _set_mark(self, row: KernelRow, on: bool) -> None:
        if on and row.id not in self.marked and row.supported:
            self.marked.append(row.id)
        elif not on and row.id in self.marked:
            self.marked.remove(row.id)
        self.refresh()

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

    def action_select_cursor(self) -> None:
        """Confirm: the marked kernels in table order, else the one under the cursor."""
        if self.marked:
            ids = [k for k in self.rows_by_id if k in self.marked]
        else:
            row = self._current()
            if row is None:
                return
            if not row.supported:
                self.notify(f"{row.id}: {row.reason}", severity="warning")
                return
            ids = [row.id]
        self.post_message(self.Picked(ids))
