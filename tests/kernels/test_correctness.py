"""Every kernel in the table against its dtype's numpy reference, on awkward shapes."""

from __future__ import annotations

import numpy as np
import pytest

from sshapp import kernels
from sshapp.kernels import KernelInfo

FIXED_SHAPES = [
    (1, 1, 1),
    (1, 4096, 64),
    (1, 37, 41),
    (4096, 1, 64),
    (64, 64, 1),
    (2, 3, 4),
    (7, 13, 17),
    (31, 37, 41),
    (97, 101, 103),
    (200, 300, 500),
    (128, 128, 128),
]


def blocking_shapes(info: KernelInfo) -> list[tuple[int, int, int]]:
    """Shapes just around this kernel's register and cache blocks."""
    b = info.blocking
    if b.MR == 0:
        return []
    shapes = [
        (b.MR - 1 or 1, b.NR - 1 or 1, 9),
        (b.MR, b.NR, 16),
        (b.MR + 1, b.NR + 1, 33),
        (3 * b.MR + 1, 2 * b.NR - 1, 5),
    ]
    if b.KC:
        shapes += [
            (b.MR + 1, b.NR + 1, b.KC + 1),
            (b.MR, b.NR, 2 * b.KC + 3),
            (b.MC + 1, b.NR + 3, 7),
            (2 * b.MC - 1, 2 * b.NR + 1, b.KC - 1),
            (3, b.NC + 1, 5),
            (b.MR + 2, b.NC + b.NR + 1, 3),
        ]
    return shapes


def python_kernels(*, supported_only: bool) -> list[KernelInfo]:
    """Every kernel of the table (every dtype has a row in the Python dtype table)."""
    return [k for k in kernels.list_kernels() if k.supported or not supported_only]


def cases() -> list[object]:
    out = []
    for info in kernels.list_kernels():
        marks = [] if info.supported else [pytest.mark.skip(reason=f"{info.id}: {info.reason}")]
        for shape in FIXED_SHAPES + blocking_shapes(info):
            out.append(
                pytest.param(info, shape, id=f"{info.id}-{'x'.join(map(str, shape))}", marks=marks)
            )
    return out


@pytest.mark.parametrize(("info", "shape"), cases())
def test_kernel_matches_reference(
    info: KernelInfo, shape: tuple[int, int, int], rng: np.random.Generator
) -> None:
    m, n, k = shape
    row = kernels.dtype(info.dtype)
    a = row.draw(rng, (m, k))
    b = row.draw(rng, (k, n))
    c = kernels.gemm(info.id, a, b)
    assert c.shape == (m, n)
    assert c.dtype == row.output
    result = kernels.check_product(c, a, b)
    assert result.ok, f"{info.id} {shape}: error {result.error:.3g} > {result.tolerance:.3g}"


@pytest.mark.parametrize("info", python_kernels(supported_only=True), ids=lambda k: k.id)
def test_kernel_ignores_input_alignment(info: KernelInfo, rng: np.random.Generator) -> None:
    """Inputs that start one element past a 64-byte boundary work (no alignment demand)."""
    row = kernels.dtype(info.dtype)
    m, n, k = 45, 51, 70
    raw_a = row.draw(rng, (1, m * k + 1))[0]
    raw_b = row.draw(rng, (1, k * n + 1))[0]
    a = raw_a[1:].reshape(m, k)
    b = raw_b[1:].reshape(k, n)
    assert a.ctypes.data % 64 != 0
    assert kernels.check_product(kernels.gemm(info.id, a, b), a, b).ok


@pytest.mark.parametrize("info", python_kernels(supported_only=True), ids=lambda k: k.id)
def test_kernel_with_special_values(info: KernelInfo) -> None:
    """Zeros give zeros, identity gives the other operand exactly."""
    row = kernels.dtype(info.dtype)
    n = 37
    # Small integers: exact in every input type (bf16 holds integers up to 256 exactly).
    b = (np.arange(n * n) % 201 - 100).astype(row.input).reshape(n, n)
    eye = np.eye(n, dtype=row.input)
    np.testing.assert_array_equal(kernels.gemm(info.id, eye, b), b.astype(row.output))
    zeros = np.zeros((n, n), dtype=row.input)
    np.testing.assert_array_equal(kernels.gemm(info.id, zeros, b), zeros.astype(row.output))
