"""Run-time cache blocking: the model, validation, and one answer under any blocking."""

from __future__ import annotations

import numpy as np
import pytest

from sshapp import kernels
from sshapp.kernels import Blocking, KernelInfo

# The shared driver's kernels (packed f32/f64): the cache-share model and the narrow rule.
PACKED = [k for k in kernels.list_kernels() if k.packed and k.dtype in ("f32", "f64")]


def _runnable(info: KernelInfo) -> None:
    if not info.supported:
        pytest.skip(f"{info.id}: {info.reason}")


@pytest.mark.parametrize("info", PACKED, ids=lambda k: k.id)
def test_model_follows_the_stated_shares(info: KernelInfo) -> None:
    report = kernels.blocking_model(info.id, l1=32 << 10, l2=1 << 20, l3=32 << 20)
    b, size = report.blocking, report.element_bytes
    assert (b.MR, b.NR) == (info.blocking.MR, info.blocking.NR)
    assert b.KC % 8 == 0
    assert b.MC % b.MR == 0
    assert b.NC % b.NR == 0
    # Each block fills at most its share, and less than one more step would add.
    assert b.KC * b.NR * size <= report.shares["l1"] * (32 << 10) < (b.KC + 8) * b.NR * size
    assert b.MC * b.KC * size <= report.shares["l2"] * (1 << 20) < (b.MC + b.MR) * b.KC * size
    assert b.KC * b.NC * size <= report.shares["l3"] * (32 << 20)
    assert "of L1" in report.explain()


def test_model_grows_with_the_caches() -> None:
    kid = PACKED[0].id
    small = kernels.blocking_model(kid, l1=32 << 10, l2=256 << 10, l3=8 << 20).blocking
    large = kernels.blocking_model(kid, l1=64 << 10, l2=2 << 20, l3=64 << 20).blocking
    assert large.KC > small.KC
    assert large.MC * large.KC > small.MC * small.KC


def test_unpacked_kernel_has_no_cache_blocks() -> None:
    report = kernels.blocking_model("ref.naive.f32")
    assert not report.packed
    assert "no cache blocks" in report.explain()
    with pytest.raises(kernels.BlockingError, match="does not use cache blocks"):
        kernels.resolve_blocking("ref.naive.f32", kc=64)


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ({"mc": 7}, r"MC must be a multiple of MR=\d+"),
        ({"kc": -1}, "must be >= 1"),
        ({"kc": 100_000}, "KC must be 1..16384"),
        ({"nc": 5_000_000}, "NC must be 1.."),
        ({"kc": 16384, "nc": 1 << 20}, "packing buffers"),
    ],
)
def test_invalid_blocking_is_one_clear_error(blocks: dict[str, int], message: str) -> None:
    info = PACKED[0]
    with pytest.raises(kernels.BlockingError, match=message) as caught:
        kernels.resolve_blocking(info.id, **blocks)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(info.id)


def test_invalid_blocking_is_refused_by_gemm_and_time_kernel() -> None:
    info = next((k for k in PACKED if k.supported), None)
    if info is None:
        pytest.skip("no packed kernel runs here")
    bad = Blocking(info.blocking.MR, info.blocking.NR, info.blocking.MR + 1, 64, 64)
    a = kernels.dtype(info.dtype).draw(np.random.default_rng(0), (4, 4))
    with pytest.raises(kernels.BlockingError, match="MC must be a multiple"):
        kernels.gemm(info.id, a, a, blocking=bad)
    with pytest.raises(kernels.BlockingError, match="MC must be a multiple"):
        kernels.time_kernel(info.id, 8, 8, 8, blocking=bad)


def test_partial_override_keeps_the_model_elsewhere() -> None:
    info = PACKED[0]
    model = info.blocking
    got = kernels.resolve_blocking(info.id, kc=40)
    assert got == Blocking(model.MR, model.NR, model.MC, 40, model.NC)


def _blockings(info: KernelInfo) -> list[Blocking]:
    b = info.blocking
    return [
        Blocking(b.MR, b.NR, b.MR, 1, 1),  # tiniest: one panel, depth 1, one column
        Blocking(b.MR, b.NR, 3 * b.MR, 7, b.NR + 3),  # odd KC and NC
        Blocking(b.MR, b.NR, 5 * b.MR, 33, 2 * b.NR - 1),
        Blocking(b.MR, b.NR, b.MC, b.KC, b.NC),  # the model's
    ]


