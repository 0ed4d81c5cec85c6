"""The dot-product probes (VDPBF16PS, VPDPBUSD, TDPBF16PS, TDPBSSD) through probe_fma."""

from __future__ import annotations

import pytest

from sshapp import _native

# isa, dtype, the features the probe needs (its folder's flag set).
PROBES = [
    ("avx512_bf16", "bf16", ("avx512f", "avx512bw", "avx512_bf16", "avx512_vnni")),
    ("avx512_vnni", "int8", ("avx512f", "avx512bw", "avx512_bf16", "avx512_vnni")),
    ("amx", "bf16", ("avx512f", "amx_tile", "amx_bf16", "amx_int8")),
    ("amx", "int8", ("avx512f", "amx_tile", "amx_bf16", "amx_int8")),
]


def has(features: tuple[str, ...]) -> bool:
    found = _native.cpu_info()["features"]
    return all(found[f] for f in features)


@pytest.mark.parametrize(
    ("isa", "dtype", "features"), PROBES, ids=[f"{p[0]}-{p[1]}" for p in PROBES]
)
def test_dot_probe_runs_only_where_present(isa: str, dtype: str, features: tuple[str, ...]) -> None:
    if not has(features):
        with pytest.raises(RuntimeError, match=r"not supported on this CPU|not compiled"):
            _native.probe_fma(isa, dtype, seconds=0.05)
        return
    rate = _native.probe_fma(isa, dtype, seconds=0.2)
    # One core: above a crawl, below ~4x the AMX int8 rate of any shipping core.
    assert 10.0 < rate < 40000.0, (isa, dtype, rate)


@pytest.mark.parametrize(
    ("isa", "dtype"), [("avx512_bf16", "f32"), ("avx512_vnni", "bf16"), ("amx", "f64")]
)
def test_dot_probe_rejects_other_dtypes(isa: str, dtype: str) -> None:
    with pytest.raises(ValueError, match="does not measure"):
        _native.probe_fma(isa, dtype)
