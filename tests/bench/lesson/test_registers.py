"""Register budgets computed from each kernel's shape and ISA."""

from __future__ import annotations

import re

import pytest

from sshapp import kernels
from sshapp.bench.lesson.registers import A_BCAST, ACC, B_LOAD, FREE, budget, products_of

AVX2 = ("avx2", "fma")
AVX512 = ("avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl")
AVX512_LOWP = (*AVX512, "avx512_bf16", "avx512_vnni")
AMX = (*AVX512, "amx_tile", "amx_bf16", "amx_int8")


@pytest.mark.parametrize(
    ("requires", "mr", "nr", "out", "expect"),
    [
        pytest.param(AVX2, 6, 16, 4, ("ymm", 16, 12, 2, 1, 1), id="avx2-6x16-f32"),
        pytest.param(AVX2, 5, 16, 4, ("ymm", 16, 10, 2, 1, 3), id="avx2-5x16-f32"),
        pytest.param(AVX2, 4, 16, 4, ("ymm", 16, 8, 2, 1, 5), id="avx2-4x16-f32"),
        pytest.param(AVX2, 6, 8, 8, ("ymm", 16, 12, 2, 1, 1), id="avx2-6x8-f64"),
        pytest.param(AVX512, 14, 32, 4, ("zmm", 32, 28, 2, 1, 1), id="avx512-14x32-f32"),
        pytest.param(AVX512, 14, 16, 8, ("zmm", 32, 28, 2, 1, 1), id="avx512-14x16-f64"),
        # Low precision: C accumulates in f32 / int32, so lanes follow C, not A and B.
        pytest.param(AVX512_LOWP, 14, 32, 4, ("zmm", 32, 28, 2, 1, 1), id="avx512-14x32-bf16"),
        pytest.param(AVX2, 6, 16, 4, ("ymm", 16, 12, 2, 1, 1), id="avx2-6x16-int8"),
        pytest.param(("avx_vnni", "avx2"), 4, 24, 4, ("ymm", 16, 12, 3, 1, 0), id="avxvnni-4x24"),
        # AMX: tiles, 16 rows of C (and A) and 16 columns of C per tile.
        pytest.param(AMX, 32, 32, 4, ("tmm", 8, 4, 2, 2, 0), id="amx-32x32"),
        pytest.param(AMX, 16, 32, 4, ("tmm", 8, 2, 2, 1, 3), id="amx-16x32"),
    ],
)
def test_budget_follows_the_shape_and_isa(
    requires: tuple[str, ...],
    mr: int,
    nr: int,
    out: int,
    expect: tuple[str, int, int, int, int, int],
) -> None:
    b = budget(requires, mr, nr, out)
    assert (b.file.name, b.file.count, b.accumulators, b.b_loads, b.a_broadcasts, b.free) == expect
    cells = b.cells()
    assert len(cells) == b.file.count
    assert cells.count(ACC) == b.accumulators
    assert cells.count(B_LOAD) == b.b_loads
    assert cells.count(A_BCAST) == b.a_broadcasts
    assert cells.count(FREE) == b.free


def test_the_summary_reads_like_the_discussion() -> None:
    assert budget(AVX2, 6, 16, 4).summary() == (
        "12 accumulators + 2 B + 1 A broadcast = 15 of 16 ymm (1 free)"
    )
    assert (
        "28 accumulators + 2 B + 1 A broadcast = 31 of 32 zmm"
        in budget(AVX512, 14, 32, 4).summary()
    )
    assert "4 C tiles + 2 B tiles + 2 A tiles = 8 of 8 tmm" in budget(AMX, 32, 32, 4).summary()


def test_a_shape_too_big_for_the_file_shows_the_spill() -> None:
    b = budget(AVX2, 8, 16, 4)  # 16 accumulators + 3 > 16 ymm
    assert b.free == -3
    assert len(b.cells()) == 19


def test_fold_notes_differ_by_isa() -> None:
    assert "{1to16}" in budget(AVX512, 14, 32, 4).note
    assert "no broadcast" in budget(AVX2, 6, 16, 4).note
    assert "TILELOADD" in budget(AMX, 32, 32, 4).note
    assert "no FMA" in budget((), 0, 0, 4).note


@pytest.mark.parametrize(
    "info", [k for k in kernels.list_kernels() if k.blocking.MR], ids=lambda k: k.id
)
def test_each_register_blocked_kernel_matches_its_files_own_count(info: kernels.KernelInfo) -> None:
    """Where the header states "= N of M" (or "N-N2 of M"), the computed budget agrees."""
    b = budget(
        info.requires,
        info.blocking.MR,
        info.blocking.NR,
        kernels.dtype(info.dtype).out_size,
        products=products_of(info.requires, info.dtype),
    )
    header = kernels.lesson_source(info.id).header.replace("\n", " ")
    header = header[header.find("Register budget") :] if "Register budget" in header else header
    found = re.search(r"= (\d+)(?:-(\d+))?(?: of (\d+))? (ymm|zmm)", header)
    if b.file.name == "tmm":
        # The bf16 file states "all 8 tiles of palette 1"; the int8 file shares its plan.
        assert f"all {b.file.count} tiles" in header or "register plan" in header
        assert b.used == b.file.count
        return
    assert found is not None, f"{info.id}: its header states no register count"
    low, high = int(found[1]), int(found[2] or found[1])
    assert found[4] == b.file.name
    assert int(found[3] or b.file.count) == b.file.count
    assert low <= b.used <= high
