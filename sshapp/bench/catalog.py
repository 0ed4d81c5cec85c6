"""Provides the kernel rows front ends list: native kernels, then the host-BLAS rows."""

from __future__ import annotations

from sshapp.bench.blocking.store import TuneCache
from sshapp.bench.host import blas
from sshapp.bench.protocol.rows import KernelRow
from sshapp.kernels import list_kernels


def kernel_rows(cache: TuneCache | None = None) -> list[KernelRow]:
    """Return every native kernel (table order) then the host-BLAS rows.

    With a tune cache, a packed kernel's blocking is the tuned one where this CPU has
    one (marked "tuned", else "model"), and `host_best` names the dtypes whose measured
    best (large square shapes) it is.
    """
    tuned = cache.all_tuned() if cache is not None else {}
    best = cache.host_best() if cache is not None else None
    rows = []
    for k in list_kernels():
        blocking = str(k.blocking)
        if k.packed:
            t = tuned.get(k.id)
            b = k.blocking
            blocking = (
                f"{b.MR}x{b.NR} MC={t.mc} KC={t.kc} NC={t.nc} (tuned)"
                if t is not None
                else f"{blocking} (model)"
            )
        classes = best.choices.get(k.dtype, {}) if best is not None else {}
        rows.append(
            KernelRow(
                id=k.id,
                isa=k.isa,
                dtype=k.dtype,
                summary=k.summary,
                blocking=blocking,
                supported=k.supported,
                reason=k.reason,
                ladder_step=k.ladder_step,
                host_best=tuple(c for c, kid in classes.items() if kid == k.id),
            )
        )
    return rows + blas.rows()
