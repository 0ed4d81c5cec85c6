"""Provides the lesson's words and tables as plain text, shared by `sshapp explain` and the TUI."""

from __future__ import annotations

from sshapp.bench.lesson.model import Lesson
from sshapp.bench.lesson.reuse import FED_BY


def num(x: float | None, digits: str = ".3g") -> str:
    """Return a rate or a ratio for a table cell ("-" when unknown)."""
    if x is None:
        return "-"
    return f"{x:.0f}" if x >= 100 else format(x, digits)


def reuse_rows(lesson: Lesson) -> list[str]:
    """The reuse table: per level what stays there, flop/B, its feeder's GB/s and ceiling."""
    known = {c.bound: c.gflops for c in lesson.ceilings}
    rows = [f"{'level':<9} {'holds':<32} {'flop/B':>7}  {'fed by':<6}  {'GB/s':>5}  {'ceiling':>7}"]
    for level in lesson.levels:
        source = FED_BY[level.name]
        bw = lesson.bandwidths.get(source)
        rows.append(
            f"{level.name:<9} {level.holds[:32]:<32} {num(level.flops_per_byte):>7}  "
            f"{source:<6}  {num(bw, '.0f'):>5}  {num(known.get(source) if bw else None):>7}"
        )
    return rows


def peak_line(lesson: Lesson) -> str:
    """Where the peak comes from."""
    if lesson.peak is None:
        return (
            f"peak: not measured yet ({lesson.peak_name})"
            if lesson.peak_name
            else "peak: not measured yet"
        )
    return f"peak: {lesson.peak:.1f} GFLOP/s ({lesson.peak_name}, measured)"


def answer_lines(lesson: Lesson) -> list[str]:
    """This host's answer (rate, × the step before, % of peak) and the verdict; [] if none."""
    answer = lesson.answer
    if answer is None:
        return []
    before = ""
    if answer.speedup is not None and answer.previous_gflops is not None:
        prev = f"{lesson.previous} {answer.previous_gflops:.1f}"
        before = f", ×{answer.speedup:.2f} the step before ({prev})"
    peak = f", {answer.peak_fraction:.0%} of peak" if answer.peak_fraction is not None else ""
    return [
        f"this host at {lesson.size}³: {answer.gflops:.1f} GFLOP/s{before}{peak}",
        f"verdict: {answer.verdict.line}",
    ]
