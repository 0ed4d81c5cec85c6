"""The guard: an AMX product with a zeroed 16×16 block is re-run, then replaced, never passed.

The first tests fake the kernel call (numpy computes the product, a block of it is zeroed
for the AMX id), so they run on any CPU; the last ones zero a tile of the real native
AMX kernel's C and need an AMX CPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sshapp import _native, kernels
from sshapp.kernels import guard
from sshapp.kernels.dtypes import Array

AMX_INT8 = "amx.tiles_32x32.int8"
AMX_BF16 = "amx.tiles_32x32.bf16"
AVX512_INT8 = "avx512.packed_14x32.int8"
TILE = 16
"""Rows and f32/int32 columns of one C tile: what a lost tile state zeroes."""


def _inputs(
    rng: np.random.Generator, kernel_id: str, m: int, n: int, k: int
) -> tuple[Array, Array]:
    row = kernels.dtype(kernels.get(kernel_id).dtype)
    return row.draw(rng, (m, k)), row.draw(rng, (k, n))


class FakeKernels:
    """Stands in for `gemm`: the exact product, with C's first tile zeroed for AMX ids
    on the first `bad` calls."""

    def __init__(self, bad: int) -> None:
        self.bad = bad
        self.calls: list[str] = []

    def __call__(self, kernel_id: str, a: Array, b: Array, **_: Any) -> Array:
        self.calls.append(kernel_id)
        row = kernels.dtype(kernels.get(kernel_id).dtype)
        c = (a.astype(np.float64) @ b.astype(np.float64)).astype(row.output)
        if kernel_id.startswith("amx.") and self.bad > 0:
            self.bad -= 1
            c[:TILE, :TILE] = 0
        return c


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeKernels:
    calls = FakeKernels(bad=0)
    monkeypatch.setattr(guard, "gemm", calls)
    monkeypatch.setattr(guard, "fallback_kernel", lambda _kid: AVX512_INT8)
    return calls


def test_a_right_product_is_checked_once(fake: FakeKernels, rng: np.random.Generator) -> None:
    a, b = _inputs(rng, AMX_INT8, 40, 36, 70)
    got = guard.checked_gemm(AMX_INT8, a, b)
    assert (got.accepted, got.check.ok, got.kernel_id, got.notice) == (True, True, AMX_INT8, "")
    assert fake.calls == [AMX_INT8]


def test_wrong_once_is_rerun_and_noticed(fake: FakeKernels, rng: np.random.Generator) -> None:
    fake.bad = 1
    a, b = _inputs(rng, AMX_INT8, 40, 36, 70)
    got = guard.checked_gemm(AMX_INT8, a, b)
    assert fake.calls == [AMX_INT8, AMX_INT8]
    assert (got.accepted, got.check.ok, got.kernel_id) == (True, True, AMX_INT8)
    assert got.notice.startswith("AMX product was wrong once (256 wrong elements)")
    assert "right on re-run" in got.notice
    assert "AMX_NOTES" in got.notice
    assert np.array_equal(got.c, (a.astype(np.int64) @ b.astype(np.int64)).astype(np.int32))


def test_wrong_twice_is_rejected_and_recomputed_by_avx512(
    fake: FakeKernels, rng: np.random.Generator
) -> None:
    fake.bad = 2
    a, b = _inputs(rng, AMX_INT8, 40, 36, 70)
    got = guard.checked_gemm(AMX_INT8, a, b)
    assert fake.calls == [AMX_INT8, AMX_INT8, AVX512_INT8]
    assert not got.accepted  # the run of the AMX kernel is not "checked ok"
    assert got.error == TILE * TILE
    assert (got.kernel_id, got.check.ok) == (AVX512_INT8, True)  # the product handed back is
    assert got.c[:TILE, :TILE].any()
    assert got.notice.startswith(f"AMX result rejected: {AMX_INT8} was wrong twice")
    assert f"computed by {AVX512_INT8} instead (check ok" in got.notice
    assert "\n" not in got.notice


def test_wrong_twice_without_avx512_stays_wrong(
    fake: FakeKernels, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, "fallback_kernel", lambda _kid: None)
    fake.bad = 5
    a, b = _inputs(rng, AMX_INT8, 17, 33, 65)
    got = guard.checked_gemm(AMX_INT8, a, b)
    assert fake.calls == [AMX_INT8, AMX_INT8]
    assert (got.accepted, got.check.ok) == (False, False)
    assert got.notice.endswith("no AVX-512 kernel of int8 runs here")


def test_other_kernels_are_not_rerun(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    calls: list[str] = []

    def wrong(kernel_id: str, a: Array, b: Array, **_: Any) -> Array:
        calls.append(kernel_id)
        return np.zeros((a.shape[0], b.shape[1]), np.int32)

    monkeypatch.setattr(guard, "gemm", wrong)
    a, b = _inputs(rng, "ref.naive.int8", 5, 6, 7)
    got = guard.checked_gemm("ref.naive.int8", a, b)
    assert calls == ["ref.naive.int8"]
    assert (got.accepted, got.check.ok, got.notice) == (False, False, "")


def test_a_float_error_is_described_by_its_tolerance() -> None:
    verdict = kernels.CheckResult(ok=False, error=0.5, tolerance=1e-5, method="residual")
    assert guard.describe(verdict) == "error 0.5 > tolerance 1e-05"


def test_fallback_is_an_avx512_kernel_of_the_dtype_or_none() -> None:
    for dtype in ("bf16", "int8"):
        alt = guard.fallback_kernel(f"amx.tiles_32x32.{dtype}")
        if alt is None:
            assert not [
                k
                for k in kernels.list_kernels()
                if k.id.startswith("avx512.") and k.supported and k.dtype == dtype
            ]
        else:
            info = kernels.get(alt)
            assert (info.isa, info.dtype, info.supported) == ("avx512", dtype, True)


# ------------------------------------------------------------------------- real AMX


def zero_tile_of(monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """Make the native call zero C's tile at (16, 16) for AMX ids, `times` times (-1: always).

    Returns the ids of the native calls, in order.
    """
    real = _native.gemm
    left = [times]
    calls: list[str] = []

    def zeroing(kernel_id: str, a: Array, b: Array, c: Array, **kw: Any) -> None:
        calls.append(kernel_id)
        real(kernel_id, a, b, c, **kw)
        if kernel_id.startswith("amx.") and left[0] != 0:
            left[0] -= 1
            c[TILE : 2 * TILE, TILE : 2 * TILE] = 0

    monkeypatch.setattr(_native, "gemm", zeroing)
    return calls


def _need_amx(kernel_id: str) -> None:
    info = kernels.get(kernel_id)
    if not info.supported:
        pytest.skip(f"{kernel_id}: {info.reason}")


@pytest.mark.parametrize("kernel_id", [AMX_INT8, AMX_BF16])
def test_real_amx_zeroed_tile_once_is_rerun(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator, kernel_id: str
) -> None:
    _need_amx(kernel_id)
    calls = zero_tile_of(monkeypatch, times=1)
    a, b = _inputs(rng, kernel_id, 64, 48, 96)
    got = guard.checked_gemm(kernel_id, a, b)
    assert calls == [kernel_id, kernel_id]
    assert (got.accepted, got.check.ok, got.kernel_id) == (True, True, kernel_id)
    assert "right on re-run" in got.notice


@pytest.mark.parametrize("kernel_id", [AMX_INT8, AMX_BF16])
def test_real_amx_zeroed_tile_always_falls_back(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator, kernel_id: str
) -> None:
    _need_amx(kernel_id)
    alt = guard.fallback_kernel(kernel_id)
    if alt is None:
        pytest.skip("no AVX-512 kernel of this dtype runs here")
    calls = zero_tile_of(monkeypatch, times=-1)
    a, b = _inputs(rng, kernel_id, 64, 48, 96)
    got = guard.checked_gemm(kernel_id, a, b)
    assert calls == [kernel_id, kernel_id, alt]
    assert not got.accepted
    assert (got.kernel_id, got.check.ok) == (alt, True)
    assert kernels.check_product(got.c, a, b).ok
    assert "AMX result rejected" in got.notice
