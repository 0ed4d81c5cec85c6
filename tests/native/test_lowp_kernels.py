"""bf16 / int8 kernels and the AVX-512 BF16 / VNNI emulator (native/tests/lowp, emu512).

Every CPU: the emulated instructions against hand-worked cases of the instruction
reference, and the kernels' own source compiled against the emulator, under ASan and
UBSan, through their real driver, against the harness's reference. Where the CPU has
AVX512_BF16 and AVX512_VNNI: the emulator against the silicon bit for bit, and the real
kernels (real intrinsics, same sanitizers) through the same checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.native import cxx

LOWP = cxx.NATIVE / "src/kernels/avx512_lowp"
EMU = cxx.NATIVE / "tests/emu512"
HARNESS = cxx.NATIVE / "tests/lowp/check_lowp.cpp"
KERNELS = [LOWP / "packed_14x32_bf16.cpp", LOWP / "packed_14x32_int8.cpp"]
IDS = ["avx512.packed_14x32.bf16", "avx512.packed_14x32.int8"]
LOWP_FEATURES = ("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16", "avx512_vnni")
NO_LOWP = "CPU has no AVX512_BF16/AVX512_VNNI"


@pytest.mark.timeout(300)
def test_emulated_instructions_follow_the_reference(tmp_path: Path) -> None:
    exe = cxx.build(tmp_path / "ops", [EMU / "check_lowp_emu.cpp", EMU / "lowp_ops_emu.cpp"])
    proc = cxx.run(exe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": ok") == 12, proc.stdout


@pytest.mark.timeout(300)
def test_mismatch_diagnostics_name_each_rule(tmp_path: Path) -> None:
    """explain() finds the rule (DAZ, FTZ, order, rounding) a one-rule change breaks."""
    exe = cxx.build(tmp_path / "ops", [EMU / "check_lowp_emu.cpp", EMU / "lowp_ops_emu.cpp"])
    proc = cxx.run(exe, "explain")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("explain() names: ") == 7, proc.stdout


@pytest.mark.timeout(300)
def test_emulated_instructions_match_the_silicon(tmp_path: Path) -> None:
    """Bit for bit; each differing VDPBF16PS lane is printed with its inputs and rules."""
    cxx.require_features(*LOWP_FEATURES, reason=NO_LOWP)
    exe = cxx.build(
        tmp_path / "ops",
        [EMU / "check_lowp_emu.cpp", EMU / "lowp_ops_emu.cpp", EMU / "lowp_ops_real.cpp"],
        flags=cxx.LOWP_FLAGS,
        defines=["WITH_REAL=1"],
    )
    proc = cxx.run(exe)
    report = proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout, f"emulator != silicon:\n{report}"
    assert proc.returncode == 0, report
    assert proc.stdout.count("emulator == silicon") == 4, report


@pytest.mark.timeout(400)
def test_emulated_avx512_lowp_kernels_match_reference(tmp_path: Path) -> None:
    sources = [
        HARNESS,
        cxx.TEAM,
        cxx.SLICING,
        LOWP / "lowp_loops.cpp",
        *cxx.emulated(KERNELS, "emu512.h", tmp_path),
    ]
    exe = cxx.build(tmp_path / "check", sources, defines=["CHECK_AVX512_LOWP=1"])
    cxx.assert_all_ok(cxx.run(exe, "check", timeout=300), IDS)


@pytest.mark.timeout(400)
def test_real_avx512_lowp_kernels_match_reference(tmp_path: Path) -> None:
    cxx.require_features(*LOWP_FEATURES, reason=NO_LOWP)
    sources = [HARNESS, cxx.TEAM, cxx.SLICING, LOWP / "lowp_loops.cpp", *KERNELS]
    exe = cxx.build(
        tmp_path / "check", sources, flags=cxx.LOWP_FLAGS, defines=["CHECK_AVX512_LOWP=1"]
    )
    cxx.assert_all_ok(cxx.run(exe, "check", timeout=300), IDS)
