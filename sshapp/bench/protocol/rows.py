"""Provides the rows front ends show: kernel rows and stored history entries."""

from __future__ import annotations

from dataclasses import dataclass

from sshapp.bench.protocol.spec import BenchResult


@dataclass(frozen=True, slots=True)
class KernelRow:
    """One selectable kernel as front ends show it (native kernels and BLAS rows)."""

    id: str
    """Stable id, e.g. "avx2.packed_6x16.f32" or "blas.numpy.f32"."""
    isa: str
    """First part of the id: ref, avx2, avx512, blas..."""
    dtype: str
    """Element type."""
    summary: str
    """One line: what this step adds."""
    blocking: str
    """Register and cache blocking as text ("6x16 MC=.. KC=.. NC=..", or "-")."""
    supported: bool
    """Whether it can run on this host."""
    reason: str
    """Why not, when unsupported."""
    ladder_step: bool = True
    """Whether it is a step of its dtype's ladder (False: a side path such as
    avx2.skinny.*, or a BLAS reference row)."""
    host_best: tuple[str, ...] = ()
    """Shape classes ("small", "large", "skinny") this kernel is the host's measured
    best of, for its dtype (empty: it is not, or nothing was measured yet)."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One finished run as stored in the history database."""

    result: BenchResult
    """The run and its statistics."""
    user: str
    """SSH user (or local user) who ran it."""
    finished_at: float
    """UNIX time the run finished."""
    cpu: str
    """CPU brand string of the host that ran it."""
