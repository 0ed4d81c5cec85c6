"""The AVX-512 kernels' source, run with scalar stand-ins for its intrinsics.

A machine without AVX-512 skips those kernels in tests/kernels/test_correctness.py. Here
their C++ source is compiled against native/tests/emu512/emu512.h
instead of <immintrin.h> and driven through the real portable driver, under ASan and
UBSan, under several run-time blockings (tiny and odd MC, KC, NC), so the loops, tails,
packing and accumulate path are checked everywhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "native"
KERNELS = ["packed_14x32.cpp", "packed_14x16.cpp"]


@pytest.mark.timeout(240)
def test_avx512_kernel_source_matches_reference(tmp_path: Path) -> None:
    cxx = shutil.which("g++")
    if cxx is None:
        pytest.skip("g++ not installed")
    sources = []
    for name in KERNELS:
        text = (NATIVE / "src/kernels/avx512" / name).read_text()
        patched, count = re.subn(r"#include <immintrin.h>", '#include "emu512.h"', text)
        assert count == 1, name
        out = tmp_path / name
        out.write_text(patched)
        sources.append(str(out))
    exe = tmp_path / "check"
    cmd = [
        cxx,
        "-std=c++20",
        "-O1",
        "-g",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
        f"-I{NATIVE / 'tests/emu512'}",
        f"-I{NATIVE / 'include'}",
        f"-I{NATIVE / 'src'}",
        str(NATIVE / "tests/emu512/check_packed.cpp"),
        str(NATIVE / "src/gemm_loops.cpp"),
        str(NATIVE / "src/threads.cpp"),
        "-pthread",
        *sources,
        "-o",
        str(exe),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=200)
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    # Two kernels × five blockings (the table's, tiny, odd, large): see check_packed.cpp.
    assert run.stdout.count(": ok") == 10, run.stdout
