"""Size arguments: --mnk and --sweep parsing."""

from __future__ import annotations

import argparse

import pytest

from sshapp.bench.protocol.spec import Shape
from sshapp.cli.sizes import MAX_SWEEP_POINTS, mnk, sweep


def test_mnk_accepts_commas_and_x() -> None:
    assert mnk("3,5,7") == Shape(3, 5, 7)
    assert mnk("3x5x7") == Shape(3, 5, 7)


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("64:512:x2", [64, 128, 256, 512]),
        ("64:500:x2", [64, 128, 256]),
        ("100:300:+100", [100, 200, 300]),
        ("8:8:x2", [8]),
        ("16:64", [16, 32, 64]),
    ],
)
def test_sweeps(text: str, sizes: list[int]) -> None:
    assert [s.m for s in sweep(text)] == sizes
    assert all(s.m == s.n == s.k for s in sweep(text))


@pytest.mark.parametrize(
    "text", ["64", "a:b:x2", "64:32:x2", "1:9:x1", "1:9:-1", "0:8:x2", "1:100000:+1", "1:2:x"]
)
def test_bad_sweeps(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        sweep(text)


def test_sweep_point_limit_message() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=str(MAX_SWEEP_POINTS)):
        sweep("1:1000:+1")


def test_a_dotted_range_doubles_as_in_the_setup_form() -> None:
    assert [s.m for s in sweep("64..512")] == [64, 128, 256, 512]
    assert [s.m for s in sweep("100..300:+100")] == [100, 200, 300]
