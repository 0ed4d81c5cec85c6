"""Provides the words for "% of peak" and "× BLAS": which peak a run is held against, and
why a figure is missing (no Textual)."""

from __future__ import annotations

from sshapp.bench.service import BenchService
from sshapp.kernels import DTYPE_TABLE
from sshapp.kernels import dtype as dtype_row
from sshapp.kernels.probes import peak_key


def _cores(threads: int) -> str:
    return f"{threads}-core " if threads > 1 else ""


def held_against(
    service: BenchService, isa: str, dtype: str, threads: int = 1
) -> tuple[float, str] | None:
    """Return the peak a run is compared with and its name (None: none is measured).

    A kernel of an ISA with a probe of its own is held against that probe ("avx2
    peak"); ref and BLAS kernels, which have none, against the best peak of their dtype
    ("best f32 peak"). A run on N threads is held against the peak measured on N cores
    ("2-core avx2 peak"). Short: it shares an 80-column line with the live figures.
    """
    peak = service.peak_gflops(isa, dtype, threads)
    if not peak:
        return None
    if peak_key(isa, dtype) is not None:
        return peak, f"{_cores(threads)}{isa} peak"
    return peak, f"best {_cores(threads)}{dtype} peak"


def why_no_peak(service: BenchService, dtype: str, threads: int = 1) -> str:
    """Return why a run of `dtype` on `threads` threads has no "% of peak"."""
    measured = any(
        service.peak_gflops(p.family, row.name) for row in DTYPE_TABLE for p in row.peaks
    )
    if not measured:
        return "peak not measured yet"
    if threads > 1 and any(service.peak_gflops(p.family, dtype) for p in dtype_row(dtype).peaks):
        return f"no {threads}-core peak measured"
    return f"no {dtype} peak on this CPU"


def why_no_blas(dtype: str) -> str:
    """Return why a run of `dtype` has no "× BLAS"."""
    if not dtype_row(dtype).host_blas:
        return f"no host BLAS for {dtype}"
    return "BLAS not timed"
