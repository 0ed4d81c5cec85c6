"""Provides KernelsScreen: the kernel table and the highlighted kernel's details."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from sshapp.tui.messages import KernelsPicked
from sshapp.tui.session import Session
from sshapp.tui.widgets.kernel_table import KernelTable
from sshapp.tui.widgets.key_bar import KeyBar


class KernelsScreen(Screen[None]):
    """Pick kernels: space marks, enter goes on to the run setup with them."""

    CSS_PATH = "kernels.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick", "Set up run", show=True, priority=False),
        Binding("e", "explain", "Explain"),
    ]

    def __init__(self, session: Session) -> None:
        """Create the screen for one session."""
        super().__init__()
        self.session = session
        """The app's session."""

    def compose(self) -> ComposeResult:
        """Header, table, details line, footer."""
        yield Header()
        yield KernelTable(self.session.service.kernels(), id="kernel-table")
        yield Static(id="kernel-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        """Focus the table."""
        self.query_one(KernelTable).focus()

    def on_screen_resume(self) -> None:
        """Show blocks stored since the table was built (Tune's w, or another session's)."""
        self.query_one(KernelTable).update_rows(self.session.service.kernels())

    @on(KernelTable.Highlighted)
    def _show_detail(self, event: KernelTable.Highlighted) -> None:
        row = event.row
        self._highlighted = row.id
        text = Text()
        text.append(row.id, "bold")
        text.append(f"  [{row.dtype}]  blocking {row.blocking}")
        if row.host_best:
            text.append(f"  ★ fastest here for {', '.join(row.host_best)} {row.dtype}", "bold")
        text.append("\n")
        if row.supported:
            text.append(row.summary)
        else:
            text.append(f"unsupported here: {row.reason}", "italic")
        self.query_one("#kernel-detail", Static).update(text)

    @on(KernelTable.Picked)
    def _picked(self, event: KernelTable.Picked) -> None:
        self.session.selected = list(event.ids)
        self.post_message(KernelsPicked(list(event.ids)))

    def action_explain(self) -> None:
        """Open the lesson of the kernel under the cursor: why this step is faster."""
        kernel_id = getattr(self, "_highlighted", "")
        if kernel_id:
            from sshapp.tui.screens.lesson import LessonScreen

            self.app.push_screen(LessonScreen(self.session, kernel_id))

    def action_pick(self) -> None:
        """Confirm the marked kernels (same as enter on the table)."""
        table = self.query_one(KernelTable)
        table.action_select_cursor()
