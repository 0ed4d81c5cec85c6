"""Provides the data reuse at each level of the memory hierarchy: flops per byte moved.

For a square product of size N, each level is asked: for every byte brought *into* it (into
the registers from L1, into L1 from L2, into L2 from L3, into L3 from memory), how many
flops does the kernel do? The answers follow from the loop order and MR, NR, MC, KC, NC;
a level's bandwidth times its answer is the rate it can feed (verdict.ceilings).
"""

from __future__ import annotations

from dataclasses import dataclass

LINE = 64
"""Bytes per cache line."""
LEVELS = ("registers", "L1", "L2", "L3")
"""Where data is reused, fastest first."""
FED_BY = {"registers": "L1", "L1": "L2", "L2": "L3", "L3": "memory"}
"""The level each one is filled from."""


@dataclass(frozen=True, slots=True)
class Shape:
    """What the reuse depends on: the loop structure, the blocks, the element sizes."""

    kind: str
    """"naive" (i-j-k dot products), "vector" (i-k-j rows, no register block), "register"
    (MR×NR register block on A and B in place) or "packed" (the 5 loops over packed blocks)."""
    mr: int
    nr: int
    mc: int
    kc: int
    nc: int
    in_size: int
    """Bytes of an element of A and B."""
    out_size: int
    """Bytes of an element of C."""


@dataclass(frozen=True, slots=True)
class Level:
    """One level's reuse."""

    name: str
    """"registers", "L1", "L2" or "L3"."""
    holds: str
    """What stays in it while the loops around it run."""
    flops_per_byte: float
    """Flops done per byte brought into it from the level below (FED_BY)."""
    bytes_held: int
    """Bytes of what it holds (0: not a fixed block)."""


def _fits(nbytes: float, capacity: int) -> bool:
    """Whether a block stays in a cache of `capacity` bytes (half of it: room for the rest)."""
    return 0 < nbytes <= capacity / 2


def _whole(n: int, s: int, sc: int, reads: int) -> float:
    """Flops per byte when A and B (`reads` of them) and C cross once for the whole product."""
    return 2 * n**3 / (reads * n * n * s + n * n * sc)


def reuse(shape: Shape, size: int, caches: dict[str, int]) -> list[Level]:
    """Return the reuse at each level (registers, L1, L2, L3) of an N = `size` product.

    Args:
        shape: The kernel's loop structure and blocks.
        size: N of the N×N×N product.
        caches: Bytes per level: {"L1": ..., "L2": ..., "L3": ...} (0: unknown).
    """
    n, s, sc = size, shape.in_size, shape.out_size
    if shape.kind == "packed":
        return _packed(shape, n, s, sc)
    levels = []
    if shape.kind == "naive":
        levels.append(Level("registers", "one sum of C", 1 / s, 0))
    elif shape.kind == "vector":
        levels.append(Level("registers", "one broadcast of A", 2 / (s + 2 * sc), 0))
    else:
        mr, nr = shape.mr, shape.nr
        levels.append(Level("registers", f"C tile {mr}×{nr}", 2 * mr * nr / ((mr + nr) * s), 0))
    for name in LEVELS[1:]:
        cap = caches.get(name, 0)
        if _fits(2 * n * n * s, cap):  # A and B stay: each element crosses once
            levels.append(Level(name, "all of A and B", _whole(n, s, sc, 2), 2 * n * n * s))
        elif shape.kind == "naive":
            if _fits(n * LINE, cap):  # the k lines of a B column serve LINE/s columns
                levels.append(Level(name, "the lines of a B column", 2 / (2 * s), n * LINE))
            else:
                levels.append(Level(name, "nothing reused", 2 / (LINE + s), 0))
        elif shape.kind == "vector":
            fpb = 2 * n * n / (n * n * s + 2 * n * sc)  # per row i: all of B, C's row twice
            levels.append(Level(name, "a row of C" if _fits(n * sc, cap) else "-", fpb, n * sc))
        else:
            mr = shape.mr
            fpb = 2 * mr * n * n / (n * n * s + mr * n * s + mr * n * sc)  # B once per row block
            held = mr * n * s
            levels.append(Level(name, f"A's {mr}×k slice" if _fits(held, cap) else "-", fpb, held))
    return levels


def _packed(shape: Shape, n: int, s: int, sc: int) -> list[Level]:
    mr, nr = shape.mr, shape.nr
    kc, mc, nc = min(shape.kc, n), min(shape.mc, n), min(shape.nc, n)
    regs = 2 * mr * nr / ((mr + nr) * s)
    l1_bytes = mr * kc * s + kc * nr * s * mr / mc + 2 * mr * nr * sc
    l2_bytes = s * kc * (mc + nc) + 2 * sc * mc * nc
    l3_bytes = kc * nc * s + n * kc * s + 2 * n * nc * sc
    return [
        Level("registers", f"C tile {mr}×{nr}", regs, 0),
        Level("L1", f"B micro-panel KC×NR = {kc}×{nr}", 2 * mr * nr * kc / l1_bytes, kc * nr * s),
        Level("L2", f"A block MC×KC = {mc}×{kc}", 2 * mc * nc * kc / l2_bytes, mc * kc * s),
        Level("L3", f"B block KC×NC = {kc}×{nc}", 2 * n * nc * kc / l3_bytes, kc * nc * s),
    ]
