"""Provides correctness checks of a product against numpy, with the dtype table's rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sshapp.kernels.dtypes import Array, of_input

EXACT_LIMIT = 1 << 27
"""Largest m·n·k checked element by element; above it the C·t residual is used."""

WRAP = 1 << 32
"""Integer results wrap modulo 2^32 (int32 accumulators)."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of one correctness check."""

    ok: bool
    """Whether the error is within tolerance."""
    error: float
    """Measured error: relative to the scale of |A|·|B| (float rule), or the number of
    wrong elements (exact rule)."""
    tolerance: float
    """Largest error accepted for this dtype and k (0 for the exact rule)."""
    method: str
    """"elementwise" (full reference) or "residual" (C·t versus A·(B·t))."""


def unit_roundoff(dtype: npt.DTypeLike) -> float:
    """Return the unit roundoff u of a floating type (2^-24 for f32)."""
    return float(np.finfo(dtype).eps) / 2


def tolerance(dtype: npt.DTypeLike, k: int) -> float:
    """Return the accepted relative error for a k-long dot product accumulated in `dtype`.

    A blocked or FMA-reordered sum differs from numpy's by at most about γ_k = k·u
    relative to |A|·|B| (Higham, ch. 3); 2·k·u leaves room for both sides' rounding.
    bf16 kernels accumulate in f32 and their products are exact, so the f32 bound holds
    against a reference from the bf16-rounded inputs.
    """
    return 2.0 * max(k, 1) * unit_roundoff(dtype)


def _relative(diff: Array, scale: Array) -> float:
    err = float(np.max(np.abs(diff) / np.maximum(scale, np.finfo(np.float64).tiny)))
    return err if np.isfinite(err) else float("inf")


def _check_float(c: Array, a: Array, b: Array, t: Array | None) -> tuple[float, float]:
    tol = tolerance(c.dtype, a.shape[1])
    a64, b64, c64 = (x.astype(np.float64) for x in (a, b, c))
    if t is None:
        return _relative(c64 - a64 @ b64, np.abs(a64) @ np.abs(b64)), tol
    t64 = t.astype(np.float64)
    scale = np.abs(a64) @ (np.abs(b64) @ np.abs(t64))
    return _relative(c64 @ t64 - a64 @ (b64 @ t64), scale), tol


def _check_exact(c: Array, a: Array, b: Array, t: Array | None) -> tuple[float, float]:
    a64, b64, c64 = (x.astype(np.int64) for x in (a, b, c))
    if t is None:
        ref = (a64 @ b64).astype(c.dtype)  # wraps like the int32 accumulator
        return float(np.count_nonzero(c != ref)), 0.0
    # Wrapping is arithmetic modulo 2^32, so the residual holds modulo 2^32 too.
    t64 = t.astype(np.int64)
    diff = (c64 @ t64 - a64 @ (b64 @ t64)) % WRAP
    return float(np.count_nonzero(diff)), 0.0


RULES = {"float": _check_float, "exact": _check_exact}
"""Correctness rule name (the dtype table's `rule`) -> its check."""


def check_product(c: Array, a: Array, b: Array, *, seed: int = 0) -> CheckResult:
    """Check c against a @ b by the rule of the inputs' dtype: element by element when
    small, by a random-vector residual when big.

    Args:
        c: Result to check (m×n).
        a: Left operand (m×k), of one of the dtype table's input types.
        b: Right operand (k×n), same type.
        seed: Seed of the random vector for the residual check.

    Returns:
        The check's verdict, error and tolerance.

    Raises:
        TypeError: The inputs are of no kernel dtype.
    """
    m, k = a.shape
    n = b.shape[1]
    row = of_input(a.dtype)
    small = m * n * k <= EXACT_LIMIT
    t = None if small else row.draw(np.random.default_rng(seed), (n, 1))[:, 0]
    err, tol = RULES[row.rule](c, a, b, t)
    return CheckResult(
        ok=err <= tol, error=err, tolerance=tol, method="elementwise" if small else "residual"
    )
