"""Provides the element-type table: everything every layer asks about a dtype, as data.

One row per dtype, as BLIS's `num_t` tables and oneDNN's data_type traits do: the
numpy types of A/B and C, element sizes, how test inputs are drawn, the correctness
rule and which peaks bound its kernels. Nothing outside this module branches on a
dtype's name; `tests/kernels/test_dtypes.py` keeps it in step with the C++ table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import ml_dtypes
import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
"""A matrix of any of the table's element types."""

Draw = Callable[[np.random.Generator, tuple[int, int]], Array]
"""Draws one input matrix of a shape."""

AVX2 = ("avx2", "fma")
AVX512 = (*AVX2, "avx512f", "avx512dq", "avx512bw", "avx512vl")
# The amx/ folder is built with the AVX-512 flags too (its packers are AVX-512 code), so its
# probe needs them as native/src/probes.cpp says: masking avx512 masks the AMX probe.
AMX = (*AVX512, "amx_tile", "amx_bf16", "amx_int8")


@dataclass(frozen=True, slots=True)
class Peak:
    """One measured ceiling of a dtype: an FMA / dot-product throughput probe."""

    probe: str
    """ISA name the native probe takes (`_native.probe_fma(probe, dtype)`)."""
    family: str
    """Kernel ISA family (first part of a kernel id) this ceiling bounds."""
    features: tuple[str, ...]
    """CPU features the probe needs; it never runs without them."""


@dataclass(frozen=True, slots=True)
class DType:
    """One element type of the kernels."""

    name: str
    """Short name used in kernel ids, specs, history and JSON: "f32", "bf16"..."""
    input: np.dtype[Any]
    """numpy type of A and B as callers hold them."""
    native_input: np.dtype[Any]
    """numpy type A and B cross into C++ as (bf16: its uint16 bit pattern)."""
    output: np.dtype[Any]
    """numpy type of C (the accumulator type)."""
    draw: Draw
    """How random test inputs are drawn (and rounded to the input type)."""
    rule: Literal["float", "exact"]
    """Correctness rule: "float" = within 2·k·u of the output type, relative to |A|·|B|,
    against an f64 reference from the (already rounded) inputs; "exact" = equal to an
    int64 reference wrapped to the output type."""
    peaks: tuple[Peak, ...]
    """Ceilings measured for this dtype, one per ISA family with a probe."""
    host_blas: bool
    """Whether the host BLAS (numpy matmul) has a real kernel for it, so a
    `blas.numpy.<name>` reference row exists."""
    unit: str
    """What a result counts: "GFLOP/s" or, for integers, "GOP/s"."""

    @property
    def short_unit(self) -> str:
        """The unit where columns are narrow: "GF/s" or "GOP/s"."""
        return self.unit.replace("FLOP", "F")

    @property
    def in_size(self) -> int:
        """Bytes per element of A and B."""
        return self.input.itemsize

    @property
    def out_size(self) -> int:
        """Bytes per element of C."""
        return self.output.itemsize

    def footprint(self, m: int, n: int, k: int) -> int:
        """Return the bytes of A, B and C of one m×n×k product."""
        return (m * k + k * n) * self.in_size + m * n * self.out_size

    def peak_for(self, family: str) -> Peak | None:
        """Return the ceiling of kernels of ISA `family` (None: no probe of its own)."""
        return next((p for p in self.peaks if p.family == family), None)


def _uniform(dtype: npt.DTypeLike) -> Draw:
    """Uniform in [-1, 1), built in place in f32 or f64 (`rng.uniform(...).astype(...)`
    would hold a float64 copy twice the f32 size), then rounded to `dtype` if narrower."""
    target = np.dtype(dtype)
    work = np.float64 if target == np.float64 else np.float32

    def draw(rng: np.random.Generator, shape: tuple[int, int]) -> Array:
        x = rng.random(shape, dtype=work)
        x *= 2
        x -= 1
        return x if x.dtype == target else x.astype(target)

    return draw


def _int8(rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    return rng.integers(-128, 128, shape, dtype=np.int8)


_FMA_PEAKS = (Peak("avx2", "avx2", AVX2), Peak("avx512", "avx512", AVX512))

BF16 = np.dtype(ml_dtypes.bfloat16)
"""numpy's view of bfloat16 (ml_dtypes)."""


def _ieee(name: str, np_type: type[np.floating[Any]]) -> DType:
    """A plain IEEE row: A, B and C of one type, FMA peaks, a host BLAS."""
    t = np.dtype(np_type)
    return DType(name, t, t, t, _uniform(t), "float", _FMA_PEAKS, host_blas=True, unit="GFLOP/s")


TABLE: tuple[DType, ...] = (
    _ieee("f32", np.float32),
    _ieee("f64", np.float64),
    DType(
        "bf16",
        BF16,
        np.dtype(np.uint16),
        np.dtype(np.float32),
        _uniform(BF16),  # float -> bfloat16 rounds to nearest even
        "float",
        (
            Peak("avx512_bf16", "avx512", (*AVX512, "avx512_bf16")),
            Peak("amx", "amx", AMX),
        ),
        host_blas=False,  # numpy has no bf16 BLAS: its matmul loops in Python-level ufuncs
        unit="GFLOP/s",
    ),
    DType(
        "int8",
        np.dtype(np.int8),
        np.dtype(np.int8),
        np.dtype(np.int32),
        _int8,
        "exact",
        (
            # "avx2" on int8 is the VPMADDWD probe (kernels/avx2/madd_peak.cpp).
            Peak("avx2", "avx2", AVX2),
            Peak("avx_vnni", "avxvnni", (*AVX2, "avx_vnni")),
            Peak("avx512_vnni", "avx512", (*AVX512, "avx512_vnni")),
            Peak("amx", "amx", AMX),
        ),
        host_blas=False,  # numpy's integer matmul is a plain loop, not BLAS
        unit="GOP/s",
    ),
)
"""Every dtype, in the native table's order."""

NAMES: tuple[str, ...] = tuple(t.name for t in TABLE)
"""Every dtype name, table order."""


def dtype(name: str) -> DType:
    """Return the row of dtype `name`.

    Raises:
        ValueError: No such dtype (the message lists the known ones).
    """
    for row in TABLE:
        if row.name == name:
            return row
    msg = f"unknown dtype {name!r}; choose one of {', '.join(NAMES)}"
    raise ValueError(msg)


def of_input(np_type: npt.DTypeLike) -> DType:
    """Return the row whose A/B numpy type is `np_type` (each row's is distinct).

    Raises:
        TypeError: No kernel dtype takes inputs of this numpy type.
    """
    want = np.dtype(np_type)
    for row in TABLE:
        if row.input == want:
            return row
    accepted = ", ".join(str(t.input) for t in TABLE)
    msg = f"no kernel takes {want} inputs (accepted: {accepted})"
    raise TypeError(msg)
