"""Provides the kernel table as frozen dataclasses, with id and glob lookup."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sshapp import _native
from sshapp.kernels.cpu import cpu_info
from sshapp.kernels.dtypes import NAMES
from sshapp.kernels.errors import UnknownKernelError, UnsupportedKernelError

DTYPES = NAMES
"""Element types the native kernels implement (the dtype table's names)."""

SIDE_PATHS = ("skinny",)
"""Algorithms that are table rows but not steps of the ladder (special-shape paths)."""


@dataclass(frozen=True, slots=True)
class Blocking:
    """Register block MR×NR and cache blocks MC, KC, NC (0 = not blocked that way)."""

    MR: int
    NR: int
    MC: int
    KC: int
    NC: int

    def __str__(self) -> str:
        if self.MR == 0:
            return "-"
        text = f"{self.MR}x{self.NR}"
        if self.KC:
            text += f" MC={self.MC} KC={self.KC} NC={self.NC}"
        return text


@dataclass(frozen=True, slots=True)
class KernelInfo:
    """One row of the native kernel table."""

    id: str
    """Stable id `<isa>.<algorithm>.<dtype>`."""
    summary: str
    """One line: what this step of the ladder adds."""
    dtype: str
    """Element type: a name of the dtype table ("f32", "bf16", "int8"...)."""
    requires: tuple[str, ...]
    """CPU features the kernel needs."""
    missing: tuple[str, ...]
    """Required features this CPU lacks or SSHAPP_DISABLE_ISA masks."""
    blocking: Blocking
    """Register block and the analytical model's cache blocks on this CPU."""
    file_blocking: Blocking
    """The cache blocks the kernel's source file states: measured by its author on one
    CPU (named in the file's header), a second starting point for the tuner."""

    @property
    def isa(self) -> str:
        """Instruction-set family: ref, avx2, avx512, ..."""
        return self.id.split(".", 1)[0]

    @property
    def algorithm(self) -> str:
        """Middle part of the id: naive, packed_6x16, skinny, ..."""
        return self.id.split(".")[1]

    @property
    def packed(self) -> bool:
        """Whether the kernel packs and takes cache blocks MC, KC, NC at run time."""
        return self.blocking.KC > 0

    @property
    def threaded(self) -> bool:
        """Whether the kernel can run on a team: every packed kernel.

        The f32/f64 ones share packed blocks across the team (the shared driver); the
        bf16/int8 ones give each member its own rows of C and blocks (team_split.hpp).
        """
        return self.packed

    @property
    def ladder_step(self) -> bool:
        """Whether the kernel is a step of the ladder (not a special-shape side path)."""
        return self.algorithm not in SIDE_PATHS

    @property
    def supported(self) -> bool:
        """Whether the kernel can run here."""
        return not self.missing

    @property
    def reason(self) -> str:
        """Why the kernel cannot run here ("" when it can)."""
        if not self.missing:
            return ""
        cpu = cpu_info()
        masked = [f for f in self.missing if cpu.detected.get(f)]
        absent = [f for f in self.missing if not cpu.detected.get(f)]
        parts = []
        if absent:
            parts.append(f"CPU has no {', '.join(absent)}")
        if masked:
            parts.append(f"{', '.join(masked)} disabled by SSHAPP_DISABLE_ISA")
        if cpu.amx_note and any(f.startswith("amx") for f in absent):
            parts.append(cpu.amx_note)
        return "; ".join(parts)


def _split(names: str) -> tuple[str, ...]:
    return tuple(n for n in names.split(",") if n)


@cache
def list_kernels() -> tuple[KernelInfo, ...]:
    """Return every compiled kernel in table order: per dtype the ladder, top step first."""
    return tuple(
        KernelInfo(
            id=row["id"],
            summary=row["summary"],
            dtype=row["dtype"],
            requires=_split(row["requires"]),
            missing=_split(row["missing"]),
            blocking=Blocking(**row["blocking"]),
            file_blocking=Blocking(**row["file_blocking"]),
        )
        for row in _native.list_kernels()
    )


def get(kernel_id: str) -> KernelInfo:
    """Return the kernel with this id.

    Raises:
        UnknownKernelError: No such kernel; the message names close matches.
    """
    for info in list_kernels():
        if info.id == kernel_id:
            return info
    ids = [k.id for k in list_kernels()]
    close = difflib.get_close_matches(kernel_id, ids, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; 'sshapp kernels' lists them"
    msg = f"unknown kernel {kernel_id!r}{hint}"
    raise UnknownKernelError(msg)


def require_supported(kernel_id: str) -> KernelInfo:
    """Return the kernel if it can run on this CPU.

    Raises:
        UnknownKernelError: No such kernel.
        UnsupportedKernelError: The CPU lacks (or masks) a feature it needs.
    """
    info = get(kernel_id)
    if not info.supported:
        msg = f"kernel {kernel_id} cannot run here: {info.reason}"
        raise UnsupportedKernelError(msg)
    return info


def select(patterns: str | Iterable[str], *, dtype: str | None = None) -> list[KernelInfo]:
    """Return kernels matching ids or shell-style globs ("avx2.*"), in table order.

    Args:
        patterns: One id or glob, or several.
        dtype: Keep only kernels of this element type.

    Raises:
        UnknownKernelError: A pattern matches no kernel.
    """
    pats = [patterns] if isinstance(patterns, str) else list(patterns)
    chosen: list[KernelInfo] = []
    for pat in pats:
        if not any(ch in pat for ch in "*?["):
            matches = [get(pat)]
        else:
            matches = [k for k in list_kernels() if fnmatch.fnmatchcase(k.id, pat)]
            if not matches:
                msg = f"no kernel matches {pat!r}; 'sshapp kernels' lists them"
                raise UnknownKernelError(msg)
        chosen.extend(m for m in matches if m not in chosen)
    if dtype is not None:
        chosen = [k for k in chosen if k.dtype == dtype]
    return chosen


def ladder_top(dtype: str) -> KernelInfo:
    """Return the highest ladder step of `dtype` this CPU supports (table order).

    Not a ranking: which kernel is fastest on a host is measured (sshapp.bench.blocking.hostbest).

    Raises:
        ValueError: Unknown dtype.
    """
    if dtype not in DTYPES:
        msg = f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}"
        raise ValueError(msg)
    return next(k for k in list_kernels() if k.dtype == dtype and k.supported and k.ladder_step)
