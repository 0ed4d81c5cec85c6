"""The lesson's animation is throttled: bytes per second on a real PTY while it plays."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sshapp.kernels import list_kernels

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import lesson_bytes

TARGET_KBS = 20.0
"""At most this many KB per second at 80×24 while the outer product plays."""


@pytest.mark.timeout(120)
def test_the_outer_product_at_its_fastest_pace_stays_under_20_kbs_at_80x24() -> None:
    # The largest register block of the table (14 rows of 2 zmm) draws the most per frame;
    # a build without AVX-512 kernels has 5 rows of 2 ymm at most.
    ids = {k.id for k in list_kernels()}
    kernel = "avx512.packed_14x32.f32" if "avx512.packed_14x32.f32" in ids else "avx2.ukr_5x16.f32"
    during, seconds, ticks = lesson_bytes.measure(kernel, 3.0, 80, 24, 6)
    assert seconds >= 2.5
    assert ticks >= 20, "the animation did not play (32 rows/s for 3 s)"
    assert during > 0, "nothing was repainted while it played"
    assert during / seconds / 1000 <= TARGET_KBS
