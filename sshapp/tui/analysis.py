"""Provides the numbers behind the result views: ladder rungs, sweep lines, roofline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sshapp.bench.spec import BenchResult, Shape
from sshapp.tui.widgets.ladder import Rung
from sshapp.tui.widgets.line_chart import Series

ITEM_BYTES = {"f64": 8, "f32": 4, "bf16": 2, "f16": 2, "int8": 1, "i8": 1}
"""Bytes per element by dtype."""


def intensity(shape: Shape, dtype: str) -> float:
    """Return arithmetic intensity: 2mnk flops per byte of A, B and C."""
    size = ITEM_BYTES.get(dtype, 4)
    moved = (shape.m * shape.k + shape.k * shape.n + shape.m * shape.n) * size
    return shape.flops / moved


def best_per(results: list[BenchResult]) -> dict[tuple[str, Shape], BenchResult]:
    """Return the best result of each (kernel, shape)."""
    best: dict[tuple[str, Shape], BenchResult] = {}
    for result in results:
        key = (result.run.kernel_id, result.run.shape)
        if key not in best or result.best_gflops > best[key].best_gflops:
            best[key] = result
    return best


def ladder_groups(results: list[BenchResult]) -> list[tuple[str, Shape]]:
    """Return the (dtype, shape) groups that have results, most kernels first."""
    kernels: dict[tuple[str, Shape], set[str]] = defaultdict(set)
    for result in results:
        kernels[(result.run.dtype, result.run.shape)].add(result.run.kernel_id)
    return sorted(kernels, key=lambda g: (-len(kernels[g]), g[0], -g[1].flops))


def ladder(results: list[BenchResult], dtype: str, shape: Shape) -> list[Rung]:
    """Return one rung per kernel that ran at `shape` in `dtype` (its best run)."""
    return [
        Rung(kernel_id, r.best_gflops, reference=kernel_id.startswith("blas."))
        for (kernel_id, at), r in best_per(results).items()
        if at == shape and r.run.dtype == dtype
    ]


def sweep_series(results: list[BenchResult]) -> list[Series]:
    """Return one line per kernel: best GFLOP/s against size (∛mnk)."""
    lines: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (kernel_id, shape), r in best_per(results).items():
        lines[kernel_id].append(((shape.m * shape.n * shape.k) ** (1 / 3), r.best_gflops))
    return [Series(k, sorted(p)) for k, p in sorted(lines.items()) if p]


def roofline_series(
    results: list[BenchResult], peak_of: Callable[[str, str], float | None], bandwidth: float | None
) -> tuple[list[Series], str]:
    """Return the roof (if measured) and one marker series per kernel, plus a caption.

    Args:
        results: Results to place by arithmetic intensity.
        peak_of: (isa, dtype) → measured peak GFLOP/s or None.
        bandwidth: Measured memory bandwidth in GB/s, or None.
    """
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    peaks: dict[str, float] = {}
    for (kernel_id, shape), r in best_per(results).items():
        points[kernel_id].append((intensity(shape, r.run.dtype), r.best_gflops))
        isa = kernel_id.split(".", 1)[0]
        peak = peak_of(isa, r.run.dtype)
        if peak:
            peaks[f"{isa}.{r.run.dtype}"] = peak
    markers = "●▲■◆✚○△□"
    series = [
        Series(k, p, lines=False, marker=markers[i % len(markers)])
        for i, (k, p) in enumerate(sorted(points.items()))
    ]
    if not points:
        return series, ""
    xs = [x for p in points.values() for x, _ in p]
    low, high = min(xs) / 4, max(xs) * 4
    roof: list[tuple[float, float]] = []
    caption = "peak not measured"
    if peaks:
        name, peak = max(peaks.items(), key=lambda kv: kv[1])
        if bandwidth:
            low = min(low, peak / bandwidth / 4)  # show the ridge point
        grid = [low * (high / low) ** (i / 40) for i in range(41)]
        roof = [(x, min(peak, bandwidth * x) if bandwidth else peak) for x in grid]
        caption = f"roof: {name} peak {peak:.1f} GF/s"
        if bandwidth:
            caption += f", {bandwidth:.1f} GB/s"
    elif bandwidth:
        caption = f"bandwidth {bandwidth:.1f} GB/s (peak not measured)"
    if roof:
        series.insert(0, Series("roof", roof, color="bright_white"))
    return series, caption
