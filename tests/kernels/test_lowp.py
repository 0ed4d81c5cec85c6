"""The bf16 and int8 oracles and their correctness rules (run on every CPU)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from sshapp import kernels
from sshapp.kernels import check

BF16 = ml_dtypes.bfloat16


def _int8_kernels() -> list[str]:
    return [k.id for k in kernels.list_kernels() if k.dtype == "int8" and k.supported]


def _bf16_kernels() -> list[str]:
    return [k.id for k in kernels.list_kernels() if k.dtype == "bf16" and k.supported]


def test_int8_reference_is_exact_over_the_full_range(rng: np.random.Generator) -> None:
    """-128 included, k big enough that sums leave int16 by far; compared with int64."""
    m, n, k = 9, 11, 3001
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    a[0, :] = -128
    b[:, 0] = -128  # C[0,0] = k·16384 = 49 million: far outside int16
    c = kernels.gemm("ref.naive.int8", a, b)
    ref = a.astype(np.int64) @ b.astype(np.int64)
    assert c.dtype == np.int32
    assert int(ref[0, 0]) == k * 128 * 128
    assert np.abs(ref).max() > np.iinfo(np.int16).max
    np.testing.assert_array_equal(c, ref)


def test_int8_reference_wraps_like_an_int32_accumulator() -> None:
    """Beyond 2^31 the sum wraps modulo 2^32 (TDPBSSD, torch._int_mm), no saturation."""
    k = 140_000  # 140000·16384 > 2^31
    a = np.full((1, k), -128, np.int8)
    b = np.full((k, 2), -128, np.int8)
    b[:, 1] = 127
    c = kernels.gemm("ref.naive.int8", a, b)
    wide = np.array([k * 16384, -k * 128 * 127], np.int64)
    np.testing.assert_array_equal(c[0], wide.astype(np.int32))  # numpy's cast wraps
    assert int(c[0, 0]) < 0
    assert kernels.check_product(c, a, b).ok


@pytest.mark.parametrize("kernel_id", _bf16_kernels())
@pytest.mark.parametrize("k", [1, 17, 512, 4099])
def test_bf16_matches_a_reference_from_rounded_inputs(
    kernel_id: str, k: int, rng: np.random.Generator
) -> None:
    a = rng.uniform(-1, 1, (13, k)).astype(BF16)
    b = rng.uniform(-1, 1, (k, 7)).astype(BF16)
    c = kernels.gemm(kernel_id, a, b)
    assert c.dtype == np.float32
    ref = a.astype(np.float64) @ b.astype(np.float64)  # exact products of bf16 inputs
    scale = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
    err = np.max(np.abs(c - ref) / scale)
    assert err <= check.tolerance(np.float32, k)
    assert check.tolerance(np.float32, k) == pytest.approx(2 * k * 2.0**-24)
    assert kernels.check_product(c, a, b).ok


def test_bf16_check_catches_a_wrong_answer(rng: np.random.Generator) -> None:
    a = rng.uniform(-1, 1, (20, 300)).astype(BF16)
    b = rng.uniform(-1, 1, (300, 20)).astype(BF16)
    c = kernels.gemm("ref.naive.bf16", a, b)
    good = kernels.check_product(c, a, b)
    assert good.ok
    assert good.tolerance == check.tolerance(np.float32, 300)
    c[3, 4] += 1e-2
    assert not kernels.check_product(c, a, b).ok


def test_int8_check_catches_an_off_by_one(rng: np.random.Generator) -> None:
    a = rng.integers(-128, 128, (8, 40), dtype=np.int8)
    b = rng.integers(-128, 128, (40, 8), dtype=np.int8)
    c = kernels.gemm("ref.naive.int8", a, b)
    assert kernels.check_product(c, a, b) == check.CheckResult(True, 0.0, 0.0, "elementwise")
    c[7, 0] += 1
    bad = kernels.check_product(c, a, b)
    assert (bad.ok, bad.error) == (False, 1.0)


@pytest.mark.parametrize("name", ["bf16", "int8"])
def test_residual_rule_for_large_products(
    name: str, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above EXACT_LIMIT the C·t residual applies the same rule (exact: modulo 2^32)."""
    monkeypatch.setattr(check, "EXACT_LIMIT", 1)
    row = kernels.dtype(name)
    a, b = row.draw(rng, (30, 200)), row.draw(rng, (200, 25))
    c = kernels.gemm(f"ref.naive.{name}", a, b)
    good = kernels.check_product(c, a, b)
    assert (good.ok, good.method) == (True, "residual")
    c[0, 0] += 1
    assert not kernels.check_product(c, a, b).ok


@pytest.mark.parametrize("kernel_id", _int8_kernels())
def test_every_int8_kernel_is_exact_at_the_extremes(kernel_id: str) -> None:
    for fill_a, fill_b in ((-128, -128), (-128, 127), (127, 127)):
        a = np.full((5, 1000), fill_a, np.int8)
        b = np.full((1000, 3), fill_b, np.int8)
        np.testing.assert_array_equal(kernels.gemm(kernel_id, a, b), 1000 * fill_a * fill_b)


def test_wrong_input_type_is_one_clear_error() -> None:
    f32 = np.ones((4, 4), np.float32)
    with pytest.raises(TypeError, match=r"kernel ref.naive.int8 \(int8\) needs int8"):
        kernels.gemm("ref.naive.int8", f32, f32)
    with pytest.raises(TypeError, match=r"kernel ref.naive.f32 \(f32\) needs float32"):
        kernels.gemm("ref.naive.f32", f32.astype(BF16), f32.astype(BF16))


@pytest.mark.parametrize("name", ["bf16", "int8"])
def test_timing_allocates_per_dtype(name: str) -> None:
    timing = kernels.time_kernel(f"ref.naive.{name}", 33, 17, 65, repeats=2)
    assert len(timing.samples) == 2
    assert all(s > 0 for s in timing.samples)
