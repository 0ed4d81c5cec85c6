"""Provides Lesson: one step of the ladder explained, from its source and this host's numbers.

`build` puts together what the kernel file says (its header and inner loop, carried by the
build), what follows from its shape (register budget, reuse per level) and what this host
measured (peak, bandwidths); `answer` adds a measured rate and the verdict.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from sshapp.bench.host import blas
from sshapp.bench.lesson.registers import RegisterBudget, budget, products_of, register_file
from sshapp.bench.lesson.reuse import Level, Shape, reuse
from sshapp.bench.lesson.verdict import CHAINS_NEEDED, Ceiling, Verdict, ceilings, verdict
from sshapp.kernels import KernelInfo, dtype, get, lesson_source, list_kernels

BANDWIDTH_LEVELS = ("L1", "L2", "L3", "memory")
"""Levels whose measured bandwidth a lesson shows."""


@dataclass(frozen=True, slots=True)
class Answer:
    """This host's measured answer at the lesson's size."""

    gflops: float
    """Best GFLOP/s (GOP/s for int8) of the kernel."""
    previous_gflops: float | None
    """Best of the step before at the same size (None: no step before, or not measured)."""
    peak_fraction: float | None
    """gflops over the peak (None: peak unknown)."""
    verdict: Verdict
    """What bounds it."""

    @property
    def speedup(self) -> float | None:
        """× the step before."""
        return self.gflops / self.previous_gflops if self.previous_gflops else None


@dataclass(frozen=True, slots=True)
class Lesson:
    """One kernel's lesson."""

    id: str
    dtype: str
    source: str
    """Where the text comes from: the kernel file, or the Python module."""
    header: str
    """The source's own explanation (the file's header comment, the module's docstring)."""
    loop: str
    """The inner loop's source lines ("" for a kernel that is not ours)."""
    previous: str | None
    """The ladder step before this one (None: first step, a side path or a BLAS row)."""
    supported: bool
    blocking: str
    """The register and cache blocks the reuse is computed from, as shown."""
    blocks: tuple[int, int, int, int, int]
    """The same as numbers: MR, NR, MC, KC, NC (0: not blocked that way)."""
    size: int
    """N of the N×N×N product the reuse (and the answer) is for."""
    budget: RegisterBudget | None
    """None for a kernel that is not ours."""
    levels: tuple[Level, ...]
    caches: dict[str, int]
    """Bytes per cache level ("L1", "L2", "L3")."""
    peak: float | None
    """Measured peak the kernel is compared with (None: not measured yet)."""
    peak_name: str
    """Which probe: "avx2.f32", ..."""
    bandwidths: dict[str, float | None]
    """Measured GB/s per level (None: not measured)."""
    ceilings: tuple[Ceiling, ...]
    answer: Answer | None = None
    """This host's measured answer (None: not measured)."""

    def to_dict(self) -> dict[str, Any]:
        """Return the lesson as JSON-ready data."""
        data = asdict(self)
        if self.budget is not None:
            data["budget"] = {
                "file": self.budget.file.name,
                "registers": self.budget.file.count,
                "accumulators": self.budget.accumulators,
                "b_loads": self.budget.b_loads,
                "a_broadcasts": self.budget.a_broadcasts,
                "products": self.budget.products,
                "free": self.budget.free,
                "summary": self.budget.summary(),
                "note": self.budget.note,
                "cells": self.budget.cells(),
            }
        if self.answer is not None:
            data["answer"]["speedup"] = self.answer.speedup
        return data


def previous_step(info: KernelInfo) -> str | None:
    """Return the ladder step below `info` in its dtype's ladder (table order, top first)."""
    steps = [k for k in list_kernels() if k.dtype == info.dtype and k.ladder_step]
    if info not in steps:
        return None
    below = steps[steps.index(info) + 1 :]
    return below[0].id if below else None


def kind(info: KernelInfo) -> str:
    """Return the loop structure of a native kernel (reuse.Shape.kind)."""
    if info.algorithm == "naive":
        return "naive"
    if info.blocking.KC > 0:
        return "packed"
    return "register" if info.blocking.MR > 0 else "vector"


