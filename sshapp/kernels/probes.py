"""Provides the machine probes: FMA peak per ISA and single-core memory bandwidth."""

from __future__ import annotations

from dataclasses import dataclass, field

from sshapp import _native
from sshapp.kernels.cpu import cpu_info
from sshapp.kernels.errors import UnsupportedKernelError
from sshapp.kernels.threads import scaling_series, team_cores

PROBE_ISAS: dict[str, tuple[str, ...]] = {
    "avx2": ("avx2", "fma"),
    "avx512": ("avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"),
}
"""ISA name -> CPU features its FMA probe needs."""

PROBE_DTYPES = ("f32", "f64")
"""Element types each FMA probe measures."""

BANDWIDTH_BYTES = 288 * 2**20
"""Triad footprint: well beyond any current last-level cache (32 MiB on the dev host)."""


@dataclass(frozen=True, slots=True)
class Peaks:
    """Measured ceilings of one core of this machine."""

    fma_gflops: dict[str, float]
    """"<isa>.<dtype>" (e.g. "avx2.f32") -> GFLOP/s; only ISAs this CPU supports."""
    bandwidth_gbs: float
    """STREAM-triad bandwidth of one core, GB/s."""
    team_gflops: dict[str, dict[int, float]] = field(default_factory=dict)
    """"<isa>.<dtype>" -> {threads: GFLOP/s of that many cores running the probe at once}
    for the counts of the scaling series above 1 (empty on one allowed core)."""

    def peak_for(self, kernel_id: str) -> float | None:
        """Return the FMA peak that bounds a kernel ("avx2.packed_6x16.f32" -> "avx2.f32").

        Args:
            kernel_id: A kernel id `<isa>.<algorithm>.<dtype>`.

        Returns:
            The matching peak in GFLOP/s; for portable (ref) kernels the widest one
            measured of that dtype, the machine's ceiling; None if nothing matches.
        """
        isa, _, rest = kernel_id.partition(".")
        dtype = rest.rpartition(".")[2]
        if f"{isa}.{dtype}" in self.fma_gflops:
            return self.fma_gflops[f"{isa}.{dtype}"]
        same_dtype = [v for k, v in self.fma_gflops.items() if k.endswith(f".{dtype}")]
        return max(same_dtype) if same_dtype and isa == "ref" else None


def supported_isas() -> tuple[str, ...]:
    """Return the ISAs whose FMA probe may run on this CPU (after SSHAPP_DISABLE_ISA)."""
    features = cpu_info().features
    return tuple(isa for isa, needs in PROBE_ISAS.items() if all(features.get(f) for f in needs))


def measure_fma(
    isa: str, dtype: str, *, seconds: float = 0.1, pin_core: int = -1, threads: int = 1
) -> float:
    """Measure one ISA's FMA throughput, on one core or on several at once.

    Args:
        isa: "avx2" or "avx512".
        dtype: "f32" or "f64".
        seconds: Rough total CPU time of the five timed runs.
        pin_core: Core to pin the measuring thread to (-1: leave it; a team: the last).
        threads: Cores running the probe at the same time (each thread pinned).

    Returns:
        GFLOP/s of independent FMAs (the best of five runs, in thread CPU time); for a
        team, the sum of its threads' rates: N times the one-core figure when every
        core has its own units, less when they share one.

    Raises:
        ValueError: Unknown ISA or dtype.
        ThreadsError: threads < 1 or above the allowed cores.
        UnsupportedKernelError: This CPU lacks the ISA (nothing was executed).
    """
    if isa not in PROBE_ISAS:
        msg = f"unknown ISA {isa!r}; expected one of {', '.join(PROBE_ISAS)}"
        raise ValueError(msg)
    if dtype not in PROBE_DTYPES:
        msg = f"unknown dtype {dtype!r}; expected f32 or f64"
        raise ValueError(msg)
    if isa not in supported_isas():
        missing = [f for f in PROBE_ISAS[isa] if not cpu_info().features.get(f)]
        msg = f"{isa} FMA probe cannot run here: this CPU lacks {', '.join(missing)}"
        raise UnsupportedKernelError(msg)
    if threads != 1:
        team_cores(pin_core, threads)
    try:
        return _native.probe_fma(isa, dtype, seconds=seconds, pin_core=pin_core, threads=threads)
    except RuntimeError as exc:  # compiled without this ISA
        raise UnsupportedKernelError(str(exc)) from exc


def measure_bandwidth(*, nbytes: int = BANDWIDTH_BYTES, pin_core: int = -1) -> float:
    """Measure one core's memory bandwidth with a STREAM triad.

    Args:
        nbytes: Total size of the three arrays.
        pin_core: Core to pin the measuring thread to (-1: leave it).

    Returns:
        GB/s (the best of four passes; 24 bytes counted per element).
    """
    return _native.probe_bandwidth(bytes=nbytes, pin_core=pin_core)


def measure_peaks(pin_core: int = -1) -> Peaks:
    """Measure every supported FMA ceiling, on one core and on the scaling series's teams,
    and the memory bandwidth (about 1 s per thread count).

    Args:
        pin_core: Core to pin the measuring thread to (-1: leave it; teams: the last).

    Returns:
        The peaks of this machine's supported ISAs and its bandwidth.
    """
    keys = [(isa, dtype) for isa in supported_isas() for dtype in PROBE_DTYPES]
    fma = {f"{i}.{d}": measure_fma(i, d, pin_core=pin_core) for i, d in keys}
    team: dict[str, dict[int, float]] = {}
    for threads in scaling_series()[1:]:
        for isa, dtype in keys:
            # A third of the one-core budget: the per-thread rates settle as fast, and the
            # first run of a host waits for this.
            rate = measure_fma(isa, dtype, seconds=0.03, pin_core=pin_core, threads=threads)
            team.setdefault(f"{isa}.{dtype}", {})[threads] = rate
    return Peaks(fma, measure_bandwidth(pin_core=pin_core), team)
