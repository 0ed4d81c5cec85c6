"""Provides this host's measured FMA peaks and bandwidth, measured once and cached on disk.

The measurement itself is `sshapp.kernels.probes.measure_peaks()`; when it fails, peaks
stay unknown (None) and "% of peak" is simply not shown.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sshapp.bench.history.jsonfile import read_json, write_json
from sshapp.kernels import allowed_cores, cpu_info, probes

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HostPeaks:
    """Cached measurement of one host."""

    fma_gflops: dict[str, float]
    """Peak GFLOP/s per "<probe>.<dtype>" (e.g. "avx2.f32", "amx.bf16"), for probes this
    CPU supports."""
    bandwidth_gbs: float | None
    """Single-core memory bandwidth in GB/s (None if not measured)."""
    team_gflops: dict[str, dict[int, float]] = field(default_factory=dict)
    """Peak GFLOP/s per "isa.dtype" of N cores running the probe at once, by N > 1."""

    def peak(self, isa: str, dtype: str, threads: int = 1) -> float | None:
        """Return the peak for a kernel's ISA family and dtype on `threads` cores at once
        (the dtype table says which probe).

        Kernels of an ISA without its own probe (ref, blas) are compared with the best
        peak of their dtype on this host: "how far from what this core can do". A team
        is compared with the measured team peak (None if that count was not measured:
        N times one core would assume what the probe is there to find out).
        """
        table = (
            self.fma_gflops
            if threads == 1
            else {k: v[threads] for k, v in self.team_gflops.items() if threads in v}
        )
        return probes.peak_of(table, isa, dtype)


def host_key() -> str:
    """Return the cache key of this host: CPU brand and usable features."""
    cpu = cpu_info()
    feats = ",".join(sorted(n for n, ok in cpu.features.items() if ok))
    digest = hashlib.sha256(f"{cpu.brand}|{feats}".encode()).hexdigest()[:16]
    return f"{cpu.brand} [{digest}]"


class PeakCache:
    """The JSON file `peaks.json` in the state directory, keyed by `host_key()`."""

    def __init__(self, state_dir: Path) -> None:
        """Point at the cache (nothing is read yet)."""
        self.path = state_dir / "peaks.json"
        """The cache file."""

    def _read_all(self) -> dict[str, Any]:
        return read_json(self.path)

    def load(self) -> HostPeaks | None:
        """Return this host's cached peaks (None if never measured here)."""
        entry = self._read_all().get(host_key())
        if not isinstance(entry, dict):
            return None
        if "team_gflops" not in entry and len(allowed_cores()) > 1:
            return None  # measured before teams existed: measure again, teams included
        try:
            fma = {str(k): float(v) for k, v in entry["fma_gflops"].items()}
            bw = entry.get("bandwidth_gbs")
            team = {
                str(key): {int(n): float(v) for n, v in by_n.items()}
                for key, by_n in entry.get("team_gflops", {}).items()
            }
            return HostPeaks(fma, None if bw is None else float(bw), team)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def raise_peak(self, isa: str, dtype: str, gflops: float, threads: int = 1) -> None:
        """Raise the peak a kernel of `isa` and `dtype` on `threads` is compared with."""
        cached = self.load()
        if cached is None:
            return
        if threads != 1:
            team = {k: dict(v) for k, v in cached.team_gflops.items()}
            key = probes.peak_key(isa, dtype)
            if key is not None and threads in team.get(key, {}):
                team[key][threads] = max(team[key][threads], gflops)
                self.store(HostPeaks(cached.fma_gflops, cached.bandwidth_gbs, team))
            return
        fma = dict(cached.fma_gflops)
        key = probes.peak_key(isa, dtype)
        if key is None:  # ref / blas rows: the dtype's best peak is the one compared
            same = [k for k in fma if k.endswith(f".{dtype}")]
            if not same:
                return
            key = max(same, key=fma.__getitem__)
        elif key not in fma:
            return
        fma[key] = max(fma[key], gflops)
        self.store(HostPeaks(fma, cached.bandwidth_gbs, cached.team_gflops))

    def forget(self) -> None:
        """Remove this host's entry (other hosts' entries stay)."""
        data = self._read_all()
        if data.pop(host_key(), None) is not None:
            self._write_all(data)

    def store(self, peaks: HostPeaks) -> None:
        """Write this host's peaks (atomically: a reader never sees half a file)."""
        data = self._read_all()
        data[host_key()] = {
            "fma_gflops": peaks.fma_gflops,
            "bandwidth_gbs": peaks.bandwidth_gbs,
            "team_gflops": {
                k: {str(n): v for n, v in by_n.items()} for k, by_n in peaks.team_gflops.items()
            },
        }
        self._write_all(data)

    def _write_all(self, data: dict[str, Any]) -> None:
        write_json(self.path, data)


def measure() -> HostPeaks | None:
    """Measure this host's peaks (~1-2 s; call it while holding the host queue).

    Returns:
        The peaks, or None when the probe fails.
    """
    try:
        raw = probes.measure_peaks()
        return HostPeaks(
            {str(k): float(v) for k, v in raw.fma_gflops.items()},
            float(raw.bandwidth_gbs),
            {k: dict(v) for k, v in raw.team_gflops.items()},
        )
    except Exception:
        log.warning("measuring peaks failed; peaks stay unknown", exc_info=True)
        return None
