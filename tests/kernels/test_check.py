"""The correctness check itself must catch wrong products."""

from __future__ import annotations

import numpy as np
import pytest

from sshapp.kernels import check
from sshapp.kernels.check import check_product, tolerance


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_exact_product_passes(dt: type[np.floating], rng: np.random.Generator) -> None:
    a = rng.uniform(-1, 1, (20, 30)).astype(dt)
    b = rng.uniform(-1, 1, (30, 10)).astype(dt)
    result = check_product(a @ b, a, b)
    assert result.ok
    assert result.method == "elementwise"


def test_one_wrong_element_fails(rng: np.random.Generator) -> None:
    a = rng.uniform(-1, 1, (20, 30)).astype(np.float32)
    b = rng.uniform(-1, 1, (30, 10)).astype(np.float32)
    c = a @ b
    c[3, 4] += 0.01
    assert not check_product(c, a, b).ok


def test_nan_fails(rng: np.random.Generator) -> None:
    a = rng.uniform(-1, 1, (8, 8))
    c = a @ a
    c[0, 0] = np.nan
    assert not check_product(c, a, a).ok


def test_residual_method_for_large_products(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check, "EXACT_LIMIT", 10)
    a = rng.uniform(-1, 1, (40, 50)).astype(np.float32)
    b = rng.uniform(-1, 1, (50, 60)).astype(np.float32)
    c = a @ b
    good = check_product(c, a, b)
    assert good.ok
    assert good.method == "residual"
    c[:, 7] += 0.05
    assert not check_product(c, a, b).ok


def test_tolerance_grows_with_k() -> None:
    assert tolerance(np.float32, 1000) > tolerance(np.float32, 10)
    assert tolerance(np.float64, 100) < tolerance(np.float32, 100)
