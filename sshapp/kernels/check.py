"""Provides correctness checks of a product against numpy, with per-dtype tolerances."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EXACT_LIMIT = 1 << 27
"""Largest m·n·k checked element by element; above it the C·t residual is used."""


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
    a64, b64, c64 = (x.astype(np.float64) for x in (a, b, c))
    if m * n * k <= EXACT_LIMIT:
        ref = a64 @ b64
        scale = np.abs(a64) @ np.abs(b64)
        err = float(np.max(np.abs(c64 - ref) / np.maximum(scale, np.finfo(np.float64).tiny)))
        method = "elementwise"
    else:
        t = np.random.default_rng(seed).standard_normal(n)
        lhs = c64 @ t
        rhs = a64 @ (b64 @ t)
        scale = np.abs(a64) @ (np.abs(b64) @ np.abs(t))
        err = float(np.max(np.abs(lhs - rhs) / np.maximum(scale, np.finfo(np.float64).tiny)))
        method = "residual"
    if not np.isfinite(err):
        err = float("inf")
    return CheckResult(ok=err <= tol, error=err, tolerance=tol, method=method)
