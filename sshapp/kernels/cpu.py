"""Provides a typed view of the native CPU detection."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

from sshapp import _native

FAMILIES = {
    "avx512": ("avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16"),
    "amx": ("amx_tile", "amx_bf16", "amx_int8"),
}
"""Group names SSHAPP_DISABLE_ISA accepts besides single feature names."""


@dataclass(frozen=True, slots=True)
class CpuInfo:
    """What the CPU is and which features kernels may use."""

    vendor: str
    """CPUID vendor string, e.g. GenuineIntel."""
    brand: str
    """CPUID brand string, e.g. Intel(R) Xeon(R) Platinum 8480+."""
    l1d_bytes: int
    """L1 data cache per core (0 if unknown)."""
    l2_bytes: int
    """L2 cache (0 if unknown)."""
    l3_bytes: int
    """L3 cache (0 if unknown)."""
    features: dict[str, bool]
    """Feature name -> usable (detected and not masked)."""
    detected: dict[str, bool]
    """Feature name -> reported by CPUID and enabled by the OS."""
    amx_note: str
    """Why AMX is absent although CPUID lists it, or that its permission was not asked for
    because SSHAPP_DISABLE_ISA masks it ("" otherwise)."""
    unknown_disable_names: tuple[str, ...]
    """Names in SSHAPP_DISABLE_ISA that match no feature."""
    family: int = 0
    """CPUID display family (e.g. 25 for AMD Zen 3 / Zen 4, 6 for Intel cores)."""
    model: int = 0
    """CPUID display model (e.g. 17 for Zen 4 EPYC)."""
    caches: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per level ("l1d", "l2", "l3"): bytes, ways (associativity) and line size."""
    cache_source: str = ""
    """Where the cache sizes came from: "cpuid 4", "cpuid 0x8000001d", "sysfs", "sysconf"."""
    allowed_cores: tuple[int, ...] = ()
    """Cores this process may run on (its affinity mask at start): the most threads a
    run may ask for."""

    @property
    def masked(self) -> tuple[str, ...]:
        """Features present on the CPU but disabled by SSHAPP_DISABLE_ISA."""
        return tuple(n for n, d in self.detected.items() if d and not self.features[n])

    def state(self, name: str) -> str:
        """Return "present", "masked" or "absent" for one feature."""
        if self.features.get(name):
            return "present"
        return "masked" if self.detected.get(name) else "absent"


@cache
def cpu_info() -> CpuInfo:
    """Return the CPU description (detected once per process).

    Returns:
        The CPU's identity, caches and feature flags after SSHAPP_DISABLE_ISA.
    """
    raw = _native.cpu_info()
    return CpuInfo(
        vendor=raw["vendor"],
        brand=raw["brand"] or raw["vendor"],
        l1d_bytes=raw["l1d_bytes"],
        l2_bytes=raw["l2_bytes"],
        l3_bytes=raw["l3_bytes"],
        family=raw["family"],
        model=raw["model"],
        caches={name: dict(level) for name, level in raw["caches"].items()},
        cache_source=raw["cache_source"],
        features=dict(raw["features"]),
        detected=dict(raw["detected"]),
        amx_note=raw["amx_note"],
        unknown_disable_names=tuple(raw["unknown_disable_names"]),
        allowed_cores=tuple(_native.allowed_cores()),
    )


def disabled_isa() -> str:
    """Return the SSHAPP_DISABLE_ISA value this process was started with ("" if unset)."""
    return os.environ.get("SSHAPP_DISABLE_ISA", "")
