"""Provides BenchSpec / RunSpec / BenchResult and the statistics of a run."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shape:
    """One product C[m×n] = A[m×k]·B[k×n]."""

    m: int
    """Rows of A and C."""
    n: int
    """Columns of B and C."""
    k: int
    """Inner dimension."""

    def __str__(self) -> str:
        if self.m == self.n == self.k:
            return str(self.m)
        return f"{self.m}x{self.n}x{self.k}"

    @property
    def flops(self) -> int:
        """Floating-point operations of one product (2·m·n·k)."""
        return 2 * self.m * self.n * self.k


@dataclass(frozen=True, slots=True)
class BenchSpec:
    """What a user asked for: kernels (ids or globs) × shapes, before expansion."""

    kernels: tuple[str, ...]
    """Kernel ids or globs ("avx2.*"), including BLAS rows such as "blas.numpy.f32"."""
    shapes: tuple[Shape, ...]
    """One shape, or the points of a sweep."""
    dtype: str | None = None
    """Keep only kernels of this dtype (None = whatever the kernels are)."""
    repeats: int = 5
    """Maximum samples per run."""
    budget_seconds: float | None = None
    """Stop a run after this much timed work (None = repeats only)."""
    warmup: int = 1
    """Untimed calls before the first sample."""
    threads: tuple[int, ...] = (1,)
    """Thread counts to run each kernel and shape on (more than one: a scaling series)."""


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One kernel at one shape: the unit the queue schedules and the history stores."""

    kernel_id: str
    """Concrete kernel id (no glob)."""
    dtype: str
    """The kernel's element type."""
    shape: Shape
    """The product's shape."""
    repeats: int = 5
    """Maximum samples."""
    budget_seconds: float | None = None
    """Timed-work budget (None = repeats only)."""
    warmup: int = 1
    """Untimed calls first."""
    threads: int = 1
    """Threads the kernel runs on (each pinned to its own allowed core)."""


def gflops(shape: Shape, seconds: float) -> float:
    """Return GFLOP/s of one product of `shape` that took `seconds`."""
    return shape.flops / seconds / 1e9 if seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Stats:
    """Summary of a run's samples (seconds per call)."""

    best_seconds: float
    """Fastest sample."""
    median_seconds: float
    """Median sample."""
    spread: float
    """(slowest - fastest) / fastest: how noisy the run was."""

    @classmethod
    def of(cls, samples: tuple[float, ...]) -> Stats:
        """Summarise non-empty samples.

        Raises:
            ValueError: No samples.
        """
        if not samples:
            msg = "a run needs at least one sample"
            raise ValueError(msg)
        best = min(samples)
        return cls(
            best_seconds=best,
            median_seconds=statistics.median(samples),
            spread=(max(samples) - best) / best if best > 0 else 0.0,
        )


@dataclass(frozen=True, slots=True)
class BenchResult:
    """A finished, checked run."""

    run: RunSpec
    """What ran."""
    samples: tuple[float, ...]
    """Seconds per call, in order."""
    stats: Stats
    """Best / median / spread."""
    best_gflops: float
    """GFLOP/s of the best sample."""
    median_gflops: float
    """GFLOP/s of the median sample."""
    peak_fraction: float | None
    """best_gflops / measured peak of the kernel's ISA and dtype (None if unknown)."""
    blas_ratio: float | None
    """best_gflops / host BLAS best GFLOP/s at this shape (None if not measured)."""
    check_error: float
    """Relative error of the correctness check."""
    check_ok: bool
    """Whether the result is correct within tolerance."""
