"""The verdict: one function names the binding ceiling, checked on fake measurements."""

from __future__ import annotations

import pytest

from sshapp.bench.lesson.model import answer, build
from sshapp.bench.lesson.reuse import Shape, reuse
from sshapp.bench.lesson.verdict import LATENCY, UNITS, Ceiling, verdict

CACHES = {"L1": 32 << 10, "L2": 1 << 20, "L3": 32 << 20}
FAST = {"L1": 1e5, "L2": 1e5, "L3": 1e5, "memory": 1e5}
"""Bandwidths so high that no level bounds anything."""


def fake(kernel_id: str, size: int, *, peak: float, **slow: float) -> object:
    """The kernel's lesson on a fake host: one peak for every probe, FAST unless slowed."""
    peaks = {f"{isa}.{dt}": peak for isa in ("avx2", "avx512") for dt in ("f32", "f64")}
    return build(kernel_id, size, caches=CACHES, peaks=peaks, bandwidths={**FAST, **slow})


@pytest.mark.parametrize(
    ("kernel_id", "size", "peak", "slow", "bound"),
    [
        pytest.param("avx2.packed_6x16.f32", 1024, 100.0, {}, UNITS, id="fma-units"),
        pytest.param("ref.naive.f32", 256, 100.0, {}, LATENCY, id="latency-chain"),
        pytest.param("avx2.simd.f32", 1024, 100.0, {"L1": 60.0}, "L1", id="l1"),
        pytest.param("avx2.ukr_5x16.f32", 2048, 100.0, {"L2": 10.0}, "L2", id="l2"),
        pytest.param("avx2.ukr_5x16.f32", 2048, 100.0, {"L3": 10.0}, "L3", id="l3"),
        pytest.param("avx2.packed_6x16.f32", 2048, 1e4, {"memory": 1.0}, "memory", id="memory"),
    ],
)
def test_each_bound_is_found_from_the_numbers(
    kernel_id: str, size: int, peak: float, slow: dict[str, float], bound: str
) -> None:
    lesson = fake(kernel_id, size, peak=peak, **slow)
    lowest = min(lesson.ceilings, key=lambda c: c.gflops)  # type: ignore[attr-defined]
    assert lowest.bound == bound
    measured = answer(lesson, 0.9 * lowest.gflops, None)  # type: ignore[arg-type]
    assert measured.answer is not None
    assert measured.answer.verdict.bound == bound
    assert measured.answer.verdict.line.startswith(f"bound by {bound}: 90% of")


def test_a_rate_far_below_every_ceiling_names_none() -> None:
    lesson = fake("avx2.packed_6x16.f32", 1024, peak=100.0)
    result = answer(lesson, 10.0, 5.0)
    assert result.answer is not None
    assert result.answer.verdict.bound == ""
    assert result.answer.verdict.line.startswith("below every bound modelled: 10% of the lowest")
    assert result.answer.speedup == 2.0
    assert result.answer.peak_fraction == pytest.approx(0.1)


def test_without_measurements_there_is_no_verdict() -> None:
    lesson = build("avx2.simd.f32", 512, caches=CACHES, peaks={}, bandwidths={})
    assert lesson.ceilings == ()
    result = answer(lesson, 20.0, None)
    assert result.answer is not None
    assert result.answer.verdict.bound == ""
    assert "no ceiling measured" in result.answer.verdict.line
    assert result.answer.peak_fraction is None


def test_verdict_takes_the_lowest_ceiling_whatever_the_order() -> None:
    known = [Ceiling("memory", 40.0, ""), Ceiling("L2", 25.0, ""), Ceiling(UNITS, 100.0, "")]
    assert verdict(24.0, known).bound == "L2"
    assert verdict(24.0, list(reversed(known))).bound == "L2"
    assert verdict(10.0, known).bound == ""


def test_packed_reuse_follows_the_blocks() -> None:
    shape = Shape("packed", 6, 16, 336, 384, 4080, 4, 4)
    regs, l1, l2, l3 = reuse(shape, 4096, CACHES)
    assert regs.flops_per_byte == pytest.approx(2 * 6 * 16 / ((6 + 16) * 4))
    assert l1.bytes_held == 384 * 16 * 4  # the KC×NR micro-panel: 24 KiB
    assert l2.bytes_held == 336 * 384 * 4
    assert l3.bytes_held == 384 * 4080 * 4
    assert regs.flops_per_byte < l1.flops_per_byte < l2.flops_per_byte
    deeper = reuse(Shape("packed", 6, 16, 336, 768, 4080, 4, 4), 4096, CACHES)
    assert deeper[1].flops_per_byte > l1.flops_per_byte  # a deeper KC amortises C's traffic


def test_unpacked_b_reused_only_where_it_fits() -> None:
    shape = Shape("register", 5, 16, 0, 0, 0, 4, 4)
    small = reuse(shape, 256, CACHES)  # A and B: 512 KiB, half of L2: they stay
    big = reuse(shape, 4096, CACHES)
    assert [lv.holds for lv in small][2:] == ["all of A and B"] * 2
    assert big[3].flops_per_byte == pytest.approx(big[2].flops_per_byte)  # streams from memory
    assert big[2].flops_per_byte == pytest.approx(2 * 5 / 4, rel=0.01)
