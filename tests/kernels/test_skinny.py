"""The skinny path: m = 1, n = 1 and small k stream the matrix once, and stay exact."""

from __future__ import annotations

import numpy as np
import pytest

from sshapp import kernels
from sshapp.kernels import KernelInfo

SKINNY = [k for k in kernels.list_kernels() if k.algorithm == "skinny"]
SHAPES = [
    (1, 4096, 300),  # 1×k×n: row vector times matrix (GEMV)
    (1, 1, 4097),
    (1, 13, 1),
    (3001, 1, 517),  # m×k×1: matrix times column vector
    (5, 1, 9),
    (7, 1, 1),
    (300, 500, 1),  # k = 1: outer product
    (129, 67, 3),  # small k
    (33, 17, 20),  # any shape is still right
]


@pytest.mark.parametrize("info", SKINNY, ids=lambda k: k.id)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_skinny_matches_reference(
    info: KernelInfo, shape: tuple[int, int, int], rng: np.random.Generator
) -> None:
    if not info.supported:
        pytest.skip(f"{info.id}: {info.reason}")
    m, n, k = shape
    dt = kernels.dtype(info.dtype).input
    a = rng.uniform(-1, 1, (m, k)).astype(dt)
    b = rng.uniform(-1, 1, (k, n)).astype(dt)
    result = kernels.check_product(kernels.gemm(info.id, a, b), a, b)
    assert result.ok, f"{info.id} {shape}: error {result.error:.3g} > {result.tolerance:.3g}"


def test_skinny_rows_exist_for_f32_and_f64() -> None:
    assert {k.dtype for k in SKINNY} == {"f32", "f64"}
    assert all(not k.packed for k in SKINNY)
