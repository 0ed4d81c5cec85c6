"""Parsing the setup form into a BenchSpec: good input and one clear line for bad input."""

from __future__ import annotations

import pytest

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import Shape
from sshapp.kernels import scaling_series
from sshapp.tui.form import FormValues, in_the_tui, parse_shape, to_spec


def form(**changes: object) -> FormValues:
    values: dict[str, object] = {
        "kernels": "avx2.* ref.naive.f32",
        "m": "64",
        "n": "32",
        "k": "16",
        "square": False,
        "dtype": "any",
        "stop": "repeats",
        "amount": "7",
        "sweep": "",
    }
    values.update(changes)
    return FormValues(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("token", "shape"),
    [
        ("512", Shape(512, 512, 512)),
        ("200x300x500", Shape(200, 300, 500)),
        ("2×3×4", Shape(2, 3, 4)),
    ],
)
def test_parse_shape(token: str, shape: Shape) -> None:
    assert parse_shape(token) == shape


@pytest.mark.parametrize(
    ("token", "message"),
    [("0", "at least 1"), ("abc", "whole number"), ("1x2", "N or MxNxK"), ("-5", "at least 1")],
)
def test_parse_shape_rejects(token: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_shape(token)


def test_single_rectangular_run() -> None:
    spec = to_spec(form())
    assert spec.kernels == ("avx2.*", "ref.naive.f32")
    assert spec.shapes == (Shape(64, 32, 16),)
    assert spec.repeats == 7
    assert spec.budget_seconds is None
    assert spec.dtype is None


def test_square_ignores_n_and_k() -> None:
    assert to_spec(form(square=True, n="junk", k="")).shapes == (Shape(64, 64, 64),)


def test_sweep_and_budget_and_dtype() -> None:
    spec = to_spec(form(sweep="128, 256 8x9x10", stop="seconds", amount="2.5", dtype="f64"))
    assert spec.shapes == (Shape(128, 128, 128), Shape(256, 256, 256), Shape(8, 9, 10))
    assert spec.budget_seconds == 2.5
    assert spec.dtype == "f64"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kernels": "  "}, "pick at least one kernel"),
        ({"m": ""}, "m is empty"),
        ({"n": "1.5"}, "n must be a whole number"),
        ({"stop": "seconds", "amount": "soon"}, "time budget must be a number"),
        ({"stop": "seconds", "amount": "0"}, "more than 0"),
        ({"amount": "0"}, "repetitions must be at least 1"),
    ],
)
def test_bad_fields_are_one_line(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message) as info:
        to_spec(form(**changes))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "counts"), [("", (1,)), ("2", (2,)), ("4, 1 2", (1, 2, 4)), ("1,1", (1,))]
)
def test_threads_field(text: str, counts: tuple[int, ...]) -> None:
    assert to_spec(form(threads=text)).threads == counts


def test_threads_scaling_is_the_series_of_allowed_cores() -> None:
    assert to_spec(form(threads="scaling")).threads == scaling_series()


@pytest.mark.parametrize("text", ["0", "-2", "two"])
def test_bad_threads_are_one_line(text: str) -> None:
    with pytest.raises(SpecError, match="threads") as err:
        to_spec(form(threads=text))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("sweep", "sides"),
    [
        ("64:2048:x2", [64, 128, 256, 512, 1024, 2048]),  # the CLI's --sweep syntax
        ("64..2048", [64, 128, 256, 512, 1024, 2048]),  # doubling, as A:B
        ("100:300:+100", [100, 200, 300]),
        ("16:64 1000", [16, 32, 64, 1000]),  # a range and a size together
    ],
)
def test_sweep_takes_the_clis_ranges(sweep: str, sides: list[int]) -> None:
    spec = to_spec(form(sweep=sweep))
    assert [s.m for s in spec.shapes] == sides
    assert all(s.m == s.n == s.k for s in spec.shapes)


@pytest.mark.parametrize(
    ("sweep", "error"),
    [
        ("2048:64:x2", "sweep stop 64 is below its start 2048"),
        ("1:1000:+1", "more than 64 sizes"),
        ("1:9:x1", "sweep factor must be >= 2"),
    ],
)
def test_sweep_range_errors_are_the_clis(sweep: str, error: str) -> None:
    with pytest.raises(SpecError, match=error):
        to_spec(form(sweep=sweep))


@pytest.mark.parametrize(
    "message",
    [
        "no kernel matches 'zz*'; 'sshapp kernels' lists them",
        "unknown kernel 'zz'; 'sshapp kernels' lists them",
        "no kernel matches 'zz*'; `ssh HOST kernels` lists them",
    ],
)
def test_engine_hints_name_the_tuis_key(message: str) -> None:
    worded = in_the_tui(message)
    assert worded.endswith("; press k to list them")
    assert "zz" in worded
