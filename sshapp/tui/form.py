"""Provides the run setup form's parsing: text fields → BenchSpec (no Textual)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.bench.run.bounds import MAX_REPEATS, MAX_SHAPES, MAX_SIDE, out_of_range, shown
from sshapp.bench.run.sweep import is_range, sweep_range
from sshapp.kernels import scaling_series

CLI_LIST_HINT = re.compile(r"[`'][^`']*\bkernels[`'] lists them")
"""The engine's pointer to the kernel list for a command line ("'sshapp kernels' lists them")."""

PRESETS: dict[str, tuple[int, int, int]] = {
    "256": (256, 256, 256),
    "1024": (1024, 1024, 1024),
    "2048": (2048, 2048, 2048),
    "200×300×500": (200, 300, 500),
}
"""Size presets offered as buttons: label → (m, n, k)."""


@dataclass(frozen=True, slots=True)
class FormValues:
    """The setup form's raw text, one field each."""

    kernels: str
    """Ids or globs separated by spaces or commas."""
    m: str
    """Rows of A and C."""
    n: str
    """Columns of B and C."""
    k: str
    """Inner dimension."""
    square: bool
    """Use m for n and k."""
    dtype: str
    """"any" or a dtype name ("f32", "bf16"...)."""
    stop: str
    """"repeats" or "seconds"."""
    amount: str
    """Repetitions, or seconds of timed work."""
    sweep: str
    """Sizes for a sweep ("" = one run at m×n×k)."""
    threads: str = "1"
    """Thread counts: "2", "1,2,4" or "scaling" (1, 2, 4 ... every allowed core)."""


def in_the_tui(message: str) -> str:
    """Return an engine error as the TUI says it: the list of kernels is a key away."""
    return CLI_LIST_HINT.sub("press k to list them", message)


def _int(name: str, raw: str, highest: int = MAX_SIDE) -> int:
    """Parse one whole-number field, range-checked here (a 200-digit paste is one line)."""
    try:
        value = int(raw.strip())
    except ValueError:  # also for more than 4300 digits
        msg = (
            f"{name} must be a whole number, got {shown(raw.strip())!r}"
            if raw.strip()
            else f"{name} is empty"
        )
        raise SpecError(msg) from None
    if why := out_of_range(name, value, 1, highest):
        raise SpecError(why)
    return value


def parse_shape(token: str) -> Shape:
    """Parse "512" (square) or "200x300x500" / "200×300×500" into a Shape.

    Raises:
        SpecError: Not a size.
    """
    parts = re.split(r"[x×*]", token.strip().lower())
    if len(parts) == 1:
        side = _int("size", parts[0])
        return Shape(side, side, side)
    if len(parts) == 3:
        m, n, k = (_int(name, part) for name, part in zip("mnk", parts, strict=True))
        return Shape(m, n, k)
    msg = f"size {shown(token)!r} must be N or MxNxK"
    raise SpecError(msg)


def parse_sweep(text: str) -> tuple[Shape, ...]:
    """Parse the sweep field: sizes ("256 512", "8x9x10") and the CLI's ranges ("64:2048:x2",
    "100:300:+100", "64..2048"), in the order given.

    Raises:
        SpecError: A size or range is malformed, or more than MAX_SHAPES sizes in all.
    """
    tokens = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    if len(tokens) > MAX_SHAPES:  # the CLI's --sweep cap, from the bench layer
        msg = f"a sweep may have at most {MAX_SHAPES} sizes, got {len(tokens)}"
        raise SpecError(msg)
    shapes: list[Shape] = []
    for token in tokens:
        shapes.extend(sweep_range(token) if is_range(token) else (parse_shape(token),))
    if len(shapes) > MAX_SHAPES:
        msg = f"a sweep may have at most {MAX_SHAPES} sizes, got {len(shapes)}"
        raise SpecError(msg)
    return tuple(shapes)


def parse_threads(text: str) -> tuple[int, ...]:
    """Parse "2", "1,2,4" (or spaces) or "scaling" into thread counts, ascending.

    Raises:
        SpecError: Not whole numbers >= 1 (the host's core count is checked later).
    """
    if text.strip().lower() == "scaling":
        return scaling_series()
    tokens = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    if not tokens:
        return (1,)
    return tuple(sorted({_int("threads", t) for t in tokens}))


def to_spec(form: FormValues) -> BenchSpec:
    """Turn the form into a spec (the service validates it further).

    Raises:
        SpecError: A field cannot be parsed (one readable line).
    """
    kernels = tuple(k for k in re.split(r"[\s,]+", form.kernels.strip()) if k)
    if not kernels:
        msg = "pick at least one kernel (ids or globs such as avx2.*)"
        raise SpecError(msg)
    if form.sweep.strip():
        shapes = parse_sweep(form.sweep)
    else:
        m = _int("m", form.m)
        n, k = (m, m) if form.square else (_int("n", form.n), _int("k", form.k))
        shapes = (Shape(m, n, k),)
    if form.stop == "seconds":
        try:
            budget = float(form.amount)
        except ValueError:
            msg = f"time budget must be a number of seconds, got {shown(form.amount.strip())!r}"
            raise SpecError(msg) from None
        if not budget > 0:
            msg = "time budget must be more than 0 seconds"
            raise SpecError(msg)
        repeats, budget_seconds = 1000, budget
    else:
        repeats, budget_seconds = _int("repetitions", form.amount, MAX_REPEATS), None
    dtype = None if form.dtype in ("", "any") else form.dtype
    return BenchSpec(
        kernels=kernels,
        shapes=shapes,
        dtype=dtype,
        repeats=repeats,
        budget_seconds=budget_seconds,
        threads=parse_threads(form.threads),
    )
