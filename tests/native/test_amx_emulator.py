"""The AMX emulator (native/tests/amx_emu) and the AMX kernels run on it.

Every CPU: the emulator's exact arithmetic and shape rules, a hard fault for each misuse
the silicon faults on or silently gets wrong (each in its own process), TDPBF16PS hand
cases (DAZ on C; the two accumulation orders give different bits), and the AMX kernels'
own source (tiles.cpp, amx_loops.hpp, the two kernels, the probes) compiled against it
under ASan and UBSan, through their real driver, against the harness's reference, in
both TDPBF16PS orders; then with the tiles zeroed mid-run (the suspected SPR erratum),
which that reference check must catch. Where the CPU has AMX (and Linux grants it): the
real kernels, same checks, and the DAZ case on the silicon.
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.native import cxx

AMX = cxx.NATIVE / "src/kernels/amx"
SOURCES = [AMX / n for n in ("tiles.cpp", "tiles_32x32_bf16.cpp", "tiles_32x32_int8.cpp")]
SOURCES.append(AMX / "tdp_peak.cpp")
HARNESS = cxx.NATIVE / "tests/lowp/check_lowp.cpp"
MISUSE = cxx.NATIVE / "tests/amx_emu/amx_misuse.cpp"
OPS = [cxx.NATIVE / "tests/amx_emu" / n for n in ("check_amx_ops.cpp", "amx_ops_emu.cpp")]
OPS_REAL = cxx.NATIVE / "tests/amx_emu/amx_ops_real.cpp"
IDS = ["amx.tiles_32x32.bf16", "amx.tiles_32x32.int8", "amx probes"]
NO_AMX = "CPU has no AMX"
# TDPBF16PS accumulation order -> the emulator's define (amx_emu.h): Intel's SDM and
# Intrinsics Guide disagree, so the kernels are checked under both.
ORDERS = {"sdm": [], "intrinsics_guide": ["AMX_EMU_ORDER_INTRINSICS_GUIDE=1"]}
Runs = dict[str, subprocess.CompletedProcess[str]]  # order -> a harness run

# misuse -> the fault the emulator must report
MISUSES = {
    "use_before_config": "#UD: TILEZERO without a tile configuration",
    "use_after_release": "#UD: TILELOADD without a tile configuration",
    "other_thread": "#UD: TILELOADD without a tile configuration",
    "palette_2": "#GP: LDTILECFG palette other than 0 or 1",
    "reserved_byte": "#GP: LDTILECFG reserved byte (2..15)",
    "reserved_colsb_area": "#GP: LDTILECFG reserved byte (32..47)",
    "reserved_rows_area": "#GP: LDTILECFG reserved byte (56..63)",
    "start_row": "#UD: TILELOADD start_row >= rows (tmm0)",
    "start_row_store": "#UD: TILESTORED start_row >= rows (tmm1)",
    "colsb_not_dword_load": "#UD: TILELOADD colsb not a multiple of 4 (tmm0)",
    "colsb_not_dword_store": "#UD: TILESTORED colsb not a multiple of 4 (tmm3)",
    "rows_17": "#GP: LDTILECFG rows > 16",
    "colsb_65": "#GP: LDTILECFG colsb > 64",
    "rows_without_colsb": "#GP: LDTILECFG tile with rows or colsb zero",
    "unconfigured_tile": "#UD: tile not configured (0 rows) (tmm5)",
    "tiles_not_distinct": "#UD: TDP operands are not three different tiles",
    "rows_a_ne_rows_c": "#UD: rows(A) != rows(C)",
    "colsb_a_ne_rows_b": "#UD: colsb(A) / 4 != rows(B)",
    "colsb_b_ne_colsb_c": "#UD: colsb(B) != colsb(C)",
    "partial_dword": "#UD: colsb not a multiple of 4",
}


@pytest.fixture(scope="module")
def misuse_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("amx") / "misuse"
    return cxx.build(out, [MISUSE], flags=["-pthread"])


@pytest.mark.timeout(300)
def test_emulator_arithmetic_and_shapes(misuse_exe: Path) -> None:
    proc = cxx.run(misuse_exe, "ok")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": ok") == 8, proc.stdout


@pytest.mark.parametrize(("misuse", "fault"), list(MISUSES.items()), ids=list(MISUSES))
def test_emulator_faults_on_misuse(misuse_exe: Path, misuse: str, fault: str) -> None:
    proc = cxx.run(misuse_exe, misuse)
    assert proc.returncode == -signal.SIGABRT, proc.stdout + proc.stderr
    assert f"AMX {fault}" in proc.stderr, proc.stderr
    assert "NOT caught" not in proc.stdout


def test_tile_load_past_the_callers_buffer_is_caught(misuse_exe: Path) -> None:
    """The emulator reads exactly rows x colsb at the stride, so ASan sees an overrun."""
    proc = cxx.run(misuse_exe, "overrun")
    assert proc.returncode != 0
    assert "heap-buffer-overflow" in proc.stderr, proc.stderr[-2000:]


@pytest.fixture(scope="module")
def ops_runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """check_amx_ops (TDPBF16PS hand cases) on the emulator, one build per order."""
    out = tmp_path_factory.mktemp("amx_ops")
    return {
        order: cxx.run(cxx.build(out / order, OPS, defines=defines))
        for order, defines in ORDERS.items()
    }


@pytest.mark.parametrize("order", list(ORDERS))
def test_emulated_tdpbf16ps_treats_denormal_c_as_zero(ops_runs: Runs, order: str) -> None:
    """C = 2^-127 plus 2^-63 . 2^-63: 2^-126 with DAZ, 1.5 . 2^-126 without (can fail)."""
    proc = ops_runs[order]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for slot in ("even", "odd"):
        assert f"DAZ on C (product in the {slot} slot): ok" in proc.stdout, proc.stdout


def test_tdpbf16ps_orders_give_different_bits(
    ops_runs: Runs,
) -> None:
    """The order switch is real: 1 + 2^-24 + 2^-24 is 1 + 2^-23 (SDM) or 1 (Guide)."""
    found = {}
    for order, proc in ops_runs.items():
        match = re.search(rf"order case \({order}\): C = (0x[0-9a-f]{{8}})", proc.stdout)
        assert match, proc.stdout + proc.stderr
        found[order] = match[1]
    assert found == {"sdm": "0x3f800001", "intrinsics_guide": "0x3f800000"}


@pytest.mark.timeout(300)
def test_tdpbf16ps_daz_on_c_emulator_matches_silicon(tmp_path: Path) -> None:
    cxx.require_features("avx512f", "amx_tile", "amx_bf16", reason=NO_AMX)
    exe = cxx.build(
        tmp_path / "ops", [*OPS, OPS_REAL], flags=cxx.AMX_FLAGS, defines=["WITH_REAL=1"]
    )
    proc = cxx.run(exe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tdpbf16ps DAZ on C: emulator == silicon: ok" in proc.stdout, proc.stdout


@pytest.mark.timeout(400)
@pytest.mark.parametrize("order", list(ORDERS))
def test_emulated_amx_kernels_match_reference(tmp_path: Path, order: str) -> None:
    sources = [HARNESS, cxx.TEAM, cxx.SLICING, *cxx.emulated(SOURCES, "amx_emu.h", tmp_path)]
    defines = ["CHECK_AMX=1", "CHECK_AMX_EMU=1", *ORDERS[order]]
    exe = cxx.build(tmp_path / "check", sources, defines=defines)
    proc = cxx.run(exe, "check", timeout=300)
    cxx.assert_all_ok(proc, IDS)
    assert f"amx_emu order: {order}\n" in proc.stdout, proc.stdout[:2000]


@pytest.fixture(scope="module")
def emulated_check(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """check_lowp on the emulated AMX kernels (default order), with the injection hook."""
    out = tmp_path_factory.mktemp("amx_inject")
    sources = [HARNESS, cxx.TEAM, cxx.SLICING, *cxx.emulated(SOURCES, "amx_emu.h", out)]
    return cxx.build(out / "check", sources, defines=["CHECK_AMX=1", "CHECK_AMX_EMU=1"])


def test_zeroed_tiles_mid_kernel_fail_the_reference_check(emulated_check: Path) -> None:
    """The suspected SPR erratum's effect (all tiles zeroed mid-run) never passes silently."""
    proc = cxx.run(emulated_check, "inject")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for kid in IDS[:2]:
        assert re.search(rf"{re.escape(kid)} \S+ clean: 0 wrong, 96 tile instructions", out), out
        assert len(re.findall(rf"{re.escape(kid)} tiles zeroed .*: detected \([1-9]", out)) == 4
    assert "NOT" not in out, out


def test_zero_tiles_env_var_arms_the_injection(emulated_check: Path) -> None:
    """AMX_EMU_ZERO_TILES_AT=20 lands inside the probes' TDP loop: their check fails."""
    proc = cxx.run(
        emulated_check, "check", "amx.tiles_32x32.int8", env={"AMX_EMU_ZERO_TILES_AT": "20"}
    )
    assert proc.returncode != 0, proc.stdout
    assert "amx probes: FAIL" in proc.stdout, proc.stdout
    assert "injection after tile instruction 20: done" in proc.stdout, proc.stdout


@pytest.mark.timeout(400)
def test_real_amx_kernels_match_reference(tmp_path: Path) -> None:
    cxx.require_features("avx512f", "amx_tile", "amx_bf16", "amx_int8", reason=NO_AMX)
    exe = cxx.build(
        tmp_path / "check",
        [HARNESS, cxx.TEAM, cxx.SLICING, *SOURCES],
        flags=cxx.AMX_FLAGS,
        defines=["CHECK_AMX=1", "CHECK_AMX_REAL=1"],
    )
    cxx.assert_all_ok(cxx.run(exe, "check", timeout=300), IDS)
