"""Provides correctness checks of a product against numpy, with per-dtype tolerances."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EXACT_LIMIT = 1 << 27
"""Largest m·n·k checked element by element; above it the C·t residual is used."""
EXACT_ELEMENTS = 1 << 21
"""Largest m·n, m·k or k·n checked element by element: that check holds float64 copies
of A, B and C and two m×n float64 products, so it must stay small (16 MiB each)."""
CHUNK_BYTES = 16 << 20
"""Float64 rows converted at a time by the residual check (it never copies a whole matrix)."""


def check_overhead_bytes(m: int, n: int, k: int) -> int:
    """Return the most memory `check_product` allocates beyond its operands.

    The element-by-element check copies A, B and C to float64 and builds two m×n
    float64 matrices; the residual check converts at most two chunks at a time plus
    float64 vectors of length m, n and k.
    """
    if _exact(m, n, k):
        return 8 * (m * k + k * n + 3 * m * n)
    return 2 * CHUNK_BYTES + 8 * 4 * (m + n + k)


def random_operand(
    rng: np.random.Generator, rows: int, cols: int, dtype: type[np.floating]
) -> npt.NDArray[np.floating]:
    """Return a rows×cols matrix of `dtype` uniform in [-1, 1), built in place.

    `rng.uniform(...).astype(dtype)` would hold a float64 copy twice the f32 size.
    """
    x = rng.random((rows, cols), dtype=dtype)
    x *= 2
    x -= 1
    out: npt.NDArray[np.floating] = x
    return out


def _exact(m: int, n: int, k: int) -> bool:
    return m * n * k <= EXACT_LIMIT and max(m * n, m * k, k * n) <= EXACT_ELEMENTS


def _rows_per_chunk(cols: int) -> int:
    return max(1, CHUNK_BYTES // (8 * max(cols, 1)))


Vector = npt.NDArray[np.float64]


def _matvec64(x: npt.NDArray[np.floating], v: Vector) -> tuple[Vector, Vector]:
    """Return (x @ v, |x| @ |v|) in float64, converting x a chunk of rows at a time."""
    step = _rows_per_chunk(x.shape[1])
    xv = np.empty(x.shape[0], dtype=np.float64)
    abs_xv = np.empty(x.shape[0], dtype=np.float64)
    abs_v = np.abs(v)
    for i in range(0, x.shape[0], step):
        block = x[i : i + step].astype(np.float64)
        xv[i : i + step] = block @ v
        np.abs(block, out=block)
        abs_xv[i : i + step] = block @ abs_v
    return xv, abs_xv


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of one correctness check."""

    ok: bool
    """Whether the error is within tolerance."""
    error: float
    """Measured error, relative to the scale of |A|·|B|."""
    tolerance: float
    """Largest error accepted for this dtype and k."""
    method: str
    """"elementwise" (full numpy reference) or "residual" (C·t versus A·(B·t))."""


def unit_roundoff(dtype: npt.DTypeLike) -> float:
    """Return the unit roundoff u of a floating type (2^-24 for f32)."""
    return float(np.finfo(dtype).eps) / 2


def tolerance(dtype: npt.DTypeLike, k: int) -> float:
    """Return the accepted relative error for a k-long dot product in `dtype`.

    A blocked or FMA-reordered sum differs from numpy's by at most about γ_k = k·u
    relative to |A|·|B| (Higham, ch. 3); 2·k·u leaves room for both sides' rounding.
    """
    return 2.0 * max(k, 1) * unit_roundoff(dtype)


def check_product(
    c: npt.NDArray[np.floating],
    a: npt.NDArray[np.floating],
    b: npt.NDArray[np.floating],
    *,
    seed: int = 0,
) -> CheckResult:
    """Check c ≈ a @ b, element by element when small, by a random-vector residual when big.

    Args:
        c: Result to check (m×n).
        a: Left operand (m×k).
        b: Right operand (k×n).
        seed: Seed of the random vector for the residual check.

    Returns:
        The check's verdict, error and tolerance.
    """
    m, k = a.shape
    n = b.shape[1]
    tol = tolerance(c.dtype, k)
    tiny = np.finfo(np.float64).tiny
    if _exact(m, n, k):
        a64, b64, c64 = (x.astype(np.float64) for x in (a, b, c))
        ref = a64 @ b64
        scale = np.abs(a64) @ np.abs(b64)
        err = float(np.max(np.abs(c64 - ref) / np.maximum(scale, tiny)))
        method = "elementwise"
    else:
        t = np.random.default_rng(seed).standard_normal((n,))
        lhs = _matvec64(c, t)[0]
        bt, abs_bt = _matvec64(b, t)
        rhs = _matvec64(a, bt)[0]
        scale = _matvec64(a, abs_bt)[1]
        err = float(np.max(np.abs(lhs - rhs) / np.maximum(scale, tiny)))
        method = "residual"
    if not np.isfinite(err):
        err = float("inf")
    return CheckResult(ok=err <= tol, error=err, tolerance=tol, method=method)
