"""The AVX2 bf16 kernels: blocks sized by what their packed panels hold, and products."""

from __future__ import annotations

import numpy as np
import pytest

from sshapp import kernels

# kernel id -> bytes per packed element of A and B (the packers widen bf16 to f32).
PACKED_BYTES = {"avx2.widen_pack_6x16.bf16": (4, 4), "avx2.widen_ukr_6x16.bf16": (4, 2)}
ZEN3 = {"l1": 32 << 10, "l2": 512 << 10, "l3": 32 << 20}


@pytest.mark.parametrize(("kid", "sizes"), PACKED_BYTES.items())
def test_model_sizes_blocks_by_packed_elements(kid: str, sizes: tuple[int, int]) -> None:
    """KC from the B panel's bytes, MC from the A panel's: not from the 2-byte input."""
    report = kernels.blocking_model(kid, **ZEN3)
    b, (a_size, b_size) = report.blocking, sizes
    assert (report.a_bytes, report.b_bytes) == sizes
    assert report.element_bytes == 2
    l1, l2, l3 = (report.shares[x] * ZEN3[x] for x in ("l1", "l2", "l3"))
    assert b.KC * b.NR * b_size <= l1 < (b.KC + 8) * b.NR * b_size
    assert b.MC * b.KC * a_size <= l2 < (b.MC + b.MR) * b.KC * a_size
    assert b.KC * b.NC * b_size <= l3 < b.KC * (b.NC + b.NR) * b_size
    used = report.block_bytes()
    assert used == {"l1": b.KC * 16 * b_size, "l2": b.MC * b.KC * 4, "l3": b.KC * b.NC * b_size}
    # The table's reference blocks are the model's on a Zen 3 core (the kernel headers).
    info = kernels.get(kid)
    assert (b.MC, b.KC, b.NC) == (
        info.file_blocking.MC,
        info.file_blocking.KC,
        info.file_blocking.NC,
    )


def test_bf16_panels_double_kc() -> None:
    """Keeping B in bf16 halves its micro-panel: the same L1 share holds twice the depth."""
    wide = kernels.blocking_model("avx2.widen_pack_6x16.bf16", l1=48 << 10, l2=1 << 20)
    narrow = kernels.blocking_model("avx2.widen_ukr_6x16.bf16", l1=48 << 10, l2=1 << 20)
    assert (wide.blocking.KC, narrow.blocking.KC) == (384, 768)
    assert wide.block_bytes()["l1"] == narrow.block_bytes()["l1"] == 24 << 10


@pytest.mark.parametrize("kid", PACKED_BYTES)
@pytest.mark.parametrize("threads", [1, 2])
def test_product_within_the_bf16_bound_on_thin_and_deep_shapes(kid: str, threads: int) -> None:
    info = kernels.get(kid)
    if not info.supported:
        pytest.skip(f"{kid}: {info.reason}")
    row = kernels.dtype("bf16")
    rng = np.random.default_rng(3)
    for m, n, k in [(1, 517, 1031), (517, 1, 1031), (13, 35, 2 * 768 + 1), (6, 16, 1)]:
        a, b = row.draw(rng, (m, k)), row.draw(rng, (k, n))
        c = kernels.gemm(kid, a, b, threads=threads)
        assert kernels.check_product(c, a, b).ok, (kid, m, n, k)
