"""Provides the kernel rows front ends list: native kernels, then the host-BLAS rows."""

from __future__ import annotations

from sshapp.bench import blas
from sshapp.bench.service import KernelRow
from sshapp.kernels import list_kernels


def kernel_rows() -> list[KernelRow]:
    """Return every native kernel (table order) then the host-BLAS rows."""
    rows = [
        KernelRow(
            id=k.id,
            isa=k.isa,
            dtype=k.dtype,
            summary=k.summary,
            blocking=str(k.blocking),
            supported=k.supported,
            reason=k.reason,
        )
        for k in list_kernels()
    ]
    return rows + blas.rows()
