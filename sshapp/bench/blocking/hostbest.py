"""Provides the host's best kernel per dtype and shape class, chosen by measurement.

The kernel table is the ladder, not a ranking: on a Zen 4 the AVX2 step beats the
AVX-512 one (512-bit FMAs run as two 256-bit halves), on an AMX Xeon it is the other
way round, and a matrix-vector product wants neither. So `best` is measured here: every
candidate kernel of a dtype times a few representative shapes of each class, round-
robin (a burst of load elsewhere hits all candidates alike), and the fastest by
geometric mean of GFLOP/s wins. Call `measure` only while holding the host queue.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sshapp.bench.blocking.blocks import TunedLookup, as_blocking, run_blocking
from sshapp.bench.blocking.store import HostBest
from sshapp.bench.host.cost import rate_gflops
from sshapp.bench.protocol.spec import Shape
from sshapp.kernels import footprint_bytes, list_kernels, time_kernel

SMALL_MAX = 128
"""Largest dimension of a "small" product."""
SKINNY_K = 4
"""Largest inner dimension that makes a product "skinny" (a rank-k update)."""

CLASSES: dict[str, tuple[Shape, ...]] = {
    "small": (Shape(64, 64, 64), Shape(128, 128, 128)),
    "large": (Shape(512, 512, 512), Shape(1024, 1024, 1024)),
    "skinny": (Shape(1, 2048, 2048), Shape(2048, 1, 2048), Shape(1024, 1024, 2)),
}
"""Representative shapes each class is measured on."""

ROUNDS = 3
"""Rounds per candidate and shape (round-robin), SAMPLES samples each: the AVX2 and
AVX-512 kernels of a Zen 4 are 3 % apart, within the noise of fewer samples."""
SAMPLES = 2
"""Samples per candidate, shape and round."""
MAX_CALL_SECONDS = 0.1
"""Candidates whose estimated call at a shape takes longer are not measured there."""


def shape_class(shape: Shape) -> str:
    """Return "skinny" (m = 1, n = 1 or k ≤ SKINNY_K), "small" (all ≤ 128) or "large"."""
    if shape.m == 1 or shape.n == 1 or shape.k <= SKINNY_K:
        return "skinny"
    if max(shape.m, shape.n, shape.k) <= SMALL_MAX:
        return "small"
    return "large"


def candidates(dtype: str) -> list[str]:
    """Return the kernels of `dtype` that may be the best here (supported, not ref.*)."""
    return [k.id for k in list_kernels() if k.dtype == dtype and k.supported and k.isa != "ref"]


def _fast_enough(kernel_id: str, dtype: str, shape: Shape) -> bool:
    footprint = footprint_bytes(shape.m, shape.n, shape.k, dtype)
    return shape.flops / (rate_gflops(kernel_id, footprint) * 1e9) <= MAX_CALL_SECONDS


def measure_class(
    dtype: str,
    shapes: tuple[Shape, ...],
    *,
    pin_core: int = -1,
    tuned: TunedLookup | None = None,
    stop: Callable[[], bool] | None = None,
) -> dict[str, float]:
    """Return each candidate's geometric-mean GFLOP/s over `shapes` (its tuned blocks)."""
    ids = [kid for kid in candidates(dtype) if all(_fast_enough(kid, dtype, s) for s in shapes)]
    best: dict[tuple[str, Shape], float] = {}
    for _ in range(ROUNDS):
        for shape in shapes:
            for kid in ids:
                if stop is not None and stop():
                    return {}
                chosen = run_blocking(kid, tuned=tuned, exact=False, shape=shape)
                blocks = as_blocking(kid, chosen)
                t = time_kernel(
                    kid,
                    shape.m,
                    shape.n,
                    shape.k,
                    warmup=1,
                    repeats=SAMPLES,
                    pin_core=pin_core,
                    min_sample_seconds=0.02,
                    blocking=blocks,
                )
                g = shape.flops / min(t.samples) / 1e9
                best[kid, shape] = max(best.get((kid, shape), 0.0), g)
    return {kid: math.exp(sum(math.log(best[kid, s]) for s in shapes) / len(shapes)) for kid in ids}


def measure(
    dtypes: tuple[str, ...],
    *,
    pin_core: int = -1,
    tuned: TunedLookup | None = None,
    stop: Callable[[], bool] | None = None,
) -> HostBest:
    """Measure the best kernel of each dtype and class (a few seconds per dtype)."""
    choices: dict[str, dict[str, str]] = {}
    rates: dict[str, dict[str, float]] = {}
    for dtype in dtypes:
        for cls, shapes in CLASSES.items():
            scores = measure_class(dtype, shapes, pin_core=pin_core, tuned=tuned, stop=stop)
            if not scores:
                continue
            winner = max(scores, key=scores.__getitem__)
            choices.setdefault(dtype, {})[cls] = winner
            rates.setdefault(dtype, {})[cls] = scores[winner]
    return HostBest(choices=choices, gflops=rates)


def choose(best: HostBest | None, dtype: str, shape: Shape) -> str | None:
    """Return the measured best kernel for a dtype and shape (None if not measured)."""
    if best is None:
        return None
    return best.choices.get(dtype, {}).get(shape_class(shape))
