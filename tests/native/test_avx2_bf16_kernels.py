"""The AVX2 bf16 kernels (widen in the packers / in the micro-kernel) under ASan and UBSan.

They need no stand-in: every x86-64 CPU this project runs on has AVX2 and FMA, so the
kernels' own sources are compiled with their folder's flags and the sanitizers, and run
through their real driver (bf16_loops.cpp, one thread and a team of two) on the awkward,
misaligned shapes of the lowp harness (native/tests/lowp/check_lowp.cpp), against its
reference: f32 sums of exact bf16 products within 2·(k+1)·2⁻²⁴·Σ|a·b|, the bound of the
dtype table's bf16 row (sshapp/kernels/dtypes.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.native import cxx

AVX2 = cxx.NATIVE / "src/kernels/avx2"
SRC = cxx.NATIVE / "src"
HARNESS = cxx.NATIVE / "tests/lowp/check_lowp.cpp"
KERNELS = [AVX2 / "widen_pack_6x16.cpp", AVX2 / "widen_ukr_6x16.cpp"]
IDS = ["avx2.widen_pack_6x16.bf16", "avx2.widen_ukr_6x16.bf16"]
# What the kernels link: their driver, and packed_6x16.cpp's f32 micro-kernel (whose file
# also holds the f32 entry point, hence the f32 driver, its packers and the GEMV path).
SUPPORT = [
    AVX2 / "bf16_loops.cpp",
    AVX2 / "packed_6x16.cpp",
    AVX2 / "simd.cpp",
    SRC / "gemm_loops.cpp",
    SRC / "gemm_pack.cpp",
    cxx.SLICING,  # the drivers' equal k slices and row blocks
]
AVX2_FLAGS = ("-mavx2", "-mfma")


def _build(tmp_path: Path, kernels: list[Path]) -> Path:
    cxx.require_features("avx2", "fma", reason="CPU has no AVX2/FMA")
    return cxx.build(
        tmp_path / "check",
        [HARNESS, cxx.TEAM, *SUPPORT, *kernels],
        flags=AVX2_FLAGS,
        defines=["CHECK_AVX2_BF16=1"],
    )


@pytest.mark.timeout(400)
def test_avx2_bf16_kernels_match_reference(tmp_path: Path) -> None:
    exe = _build(tmp_path, KERNELS)
    cxx.assert_all_ok(cxx.run(exe, "check", timeout=300), IDS)


@pytest.mark.timeout(400)
def test_harness_catches_a_wrong_widening(tmp_path: Path) -> None:
    """The check can fail: B widened one bit short (f32 of b/2) must be reported."""
    src = KERNELS[0].read_text()
    broken, count = (
        src.replace("_mm256_cvtepu16_epi32(lo), 16)", "_mm256_cvtepu16_epi32(lo), 15)"),
        src.count("_mm256_cvtepu16_epi32(lo), 16)"),
    )
    assert count == 1
    patched = tmp_path / KERNELS[0].name
    patched.write_text(broken)
    exe = _build(tmp_path, [patched, KERNELS[1]])
    proc = cxx.run(exe, "check", "widen_pack", timeout=300)
    assert proc.returncode != 0
    assert f"{IDS[0]}: FAIL" in proc.stdout, proc.stdout[-2000:]
