"""Machine probes: FMA peaks in sane ranges, unsupported ISAs never probed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from sshapp import _native, kernels
from sshapp.kernels import probes


def _in_build(isa: str, dtype: str) -> bool:
    """Whether this build has the native probe (part of the table may not be written yet)."""
    try:
        kernels.measure_fma(isa, dtype, seconds=0.01)
    except kernels.UnsupportedKernelError:
        return False
    return True


def test_measure_peaks_covers_exactly_the_supported_probes() -> None:
    peaks = kernels.measure_peaks()
    expected = {f"{isa}.{dt}" for isa, dt in probes.supported_probes() if _in_build(isa, dt)}
    assert set(peaks.fma_gflops) == expected
    # f32 and f64 FMA probes exist in every build for every ISA the CPU has.
    fma = {f"{i}.{d}" for i, d in probes.supported_probes() if d in ("f32", "f64")}
    assert fma <= set(peaks.fma_gflops)
    for key, gflops in peaks.fma_gflops.items():
        # One core: above a crawl, below anything shipping (AMX int8 ~8 TOPS).
        assert 1.0 < gflops < 20000.0, key
    # DRAM through one core: more than a floppy, less than an HBM socket.
    assert 0.5 < peaks.bandwidth_gbs < 500.0


def test_every_dtype_of_the_table_has_probes_named_in_it() -> None:
    assert {dt for dt, _ in probes.PROBES} == set(kernels.DTYPES)
    for dt, peak in probes.PROBES:
        assert probes.peak_key(peak.family, dt) == f"{peak.probe}.{dt}"


def test_wider_isa_is_not_slower() -> None:
    if ("avx512", "f32") not in probes.supported_probes():
        pytest.skip("avx512 not supported on this CPU")
    assert kernels.measure_fma("avx512", "f32") > 0.8 * kernels.measure_fma("avx2", "f32")


@pytest.mark.parametrize(("dtype", "isa"), [(dt, p.probe) for dt, p in probes.PROBES])
def test_unsupported_isa_raises(dtype: str, isa: str) -> None:
    if (isa, dtype) in probes.supported_probes():
        pytest.skip(f"{isa} ({dtype}) is supported here; nothing to refuse")
    with pytest.raises(kernels.UnsupportedKernelError, match="cannot run here"):
        kernels.measure_fma(isa, dtype)
    # The native side refuses too (or does not know the probe): never an instruction.
    with pytest.raises((RuntimeError, ValueError)):
        _native.probe_fma(isa, dtype)


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown ISA"):
        kernels.measure_fma("sse9", "f32")
    with pytest.raises(ValueError, match="unknown dtype"):
        kernels.measure_fma("avx2", "f16")
    with pytest.raises(ValueError, match="no avx_vnni probe for f32"):
        kernels.measure_fma("avx_vnni", "f32")
    with pytest.raises(ValueError, match=r"unknown dtype 'f16' \(expected one of f32, f64"):
        _native.probe_fma("avx2", "f16")
    with pytest.raises(ValueError, match="unknown ISA"):
        _native.probe_fma("sse9", "f32")
    with pytest.raises(ValueError, match="between 3 MiB and 4 GiB"):
        kernels.measure_bandwidth(nbytes=1024)


def test_peak_for_maps_kernel_ids() -> None:
    fma = {"avx2.f32": 100.0, "avx2.f64": 50.0, "avx512_bf16.bf16": 230.0, "amx.int8": 7000.0}
    peaks = probes.Peaks(fma_gflops=fma, bandwidth_gbs=20.0)
    assert peaks.peak_for("avx2.packed_6x16.f32") == 100.0
    assert peaks.peak_for("ref.naive.f64") == 50.0
    assert peaks.peak_for("avx512.packed_14x32.f32") is None
    # Low precision: the dtype table maps a kernel family to its dot-product probe.
    assert peaks.peak_for("avx512.packed_x.bf16") == 230.0
    assert peaks.peak_for("ref.naive.bf16") == 230.0
    assert peaks.peak_for("amx.tiles.int8") == 7000.0
    assert peaks.peak_for("avx512.packed_x.int8") is None  # its VNNI probe was not measured
    assert peaks.peak_for("amx.tiles.bf16") is None


MASKED = """
import json
from sshapp import _native, kernels
out = {"isas": list(kernels.probes.supported_probes())}
try:
    _native.probe_fma("avx2", "f32")
