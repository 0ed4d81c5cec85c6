"""Provides the numbers behind the result views: ladder rungs, sweep lines, roofline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from sshapp.bench.protocol.rows import KernelRow
from sshapp.bench.protocol.spec import BenchResult, Shape
from sshapp.kernels import DTYPES, footprint_bytes
from sshapp.kernels import dtype as dtype_row
from sshapp.kernels.probes import peak_key
from sshapp.tui.widgets.ladder import Rung
from sshapp.tui.widgets.line_chart import Series


def intensity(shape: Shape, dtype: str) -> float:
    """Return arithmetic intensity: 2mnk operations per byte of A, B and C (C in its
    output type: f32 for bf16, int32 for int8)."""
    return shape.flops / footprint_bytes(shape.m, shape.n, shape.k, dtype)


def best_per(results: list[BenchResult]) -> dict[tuple[str, Shape], BenchResult]:
    """Return the best result of each (kernel, shape)."""
    best: dict[tuple[str, Shape], BenchResult] = {}
    for result in results:
        key = (result.run.kernel_id, result.run.shape)
        if key not in best or result.best_gflops > best[key].best_gflops:
            best[key] = result
    return best


def newest_per(results: list[BenchResult]) -> dict[tuple[str, Shape], BenchResult]:
    """Return the newest result of each (kernel, shape); `results` come newest first."""
    newest: dict[tuple[str, Shape], BenchResult] = {}
    for result in results:
        newest.setdefault((result.run.kernel_id, result.run.shape), result)
    return newest


def _steps(rows: Sequence[KernelRow], dtype: str) -> list[KernelRow]:
    """Return the ladder steps of `dtype` from naive up: the kernel table lists them top
    step first, side paths and BLAS rows are not steps."""
    return [r for r in reversed(rows) if r.dtype == dtype and r.ladder_step]


def ladder_groups(results: list[BenchResult], rows: Sequence[KernelRow]) -> list[tuple[str, Shape]]:
    """Return the (dtype, shape) groups with ladder-step results, most steps first."""
    side = {r.id for r in rows if not r.ladder_step and r.isa != "blas"}
    kernels: dict[tuple[str, Shape], set[str]] = defaultdict(set)
    for result in results:
        if result.run.kernel_id not in side:
            kernels[(result.run.dtype, result.run.shape)].add(result.run.kernel_id)
    return sorted(kernels, key=lambda g: (-len(kernels[g]), g[0], -g[1].flops))


def ladder(
    results: list[BenchResult], rows: Sequence[KernelRow], dtype: str, shape: Shape
) -> list[Rung]:
    """Return the ladder of `dtype` at `shape`: its steps in table order from naive up,
    each with its newest run and what it adds, then the host BLAS as the reference.

    Args:
        results: Runs, newest first.
        rows: The kernel table (its order is the ladder's; side paths are left out).
        dtype: Element type.
        shape: Size.
    """
    newest = {
        kernel_id: r
        for (kernel_id, at), r in newest_per(results).items()
        if at == shape and r.run.dtype == dtype
    }
    rungs = [
        Rung(row.id, newest[row.id].best_gflops, note=row.summary)
        for row in _steps(rows, dtype)
        if row.id in newest
    ]
    listed = {row.id for row in rows}
    unknown = sorted(  # stored runs of kernels this build does not have
        (r for kid, r in newest.items() if kid not in listed), key=lambda r: r.best_gflops
    )
    rungs += [
        Rung(r.run.kernel_id, r.best_gflops, note="not in this host's table") for r in unknown
    ]
    blas = [row for row in rows if row.isa == "blas" and row.dtype == dtype and row.id in newest]
    return rungs + [
        Rung(row.id, newest[row.id].best_gflops, reference=True, note=row.summary) for row in blas
    ]


def precision_shapes(results: list[BenchResult]) -> list[Shape]:
    """Return the sizes that have results, most dtypes first, then largest first."""
    dtypes: dict[Shape, set[str]] = defaultdict(set)
    for result in results:
        if not result.run.kernel_id.startswith("blas."):
            dtypes[result.run.shape].add(result.run.dtype)
    return sorted(dtypes, key=lambda s: (-len(dtypes[s]), -s.flops))


ORACLE_ISA = "ref"
"""ISA of the portable reference kernels (the naive oracles and the reordered loop)."""


def precision_rungs(results: list[BenchResult], shape: Shape) -> list[Rung]:
    """Return the fastest kernel that ran for each dtype at `shape`, widest type first.

    The host BLAS rows are left out (ours against ours); f32 (or the first dtype that
    ran) is the base the speed-ups are measured from. A dtype of which only the portable
    reference kernels ran is shown but not compared: its oracle against packed f32 says
    nothing about the precision.

    Args:
        results: Runs, newest first (each kernel's newest run counts).
        shape: Size.
    """
    best: dict[str, BenchResult] = {}
    for (kernel_id, at), r in newest_per(results).items():
        if at != shape or kernel_id.startswith("blas."):
            continue
        if r.run.dtype not in best or r.best_gflops > best[r.run.dtype].best_gflops:
            best[r.run.dtype] = r
    known = sorted((n for n in DTYPES if n in best), key=lambda n: -dtype_row(n).in_size)
    order = known + sorted(set(best) - set(DTYPES))
    base = "f32" if "f32" in best else order[0] if order else ""
    rungs = []
    for name in order:
        r = best[name]
        oracle = r.run.kernel_id.split(".", 1)[0] == ORACLE_ISA
        rungs.append(
            Rung(
                f"{name:<5}{r.run.kernel_id}",
                r.best_gflops,
                base=name == base,
                compare=not oracle,
            )
        )
    return rungs


def oracle_footnote(rungs: list[Rung]) -> str:
    """Return the line naming the dtypes of which only the oracle ran ("" = none)."""
    names = [r.label.split()[0] for r in rungs if not r.compare]
    if not names:
        return ""
    listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    their = "their naive oracles" if len(names) > 1 else "its naive oracle"
    return (
        f"{listed}: only {their} ran, not compared with the packed kernels "
        "(run a packed kernel of that dtype)"
    )


def plotted(batch: list[BenchResult], results: list[BenchResult]) -> tuple[list[BenchResult], str]:
    """Return what the sweep and roofline plot, and a caption saying so.

    The latest batch of this session if it has one-thread runs (the sweep just run),
    else each kernel's newest stored run per size, never every run ever made.

    Args:
        batch: The session's latest batch.
        results: Every known one-thread result, newest first.
    """
    single = [r for r in batch if r.run.threads == 1]
    if single:
        return single, f"the latest batch: {len(single)} runs (s sets up another)"
    newest = list(newest_per(results).values())
    if not newest:
        return [], ""
    return newest, "stored runs, each kernel's newest per size (no batch run in this session)"


def sweep_series(results: list[BenchResult]) -> list[Series]:
    """Return one line per kernel: best GFLOP/s against size (∛mnk)."""
    lines: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (kernel_id, shape), r in best_per(results).items():
        lines[kernel_id].append(((shape.m * shape.n * shape.k) ** (1 / 3), r.best_gflops))
    return [Series(k, sorted(p)) for k, p in sorted(lines.items()) if p]


MARKERS = "●▲■◆✚○△"
"""Marker glyphs: 7 against the chart's 12 colours, so no (marker, colour) pair repeats
before 84 series."""


def roofline_series(
    results: list[BenchResult], peak_of: Callable[[str, str], float | None], bandwidth: float | None
) -> tuple[list[Series], str]:
    """Return one roof per dtype (if measured), one marker series per kernel, and a caption.

    Each dtype gets its own compute ceiling (f64 peaks at half the f32 rate on the same
    units), the best measured peak among the ISAs of its results; all roofs share the
    memory slope. A result sits under the roof of its dtype.

    Args:
        results: Results to place by arithmetic intensity.
        peak_of: (isa, dtype) → measured peak GFLOP/s or None.
        bandwidth: Measured memory bandwidth in GB/s, or None.
    """
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    peaks: dict[str, tuple[str, float]] = {}  # dtype → (isa, best peak)
    for (kernel_id, shape), r in best_per(results).items():
        dtype = r.run.dtype
        points[kernel_id].append((intensity(shape, dtype), r.best_gflops))
        isa = kernel_id.split(".", 1)[0]
        peak = peak_of(isa, dtype)
        if peak and peak > peaks.get(dtype, ("", 0.0))[1]:
            peaks[dtype] = (isa, peak)
    series = [
        Series(k, p, lines=False, marker=MARKERS[i % len(MARKERS)])
        for i, (k, p) in enumerate(sorted(points.items()))
    ]
    if not points:
        return series, ""
    if not peaks:
        if bandwidth:
            return series, f"bandwidth {bandwidth:.1f} GB/s (peak not measured)"
        return series, "peak not measured"
    xs = [x for p in points.values() for x, _ in p]
    low, high = min(xs) / 4, max(xs) * 4
    if bandwidth:
        low = min(low, min(peak for _, peak in peaks.values()) / bandwidth / 4)  # ridge points
    grid = [low * (high / low) ** (i / 40) for i in range(41)]
    roofs, parts = [], []
    for dtype, (isa, peak) in sorted(peaks.items()):
        roof = [(x, min(peak, bandwidth * x) if bandwidth else peak) for x in grid]
        roofs.append(Series(f"roof {dtype}", roof))
        label = peak_key(isa, dtype) or f"{isa}.{dtype}"
        parts.append(f"{label} peak {peak:.1f} {dtype_row(dtype).unit}")
    caption = "roofs: " + ", ".join(parts)
    if bandwidth:
        caption += f"; memory {bandwidth:.1f} GB/s"
    return [*roofs, *series], caption
