"""Provides checked calls into the native kernels: one product, or a timed run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sshapp import _native
from sshapp.config import GIB
from sshapp.kernels.blocking import resolve
from sshapp.kernels.dtypes import Array, dtype
from sshapp.kernels.errors import SizeLimitError
from sshapp.kernels.registry import Blocking, require_supported
from sshapp.kernels.threads import check_threads

SampleCallback = Callable[[int, float], bool | None]
"""Called as on_sample(index, seconds_per_call); return False to stop the run."""

C_INT_MAX = 2**31 - 1
"""Largest count the extension accepts (a C int)."""


@dataclass(frozen=True, slots=True)
class Timing:
    """Result of timing one kernel at one shape."""

    kernel_id: str
    """The kernel that ran."""
    m: int
    """Rows of A and C."""
    n: int
    """Columns of B and C."""
    k: int
    """Columns of A, rows of B."""
    samples: tuple[float, ...]
    """Seconds per call, one per repetition, in order."""
    calls_per_sample: int
    """How many calls each sample averaged (small sizes repeat the call)."""
    cancelled: bool
    """True when on_sample stopped the run early."""
    blocking: Blocking
    """The register and cache blocks the kernel ran with."""
    timed_out: bool = False
    """True when the deadline stopped the run before its repeats or budget were done."""
    threads: int = 1
    """Threads the kernel ran on."""


def footprint_bytes(m: int, n: int, k: int, dtype_name: str) -> int:
    """Return the bytes of A, B and C for one m×n×k product (C in the output type)."""
    return dtype(dtype_name).footprint(m, n, k)


def check_size(m: int, n: int, k: int, dtype_name: str, max_bytes: int = GIB) -> None:
    """Check one product's shape and memory footprint.

    Raises:
        ValueError: A size is below 1.
        SizeLimitError: A, B and C together exceed max_bytes.
    """
    for name, value in (("m", m), ("n", n), ("k", k)):
        if value < 1:
            msg = f"{name} must be >= 1, got {value}"
            raise ValueError(msg)
    need = footprint_bytes(m, n, k, dtype_name)
    if need > max_bytes:
        msg = (
            f"{m}x{n}x{k} {dtype_name} needs {(need + 2**19) >> 20:,} MiB for A, B and C; "
            f"the limit is {(max_bytes + 2**19) >> 20:,} MiB"
        )
        raise SizeLimitError(msg)


def _blocks(kernel_id: str, blocking: Blocking | None) -> dict[str, int]:
    """Return the mc, kc, nc keywords of a native call (0 = the model's value).

    Raises:
        BlockingError: The blocking is invalid for this kernel.
    """
    if blocking is None:
        return {"mc": 0, "kc": 0, "nc": 0}
    blocks = {"mc": blocking.MC, "kc": blocking.KC, "nc": blocking.NC}
    resolve(kernel_id, **blocks)
    return blocks


def gemm(
    kernel_id: str,
    a: Array,
    b: Array,
    *,
    blocking: Blocking | None = None,
    max_bytes: int = GIB,
    threads: int = 1,
) -> Array:
    """Return a @ b computed by one native kernel.

    Args:
        kernel_id: Kernel to use.
        a: m×k matrix, C-contiguous, of the kernel dtype's input type (bf16:
            `ml_dtypes.bfloat16`).
        b: k×n matrix, C-contiguous, same type.
        blocking: Cache blocks MC, KC, NC to run with (None = the model's, with its
            narrow-B rule for this shape).
        max_bytes: Limit on the A+B+C footprint.
        threads: Threads of the packed driver's team (1 = the calling thread only).

    Returns:
        C (m×n) in the dtype's output type (f32 for bf16, int32 for int8).

    Raises:
        UnknownKernelError: No such kernel.
        UnsupportedKernelError: The CPU cannot run it.
        ThreadsError: A thread count this kernel or process cannot run.
        TypeError: Wrong dtype.
        ValueError: Wrong shape or layout, or a size below 1.
        BlockingError: The blocking is invalid for this kernel.
        SizeLimitError: Over max_bytes.
    """
    info = require_supported(kernel_id)
    row = dtype(info.dtype)
    want = row.input
    for name, x in (("a", a), ("b", b)):
        if not isinstance(x, np.ndarray):
            msg = f"{name} must be a numpy array, got {type(x).__name__}"
            raise TypeError(msg)
        if x.dtype != want:
            msg = f"{name} has dtype {x.dtype}, kernel {kernel_id} ({row.name}) needs {want}"
            raise TypeError(msg)
        if x.ndim != 2:
            msg = f"{name} must be 2-D, got {x.ndim}-D"
            raise ValueError(msg)
        if not x.flags.c_contiguous:
            msg = f"{name} must be C-contiguous (row-major); use np.ascontiguousarray"
            raise ValueError(msg)
    (m, k), (k2, n) = a.shape, b.shape
    if k != k2:
        msg = f"shape mismatch: a is {m}x{k} but b is {k2}x{n}"
        raise ValueError(msg)
    check_size(m, n, k, info.dtype, max_bytes)
    check_threads(kernel_id, threads)
    c = np.empty((m, n), dtype=row.output)
    _native.gemm(
        kernel_id,
        a.view(row.native_input),
        b.view(row.native_input),
        c,
        threads=threads,
        **_blocks(kernel_id, blocking),
    )
    return c


def time_kernel(
    kernel_id: str,
    m: int,
    n: int,
    k: int,
    *,
    warmup: int = 1,
    repeats: int = 5,
    budget_seconds: float = 0.0,
    pin_core: int = -1,
    min_sample_seconds: float = 2e-3,
    deadline_seconds: float = 0.0,
    on_sample: SampleCallback | None = None,
    blocking: Blocking | None = None,
    max_bytes: int = GIB,
    threads: int = 1,
) -> Timing:
    """Time one kernel on random inputs allocated once in C++.

    Args:
        kernel_id: Kernel to time.
        m: Rows of A and C.
        n: Columns of B and C.
        k: Inner dimension.
        warmup: Untimed calls first.
        repeats: Maximum number of samples.
        budget_seconds: Stop once this much time was measured (0 = no budget).
        pin_core: Pin the timing thread to this core (-1 = do not pin).
        min_sample_seconds: Repeat fast calls until a sample lasts this long.
        deadline_seconds: Wall-clock limit of the whole call, warm-up included; no call
            starts that would end after it (0 = none).
        on_sample: Called after each sample, outside the timed region.
        blocking: Cache blocks MC, KC, NC to run with (None = the model's, with its
            narrow-B rule for this shape).
        max_bytes: Limit on the A+B+C footprint.
        threads: Threads of a pinned team (pin_core first, then the other allowed cores);
            created before the first call, joined before this returns.

    Raises:
        UnknownKernelError: No such kernel.
        UnsupportedKernelError: The CPU cannot run it.
        ThreadsError: A thread count this kernel or process cannot run.
        BlockingError: The blocking is invalid for this kernel.
        ValueError: Bad sizes or options.
        SizeLimitError: Over max_bytes.
    """
    info = require_supported(kernel_id)
    check_size(m, n, k, info.dtype, max_bytes)
    if not (1 <= repeats <= C_INT_MAX and 0 <= warmup <= C_INT_MAX):
        msg = f"repeats must be 1..{C_INT_MAX} and warmup 0..{C_INT_MAX}"
        raise ValueError(msg)
    check_threads(kernel_id, threads)
    raw = _native.time_kernel(
        kernel_id,
        m,
        n,
        k,
        warmup=warmup,
        repeats=repeats,
        budget_seconds=budget_seconds,
        pin_core=pin_core,
        min_sample_seconds=min_sample_seconds,
        deadline_seconds=deadline_seconds,
        on_sample=on_sample,
        threads=threads,
        **_blocks(kernel_id, blocking),
    )
    return Timing(
        kernel_id=kernel_id,
        m=m,
        n=n,
        k=k,
        samples=tuple(raw["samples"]),
        calls_per_sample=raw["calls_per_sample"],
        cancelled=raw["cancelled"],
        blocking=Blocking(**raw["blocking"]),
        timed_out=raw["timed_out"],
        threads=threads,
    )
