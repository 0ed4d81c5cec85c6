"""Spec value types: shapes, GFLOP/s and run statistics."""

from __future__ import annotations

import pytest

from sshapp.bench.protocol.spec import Shape, Stats, gflops


def test_shape_text_and_flops() -> None:
    assert str(Shape(64, 64, 64)) == "64"
    assert str(Shape(2, 3, 4)) == "2x3x4"
    assert Shape(2, 3, 4).flops == 48


def test_gflops() -> None:
    assert gflops(Shape(1000, 1000, 1000), 2.0) == pytest.approx(1.0)
    assert gflops(Shape(1, 1, 1), 0.0) == 0.0


def test_stats() -> None:
    stats = Stats.of((3.0, 1.0, 2.0, 4.0))
    assert stats.best_seconds == 1.0
    assert stats.median_seconds == 2.5
    assert stats.spread == pytest.approx(3.0)
    with pytest.raises(ValueError, match="at least one sample"):
        Stats.of(())
