"""Provides CpuPanel: CPU model, feature states, caches and measured peaks."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from sshapp.kernels import CpuInfo

STATE_STYLE = {"present": "green", "masked": "yellow", "absent": "dim"}
"""How each feature state is drawn (ANSI colours: readable in 16 colours)."""
STATE_MARK = {"present": "✓", "masked": "◌", "absent": "✗"}
"""A mark per state, so the panel reads without colour too (NO_COLOR)."""


def _size(value: int) -> str:
    if value <= 0:
        return "?"
    if value >= 1 << 20:
        return f"{value / (1 << 20):g} MiB"
    return f"{value / 1024:g} KiB"


class CpuPanel(Static):
    """A static description of the host CPU (built once; peaks passed in)."""

    def __init__(
        self,
        cpu: CpuInfo,
        peaks: Mapping[str, float | None],
        bandwidth_gbs: float | None,
        *,
        id: str | None = None,
    ) -> None:
        """Create the panel.

        Args:
            cpu: The CPU description.
            peaks: Measured peak GFLOP/s (int8: GOP/s) by "<probe>.<dtype>" (None = not
                measured).
            bandwidth_gbs: Measured single-core memory bandwidth (None = not measured).
            id: Widget id.
        """
        super().__init__(id=id)
        self.cpu = cpu
        """The CPU shown."""
        self.peaks = peaks
        """Peaks shown."""
        self.bandwidth_gbs = bandwidth_gbs
        """Bandwidth shown."""

    def on_mount(self) -> None:
        """Render the panel's content."""
        self.update(self.describe())

    def describe(self) -> Table:
        """Return the panel as a rich table (model, caches, features, peaks)."""
        cpu = self.cpu
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grid.add_row("model", cpu.brand)
        grid.add_row(
            "caches",
            f"L1d {_size(cpu.l1d_bytes)} · L2 {_size(cpu.l2_bytes)} · L3 {_size(cpu.l3_bytes)}",
        )
        cores = cpu.allowed_cores
        if cores:
            listed = ",".join(map(str, cores))
            grid.add_row("cores", f"{len(cores)} allowed ({listed}): up to {len(cores)} threads")
        features = Text()
        for name in sorted(cpu.detected):
            state = cpu.state(name)
            features.append(f"{STATE_MARK[state]}{name} ", STATE_STYLE[state])
        grid.add_row("features", features)
        grid.add_row("", Text("✓ present  ◌ masked (SSHAPP_DISABLE_ISA)  ✗ absent", "dim"))
        if cpu.amx_note:
            grid.add_row("amx", cpu.amx_note)
        peaks = Text()
        for key, value in self.peaks.items():
            shown = f"{value:.1f}" if value else "not measured"
            peaks.append(f"{key} {shown}   ")
        later = "not measured yet (measured before the first run)"
        grid.add_row("peak, 1 core", peaks if self.peaks else Text(later, "dim"))
        teams = "GF/s (int8 GOP/s); runs on N threads are held against the peak measured on N cores"
        grid.add_row("", Text(teams, "dim"))
        bandwidth = f"{self.bandwidth_gbs:.1f} GB/s" if self.bandwidth_gbs else later
        grid.add_row("bandwidth", bandwidth)
        return grid