def _peak(peaks: Mapping[str, float], isa: str, dtype_name: str) -> tuple[float | None, str]:
    from sshapp.kernels.probes import peak_key

    key = peak_key(isa, dtype_name)
    if key is None:  # ref / blas: the machine's best of this dtype
        same = {k: v for k, v in peaks.items() if k.endswith(f".{dtype_name}")}
        key = max(same, key=same.__getitem__) if same else ""
    return peaks.get(key), key


def _lanes_of(peak_name: str, out_size: int) -> int:
    isa = peak_name.partition(".")[0]
    width = {"avx2": 32, "amx": 0}.get(isa, 64 if isa.startswith("avx512") else 32)
    return width // out_size if width else 0


def build(
    kernel_id: str,
    size: int,
    *,
    caches: Mapping[str, int],
    peaks: Mapping[str, float],
    bandwidths: Mapping[str, float | None],
    blocking: tuple[int, int, int] | None = None,
) -> Lesson:
    """Return a kernel's lesson at N = size on a host with these caches and measurements.

    Args:
        kernel_id: A kernel id or a BLAS row id.
        size: N of the square product.
        caches: Bytes per level ("L1", "L2", "L3").
        peaks: Measured peaks by "<probe>.<dtype>" (empty: not measured).
        bandwidths: Measured GB/s by level ("L1", "L2", "L3", "memory").
        blocking: (MC, KC, NC) to use instead of the model's (a tuned default).

    Raises:
        UnknownKernelError: No such kernel.
    """
    bw = {name: bandwidths.get(name) for name in BANDWIDTH_LEVELS}
    if blas.is_blas(kernel_id):
        name = kernel_id.removeprefix(blas.PREFIX)
        peak, peak_name = _peak(peaks, "blas", name)
        top = ceilings(
            peak=peak, width_fraction=1.0, chains=CHAINS_NEEDED, levels=(), bandwidths=bw
        )
        return Lesson(
            kernel_id,
            name,
            "sshapp/bench/host/blas.py",
            inspect.cleandoc(blas.__doc__ or ""),
            "",
            None,
            True,
            "-",
            (0, 0, 0, 0, 0),
            size,
            None,
            (),
            dict(caches),
            peak,
            peak_name,
            bw,
            tuple(top),
        )
    info = get(kernel_id)
    src = lesson_source(kernel_id)
    row = dtype(info.dtype)
    in_size, out_size = row.in_size, row.out_size
    b = info.blocking
    mc, kc, nc = blocking if blocking and b.KC else (b.MC, b.KC, b.NC)
    shape = Shape(kind(info), b.MR, b.NR, mc, kc, nc, in_size, out_size)
    regs = budget(
        info.requires,
        b.MR,
        b.NR,
        out_size,
        scalar=shape.kind == "naive",
        products=products_of(info.requires, info.dtype),
    )
    levels = tuple(reuse(shape, size, dict(caches)))
    peak, peak_name = _peak(peaks, info.isa, info.dtype)
    lanes_peak = _lanes_of(peak_name, out_size)
    own = register_file(info.requires).name == "tmm" or not lanes_peak
    width = 1.0 if own else min(1.0, regs.lanes / lanes_peak)
    if regs.file.name == "xmm":
        width /= 2  # baseline SSE2 has no FMA: a multiply and an add per FMA's work
    chains = regs.accumulators if regs.blocked else (1 if shape.kind == "naive" else CHAINS_NEEDED)
    if regs.file.name == "tmm":
        chains = CHAINS_NEEDED  # TDPs into separate tiles: the tile unit's pace, not a chain
    top = ceilings(peak=peak, width_fraction=width, chains=chains, levels=levels, bandwidths=bw)
    blocks = f"MR={b.MR} NR={b.NR}" + (f" MC={mc} KC={kc} NC={nc}" if kc else "")
    return Lesson(
        info.id,
        info.dtype,
        f"native/src/{src.source}",
        src.header,
        src.loop,
        previous_step(info),
        info.supported,
        blocks if b.MR else "-",
        (b.MR, b.NR, mc, kc, nc),
        size,
        regs,
        levels,
        dict(caches),
        peak,
        peak_name,
        bw,
        tuple(top),
    )


def answer(lesson: Lesson, gflops: float, previous_gflops: float | None) -> Lesson:
    """Return the lesson with this host's measured rate, the step before's and the verdict."""
    fraction = gflops / lesson.peak if lesson.peak else None
    found = Answer(gflops, previous_gflops, fraction, verdict(gflops, lesson.ceilings))
    return replace(lesson, answer=found)
