"""Provides the lesson screen's texts (Rich) from the shared plain words of bench.lesson.text."""

from __future__ import annotations

from rich.text import Text

from sshapp.bench.lesson import text
from sshapp.bench.lesson.model import Lesson


def title_text(lesson: Lesson) -> Text:
    """Kernel, its file and the step before; a line if this CPU cannot run it."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(lesson.id, "bold")
    out.append(f"  {lesson.source}\n", "dim")
    out.append(f"step before: {lesson.previous or '- (first step, side path or reference)'}")
    out.append("   [ ] walk the ladder", "dim")
    if not lesson.supported:
        out.append("   (this CPU cannot run it)", "italic")
    return out


def reuse_text(lesson: Lesson) -> Text:
    """The reuse table with its caption and the peak."""
    out = Text(no_wrap=True, overflow="crop")
    if not lesson.levels:
        out.append("the host BLAS's blocks are its own: no reuse to compute\n")
    else:
        out.append(f"data reuse at {lesson.size}³, blocks {lesson.blocking}\n", "bold")
        out.append("flop per byte brought into each level; ceiling = fed-by GB/s × flop/B\n", "dim")
        rows = text.reuse_rows(lesson)
        out.append(rows[0] + "\n", "dim")
        for row in rows[1:]:
            out.append(row + "\n")
    out.append(text.peak_line(lesson))
    return out


def answer_text(lesson: Lesson) -> Text:
    """This host's answer and verdict, or how to get them."""
    lines = text.answer_lines(lesson)
    if not lines:
        return Text(f"not measured yet: type a size and press enter (or m) to time {lesson.id}")
    out = Text()
    out.append(lines[0] + "\n", "bold")
    out.append(lines[1])
    return out
