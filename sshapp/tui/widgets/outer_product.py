"""Provides OuterProduct: one micro-kernel step drawn as it happens, k by k, row by row.

A broadcast of A[r, p] (left), the B vectors of row p (top, loaded once per p), and the
accumulator tile (MR × NR/lanes registers) filling as k advances: each cell's shade is the
share of k summed into it. Repaints are throttled to MAX_FPS whatever the pace, so a fast
pace costs no more bytes on the wire than a slow one.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from sshapp.tui.widgets.outer_state import OuterSteps

FULL, EMPTY = "█", "░"
"""An accumulator's vector fills left to right as its share of k is summed."""


class OuterProduct(Widget):
    """The animated outer product of a register-blocked kernel."""

    DEFAULT_CSS = """
    OuterProduct { height: auto; }
    OuterProduct > .outer--now { color: $warning; text-style: bold; }
    OuterProduct > .outer--b { color: $accent; }
    OuterProduct > .outer--acc { color: $success; }
    OuterProduct > .outer--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "outer--now",
        "outer--b",
        "outer--acc",
        "outer--muted",
    }
    MAX_FPS: ClassVar[float] = 3.0
    """Upper bound on repaints per second (the charts' throttle: bytes stay low over SSH)."""

    def __init__(self, steps: OuterSteps, *, packed: bool, reg: str, id: str | None = None) -> None:
        """Animate `steps`; `packed` says where A and B come from; `reg` names the registers."""
        super().__init__(id=id)
        self.steps = steps
        """What is drawn."""
        self.packed = packed
        self.reg = reg
        self._last = time.monotonic()

    def on_mount(self) -> None:
        """Start the throttled clock."""
        self._last = time.monotonic()
        self.set_interval(1 / self.MAX_FPS, self._frame)

    def _frame(self) -> None:
        now = time.monotonic()
        if self.steps.elapse(now - self._last):
            self.refresh()
        self._last = now

    def toggle(self) -> None:
        """Play or pause."""
        self.steps.playing = not self.steps.playing
        self.steps.due = 0.0
        self.refresh()

    def step(self) -> None:
        """One row by hand (pauses first)."""
        self.steps.playing = False
        self.steps.tick()
        self.refresh()

    def faster(self, by: int) -> None:
        """Change the pace."""
        self.steps.faster(by)
        self.refresh()

    def render(self) -> Text:
        """Draw the step: the B row, then per row its broadcast and accumulators."""
        s = self.steps
        now = self.get_component_rich_style("outer--now")
        b_style = self.get_component_rich_style("outer--b")
        acc = self.get_component_rich_style("outer--acc")
        muted = self.get_component_rich_style("outer--muted")
        text = Text(no_wrap=True, overflow="crop")
        state = "playing" if s.playing else "paused"
        text.append(f"k {s.p}/{s.k}  row {s.r}  {s.fmas} FMAs  ", None)
        text.append(f"{s.pace:g} rows/s {state}  (space · . step · + - pace)\n", muted)
        where = (
            "packed panel, unit stride" if self.packed else f"row {s.p} of B in place, stride ldb"
        )
        text.append(f"{'':12}B[{s.p}, :] → {s.vectors} {self.reg} loads ({where})\n", muted)
        text.append(f"{'':12}")
        for v in range(s.vectors):
            text.append(f"b{v}".ljust(s.lanes + 1), b_style if s.r == 0 else None)
        text.append("\n")
        for row in range(s.mr):
            mark = "▶" if row == s.r else " "
            text.append(f"{mark} a{row} bcast ", now if row == s.r else muted)
            full = s.filled(row) * s.lanes // s.k  # lanes' worth of k summed so far
            cells = FULL * full + EMPTY * (s.lanes - full)
            for _ in range(s.vectors):
                text.append(cells, now if row == s.r else acc)
                text.append(" ")
            text.append("\n")
        text.append(
            f"rows above ▶ hold {s.filled(0)} of {s.k} steps of k, the rest {s.p}\n"
            f"{s.mr}×{s.vectors} accumulators stay in registers for all {s.k} steps; "
            f"each B vector feeds {s.mr} FMAs, each broadcast {s.vectors}.",
            muted,
        )
        return text
