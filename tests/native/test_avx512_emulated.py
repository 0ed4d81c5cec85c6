"""The AVX-512 kernels' source, run with scalar stand-ins for its intrinsics.

A machine without AVX-512 skips those kernels in tests/kernels/test_correctness.py. Here
their C++ source is compiled against native/tests/emu512/emu512.h
instead of <immintrin.h> and driven through the real portable driver, under ASan and
UBSan, under several run-time blockings (tiny and odd MC, KC, NC), so the loops, tails,
packing and accumulate path are checked everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.native import cxx

KERNELS = [cxx.NATIVE / "src/kernels/avx512" / n for n in ("packed_14x32.cpp", "packed_14x16.cpp")]


@pytest.mark.timeout(480)
def test_avx512_kernel_source_matches_reference(tmp_path: Path) -> None:
    sources = [
        cxx.NATIVE / "tests/emu512/check_packed.cpp",
        cxx.NATIVE / "src/gemm_loops.cpp",
        cxx.NATIVE / "src/gemm_pack.cpp",
        cxx.NATIVE / "src/threads.cpp",  # the driver runs a team when GemmArgs::team is set
        cxx.SLICING,
        *cxx.emulated(KERNELS, "emu512.h", tmp_path),
    ]
    exe = cxx.build(tmp_path / "check", sources, flags=("-pthread",))
    run = cxx.run(exe, timeout=240)  # 55 s alone under ASan at load 2.7 on 2 vCPUs
    assert run.returncode == 0, run.stdout + run.stderr
    # Two kernels × five blockings (the table's, tiny, odd, large): see check_packed.cpp.
    assert run.stdout.count(": ok") == 10, run.stdout
