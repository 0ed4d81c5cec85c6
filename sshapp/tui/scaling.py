"""Provides the numbers behind the scaling view: GFLOP/s against threads, per kernel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sshapp.bench.protocol.spec import BenchResult, Shape
from sshapp.tui.widgets.line_chart import Series

PeakOf = Callable[[str, str, int], float | None]
"""(isa, dtype, threads) → measured peak GFLOP/s of that many cores at once, or None."""


@dataclass(frozen=True, slots=True)
class ScalingLine:
    """One kernel at one shape on several thread counts (its best run on each)."""

    kernel_id: str
    """The kernel."""
    shape: Shape
    """The shape its series ran at."""
    points: tuple[tuple[int, float], ...]
    """(threads, best GFLOP/s), ascending threads."""

    def efficiency(self, threads: int) -> float | None:
        """Return GFLOP/s on `threads` over threads × GFLOP/s on one (None without one)."""
        by_n = dict(self.points)
        if 1 not in by_n or threads not in by_n:
            return None
        return by_n[threads] / (threads * by_n[1])


def scaling_lines(results: list[BenchResult]) -> list[ScalingLine]:
    """Return one line per kernel that ran on more than one thread count.

    A kernel's line is at the shape where it has the most thread counts (the largest
    shape on a tie), fastest line first.
    """
    best: dict[tuple[str, Shape], dict[int, float]] = defaultdict(dict)
    for r in results:
        by_n = best[(r.run.kernel_id, r.run.shape)]
        by_n[r.run.threads] = max(by_n.get(r.run.threads, 0.0), r.best_gflops)
    chosen: dict[str, tuple[Shape, dict[int, float]]] = {}
    for (kernel_id, shape), by_n in best.items():
        if len(by_n) < 2:
            continue
        old = chosen.get(kernel_id)
        if old is None or (len(by_n), shape.flops) > (len(old[1]), old[0].flops):
            chosen[kernel_id] = (shape, by_n)
    lines = [
        ScalingLine(kid, shape, tuple(sorted(by_n.items())))
        for kid, (shape, by_n) in chosen.items()
    ]
    return sorted(lines, key=lambda line: -line.points[-1][1])


def scaling_chart(
    results: list[BenchResult], peak_of: PeakOf
) -> tuple[list[Series], str, list[str]]:
    """Return the chart's series, its caption and one efficiency line per kernel.

    The fastest kernel's line gets two references: the ideal (its one-thread GFLOP/s
    times the thread count) and the measured peak of its ISA on that many cores at
    once (the probes' answer to "does the unit scale per core").
    """
    lines = scaling_lines(results)
    if not lines:
        return [], "", []
    series = [
        Series(f"{ln.kernel_id} {ln.shape}", [(float(n), g) for n, g in ln.points]) for ln in lines
    ]
    # The references follow the fastest of our kernels (the host BLAS only if alone).
    top = next((ln for ln in lines if not ln.kernel_id.startswith("blas.")), lines[0])
    counts = [n for n, _ in top.points]
    one = dict(top.points).get(1)
    refs: list[Series] = []
    parts = []
    if one:
        ideal = [(float(n), one * n) for n in counts]
        refs.append(Series("ideal", ideal, color="bright_black"))
        parts.append(f"ideal: N × 1-thread {top.kernel_id}")
    isa, dtype = top.kernel_id.split(".", 1)[0], top.kernel_id.rsplit(".", 1)[-1]
    peaks = [(float(n), p) for n in counts if (p := peak_of(isa, dtype, n))]
    if peaks:
        refs.append(Series(f"peak {isa}.{dtype}", peaks, color="bright_white"))
        parts.append(f"peak: {isa}.{dtype} probe, N cores")
    else:
        parts.append("peak not measured")
    notes = []
    for ln in lines:
        cells = []
        for n, g in ln.points:
            eff = ln.efficiency(n)
            cells.append(f"{n}: {g:.0f}" + ("" if eff is None or n == 1 else f" ({eff:.0%})"))
        notes.append(f"{ln.kernel_id} {ln.shape}  " + " · ".join(cells))
    caption = " · ".join(parts) + " · (%): per thread"
    return [*refs, *series], caption, notes
