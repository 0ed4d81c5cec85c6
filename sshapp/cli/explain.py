"""Provides `sshapp explain KERNEL [--size N] [--json]`: a kernel's lesson as text or JSON."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import TYPE_CHECKING, TextIO

from sshapp.bench.lesson.registers import A_BCAST, ACC, B_LOAD, FREE
from sshapp.bench.lesson.reuse import FED_BY
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


def _num(x: float | None, digits: str = ".3g") -> str:
    if x is None:
        return "-"
    return f"{x:.0f}" if x >= 100 else format(x, digits)


def reuse_lines(lesson: Lesson) -> list[str]:
    """The reuse table: per level what stays, flop/B, its feeder's bandwidth and ceiling."""
    ceilings = {c.bound: c.gflops for c in lesson.ceilings}
    rows = [f"  {'level':<9} {'holds':<34} {'flop/B':>7}  fed by  {'GB/s':>6}  {'ceiling':>8}"]
    for level in lesson.levels:
        source = FED_BY[level.name]
        bw = lesson.bandwidths.get(source)
        rows.append(
            f"  {level.name:<9} {level.holds[:34]:<34} {level.flops_per_byte:>7.3g}  "
            f"{source:<6}  {_num(bw, '.0f'):>6}  {_num(ceilings.get(source) if bw else None):>8}"
        )
    return rows


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
        lines += [*reuse_lines(lesson), ""]
    probe = lesson.peak_name or "no probe"
    if lesson.peak is None:
        lines.append(f"peak: not measured yet ({probe})")
    else:
        lines.append(f"peak: {lesson.peak:.1f} GFLOP/s ({probe}, measured)")
    answer = lesson.answer
    if answer is None:
        hint = "" if measured else f" (sshapp explain {lesson.id} --size N measures it)"
        lines.append(f"this host: not measured{hint}")
        return lines
    before = (
        f", ×{answer.speedup:.2f} the step before ({answer.previous_gflops:.1f})"
        if answer.speedup is not None and answer.previous_gflops is not None
        else ""
    )
    peak = f", {answer.peak_fraction:.0%} of peak" if answer.peak_fraction is not None else ""
    lines.append(f"this host at {lesson.size}³: {answer.gflops:.1f} GFLOP/s{before}{peak}")
    lines.append(f"verdict: {answer.verdict.line}")
    return lines
