"""Provides the edits the Tune screen's keys make to one cache block (no Textual)."""

from __future__ import annotations

from sshapp.kernels import Blocking

KC_STEP = 8
"""KC steps by 8 (the tuner rounds KC to 8, the packers' unroll); MC by MR, NC by NR."""


def step(name: str, b: Blocking) -> int:
    """Return the step of block `name`: KC 8, MC the micro-tile's MR, NC its NR."""
    return {"KC": KC_STEP, "MC": b.MR, "NC": b.NR}[name]


def edited(name: str, b: Blocking, op: str) -> int:
    """Return block `name` of `b` after `op`: "halve", "double", "down" or "up" one step.

    Halving and doubling round to the block's step, so MC stays a multiple of MR; the
    result may still be invalid (too small, too large): the service checks it.
    """
    value: int = getattr(b, name)
    unit = step(name, b)
    if op == "halve":
        return max(round(value / 2 / unit), 1) * unit
    if op == "double":
        return value * 2
    if op == "down":
        return value - unit
    return value + unit


def parse(text: str) -> int | None:
    """Return a typed block value, or None if it is not a positive integer."""
    text = text.strip().replace("_", "")
    if not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value < 1 << 31 else None


def with_block(b: Blocking, name: str, value: int) -> dict[str, int]:
    """Return mc, kc, nc of `b` with block `name` set to `value`."""
    blocks = {"mc": b.MC, "kc": b.KC, "nc": b.NC}
    blocks[name.lower()] = value
    return blocks
