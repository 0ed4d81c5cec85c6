"""Provides BlockBars: MC, KC, NC with each block's footprint as a bar against its cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from sshapp.kernels import Blocking
from sshapp.tui.widgets.scale import append_runs

BLOCKS = ("KC", "MC", "NC")
"""Block rows, top to bottom: KC (L1), MC (L2), NC (L3)."""
LEVEL = {"KC": "l1", "MC": "l2", "NC": "l3"}
"""Cache each block's footprint is held against."""
WHAT = {"KC": "B panel KC×NR", "MC": "A block MC×KC", "NC": "B block KC×NC"}
"""What each footprint is."""


def footprint(name: str, b: Blocking, element_bytes: int) -> int:
    """Return the bytes of the block `name` governs: B micro-panel, A block or B block."""
    if name == "KC":
        return b.KC * b.NR * element_bytes
    if name == "MC":
        return b.MC * b.KC * element_bytes
    return b.KC * b.NC * element_bytes


def human(n: int) -> str:
    """Return bytes as 16K, 1.5M, 32M."""
    if n >= 1 << 20:
        v, unit = n / (1 << 20), "M"
    else:
        v, unit = n / 1024, "K"
    return f"{v:.0f}{unit}" if v >= 10 or v == int(v) else f"{v:.1f}{unit}"


@dataclass(frozen=True, slots=True)
class BarsState:
    """What the bars show."""

    current: Blocking
    """Blocks being timed."""
    model: Blocking
    """The analytical model's blocks."""
    caches: dict[str, int]
    """Cache bytes by level ("l1", "l2", "l3")."""
    element_bytes: int
    """Bytes per element of A and B."""
    selected: str
    """Selected block row ("KC", "MC" or "NC")."""


class BlockBars(Widget):
    """Three lines, one per block: value, footprint, a bar of its cache share, the model's."""

    DEFAULT_CSS = """
    BlockBars { height: 3; }
    BlockBars > .block-bars--fits { color: $success; }
    BlockBars > .block-bars--near { color: $warning; }
    BlockBars > .block-bars--over { color: $error; }
    BlockBars > .block-bars--model { color: $text; text-style: bold; }
    BlockBars > .block-bars--selected { text-style: bold reverse; }
    BlockBars > .block-bars--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "block-bars--fits",
        "block-bars--near",
        "block-bars--over",
        "block-bars--model",
        "block-bars--selected",
        "block-bars--muted",
    }

    def __init__(self, *, id: str | None = None) -> None:
        """Create empty bars (set `state` to show something)."""
        super().__init__(id=id)
        self.state: BarsState | None = None
        """What is shown (None: nothing yet)."""

    def show(self, state: BarsState) -> None:
        """Show `state` (repaints only if it changed)."""
        if state != self.state:
            self.state = state
            self.refresh()

    def render(self) -> Text:
        """One line per block."""
        out = Text(no_wrap=True, overflow="crop")
        if self.state is None:
            return out
        for name in BLOCKS:
            self._line(out, name, self.state)
        out.rstrip()
        return out

    def _line(self, out: Text, name: str, s: BarsState) -> None:
        cache = s.caches[LEVEL[name]]
        used = footprint(name, s.current, s.element_bytes)
        share = used / cache if cache else 0.0
        model_share = footprint(name, s.model, s.element_bytes) / cache if cache else 0.0
        value = getattr(s.current, name)
        head = f"{'▸' if name == s.selected else ' '}{name} {value:>5} "
        out.append(
            head,
            self.get_component_rich_style("block-bars--selected", partial=True)
            if name == s.selected
            else "",
        )
        out.append(f"{WHAT[name]} {human(used):>5} ")
        model = getattr(s.model, name)
        tail = f" {share:>4.0%} of {LEVEL[name].upper()} {human(cache)}  model {model}"
        width = max(self.size.width - len(head) - len(WHAT[name]) - 7 - len(tail), 4)
        level = "fits" if share <= 0.75 else "near" if share <= 1.0 else "over"
        filled = min(round(share * width), width)
        mark = min(round(model_share * width), width - 1)
        style = self.get_component_rich_style(f"block-bars--{level}", partial=True)
        muted = self.get_component_rich_style("block-bars--muted", partial=True)
        model_style = self.get_component_rich_style("block-bars--model", partial=True)
        cells = [
            ("│", model_style) if i == mark else ("█", style) if i < filled else ("·", muted)
            for i in range(width)
        ]
        append_runs(out, cells)
        out.append(tail + "\n", style if level == "over" else "")
