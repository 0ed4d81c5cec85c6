"""CPU detection and SSHAPP_DISABLE_ISA, checked in fresh processes."""

from __future__ import annotations

import pytest

from sshapp import kernels
from tests.masked import run_json

PROBE = """
import json
from sshapp import kernels
cpu = kernels.cpu_info()
print(json.dumps({
    "features": cpu.features,
    "masked": list(cpu.masked),
    "unknown": list(cpu.unknown_disable_names),
    "best": {dt: kernels.ladder_top(dt).id for dt in kernels.DTYPES},
    "unsupported": {k.id: k.reason for k in kernels.list_kernels() if not k.supported},
}))
"""


def probe(disable: str | None) -> dict[str, object]:
    return run_json(PROBE, disable)


def expected_best(dt: str, usable: dict[str, bool]) -> str:
    for info in kernels.list_kernels():
        if info.dtype == dt and all(usable[f] for f in info.requires):
            return info.id
    raise AssertionError(dt)


def test_cpu_identity_is_reported() -> None:
    cpu = kernels.cpu_info()
    assert cpu.vendor
    assert cpu.features["sse2"]
    for name, usable in cpu.features.items():
        assert not usable or cpu.detected[name]
        assert cpu.state(name) in {"present", "masked", "absent"}


def test_avx2_implies_fma_and_avx() -> None:
    cpu = kernels.cpu_info()
    if cpu.detected["avx2"]:
        assert cpu.detected["avx"]


@pytest.mark.parametrize("disable", ["avx512", "avx2,avx512,amx", "AVX512, amx"])
def test_disable_isa_falls_back(disable: str) -> None:
    result = probe(disable)
    features = result["features"]
    assert isinstance(features, dict)
    lowered = disable.lower()
    for name in ("avx512f", "avx512bw"):
        assert not features[name]
    # AMX is its own family: masked only when named (its kernels need AVX-512 too, so
    # they are unsupported either way, which the best-kernel checks below show).
    assert not features["amx_tile"] or "amx" not in lowered
    if "avx2" in lowered:
        assert not features["avx2"]
        # Without any SIMD the portable kernels are best; each dtype has its own.
        assert result["best"] == {
            dt: next(k.id for k in kernels.list_kernels() if k.dtype == dt and not k.requires)
            for dt in kernels.DTYPES
        }
    best = result["best"]
    assert isinstance(best, dict)
    for dt in kernels.DTYPES:
        assert best[dt] == expected_best(dt, features)
        assert not best[dt].startswith(("avx512", "amx"))
    unsupported = result["unsupported"]
    assert isinstance(unsupported, dict)
    for kid, reason in unsupported.items():
        assert reason, kid
        if kid.startswith("avx512") and kernels.cpu_info().detected["avx512f"]:
            assert "disabled by SSHAPP_DISABLE_ISA" in reason


def test_disable_isa_reports_unknown_names() -> None:
    result = probe("avx9000")
    assert result["unknown"] == ["avx9000"]


def test_no_mask_means_detected_features() -> None:
    result = probe(None)
    assert result["masked"] == []
    assert result["features"] == kernels.cpu_info().detected
