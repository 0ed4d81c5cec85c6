"""Provides the matmul kernels: the only door into sshapp._native."""

from __future__ import annotations

from sshapp.kernels.blocking import BlockingError, ModelReport
from sshapp.kernels.blocking import model as blocking_model
from sshapp.kernels.blocking import narrow as narrow_blocking
from sshapp.kernels.blocking import resolve as resolve_blocking
from sshapp.kernels.check import CheckResult, check_overhead_bytes, check_product, tolerance
from sshapp.kernels.cpu import CpuInfo, cpu_info
from sshapp.kernels.dtypes import TABLE as DTYPE_TABLE
from sshapp.kernels.dtypes import DType, dtype
from sshapp.kernels.errors import SizeLimitError, UnknownKernelError, UnsupportedKernelError
from sshapp.kernels.gemm import Timing, check_size, footprint_bytes, gemm, time_kernel
from sshapp.kernels.lessons import LessonSource, lesson_ids, lesson_source
from sshapp.kernels.probes import (
    Peaks,
    measure_bandwidth,
    measure_cache_reads,
    measure_fma,
    measure_peaks,
)
from sshapp.kernels.registry import (
    DTYPES,
    Blocking,
    KernelInfo,
    get,
    ladder_top,
    list_kernels,
    require_supported,
    select,
)
from sshapp.kernels.threads import (
    ThreadsError,
    allowed_cores,
    check_threads,
    live_pool_threads,
    scaling_series,
    team_cores,
)

__all__ = [
    "DTYPES",
    "DTYPE_TABLE",
    "Blocking",
    "BlockingError",
    "CheckResult",
    "CpuInfo",
    "DType",
    "KernelInfo",
    "LessonSource",
    "ModelReport",
    "Peaks",
    "SizeLimitError",
    "ThreadsError",
    "Timing",
    "UnknownKernelError",
    "UnsupportedKernelError",
    "allowed_cores",
    "blocking_model",
    "check_overhead_bytes",
    "check_product",
    "check_size",
    "check_threads",
    "cpu_info",
    "dtype",
    "footprint_bytes",
    "gemm",
    "get",
    "ladder_top",
    "lesson_ids",
    "lesson_source",
    "list_kernels",
    "live_pool_threads",
    "measure_bandwidth",
    "measure_cache_reads",
    "measure_fma",
    "measure_peaks",
    "narrow_blocking",
    "require_supported",
    "resolve_blocking",
    "scaling_series",
    "select",
    "team_cores",
    "time_kernel",
    "tolerance",
]