@pytest.mark.parametrize("info", PACKED, ids=lambda k: k.id)
def test_same_answer_under_every_blocking(info: KernelInfo, rng: np.random.Generator) -> None:
    _runnable(info)
    row = kernels.dtype(info.dtype)
    for m, n, k in [(1, 1, 1), (37, 53, 71), (2 * info.blocking.MR + 1, 45, 100)]:
        a = row.draw(rng, (m, k))
        b = row.draw(rng, (k, n))
        for blk in _blockings(info):
            c = kernels.gemm(info.id, a, b, blocking=blk)
            result = kernels.check_product(c, a, b)
            assert result.ok, f"{info.id} {m}x{n}x{k} {blk}: {result.error:.3g}"


# The narrow-B rule (mm/blocking.hpp): caches given explicitly, so it holds on any CPU.
L2 = 1 << 20


@pytest.mark.parametrize("info", PACKED, ids=lambda k: k.id)
def test_narrow_rule_deepens_kc_for_few_columns_and_deep_k(info: KernelInfo) -> None:
    base = Blocking(info.blocking.MR, info.blocking.NR, 40 * info.blocking.MR, 256, 4096)
    size = kernels.dtype(info.dtype).input.itemsize
    nb = kernels.narrow_blocking(base, info.id, 4096, 64, 4096, l2=L2)
    n_padded = -(-64 // base.NR) * base.NR
    assert nb.KC >= 4 * base.KC  # applied: B is 16× (f32) or 8× (f64) thinner than KC 256
    assert nb.KC * n_padded * size <= L2  # the whole kc×n block of B fits in L2
    assert nb.KC <= 4096
    assert nb.MC % nb.MR == 0
    assert nb.MC >= 8 * nb.MR
    assert min(base.NC, n_padded) == nb.NC
    assert (nb.MR, nb.NR) == (base.MR, base.NR)


@pytest.mark.parametrize("info", PACKED, ids=lambda k: k.id)
@pytest.mark.parametrize("shape", [(1024, 1024, 1024), (2048, 2048, 2048), (4096, 64, 64)])
def test_narrow_rule_leaves_wide_or_shallow_shapes_alone(
    info: KernelInfo, shape: tuple[int, int, int]
) -> None:
    base = Blocking(info.blocking.MR, info.blocking.NR, 5 * info.blocking.MR, 256, 4096)
    assert kernels.narrow_blocking(base, info.id, *shape, l2=L2) == base


def test_narrow_rule_is_only_for_the_shared_driver() -> None:
    for info in kernels.list_kernels():
        if info.packed and info.dtype in ("bf16", "int8"):  # their own drivers
            assert kernels.narrow_blocking(info.blocking, info.id, 4096, 64, 4096) == (
                info.blocking
            )


def test_narrow_rule_refuses_a_bad_base_or_size() -> None:
    info = PACKED[0]
    bad = Blocking(info.blocking.MR, info.blocking.NR, info.blocking.MR + 1, 256, 64)
    with pytest.raises(kernels.BlockingError, match="multiple of MR"):
        kernels.narrow_blocking(bad, info.id, 64, 64, 64)
    with pytest.raises(kernels.BlockingError, match=">= 1"):
        kernels.narrow_blocking(info.blocking, info.id, 0, 64, 64)


@pytest.mark.parametrize("info", PACKED, ids=lambda k: k.id)
def test_same_answer_with_narrow_blocks(info: KernelInfo, rng: np.random.Generator) -> None:
    _runnable(info)
    row = kernels.dtype(info.dtype)
    # Few columns (an edge panel), deep k not a multiple of 8, m not a multiple of MR.
    for m, n, k in [(301, 17, 2050), (info.blocking.MR * 9 - 1, 1, 3001)]:
        nb = kernels.narrow_blocking(info.blocking, info.id, m, n, k, l2=L2)
        assert nb.KC > info.blocking.KC, nb
        a = row.draw(rng, (m, k))
        b = row.draw(rng, (k, n))
        threads = 2 if len(kernels.allowed_cores()) >= 2 else 1
        # None: gemm's own default, which applies the rule too; then a team of 2.
        for blk, team in ((nb, 1), (None, 1), (nb, threads)):
            c = kernels.gemm(info.id, a, b, blocking=blk, threads=team)
            result = kernels.check_product(c, a, b)
            assert result.ok, f"{info.id} {m}x{n}x{k} {blk} x{team}: {result.error:.3g}"


TILE = [k for k in kernels.list_kernels() if k.id.startswith("amx.")]


@pytest.mark.parametrize("info", TILE, ids=lambda k: k.id)
@pytest.mark.parametrize(("l1", "l2"), [(48 << 10, 2 << 20), (32 << 10, 1 << 20)])
def test_tile_rule_puts_a_strip_in_l1_and_the_b_block_in_l2(
    info: KernelInfo, l1: int, l2: int
) -> None:
    """The AMX driver's rule: MC = MR, the MR×KC strip of A in L1, the KC×NC block of B in L2."""
    report = kernels.blocking_model(info.id, l1=l1, l2=l2, l3=32 << 20)
    b, size = report.blocking, report.element_bytes
    row = 64 // size  # elements of k in one 64-byte tile row
    assert report.tile
    assert b.MC == b.MR == 32
    assert b.KC % row == 0
    assert b.MR * b.KC * size <= report.shares["l1"] * l1 < b.MR * (b.KC + row) * size
    assert b.KC * b.NC * size <= report.shares["l2"] * l2 < b.KC * (b.NC + b.NR) * size
    assert "A strip" in report.explain()
    if l1 == 48 << 10:  # Sapphire Rapids: the blocks measured there (amx/*.cpp headers)
        want = (384, 1024) if info.dtype == "bf16" else (768, 1024)
        assert want == (b.KC, b.NC)
        assert (b.MC, b.KC, b.NC) == (
            info.file_blocking.MC,
            info.file_blocking.KC,
            info.file_blocking.NC,
        )


DOT = [
    k for k in kernels.list_kernels() if k.id.startswith("avx512.") and k.dtype in ("bf16", "int8")
]


@pytest.mark.parametrize("info", DOT, ids=lambda k: k.id)
@pytest.mark.parametrize(
    ("l1", "want_kc"),
    # Zen 5 / Sapphire Rapids (48 KiB L1d) and Zen 4 (32 KiB): the measured best KC on
    # Zen 5 (bf16 768, int8 1536), and within 4 % of the best on Zen 4 (mm/blocking.hpp).
    [(48 << 10, {"bf16": 768, "int8": 1536}), (32 << 10, {"bf16": 512, "int8": 1024})],
)
def test_dot_rule_fills_l1_with_the_b_micro_panel(
    info: KernelInfo, l1: int, want_kc: dict[str, int]
) -> None:
    """The dot-product kernels' shares: the KC×NR micro-panel as large as L1, A and B blocks
    by the L2 and L3 shares, as the f32 rule does with half of L1."""
    report = kernels.blocking_model(info.id, l1=l1, l2=1 << 20, l3=32 << 20)
    b, size = report.blocking, report.element_bytes
    assert report.dot
    assert not report.tile
    assert report.shares == {"l1": 1.0, "l2": 0.5, "l3": 0.25}
    kc = b.KC
    assert kc == want_kc[info.dtype]
    assert b.KC * b.NR * size <= l1 < (b.KC + 8) * b.NR * size
    assert b.MC * b.KC * size <= report.shares["l2"] * (1 << 20) < (b.MC + b.MR) * b.KC * size
    assert b.KC * b.NC * size <= report.shares["l3"] * (32 << 20) < b.KC * (b.NC + b.NR) * size
    assert "streamed from L2" in report.explain()


@pytest.mark.parametrize("info", PACKED, ids=lambda k: k.id)
def test_dot_rule_leaves_the_f32_and_f64_kernels_alone(info: KernelInfo) -> None:
    report = kernels.blocking_model(info.id, l1=48 << 10, l2=1 << 20, l3=32 << 20)
    assert not report.dot
    assert report.shares == {"l1": 0.5, "l2": 0.5, "l3": 0.25}
