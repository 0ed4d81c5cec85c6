"""Provides the ceilings a kernel's rate meets and the one-line verdict of which one binds.

One function decides for every step (`verdict`): the lowest ceiling is the bound, as a
roofline would say; nothing here is written per kernel. The ceilings come from this host's
measured numbers: the FMA peak (narrowed to the lanes the kernel uses and to the chains of
FMAs it keeps in flight), and each cache level's measured bandwidth times the flops per byte
the kernel reuses there (reuse.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sshapp.bench.lesson.reuse import FED_BY, Level

CHAINS_NEEDED = 8
"""Independent FMA chains that keep a core's FMA units busy: latency 4 cycles × 2 pipes on
Zen 3/4/5 and Intel Haswell to Sapphire Rapids (the kernel headers' reasoning)."""
NEAR = 0.6
"""A rate at or above this fraction of its lowest ceiling is bound by it."""
UNITS = "the FMA units"
LATENCY = "the FMA latency chain"


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The most one bound lets a kernel do here."""

    bound: str
    """UNITS, LATENCY, "L1", "L2", "L3" or "memory"."""
    gflops: float
    """The rate it allows."""
    why: str
    """How it was computed, in a few words."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What bounds a measured rate."""

    bound: str
    """The binding ceiling's name ("" when no ceiling is known, or none is near)."""
    fraction: float | None
    """Measured rate over that ceiling (None: no ceiling)."""
    line: str
    """The one line shown."""


def ceilings(
    *,
    peak: float | None,
    width_fraction: float,
    chains: int,
    levels: Sequence[Level],
    bandwidths: Mapping[str, float | None],
    chains_needed: int = CHAINS_NEEDED,
) -> list[Ceiling]:
    """Return every ceiling known here.

    Args:
        peak: The measured FMA (or dot-product) peak this kernel is compared with.
        width_fraction: Share of that peak's vector lanes the kernel's instructions use.
        chains: Independent accumulation chains in flight.
        levels: The kernel's reuse per level (reuse.reuse).
        bandwidths: Measured GB/s by level name ("L1", "L2", "L3", "memory"); None or
            missing: not measured, so that ceiling is not known.
        chains_needed: Chains that hide the FMA latency.
    """
    out = []
    if peak is not None:
        units = peak * width_fraction
        note = "measured peak" if width_fraction == 1 else f"peak × {width_fraction:.3g} of lanes"
        out.append(Ceiling(UNITS, units, note))
        if chains < chains_needed:
            out.append(
                Ceiling(
                    LATENCY,
                    units * chains / chains_needed,
                    f"{chains} of the {chains_needed} chains latency × pipes needs",
                )
            )
    for level in levels:
        source = FED_BY[level.name]
        bw = bandwidths.get(source)
        if bw:
            why = f"{source} {bw:.0f} GB/s × {level.flops_per_byte:.3g} flop/B into {level.name}"
            out.append(Ceiling(source, bw * level.flops_per_byte, why))
    return out


def verdict(gflops: float, known: Sequence[Ceiling]) -> Verdict:
    """Return which ceiling bounds a measured rate: the lowest, if the rate is near it."""
    if not known:
        return Verdict("", None, "no ceiling measured here: nothing to compare with")
    low = min(known, key=lambda c: c.gflops)
    fraction = gflops / low.gflops
    if fraction >= NEAR:
        return Verdict(
            low.bound,
            fraction,
            f"bound by {low.bound}: {fraction:.0%} of its {low.gflops:.3g} GFLOP/s ({low.why})",
        )
    return Verdict(
        "",
        fraction,
        f"below every bound modelled: {fraction:.0%} of the lowest, {low.bound} at "
        f"{low.gflops:.3g} GFLOP/s; the rest is what the model leaves out (edges, TLB, "
        "cache-set conflicts, prefetch, packing)",
    )
