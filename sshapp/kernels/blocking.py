"""Provides cache blocking at run time: the analytical model's choice and validation.

The model lives in C++ (native/src/blocking.cpp, in the spirit of Low et al., 2016):
KC so that a KC×NR micro-panel of B fills a share of L1, MC so that the MC×KC packed
block of A fills a share of L2, NC so that the KC×NC packed block of B fills a share
of L3. This module only asks it and checks what callers choose instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sshapp import _native
from sshapp.kernels.dtypes import dtype
from sshapp.kernels.registry import Blocking, get


class BlockingError(ValueError):
    """A blocking a kernel cannot run with (one readable line)."""


@dataclass(frozen=True, slots=True)
class ModelReport:
    """The analytical model's choice for one kernel and the numbers behind it."""

    kernel_id: str
    """The kernel."""
    blocking: Blocking
    """MR×NR (the micro-kernel's) and the model's MC, KC, NC."""
    packed: bool
    """Whether the kernel uses cache blocks at all."""
    shares: dict[str, float]
    """Share of each cache level ("l1", "l2", "l3") the model fills with one block."""
    cache_bytes: dict[str, int]
    """Cache sizes the model used ("l1", "l2", "l3"; fallbacks where none is known)."""
    element_bytes: int
    """Bytes per element of A and B."""
    tile: bool = False
    """The tile kernels' rule (AMX): the MR×KC strip of A in L1, the KC×NC block of B in L2."""
    dot: bool = False
    """The dot-product kernels' shares (AVX-512 BF16 / VNNI): the B micro-panel as large as
    L1, streamed from L2 (mm/blocking.hpp says why)."""
    a_bytes: int = 0
    """Bytes per element of the packed A panels (0: element_bytes; 4 where a packer widens
    bf16 to f32)."""
    b_bytes: int = 0
    """Bytes per element of the packed B panels (0: element_bytes)."""

    def block_bytes(self) -> dict[str, int]:
        """Return the bytes of the B micro-panel (l1), A block (l2) and B block (l3).

        For a tile kernel: the A strip (l1) and the B block (l2); nothing is sized for L3.
        """
        b, size = self.blocking, self.element_bytes
        if self.tile:
            return {"l1": b.MR * b.KC * size, "l2": b.KC * b.NC * size, "l3": 0}
        a_size, b_size = self.a_bytes or size, self.b_bytes or size
        return {
            "l1": b.KC * b.NR * b_size,
            "l2": b.MC * b.KC * a_size,
            "l3": b.KC * b.NC * b_size,
        }

    def explain(self) -> str:
        """Return one line: each block, its bytes and the share of its cache it fills."""
        if not self.packed:
            return f"{self.kernel_id}: no cache blocks"
        b, used = self.blocking, self.block_bytes()
        if self.tile:
            tile_parts = [
                f"KC={b.KC} (A strip MR×KC {used['l1'] >> 10} KiB = "
                f"{used['l1'] / self.cache_bytes['l1']:.0%} of L1)",
                f"MC={b.MC} (one strip of MR rows per sweep of B)",
                f"NC={b.NC} (B block KC×NC {used['l2'] >> 10} KiB = "
                f"{used['l2'] / self.cache_bytes['l2']:.0%} of L2)",
            ]
            return f"{self.kernel_id}: " + ", ".join(tile_parts)
        streamed = ", streamed from L2" if self.dot else ""
        parts = [
            f"KC={b.KC} (B micro-panel KC×NR {used['l1'] >> 10} KiB = "
            f"{used['l1'] / self.cache_bytes['l1']:.0%} of L1{streamed})",
            f"MC={b.MC} (A block MC×KC {used['l2'] >> 10} KiB = "
            f"{used['l2'] / self.cache_bytes['l2']:.0%} of L2)",
            f"NC={b.NC} (B block KC×NC {used['l3'] >> 10} KiB = "
            f"{used['l3'] / self.cache_bytes['l3']:.0%} of L3)",
        ]
        return f"{self.kernel_id}: " + ", ".join(parts)


def model(kernel_id: str, *, l1: int = 0, l2: int = 0, l3: int = 0) -> ModelReport:
    """Return the model's blocking of a kernel for caches l1, l2, l3 (0 = this CPU's).

    Raises:
        UnknownKernelError: No such kernel.
    """
    info = get(kernel_id)
    raw = _native.blocking_model(kernel_id, l1=l1, l2=l2, l3=l3)
    return ModelReport(
        kernel_id=kernel_id,
        blocking=Blocking(**raw["blocking"]),
        packed=bool(raw["packed"]),
        shares={k: float(v) for k, v in raw["shares"].items()},
        cache_bytes={"l1": raw["l1_bytes"], "l2": raw["l2_bytes"], "l3": raw["l3_bytes"]},
        element_bytes=dtype(info.dtype).in_size,
        tile=bool(raw["tile"]),
        dot=bool(raw["dot"]),
        a_bytes=int(raw["a_bytes"]),
        b_bytes=int(raw["b_bytes"]),
    )


def resolve(kernel_id: str, *, mc: int = 0, kc: int = 0, nc: int = 0) -> Blocking:
    """Return the blocking a kernel runs with: the model's, each of mc, kc, nc > 0 replacing it.

    Raises:
        UnknownKernelError: No such kernel.
        BlockingError: MC not a multiple of MR, a block < 1 or over the limits, or blocks
            given for a kernel that does not use them.
    """
    get(kernel_id)
    try:
        raw = _native.resolve_blocking(kernel_id, mc=mc, kc=kc, nc=nc)
    except ValueError as exc:
        raise BlockingError(str(exc)) from None
    return Blocking(**raw)


def narrow(base: Blocking, kernel_id: str, m: int, n: int, k: int, *, l2: int = 0) -> Blocking:
    """Return the blocks a kernel runs with at m×n×k: `base`, or the model's narrow-B rule.

    For few columns n and deep k (e.g. 4096×64×4096) the kc×n block of B fits in L2 at
    a KC far deeper than the L1 rule's; the model then deepens KC (fewer passes over C,
    longer row pieces of A when packing) and sizes MC and NC for it (mm/blocking.hpp).
    Kernels outside the shared f32/f64 driver, and wide shapes, keep `base`.

    Args:
        base: The blocks otherwise chosen (model or tuned), validated for the kernel.
        kernel_id: A packed kernel id.
        m: Rows of A and C.
        n: Columns of B and C.
        k: Columns of A, rows of B.
        l2: L2 bytes the rule assumes (0 = this CPU's).

    Raises:
        UnknownKernelError: No such kernel.
        BlockingError: `base` is invalid for this kernel, or a size is < 1.
    """
    get(kernel_id)
    try:
        raw = _native.narrow_blocking(
            kernel_id, mc=base.MC, kc=base.KC, nc=base.NC, m=m, n=n, k=k, l2=l2
        )
    except ValueError as exc:
        raise BlockingError(str(exc)) from None
    return Blocking(**raw)
