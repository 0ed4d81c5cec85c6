"""Provides BenchSpec / RunSpec / BenchResult and the statistics of a run."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

BEST = "best"
"""Kernel name that means "this host's measured best for the dtype and shape"."""

BLOCKING_MODES = ("auto", "model")
"""Where a packed kernel's cache blocks come from: "auto" = tuned on this host if a
tune result is cached, else the model; "model" = the analytical model."""


@dataclass(frozen=True, slots=True)
class RunBlocking:
    """The cache blocks one run of a packed kernel uses, and where they came from."""

    mc: int
    """Rows of A per L2 block."""
    kc: int
    """Depth of one packed panel (L1)."""
    nc: int
    """Columns of B per L3 block."""
    source: str
    """"model", "tuned", "narrow" (the model's narrow-B rule for this shape, over the
    model or tuned blocks) or "given" (explicit --mc/--kc/--nc, on top of the others)."""

    def __str__(self) -> str:
        return f"MC={self.mc} KC={self.kc} NC={self.nc} ({self.source})"


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
    mc: int = 0
    """Explicit MC for packed kernels (0 = from the blocking mode)."""
    kc: int = 0
    """Explicit KC for packed kernels (0 = from the blocking mode)."""
    nc: int = 0
    """Explicit NC for packed kernels (0 = from the blocking mode)."""
    blocking: str = "auto"
    """Blocking mode, one of BLOCKING_MODES."""
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
    blocking: RunBlocking | None = None
    """Cache blocks of a packed kernel (None: the kernel does not pack, or "best" not
    yet resolved)."""
    blocking_mode: str = "auto"
    """For kernel "best", resolved when it starts: the blocking mode to apply."""
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
    notice: str = ""
    """One line about the check when it needed more than one product ("" otherwise): an
    AMX product right only on its re-run, or rejected and computed by AVX-512 instead."""
