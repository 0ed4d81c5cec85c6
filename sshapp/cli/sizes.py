"""Provides parsing of size arguments (`--mnk M,N,K`, `--sweep A:B:xF` / `A:B:+S` / `A..B`)
and of `--threads N[,N...]`."""

from __future__ import annotations

import argparse

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import Shape
from sshapp.bench.run.bounds import MAX_SHAPES, MAX_SIDE, out_of_range, shown
from sshapp.bench.run.sweep import sweep_range

MAX_SWEEP_POINTS = MAX_SHAPES
"""Most sizes one sweep may produce (the bench layer's cap, shared with the TUI)."""


def _whole(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"{what} {shown(text)!r} is not a whole number"
        raise argparse.ArgumentTypeError(msg) from None
    if why := out_of_range(what, value, 1, MAX_SIDE):
        raise argparse.ArgumentTypeError(why)
    return value


def mnk(text: str) -> Shape:
    """Parse "M,N,K" (also "MxNxK") into a Shape.

    Raises:
        argparse.ArgumentTypeError: Not three whole numbers >= 1.
    """
    parts = text.replace("x", ",").split(",")
    if len(parts) != 3:
        msg = f"expected M,N,K, got {shown(text)!r}"
        raise argparse.ArgumentTypeError(msg)
    m, n, k = (_whole(p.strip(), name) for p, name in zip(parts, "mnk", strict=True))
    return Shape(m, n, k)


def sweep(text: str) -> tuple[Shape, ...]:
    """Parse "A:B:xF" (multiply by F), "A:B:+S" (add S) or "A..B" into square shapes A..B
    (the bench layer's parser, which the TUI's sweep field shares).

    Raises:
        argparse.ArgumentTypeError: Malformed, empty, or more than MAX_SWEEP_POINTS sizes.
    """
    try:
        return sweep_range(text)
    except SpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


MAX_THREAD_COUNTS = 16
"""Most thread counts one `--threads` list may hold."""


def thread_counts(text: str) -> tuple[int, ...]:
    """Parse "N" or "1,2,4" into thread counts (ascending, no repeats).

    Whether the host has that many cores is checked with the spec, not here.

    Raises:
        argparse.ArgumentTypeError: Not whole numbers >= 1, or too many of them.
    """
    parts = [p.strip() for p in text.split(",")]
    counts = sorted({_whole(p, "threads") for p in parts})
    if len(counts) > MAX_THREAD_COUNTS:
        msg = f"at most {MAX_THREAD_COUNTS} thread counts, got {len(counts)}"
        raise argparse.ArgumentTypeError(msg)
    return tuple(counts)
