"""Provides a kernel's register budget, computed from its shape (MR×NR), dtype and ISA.

The register file follows from the features the kernel needs (AMX tiles, 32 zmm, 16 ymm,
or baseline x86-64's 16 xmm); the counts from the register block: MR rows × NR columns of
C held in vectors of C's element type, one row of B in vectors, one broadcast of A.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ACC, B_LOAD, A_BCAST, PRODUCT, FREE = "acc", "b", "a", "p", "free"
"""Roles of a register in the grid."""


@dataclass(frozen=True, slots=True)
class RegisterFile:
    """One ISA's architectural registers a micro-kernel works in."""

    name: str
    """"ymm", "zmm", "xmm" or "tmm"."""
    count: int
    """How many there are."""
    width_bytes: int
    """Bytes per register (a tile: 16 rows × 64 bytes)."""


YMM = RegisterFile("ymm", 16, 32)
ZMM = RegisterFile("zmm", 32, 64)
XMM = RegisterFile("xmm", 16, 16)
TMM = RegisterFile("tmm", 8, 1024)
TILE_ROWS = 16
"""Rows of C (and of A) per AMX tile; 16 columns of C per tile too (64 bytes of int32/f32)."""


@dataclass(frozen=True, slots=True)
class RegisterBudget:
    """How a kernel's inner loop spends its register file."""

    file: RegisterFile
    """The register file."""
    accumulators: int
    """Registers holding C for the whole k loop (or, unblocked, the C vector in flight)."""
    b_loads: int
    """Registers holding B (one row of the panel, or B tiles)."""
    a_broadcasts: int
    """Registers holding A (broadcasts, or A tiles)."""
    lanes: int
    """C elements per vector register (0 for tiles)."""
    blocked: bool
    """Whether C stays in registers across the k loop (a register block MR×NR)."""
    note: str
    """Where the compiler folds a load into the FMA (or why it cannot)."""
    products: int = 0
    """Registers holding a product before it is added to C: VPMADDWD (the AVX2 int8
    step) has no accumulating form, so each multiply lands in a register first."""

    @property
    def used(self) -> int:
        """Registers the loop keeps busy."""
        return self.accumulators + self.b_loads + self.a_broadcasts + self.products

    @property
    def free(self) -> int:
        """Registers left over (negative: the shape would spill)."""
        return self.file.count - self.used

    def cells(self) -> list[str]:
        """Return one role per register, register 0 first: the grid to draw."""
        a, b = [A_BCAST] * self.a_broadcasts, [B_LOAD] * self.b_loads
        # Tiles in the kernels' order (C tmm0-3, A tmm4-5, B tmm6-7); vectors: C, B, A.
        roles = [ACC] * self.accumulators + (a + b if self.file is TMM else b + a)
        roles += [PRODUCT] * self.products
        return (roles + [FREE] * max(self.free, 0))[: max(self.file.count, len(roles))]

    def summary(self) -> str:
        """One line: "12 accumulators + 2 B + 1 A broadcast = 15 of 16 ymm (1 free)"."""
        a_name = "A tiles" if self.file is TMM else "A broadcast"
        b_name = "B tiles" if self.file is TMM else "B"
        acc = "C tiles" if self.file is TMM else "accumulators"
        if not self.blocked:
            acc = "scalar sum of C" if self.lanes == 1 else "C vector in flight"
        return (
            f"{self.accumulators} {acc} + {self.b_loads} {b_name} + {self.a_broadcasts} "
            f"{a_name}{f' + {self.products} product' if self.products else ''} = "
            f"{self.used} of {self.file.count} {self.file.name} ({self.free} free)"
        )


def register_file(requires: tuple[str, ...]) -> RegisterFile:
    """Return the register file a kernel needing these CPU features computes in."""
    if "amx_tile" in requires:
        return TMM
    if "avx512f" in requires:
        return ZMM
    if "avx2" in requires or "avx_vnni" in requires:
        return YMM
    return XMM


FOLD_NOTES = {
    "zmm": (
        "AVX-512 FMAs take a broadcast memory operand ({1to16}): the compiler folds each A "
        "broadcast into its FMA, so the register counted for A may stay free; each B vector "
        "feeds MR FMAs, so it is loaded once into a register."
    ),
    "ymm": (
        "An AVX2 FMA may take one full vector from memory, but no broadcast: each A value is "
        "a vbroadcastss into a register used twice, and each B vector feeds MR FMAs, so "
        "folding either would only repeat its load."
    ),
    "xmm": (
        "Baseline x86-64 (SSE2) has no FMA: a multiply and an add per element, either of "
        "which can take one operand straight from memory."
    ),
    "tmm": (
        "Tile instructions read tiles only: every A and B tile is a TILELOADD first, and the "
        "C tiles stay in the tile unit for a whole KC slice; nothing folds."
    ),
}
"""Where a load folds into the multiply-add, per register file."""


def budget(
    requires: tuple[str, ...],
    mr: int,
    nr: int,
    out_size: int,
    *,
    scalar: bool = False,
    products: int = 0,
) -> RegisterBudget:
    """Return the register budget of a kernel's inner loop.

    Args:
        requires: CPU features the kernel needs (they decide the register file).
        mr: Rows of C in the register block (0: not register-blocked).
        nr: Columns of C in the register block (0: not register-blocked).
        out_size: Bytes of one element of C (f32 4, f64 8; bf16 and int8 accumulate in 4).
        scalar: The loop works on one element at a time (the naive dot product).
        products: Registers for products before their add (see RegisterBudget).
    """
    regs = register_file(requires)
    note = FOLD_NOTES[regs.name]
    if regs is TMM:
        rows, cols = math.ceil(mr / TILE_ROWS), math.ceil(nr / TILE_ROWS)
        return RegisterBudget(regs, rows * cols, cols, rows, 0, True, note)
    lanes = 1 if scalar else regs.width_bytes // out_size
    if mr <= 0 or nr <= 0:
        return RegisterBudget(regs, 1, 1, 1, lanes, False, note)
    per_row = math.ceil(nr / lanes)
    return RegisterBudget(regs, mr * per_row, per_row, 1, lanes, True, note, products)


def products_of(requires: tuple[str, ...], dtype_name: str) -> int:
    """Return the product registers an int8 kernel without a dot-product instruction needs
    (VPMADDWD then VPADDD: 1); VNNI, AMX and the FMA kernels need none."""
    dot = {"avx_vnni", "avx512_vnni", "amx_int8"}
    return 1 if dtype_name == "int8" and "avx2" in requires and not dot & set(requires) else 0
