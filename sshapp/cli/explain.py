"""Provides `sshapp explain KERNEL [--size N] [--json]`: a kernel's lesson as text or JSON."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import TYPE_CHECKING, TextIO

from sshapp.bench.lesson import text
from sshapp.bench.lesson.registers import A_BCAST, ACC, B_LOAD, FREE
from sshapp.bench.protocol.errors import SpecError
from sshapp.cli.base import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, error, run_async

if TYPE_CHECKING:
    from sshapp.bench.engine import Engine
    from sshapp.bench.lesson.model import Lesson

DEFAULT_SIZE = 1024
"""N of the product the reuse is computed for when --size is not given (nothing measured)."""
CELL = {ACC: "C", B_LOAD: "B", A_BCAST: "A", FREE: "."}
"""One character per register role in the text grid."""


def explain(args: argparse.Namespace, engine: Engine, out: TextIO, err: TextIO) -> int:
    """Print the lesson; with --size, time the kernel and the step before it first."""

    async def body() -> int:
        measure = args.size is not None
        try:
            lesson = await engine.explain(args.kernel, args.size or DEFAULT_SIZE, measure=measure)
        except SpecError as exc:
            error(err, str(exc))
            return EXIT_USAGE
        except RuntimeError as exc:
            error(err, str(exc))
            return EXIT_FAILURE
        if args.json:
            out.write(json.dumps(lesson.to_dict()) + "\n")
        else:
            out.write("\n".join(lesson_lines(lesson, measured=measure)) + "\n")
        out.flush()
        return EXIT_OK

    return run_async(body)


def register_grid(lesson: Lesson) -> str:
    """Return the register file as one character per register (C, B, A, . free)."""
    if lesson.budget is None:
        return ""
    cells = [CELL[role] for role in lesson.budget.cells()]
    name = lesson.budget.file.name
    return f"{name}0-{len(cells) - 1}: {''.join(cells)}  (C accumulator, B, A, . free)"


def lesson_lines(lesson: Lesson, *, measured: bool) -> list[str]:
    """Return the lesson as plain text lines."""
    lines = [f"{lesson.id}  ({lesson.source})"]
    lines.append(f"step before: {lesson.previous or '- (first step, a side path or a reference)'}")
    if not lesson.supported:
        lines.append("this CPU cannot run it: the lesson is shown, nothing is measured")
    lines += ["", *("  " + line if line else "" for line in lesson.header.splitlines()), ""]
    if lesson.loop:
        lines += ["inner loop:", *("  " + line for line in lesson.loop.splitlines()), ""]
    if lesson.budget is not None:
        lines += [f"registers: {lesson.budget.summary()}", "  " + register_grid(lesson)]
        lines += textwrap.wrap(lesson.budget.note, 88, initial_indent="  ", subsequent_indent="  ")
        lines.append("")
    if lesson.levels:
        lines.append(f"data reuse at {lesson.size}³, blocks {lesson.blocking}:")
        lines += [*("  " + row for row in text.reuse_rows(lesson)), ""]
    lines.append(text.peak_line(lesson))
    if lesson.answer is None:
        hint = "" if measured else f" (sshapp explain {lesson.id} --size N measures it)"
        lines.append(f"this host: not measured{hint}")
    return lines + text.answer_lines(lesson)
