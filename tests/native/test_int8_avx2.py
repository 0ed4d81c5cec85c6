"""The 256-bit int8 kernels (issue 21): AVX2 VPMADDWD and AVX-VNNI VPDPBUSD, and their probes.

Every CPU: the stand-in VPDPBUSD ymm (native/tests/emu256) against hand-worked cases of
the instruction reference, and the AVX-VNNI kernel's own source compiled against it,
under ASan and UBSan, through the real driver on one thread and on a team of two, on
awkward shapes with misaligned caller arrays, bit-exact against a wrapping int32
reference over the full range -128..127 (native/tests/lowp/check_lowp.cpp). Where the
CPU has the instructions: the stand-in against the silicon bit for bit, and the real
kernels through the same checks. The probes run only where their features are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sshapp import _native
from tests import masked
from tests.native import cxx

AVX2_DIR = cxx.NATIVE / "src/kernels/avx2"
VNNI_DIR = cxx.NATIVE / "src/kernels/avx_vnni"
EMU = cxx.NATIVE / "tests/emu256"
HARNESS = cxx.NATIVE / "tests/lowp/check_lowp.cpp"
AVX2_FLAGS = ("-mavx2", "-mfma")
VNNI_FLAGS = (*AVX2_FLAGS, "-mavxvnni")
EMU_FLAGS = (f"-I{EMU}",)
NO_VNNI = "CPU has no AVX-VNNI (VEX VPDPBUSD)"


@pytest.mark.timeout(300)
def test_emulated_vpdpbusd_ymm_follows_the_reference(tmp_path: Path) -> None:
    exe = cxx.build(tmp_path / "ops", [EMU / "check_vnni256.cpp"], flags=EMU_FLAGS)
    proc = cxx.run(exe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": ok") == 3, proc.stdout


@pytest.mark.timeout(300)
def test_emulated_vpdpbusd_ymm_matches_the_silicon(tmp_path: Path) -> None:
    cxx.require_features("avx2", "avx_vnni", reason=NO_VNNI)
    sources = [EMU / "check_vnni256.cpp", EMU / "vnni256_real.cpp"]
    exe = cxx.build(
        tmp_path / "ops", sources, flags=(*EMU_FLAGS, *VNNI_FLAGS), defines=["WITH_REAL=1"]
    )
    proc = cxx.run(exe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "emulator == silicon (20000 random vectors): ok" in proc.stdout, proc.stdout


@pytest.mark.timeout(400)
def test_emulated_avx_vnni_kernel_matches_reference(tmp_path: Path) -> None:
    """The AVX-VNNI kernel's source on any CPU: stand-in intrinsics, real driver."""
    sources = [
        HARNESS,
        cxx.TEAM,
        *cxx.emulated([VNNI_DIR / "packed_6x16_int8.cpp"], "emu256.h", tmp_path),
    ]
    exe = cxx.build(tmp_path / "check", sources, flags=EMU_FLAGS, defines=["CHECK_AVX_VNNI=1"])
    cxx.assert_all_ok(cxx.run(exe, "check", timeout=300), ["avxvnni.packed_6x16.int8"])


@pytest.mark.timeout(400)
def test_real_avx_vnni_kernel_matches_reference(tmp_path: Path) -> None:
    cxx.require_features("avx2", "fma", "avx_vnni", reason=NO_VNNI)
    sources = [HARNESS, cxx.TEAM, VNNI_DIR / "packed_6x16_int8.cpp"]
    exe = cxx.build(tmp_path / "check", sources, flags=VNNI_FLAGS, defines=["CHECK_AVX_VNNI=1"])
    cxx.assert_all_ok(cxx.run(exe, "check", timeout=300), ["avxvnni.packed_6x16.int8"])


@pytest.mark.timeout(400)
def test_real_avx2_int8_kernel_matches_reference(tmp_path: Path) -> None:
    cxx.require_features("avx2", "fma", reason="CPU has no AVX2/FMA")
    sources = [HARNESS, cxx.TEAM, AVX2_DIR / "packed_6x16_int8.cpp"]
    exe = cxx.build(tmp_path / "check", sources, flags=AVX2_FLAGS, defines=["CHECK_AVX2_INT8=1"])
    cxx.assert_all_ok(cxx.run(exe, "check", timeout=300), ["avx2.packed_6x16.int8"])


def test_int8_probes_count_their_operations() -> None:
    """Per instruction VPMADDWD does 32 OP and VPDPBUSD ymm 64 where an f32 ymm FMA does
    16 FLOP; no core issues them more often than FMA, so a ratio above 2x / 4x (plus
    noise) means the probe counts wrong, and a ratio below 1/4 that it measures latency.
    """
    cxx.require_features("avx2", "fma", reason="CPU has no AVX2/FMA")
    fma = _native.probe_fma("avx2", "f32", seconds=0.2)
    madd = _native.probe_fma("avx2", "int8", seconds=0.2)
    assert 0.25 * fma < madd < 2.3 * fma, (madd, fma)
    if _native.cpu_info()["features"]["avx_vnni"]:
        vnni = _native.probe_fma("avx_vnni", "int8", seconds=0.2)
        assert 0.5 * fma < vnni < 4.6 * fma, (vnni, fma)
    else:
        with pytest.raises(RuntimeError, match="missing avx_vnni"):
            _native.probe_fma("avx_vnni", "int8", seconds=0.05)


def test_masking_avx_vnni_refuses_its_kernel_and_probe() -> None:
    """SSHAPP_DISABLE_ISA=avx_vnni: the kernel is listed unsupported, the probe refuses,
    the AVX2 int8 kernel stays; with avx512 masked too this is what an AVX2 host runs."""
    script = (
        "import json; from sshapp import _native, kernels\n"
        "rows = {k.id: k.supported for k in kernels.list_kernels() if k.dtype == 'int8'}\n"
        "try:\n"
        "    _native.probe_fma('avx_vnni', 'int8', seconds=0.01); refused = ''\n"
        "except RuntimeError as e:\n"
        "    refused = str(e)\n"
        "print(json.dumps({'rows': rows, 'refused': refused,"
        " 'features': _native.cpu_info()['features']}))\n"
    )
    out = masked.run_json(script, "avx_vnni,avx512")
    rows = out["rows"]
    assert isinstance(rows, dict)
    if "avxvnni.packed_6x16.int8" not in rows:
        pytest.skip("this build has no AVX-VNNI kernel (the compiler lacks -mavxvnni)")
    assert rows["avxvnni.packed_6x16.int8"] is False
    assert rows.get("avx512.packed_14x32.int8", False) is False
    assert "avx_vnni" in str(out["refused"]), out["refused"]
    features = out["features"]
    assert isinstance(features, dict)
    assert rows["avx2.packed_6x16.int8"] is bool(features["avx2"] and features["fma"])
    assert json.dumps(features["avx_vnni"]) == "false"
