"""Provides LadderChart: one log-scale bar per kernel at one size, with speed-ups."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from sshapp.tui.widgets.scale import Axis, short

PARTIAL = " ▏▎▍▌▋▊▉█"
"""Block characters for 0/8 .. 8/8 of a cell, left-aligned."""


@dataclass(frozen=True, slots=True)
class Rung:
    """One kernel's best GFLOP/s at the ladder's size."""

    label: str
    """Kernel id."""
    gflops: float
    """Best GFLOP/s."""
    reference: bool = False
    """True for a BLAS row (drawn differently, not a ladder step)."""
    base: bool = False
    """True for the rung speed-ups are measured from (default: the naive kernel); its
    label's first word names the column ("×f32")."""
    compare: bool = True
    """False: shown without speed-ups (e.g. an oracle among packed kernels)."""
    note: str = ""
    """One muted line under the bar: what the step adds, or why it is not compared."""


class LadderChart(Widget):
    """Kernels in the order given; bar length on a log scale; ×naive and ×previous step."""

    DEFAULT_CSS = """
    LadderChart { height: auto; min-height: 3; }
    LadderChart > .ladder--bar { color: $success; }
    LadderChart > .ladder--reference { color: $warning; }
    LadderChart > .ladder--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"ladder--bar", "ladder--reference", "ladder--muted"}

    def __init__(self, *, id: str | None = None) -> None:
        """Create an empty ladder."""
        super().__init__(id=id)
        self.rungs: list[Rung] = []
        """Rungs, in the order drawn (the ladder's, not a ranking)."""
        self.caption = ""
        """One line above the bars (size and dtype)."""
        self.footnote = ""
        """One line under the scale ("" = none)."""
        self.unit = "GF/s"
        """What the figures count ("GOP/s" for int8)."""

    def set_rungs(
        self, rungs: list[Rung], caption: str, footnote: str = "", *, unit: str = "GF/s"
    ) -> None:
        """Show these kernels in this order (×prev compares each with the one above)."""
        self.unit = unit
        self.rungs = list(rungs)
        self.caption = caption
        self.footnote = footnote
        self.refresh(layout=True)

    def render(self) -> Text:
        """Draw the caption, one bar per rung and the scale's ends."""
        bar_style = self.get_component_rich_style("ladder--bar")
        ref_style = self.get_component_rich_style("ladder--reference")
        muted = self.get_component_rich_style("ladder--muted")
        text = Text(no_wrap=True, overflow="crop")
        if not self.rungs:
            text.append("no finished runs yet: run a few kernels at one size", muted)
            return text
        width = self.size.width
        label_w = min(max(len(r.label) for r in self.rungs), max(width // 3, 10))
        tail_w = 24  # " 1234.5  ×123.4  ×12.34"
        bar_w = max(width - label_w - tail_w - 2, 4)
        steps = [r for r in self.rungs if not r.reference and r.compare]
        naive = next((r for r in steps if r.base), None)
        if naive is not None:
            base_name = f"×{naive.label.split()[0]}"
        else:
            naive = next((r for r in steps if "naive" in r.label), None)
            base_name = "×naive" if naive else "×first"
            naive = naive or (steps[0] if steps else None)
        low = min(r.gflops for r in self.rungs)
        high = max(r.gflops for r in self.rungs)
        axis = Axis(low / 2, high, bar_w * 8, log=True)
        text.append(f"{self.caption}   (bars: log scale)  {self.unit}  {base_name}  ×prev\n", muted)
        previous: Rung | None = None
        for rung in self.rungs:
            eighths = max(axis.position(rung.gflops), 1)
            bar = "█" * (eighths // 8) + (PARTIAL[eighths % 8] if eighths % 8 else "")
            label = rung.label[:label_w]
            text.append(f"{label:<{label_w}} ", ref_style if rung.reference else None)
            text.append(f"{bar:<{bar_w}}", ref_style if rung.reference else bar_style)
            text.append(f" {short(rung.gflops):>6}")
            compared = rung.compare and naive is not None and naive.compare
            over_naive = f"×{rung.gflops / naive.gflops:.3g}" if compared and naive else "-"
            if rung.reference or previous is None or not compared:
                over_prev = "-"
            else:
                over_prev = f"×{rung.gflops / previous.gflops:.3g}"
            text.append(f"  {over_naive:>7} {over_prev:>7}\n", muted if rung.reference else None)
            if rung.note:
                text.append(f"  └ {rung.note}\n", muted)
            if not rung.reference and rung.compare:
                previous = rung
        decades = math.log10(high / (low / 2))
        text.append(f"{'':<{label_w}} {short(low / 2)} … {short(high)} ({decades:.1f} decades)")
        if self.footnote:
            text.append(f"\n{self.footnote}", muted)
        return text
