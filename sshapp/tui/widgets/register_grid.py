"""Provides RegisterGrid: a kernel's register file drawn cell by cell, coloured by role."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from sshapp.bench.lesson.registers import A_BCAST, ACC, B_LOAD, FREE, PRODUCT, RegisterBudget

PER_ROW = 16
"""Registers per line of the grid."""
LABEL = {ACC: "C", B_LOAD: "B", A_BCAST: "A", PRODUCT: "P", FREE: "·"}
"""The letter in each cell (the colour says it too, the letter works without colour)."""
NAME = {
    ACC: "accumulators",
    B_LOAD: "B loads",
    A_BCAST: "A broadcasts",
    PRODUCT: "products",
    FREE: "free",
}


class RegisterGrid(Widget):
    """The register budget of one kernel: summary line, grid, legend and the fold note."""

    DEFAULT_CSS = """
    RegisterGrid { height: auto; }
    RegisterGrid > .grid--acc { background: $success 60%; color: $text; }
    RegisterGrid > .grid--b { background: $accent 60%; color: $text; }
    RegisterGrid > .grid--a { background: $warning 60%; color: $text; }
    RegisterGrid > .grid--free { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"grid--acc", "grid--b", "grid--a", "grid--free"}

    def __init__(self, budget: RegisterBudget | None, *, id: str | None = None) -> None:
        """Draw `budget` (None: a kernel that is not ours)."""
        super().__init__(id=id)
        self.budget = budget

    def render(self) -> Text:
        """Summary, one cell per register (16 a line), legend, tile layout for AMX."""
        text = Text()
        b = self.budget
        if b is None:
            text.append("registers: the host BLAS's own kernels, not ours to count")
            return text
        styles = {
            ACC: self.get_component_rich_style("grid--acc"),
            B_LOAD: self.get_component_rich_style("grid--b"),
            A_BCAST: self.get_component_rich_style("grid--a"),
            PRODUCT: self.get_component_rich_style("grid--a"),
            FREE: self.get_component_rich_style("grid--free"),
        }
        text.append(f"register budget: {b.summary()}\n", "bold")
        cells = b.cells()
        for start in range(0, len(cells), PER_ROW):
            text.append(f"{b.file.name}{start:<3}")
            for role in cells[start : start + PER_ROW]:
                text.append(f" {LABEL[role]} ", styles[role])
                text.append(" ")
            text.append("\n")
        counts = {ACC: b.accumulators, B_LOAD: b.b_loads, A_BCAST: b.a_broadcasts}
        counts |= {PRODUCT: b.products} if b.products else {}
        counts[FREE] = b.free
        for role, count in counts.items():
            text.append(f" {LABEL[role]} ", styles[role])
            text.append(f" {NAME[role]} {count}   ")
        if b.file.name == "tmm":
            text.append("\n" + tile_layout(b))
        return text


def tile_layout(b: RegisterBudget) -> str:
    """Return the AMX plan: A tiles down the side, B tiles across, C tiles in between."""
    a_tiles, b_tiles = b.a_broadcasts, b.b_loads
    first_a, first_b = b.accumulators, b.accumulators + a_tiles
    head = " " * 12 + "".join(f"B{j} tmm{first_b + j}".ljust(12) for j in range(b_tiles))
    rows = [head]
    for i in range(a_tiles):
        cells = "".join(f"C tmm{i * b_tiles + j}".ljust(12) for j in range(b_tiles))
        rows.append(f"A{i} tmm{first_a + i}".ljust(12) + cells)
    return "\n".join(rows)
