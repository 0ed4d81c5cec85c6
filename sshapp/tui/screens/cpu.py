"""Provides CpuScreen: what this host's CPU offers the kernels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from sshapp.kernels import DTYPE_TABLE
from sshapp.tui.session import Session
from sshapp.tui.widgets.cpu_panel import CpuPanel
from sshapp.tui.widgets.key_bar import KeyBar

PEAK_KEYS = tuple(
    (f"{p.probe}.{row.name}", p.family, row.name) for row in DTYPE_TABLE for p in row.peaks
)
"""(label, kernel ISA family, dtype) of every peak of the dtype table, table order."""


class CpuScreen(Screen[None]):
    """Model, features (present / masked / absent), caches and measured peaks."""

    CSS_PATH = "cpu.tcss"

    def __init__(self, session: Session) -> None:
        """Create the screen for one session."""
        super().__init__()
        self.session = session
        """The app's session."""

    def _peaks(self) -> dict[str, float | None]:
        service = self.session.service
        return {
            label: peak
            for label, family, dtype in PEAK_KEYS
            if (peak := service.peak_gflops(family, dtype)) is not None
        }

    def on_screen_resume(self) -> None:
        """Show peaks measured since the last visit (the engine measures before a first run)."""
        panel = self.query_one(CpuPanel)
        panel.peaks = self._peaks()
        panel.bandwidth_gbs = self.session.service.bandwidth_gbs()
        panel.update(panel.describe())

    def compose(self) -> ComposeResult:
        """The panel, then which kernels it leaves runnable."""
        service = self.session.service
        peaks = self._peaks()
        rows = service.kernels()
        runnable = sum(r.supported for r in rows)
        yield Header()
        with VerticalScroll(id="cpu-body"):
            yield CpuPanel(self.session.cpu_info(), peaks, service.bandwidth_gbs(), id="cpu-panel")
            yield Static(
                f"{runnable} of {len(rows)} kernels can run here; "
                "the kernel table (k) says why the others cannot.",
                id="cpu-kernels",
            )
        yield KeyBar()
