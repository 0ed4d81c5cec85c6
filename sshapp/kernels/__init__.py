"""Provides the matmul kernels: the only door into sshapp._native."""

from __future__ import annotations

from sshapp.kernels.check import CheckResult, check_product, tolerance
from sshapp.kernels.cpu import CpuInfo, cpu_info
from sshapp.kernels.dtypes import TABLE as DTYPE_TABLE
from sshapp.kernels.dtypes import DType, dtype
from sshapp.kernels.errors import SizeLimitError, UnknownKernelError, UnsupportedKernelError
from sshapp.kernels.gemm import Timing, check_size, footprint_bytes, gemm, time_kernel
from sshapp.kernels.probes import Peaks, measure_bandwidth, measure_fma, measure_peaks
from sshapp.kernels.registry import (
    DTYPES,
    Blocking,
    KernelInfo,
    best,
    get,
    list_kernels,
    require_supported,
    select,
)

__all__ = [
    "DTYPES",
    "DTYPE_TABLE",
    "Blocking",
    "CheckResult",
    "CpuInfo",
    "DType",
    "KernelInfo",
    "Peaks",
    "SizeLimitError",
    "Timing",
    "UnknownKernelError",
    "UnsupportedKernelError",
    "best",
    "check_product",
    "check_size",
    "cpu_info",
    "dtype",
    "footprint_bytes",
    "gemm",
    "get",
    "list_kernels",
    "measure_bandwidth",
    "measure_fma",
    "measure_peaks",
    "require_supported",
    "select",
    "time_kernel",
    "tolerance",
]
