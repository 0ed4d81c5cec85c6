"""Provides the machine probes: FMA / dot-product peaks per dtype table entry, and bandwidth."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from sshapp import _native
from sshapp.kernels.cpu import cpu_info
from sshapp.kernels.dtypes import TABLE, Peak, dtype
from sshapp.kernels.errors import UnsupportedKernelError
from sshapp.kernels.threads import scaling_series, team_cores

log = logging.getLogger(__name__)

BANDWIDTH_BYTES = 288 * 2**20
"""Triad footprint: well beyond any current last-level cache (32 MiB on the dev host)."""

PROBES: tuple[tuple[str, Peak], ...] = tuple((row.name, p) for row in TABLE for p in row.peaks)
"""Every (dtype, probe) of the dtype table, table order."""


def peak_key(family: str, dtype_name: str) -> str | None:
    """Return the peak key ("<probe>.<dtype>") bounding kernels of ISA `family`.

    Returns:
        e.g. "avx512_bf16.bf16" for ("avx512", "bf16"); None when the family has no
        probe of its own for that dtype (ref, blas) or the dtype is unknown.
    """
    row = next((r for r in TABLE if r.name == dtype_name), None)
    own = row.peak_for(family) if row else None
    return f"{own.probe}.{dtype_name}" if own else None


def peak_of(fma: Mapping[str, float], family: str, dtype_name: str) -> float | None:
    """Return the measured ceiling of a kernel of ISA `family` and `dtype_name`.

    A family with a probe of its own is bounded by that probe (None if not measured
    here); one without (ref, blas) by the best measured peak of its dtype: "how far from
    what this core can do".
    """
    key = peak_key(family, dtype_name)
    if key is not None:
        return fma.get(key)
    same = [v for k, v in fma.items() if k.endswith(f".{dtype_name}")]
    return max(same) if same else None


@dataclass(frozen=True, slots=True)
class Peaks:
    """Measured ceilings of one core of this machine."""

    fma_gflops: dict[str, float]
    """"<probe>.<dtype>" (e.g. "avx2.f32", "amx.int8") -> GFLOP/s (GOP/s for int8);
    only probes this CPU supports and this build has."""
    bandwidth_gbs: float
    """STREAM-triad bandwidth of one core, GB/s."""
    team_gflops: dict[str, dict[int, float]] = field(default_factory=dict)
    """"<isa>.<dtype>" -> {threads: GFLOP/s of that many cores running the probe at once}
    for the counts of the scaling series above 1 (empty on one allowed core)."""

    def peak_for(self, kernel_id: str) -> float | None:
        """Return the peak that bounds a kernel ("avx2.packed_6x16.f32" -> "avx2.f32").

        Args:
            kernel_id: A kernel id `<isa>.<algorithm>.<dtype>`.

        Returns:
            The matching peak; for portable (ref) kernels the widest one measured of
            that dtype, the machine's ceiling; None if nothing matches.
        """
        isa, _, rest = kernel_id.partition(".")
        return peak_of(self.fma_gflops, isa, rest.rpartition(".")[2])


def _missing(peak: Peak) -> list[str]:
    features = cpu_info().features
    return [f for f in peak.features if not features.get(f)]


def supported_probes() -> tuple[tuple[str, str], ...]:
    """Return the (probe ISA, dtype) pairs whose features this CPU has (after masking)."""
    return tuple((p.probe, name) for name, p in PROBES if not _missing(p))


def _lookup(isa: str, dtype_name: str) -> Peak:
    if all(p.probe != isa for _, p in PROBES):
        known = ", ".join(dict.fromkeys(p.probe for _, p in PROBES))
        msg = f"unknown ISA {isa!r}; expected one of {known}"
        raise ValueError(msg)
    row = dtype(dtype_name)
    found = next((p for p in row.peaks if p.probe == isa), None)
    if found is None:
        msg = f"no {isa} probe for {dtype_name}; it has {', '.join(p.probe for p in row.peaks)}"
        raise ValueError(msg)
    return found


def measure_fma(
    isa: str, dtype: str, *, seconds: float = 0.1, pin_core: int = -1, threads: int = 1
) -> float:
    """Measure one ISA's FMA (or dot-product) throughput, on one core or on several at once.

    Args:
        isa: A probe ISA of the dtype table ("avx2", "avx512", "avx512_bf16", "amx"...).
        dtype: A dtype name ("f32", "bf16"...).
        seconds: Rough total CPU time of the five timed runs.
        pin_core: Core to pin the measuring thread to (-1: leave it; a team: the last).
        threads: Cores running the probe at the same time (each thread pinned).

    Returns:
        GFLOP/s (GOP/s for int8) of independent operations (the best of five runs, in
        thread CPU time); for a team, the sum of its threads' rates: N times the one-core
        figure when every core has its own units, less when they share one.

    Raises:
        ValueError: Unknown ISA or dtype, or no such probe for the dtype.
        ThreadsError: threads < 1 or above the allowed cores.
        UnsupportedKernelError: This CPU lacks the ISA (nothing was executed), or this
            build has no native probe for it.
    """
    peak = _lookup(isa, dtype)
    if not 0 < seconds <= 10:  # checked here so a native ValueError means "no such probe"
        msg = f"probe seconds must be in (0, 10], got {seconds}"
        raise ValueError(msg)
    missing = _missing(peak)
    if missing:
        msg = f"{isa} FMA probe cannot run here: this CPU lacks {', '.join(missing)}"
        raise UnsupportedKernelError(msg)
    if threads != 1:
        team_cores(pin_core, threads)
    try:
        return _native.probe_fma(isa, dtype, seconds=seconds, pin_core=pin_core, threads=threads)
    except (RuntimeError, ValueError) as exc:  # compiled without it, or not written yet
        msg = f"{isa} probe for {dtype} is not in this build: {exc}"
        raise UnsupportedKernelError(msg) from exc


def measure_bandwidth(*, nbytes: int = BANDWIDTH_BYTES, pin_core: int = -1) -> float:
    """Measure one core's memory bandwidth with a STREAM triad.

    Args:
        nbytes: Total size of the three arrays.
        pin_core: Core to pin the measuring thread to (-1: leave it).

    Returns:
        GB/s (the best of four passes; 24 bytes counted per element).
    """
    return _native.probe_bandwidth(bytes=nbytes, pin_core=pin_core)


def measure_cache_reads(
    l1: int, l2: int, l3: int, *, pin_core: int = -1
) -> dict[str, float | None]:
    """Measure how fast one core reads from each cache level (256-bit loads, 16 chains).

    Each buffer is half of its level and larger than the level below, so it stays there
    and misses the faster one; a level whose size is unknown stays None, and so do all
    of them on a CPU (or build) without AVX2.

    Args:
        l1, l2, l3: Cache sizes in bytes (0: unknown).
        pin_core: Core to pin the measuring thread to (-1: leave it).

    Returns:
        {"l1": GB/s, "l2": GB/s, "l3": GB/s}, None where not measured.
    """
    out: dict[str, float | None] = {"l1": None, "l2": None, "l3": None}
    below = 0
    for name, size in (("l1", l1), ("l2", l2), ("l3", l3)):
        nbytes = min(size // 2, 2**30)
        if size <= 0 or nbytes <= below or nbytes < 16 * 2**10:
            continue
        try:
            out[name] = _native.probe_read(bytes=nbytes, pin_core=pin_core)
        except RuntimeError as exc:  # no AVX2 here (nothing was executed)
            log.info("cache read probe skipped: %s", exc)
            return out
        below = size
    return out


def measure_peaks(pin_core: int = -1) -> Peaks:
    """Measure every supported ceiling of the dtype table, on one core and (for the dtypes
    the threaded driver runs) on the scaling series's teams, and the memory bandwidth
    (about 1-2 s, plus about 0.3 s per thread count above 1).

    A probe the CPU has but this build lacks (its native side not written or not
    compiled) is skipped, so its peak stays unknown.

    Args:
        pin_core: Core to pin the measuring thread to (-1: leave it; teams: the last).

    Returns:
        The peaks of this machine's supported ISAs and its bandwidth.
    """
    fma: dict[str, float] = {}
    for isa, name in supported_probes():
        try:
            fma[f"{isa}.{name}"] = measure_fma(isa, name, pin_core=pin_core)
        except UnsupportedKernelError as exc:
            log.info("skipping a peak: %s", exc)
    # Teams only for f32/f64 (inputs as wide as the accumulator): the bf16/int8 kernels
    # run on one thread, so a team ceiling of theirs would bound nothing.
    threaded = {row.name for row in TABLE if row.input == row.output}
    keys = [key for key in fma if key.rpartition(".")[2] in threaded]
    team: dict[str, dict[int, float]] = {}
    for threads in scaling_series()[1:]:
        for key in keys:
            isa, _, name = key.rpartition(".")
            # A third of the one-core budget: the per-thread rates settle as fast, and the
            # first run of a host waits for this.
            rate = measure_fma(isa, name, seconds=0.03, pin_core=pin_core, threads=threads)
            team.setdefault(key, {})[threads] = rate
    return Peaks(fma, measure_bandwidth(pin_core=pin_core), team)