except RuntimeError as exc:
    out["native"] = str(exc)
try:
    kernels.measure_fma("avx2", "f64")
except kernels.UnsupportedKernelError as exc:
    out["python"] = str(exc)
print(json.dumps(out))
"""


def test_masked_isa_is_never_probed() -> None:
    """With SSHAPP_DISABLE_ISA=avx2 the AVX2 probe refuses, in C++ and in Python."""
    env = {**os.environ, "SSHAPP_DISABLE_ISA": "avx2,avx512"}
    proc = subprocess.run(
        [sys.executable, "-c", MASKED], env=env, capture_output=True, text=True, check=True
    )
    out = json.loads(proc.stdout)
    assert out["isas"] == []
    assert "missing avx2" in out["native"]
    assert "lacks avx2" in out["python"]


def _every_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this CPU has every feature (the native probe is faked too: nothing runs)."""
    real = kernels.cpu_info()
    names = {f for _, p in probes.PROBES for f in p.features} | set(real.features)
    fake = replace(real, features=dict.fromkeys(names, True), detected=dict.fromkeys(names, True))
    monkeypatch.setattr(probes, "cpu_info", lambda: fake)


def test_low_precision_peaks_appear_when_the_native_side_has_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Table-driven: a native probe for (isa, dtype) is enough for its peak to be measured."""
    _every_feature(monkeypatch)
    asked: list[tuple[str, str]] = []
    teams: set[str] = set()

    def probe_fma(isa: str, dtype: str, *, seconds: float, pin_core: int, threads: int) -> float:
        del seconds, pin_core
        if threads > 1:
            teams.add(dtype)
        else:
            asked.append((isa, dtype))
        return 100.0 * (1 + len(asked))

    monkeypatch.setattr(probes._native, "probe_fma", probe_fma)
    monkeypatch.setattr(probes, "measure_bandwidth", lambda **_: 20.0)
    peaks = probes.measure_peaks()
    assert asked == [(p.probe, dt) for dt, p in probes.PROBES]
    for key in ("avx512_bf16.bf16", "amx.bf16", "avx512_vnni.int8", "amx.int8"):
        assert key in peaks.fma_gflops
    assert peaks.peak_for("amx.tiles.int8") == peaks.fma_gflops["amx.int8"]
    assert teams <= {"f32", "f64"}  # bf16/int8 kernels run on one thread: no team peaks


def test_a_probe_missing_from_the_build_is_skipped_cleanly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _every_feature(monkeypatch)

    def probe_fma(isa: str, dtype: str, *, seconds: float, pin_core: int, threads: int) -> float:
        del seconds, pin_core, threads
        if dtype in ("bf16", "int8"):
            msg = f"unknown ISA '{isa}' (expected avx2 or avx512)"
            raise ValueError(msg)
        if isa == "avx512":
            msg = "avx512 FMA probe was not compiled into this build"
            raise RuntimeError(msg)
        return 50.0

    monkeypatch.setattr(probes._native, "probe_fma", probe_fma)
    monkeypatch.setattr(probes, "measure_bandwidth", lambda **_: 20.0)
    assert set(probes.measure_peaks().fma_gflops) == {"avx2.f32", "avx2.f64"}
    with pytest.raises(kernels.UnsupportedKernelError, match="amx probe for int8 is not in this"):
        kernels.measure_fma("amx", "int8")


def test_cache_reads_measure_each_level_that_has_a_size() -> None:
    cpu = kernels.cpu_info()
    reads = kernels.measure_cache_reads(cpu.l1d_bytes, cpu.l2_bytes, 0)
    assert reads["l3"] is None  # size unknown: not measured, never guessed
    if not cpu.features.get("avx2"):
        assert reads == {"l1": None, "l2": None, "l3": None}
        return
    l1, l2 = reads["l1"], reads["l2"]
    assert l1 is not None
    assert 5 < l1 < 5000  # GB/s
    if cpu.l2_bytes // 2 > cpu.l1d_bytes:
        assert l2 is not None
        assert 1 < l2 < 5000


def test_cache_read_probe_refuses_bad_sizes() -> None:
    with pytest.raises(ValueError, match="between 16 KiB and 1 GiB"):
        _native.probe_read(bytes=1024)
