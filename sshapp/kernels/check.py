"""Provides correctness checks of a product against numpy, with the dtype table's rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sshapp.kernels.dtypes import Array, of_input

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


def _exact(m: int, n: int, k: int) -> bool:
    return m * n * k <= EXACT_LIMIT and max(m * n, m * k, k * n) <= EXACT_ELEMENTS


def _rows_per_chunk(cols: int) -> int:
    return max(1, CHUNK_BYTES // (8 * max(cols, 1)))


def _matvec(x: Array, v: Array, acc: type[np.generic]) -> tuple[Array, Array]:
    """Return (x @ v, |x| @ |v|) in `acc` (float64 or int64), converting x a chunk of
    rows at a time so no whole-matrix copy is ever made."""
    step = _rows_per_chunk(x.shape[1])
    xv = np.empty(x.shape[0], dtype=acc)
    abs_xv = np.empty(x.shape[0], dtype=acc)
    abs_v = np.abs(v)
    for i in range(0, x.shape[0], step):
        block = x[i : i + step].astype(acc)
        xv[i : i + step] = block @ v
        np.abs(block, out=block)
        abs_xv[i : i + step] = block @ abs_v
    return xv, abs_xv


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
    if t is None:
        a64, b64, c64 = (x.astype(np.float64) for x in (a, b, c))
        return _relative(c64 - a64 @ b64, np.abs(a64) @ np.abs(b64)), tol
    t64 = t.astype(np.float64)
    bt, abs_bt = _matvec(b, t64, np.float64)
    lhs = _matvec(c, t64, np.float64)[0]
    rhs = _matvec(a, bt, np.float64)[0]
    return _relative(lhs - rhs, _matvec(a, abs_bt, np.float64)[1]), tol


def _check_exact(c: Array, a: Array, b: Array, t: Array | None) -> tuple[float, float]:
    if t is None:
        a64, b64 = (x.astype(np.int64) for x in (a, b))
        ref = (a64 @ b64).astype(c.dtype)  # wraps like the int32 accumulator
        return float(np.count_nonzero(c != ref)), 0.0
    # Wrapping is arithmetic modulo 2^32, so the residual holds modulo 2^32 too.
    t64 = t.astype(np.int64)
    lhs = _matvec(c, t64, np.int64)[0]
    rhs = _matvec(a, _matvec(b, t64, np.int64)[0], np.int64)[0]
    return float(np.count_nonzero((lhs - rhs) % WRAP)), 0.0


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
    small = _exact(m, n, k)
    t = None if small else row.draw(np.random.default_rng(seed), (n, 1))[:, 0]
    err, tol = RULES[row.rule](c, a, b, t)
    return CheckResult(
        ok=err <= tol, error=err, tolerance=tol, method="elementwise" if small else "residual"
    )
