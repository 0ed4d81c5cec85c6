"""Provides the one parser of sweep ranges ("A:B:xF", "A:B:+S", "A..B"), for every front end.

The CLI's `--sweep` and the TUI's sweep field both read ranges here, so a range typed in
one works in the other with the same meaning and the same error line.
"""

from __future__ import annotations

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import Shape
from sshapp.bench.run.bounds import MAX_SHAPES, MAX_SIDE, out_of_range, shown


def _whole(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"{what} {shown(text)!r} is not a whole number"
        raise SpecError(msg) from None
    if why := out_of_range(what, value, 1, MAX_SIDE):
        raise SpecError(why)
    return value


def is_range(text: str) -> bool:
    """Whether `text` is written as a range (has ":" or "..") rather than one size."""
    return ":" in text or ".." in text


def sweep_range(text: str) -> tuple[Shape, ...]:
    """Parse "A:B:xF" (multiply by F), "A:B:+S" (add S), or "A:B" / "A..B" (double) into
    square shapes from A up to B.

    Raises:
        SpecError: Malformed, empty, or more than MAX_SHAPES sizes (one line).
    """
    parts = text.replace("..", ":", 1).split(":")
    if len(parts) == 2:
        parts.append("x2")
    if len(parts) != 3 or len(parts[2]) < 2 or parts[2][0] not in "x+*":
        msg = f"expected START:STOP:xFACTOR or START:STOP:+STEP, got {shown(text)!r}"
        raise SpecError(msg)
    start, stop = _whole(parts[0], "sweep start"), _whole(parts[1], "sweep stop")
    step = _whole(parts[2][1:], "sweep step")
    if stop < start:
        msg = f"sweep stop {stop} is below its start {start}"
        raise SpecError(msg)
    multiply = parts[2][0] in "x*"
    if multiply and step < 2:
        msg = "sweep factor must be >= 2"
        raise SpecError(msg)
    sizes: list[int] = []
    size = start
    while size <= stop:
        sizes.append(size)
        if len(sizes) > MAX_SHAPES:
            msg = f"sweep {shown(text)!r} has more than {MAX_SHAPES} sizes"
            raise SpecError(msg)
        size = size * step if multiply else size + step
    return tuple(Shape(s, s, s) for s in sizes)
