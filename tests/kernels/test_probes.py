"""Machine probes: FMA peaks in sane ranges, unsupported ISAs never probed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sshapp import _native, kernels
from sshapp.kernels import probes


def test_measure_peaks_covers_exactly_the_supported_isas() -> None:
    peaks = kernels.measure_peaks()
    expected = {f"{isa}.{dt}" for isa in probes.supported_isas() for dt in probes.PROBE_DTYPES}
    assert set(peaks.fma_gflops) == expected
    for key, gflops in peaks.fma_gflops.items():
        # One core: above a crawl, below anything shipping (~16 FMA ports' worth).
        assert 1.0 < gflops < 2000.0, key
    # DRAM through one core: more than a floppy, less than an HBM socket.
    assert 0.5 < peaks.bandwidth_gbs < 500.0


def test_wider_isa_is_not_slower() -> None:
    if "avx512" not in probes.supported_isas():
        pytest.skip("avx512 not supported on this CPU")
    assert kernels.measure_fma("avx512", "f32") > 0.8 * kernels.measure_fma("avx2", "f32")


@pytest.mark.parametrize("isa", list(probes.PROBE_ISAS))
def test_unsupported_isa_raises(isa: str) -> None:
    if isa in probes.supported_isas():
        pytest.skip(f"{isa} is supported here; nothing to refuse")
    with pytest.raises(kernels.UnsupportedKernelError, match="cannot run here"):
        kernels.measure_fma(isa, "f32")
    with pytest.raises(RuntimeError, match=r"not supported on this CPU|not compiled"):
        _native.probe_fma(isa, "f32")


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown ISA"):
        kernels.measure_fma("sse9", "f32")
    with pytest.raises(ValueError, match="unknown dtype"):
        kernels.measure_fma("avx2", "f16")
    with pytest.raises(ValueError, match="unknown ISA"):
        _native.probe_fma("sse9", "f32")
    with pytest.raises(ValueError, match="between 3 MiB and 4 GiB"):
        kernels.measure_bandwidth(nbytes=1024)


def test_peak_for_maps_kernel_ids() -> None:
    peaks = probes.Peaks(fma_gflops={"avx2.f32": 100.0, "avx2.f64": 50.0}, bandwidth_gbs=20.0)
    assert peaks.peak_for("avx2.packed_6x16.f32") == 100.0
    assert peaks.peak_for("ref.naive.f64") == 50.0
    assert peaks.peak_for("avx512.packed_14x32.f32") is None


MASKED = """
import json
from sshapp import _native, kernels
out = {"isas": list(kernels.probes.supported_isas())}
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
