"""sshapp's native matmul kernels, CPU detection and timing."""

from collections.abc import Callable
from typing import Any

import numpy.typing as npt

def cpu_info() -> dict[str, Any]:
    """Return the CPU's vendor, brand, cache sizes and feature flags (after masking)."""

def amx_refusal_reason(err: int) -> str:
    """Return the one-line reason cpu_info()['amx_note'] gives when Linux refuses AMX tile permission with errno err (EINVAL, EOPNOTSUPP, EPERM, ENOSPC, else strerror)."""  # noqa: E501

def list_kernels() -> list[dict[str, Any]]:
    """Return every compiled kernel as a dict, in table (ladder) order, with the model's blocking on this CPU."""  # noqa: E501

def list_lessons() -> list[dict[str, str]]:
    """Return every kernel's lesson, table order: id, source (the kernel file under native/src), header (its opening comment) and loop (its marked inner loop)."""  # noqa: E501

def list_dtypes() -> list[dict[str, Any]]:
    """Return the element-type table: name, in_size and out_size (bytes of A/B and of C), in_format and out_format (buffer-protocol characters; bf16 crosses as uint16 bits)."""  # noqa: E501

def resolve_blocking(kernel_id: str, *, mc: int = 0, kc: int = 0, nc: int = 0) -> dict[str, int]:
    """Return the blocking kernel_id runs with: the model's, each of mc, kc, nc > 0 replacing its value. Raises ValueError (one line) for an invalid blocking."""  # noqa: E501

def narrow_blocking(
    kernel_id: str, *, mc: int, kc: int, nc: int, m: int, n: int, k: int, l2: int = 0
) -> dict[str, int]:
    """Return the blocks (mc, kc, nc: the base, validated) run at m×n×k after the model's narrow-B rule: the base itself unless the kc×n block of B fits L2 (l2 bytes, 0 = this CPU's) at a deeper KC."""  # noqa: E501

def blocking_model(kernel_id: str, *, l1: int = 0, l2: int = 0, l3: int = 0) -> dict[str, Any]:
    """Return the analytical model's blocking of kernel_id for caches l1, l2, l3 bytes (0 = this CPU's), with the shares of each level it fills and the sizes used; tile: whether the tile kernels' rule (A strip in L1, B block in L2) applies; dot: whether the dot-product kernels' shares (B micro-panel the size of L1, streamed from L2) do; a_bytes, b_bytes: bytes per packed element of A and B."""  # noqa: E501

def gemm(
    kernel_id: str,
    a: npt.NDArray[Any],
    b: npt.NDArray[Any],
    c: npt.NDArray[Any],
    *,
    mc: int = 0,
    kc: int = 0,
    nc: int = 0,
    threads: int = 1,
) -> None:
    """Compute c = a @ b with the kernel kernel_id (GIL released while it runs); mc, kc, nc > 0 replace the model's cache blocks (all 0: the model with its narrow-B rule for this shape); threads > 1 runs a packed kernel on a team pinned to the allowed cores."""  # noqa: E501

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
    on_sample: Callable[[int, float], bool | None] | None = None,
    mc: int = 0,
    kc: int = 0,
    nc: int = 0,
    threads: int = 1,
) -> dict[str, Any]:
    """Time kernel_id on m x n x k inputs; on_sample(index, seconds) after each sample (return False to stop); no call starts that would end after deadline_seconds of wall clock (0 = none), warm-up included; mc, kc, nc > 0 replace the model's cache blocks (all 0: the model with its narrow-B rule for m x n x k); threads > 1 runs a packed kernel on a pinned team (pin_core first). Returns samples (seconds per call), calls_per_sample, cancelled, timed_out, blocking."""  # noqa: E501

def probe_fma(
    isa: str, dtype: str, *, seconds: float = 0.1, pin_core: int = -1, threads: int = 1
) -> float:
    """Return the GFLOP/s of independent FMAs of isa ('avx2', 'avx512') on dtype ('f32', 'f64'), or of dot products: 'avx512_bf16' on 'bf16', 'avx512_vnni' on 'int8', 'amx' on 'bf16' or 'int8' (GOP/s for int8; 2 per multiply-add), best of five runs lasting about seconds of CPU time in total; threads > 1: the sum over that many pinned threads running it at once. Raises ValueError for a dtype the probe does not measure, RuntimeError if this CPU lacks the ISA (nothing is executed)."""  # noqa: E501

def probe_read(*, bytes: int, repeats: int = 5, pin_core: int = -1) -> float:
    """Return GB/s one core reads from a buffer of bytes (16 KiB .. 1 GiB: sized to stay in one cache level) with 256-bit loads, best of repeats. Raises ValueError for a bad size, RuntimeError without AVX2 (nothing is executed)."""  # noqa: E501

def probe_bandwidth(*, bytes: int = 301989888, repeats: int = 4, pin_core: int = -1) -> float:
    """Return single-core memory bandwidth in GB/s: a STREAM triad a = b + s*c over three arrays of bytes in total (24 bytes counted per element), best of repeats passes."""  # noqa: E501

def allowed_cores() -> list[int]:
    """Return the cores this process may run on (its affinity mask at import), ascending."""

def team_cores(first: int, threads: int) -> list[int]:
    """Return the cores a team of threads runs on: first (< 0: the last allowed core), then the other allowed cores ascending. Raises ValueError (one line) when threads < 1 or above the allowed count."""  # noqa: E501

def live_pool_threads() -> int:
    """Return how many team worker threads are alive in this process (0 between runs)."""
