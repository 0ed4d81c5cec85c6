"""Provides the ranges of every integer a user may give (sizes, counts), shared by all front ends.

Everything a client types is range-checked here before any native call: the extension
takes C `int`s (2^31 - 1 at most), and a number with hundreds of digits must give one
readable line, not an OverflowError deep in an estimate or in SQLite.
"""

from __future__ import annotations

MAX_SIDE = 1 << 20
"""Largest m, n or k (any bigger product is over the memory limit anyway)."""
MAX_REPEATS = 100_000
"""Most samples one run may ask for."""
MAX_WARMUP = 1_000_000
"""Most untimed calls one run may ask for (the time limit still applies)."""
MAX_SHAPES = 64
"""Most sizes one sweep may hold (CLI `--sweep`, the TUI's sweep field)."""
MAX_RESULTS = 1000
"""Most history entries one `results` call returns (page with --offset)."""
MAX_OFFSET = 1 << 40
"""Largest `results --offset`."""
MAX_TUNE_SECONDS = 3600.0
"""Longest `tune --budget`: a tune holds the host's queue for its whole budget."""

MAX_SHOWN_DIGITS = 12
"""Numbers longer than this are shown by their length in error messages."""


def shown(value: object) -> str:
    """Return `value` as text, a huge number shortened to "a 200-digit number"."""
    text = str(value)
    digits = text.lstrip("+-")
    if digits.isdigit() and len(digits) > MAX_SHOWN_DIGITS:
        return f"a {len(digits)}-digit number"
    return text if len(text) <= 40 else f"{text[:37]}..."


def out_of_range(name: str, value: int, lowest: int, highest: int) -> str | None:
    """Return why `value` is outside lowest..highest (one line), or None if it is inside.

    Args:
        name: What the value is, as the user knows it ("m", "repetitions").
        value: The value.
        lowest: Smallest allowed.
        highest: Largest allowed.
    """
    if value < lowest:
        return f"{name} must be at least {lowest}, got {shown(value)}"
    if value > highest:
        return f"{name} must be at most {highest:,}, got {shown(value)}"
    return None
