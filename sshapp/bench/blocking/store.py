"""Provides the tune cache: measured blocking per kernel and the host's best kernels.

One JSON file, `tuning.json` in the state directory, keyed by `cpu_key()`: the CPU's
brand, family/model, usable features and cache sizes. A result measured on one CPU is
never applied on another (a different key, or the same brand with other caches or a
masked ISA, finds nothing), just as peaks are cached per host.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sshapp.bench.history.jsonfile import read_json, write_json
from sshapp.kernels import cpu_info


def cpu_key() -> str:
    """Return the cache key of this CPU: brand, family/model, features and caches."""
    cpu = cpu_info()
    feats = ",".join(sorted(n for n, ok in cpu.features.items() if ok))
    caches = ",".join(f"{name}={c['bytes']}/{c['ways']}" for name, c in sorted(cpu.caches.items()))
    ident = f"{cpu.brand}|{cpu.family}.{cpu.model}|{feats}|{caches}"
    return f"{cpu.brand} [{hashlib.sha256(ident.encode()).hexdigest()[:16]}]"


NOT_OPERATOR = "only SSHAPP_OPERATORS store hand-picked blocks; autotune (a) instead"
"""Why a user's hand-picked blocks were not stored."""


@dataclass(frozen=True, slots=True)
class Tuned:
    """The tuner's verdict for one kernel on this CPU."""

    kernel_id: str
    """The packed kernel."""
    mc: int
    """Winning MC."""
    kc: int
    """Winning KC."""
    nc: int
    """Winning NC."""
    gflops: float
    """GFLOP/s of the winner in the final head-to-head."""
    model_gflops: float
    """GFLOP/s of the model's blocking in the same head-to-head."""
    size: int
    """Square size tuned at."""
    measured_at: float = field(default_factory=time.time)
    """UNIX time of the measurement."""


@dataclass(frozen=True, slots=True)
class HostBest:
    """The fastest kernel per dtype and shape class, measured on this host."""

    choices: dict[str, dict[str, str]]
    """dtype -> shape class ("small", "large", "skinny") -> kernel id."""
    gflops: dict[str, dict[str, float]]
    """dtype -> shape class -> the winner's GFLOP/s (geometric mean over the class)."""
    measured_at: float = field(default_factory=time.time)
    """UNIX time of the measurement."""


class TuneCache:
    """The file `tuning.json` in the state directory (nothing is read at construction)."""

    def __init__(self, state_dir: Path) -> None:
        """Point at the cache file."""
        self.path = state_dir / "tuning.json"
        """The cache file."""

    def _entry(self, data: dict[str, Any]) -> dict[str, Any]:
        entry = data.get(cpu_key())
        return entry if isinstance(entry, dict) else {}

    def tuned(self, kernel_id: str) -> Tuned | None:
        """Return this CPU's tune result for a kernel (None if never tuned here)."""
        raw = self._entry(read_json(self.path)).get("blocking", {}).get(kernel_id)
        if not isinstance(raw, dict):
            return None
        try:
            return Tuned(**raw)
        except TypeError:
            return None

    def all_tuned(self) -> dict[str, Tuned]:
        """Return every tune result of this CPU, by kernel id."""
        raw = self._entry(read_json(self.path)).get("blocking", {})
        out: dict[str, Tuned] = {}
        for kernel_id in raw if isinstance(raw, dict) else {}:
            tuned = self.tuned(kernel_id)
            if tuned is not None:
                out[kernel_id] = tuned
        return out

    def store_tuned(self, tuned: Tuned) -> None:
        """Remember a tune result for this CPU (replacing an older one)."""
        data = read_json(self.path)
        entry = self._entry(data)
        entry.setdefault("blocking", {})[tuned.kernel_id] = asdict(tuned)
        data[cpu_key()] = entry
        write_json(self.path, data)

    def forget_tuned(self, kernel_id: str) -> None:
        """Drop this CPU's blocks of a kernel: it runs with the model's again."""
        data = read_json(self.path)
        entry = self._entry(data)
        if entry.get("blocking", {}).pop(kernel_id, None) is not None:
            data[cpu_key()] = entry
            write_json(self.path, data)

    def host_best(self) -> HostBest | None:
        """Return this CPU's measured best kernels (None if never measured here)."""
        raw = self._entry(read_json(self.path)).get("host_best")
        if not isinstance(raw, dict):
            return None
        try:
            return HostBest(**raw)
        except TypeError:
            return None

    def store_host_best(self, best: HostBest) -> None:
        """Remember this CPU's best kernels."""
        data = read_json(self.path)
        entry = self._entry(data)
        entry["host_best"] = asdict(best)
        data[cpu_key()] = entry
        write_json(self.path, data)

    def forget_host_best(self) -> None:
        """Drop this CPU's best kernels (the next `best` run measures them again)."""
        data = read_json(self.path)
        entry = self._entry(data)
        if entry.pop("host_best", None) is not None:
            data[cpu_key()] = entry
            write_json(self.path, data)
