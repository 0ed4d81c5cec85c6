"""The numbers behind the ladder, sweep and roofline views."""

from __future__ import annotations

import pytest

from sshapp.bench.protocol.spec import RunSpec, Shape
from sshapp.tui.analysis import (
    intensity,
    ladder,
    ladder_groups,
    precision_rungs,
    precision_shapes,
    roofline_series,
    sweep_series,
)
from tests.tui.fakes import FakeService, ladder_history, lowp_history, result_of


def test_intensity_is_flops_per_byte_of_a_b_c() -> None:
    # 2·n³ flops over 3·n²·4 bytes = n/6 for square f32.
    assert intensity(Shape(600, 600, 600), "f32") == pytest.approx(100.0)
    assert intensity(Shape(600, 600, 600), "f64") == pytest.approx(50.0)
    # bf16: A and B 2 bytes, C f32; int8: A and B 1 byte, C int32.
    assert intensity(Shape(600, 600, 600), "bf16") == pytest.approx(2 * 600 / (2 + 2 + 4))
    assert intensity(Shape(600, 600, 600), "int8") == pytest.approx(2 * 600 / (1 + 1 + 4))


def test_precision_rungs_take_our_best_per_dtype_with_f32_as_base() -> None:
    results = [e.result for e in lowp_history()]
    assert precision_shapes(results)[:2] == [Shape(1024, 1024, 1024), Shape(512, 512, 512)]
    rungs = precision_rungs(results, Shape(1024, 1024, 1024))
    assert [r.label for r in rungs] == [  # widest type first, as the README lists them
        "f64  avx2.packed_4x8.f64",
        "f32  avx2.packed_6x16.f32",  # the host BLAS (58) is faster but is not ours
        "bf16 avx512.dot_14x32.bf16",
        "int8 avx512.vnni_14x32.int8",
    ]
    assert [r.base for r in rungs] == [False, True, False, False]
    assert all(r.compare for r in rungs)
    only_lowp = [r for r in results if r.run.dtype in ("bf16", "int8")]
    assert precision_rungs(only_lowp, Shape(512, 512, 512))[0].label.startswith("bf16")


def test_ladder_takes_the_newest_run_per_kernel_and_marks_blas() -> None:
    results = [e.result for e in ladder_history()]
    run = RunSpec("ref.naive.f32", "f32", Shape(1024, 1024, 1024))
    results.insert(0, result_of(run, [0.5]))  # a newer, slower naive run: the ladder shows it
    results.append(result_of(run, [100.0]))  # an older, faster one: not the ladder's figure
    rows = FakeService().kernels()
    rungs = {r.label: r for r in ladder(results, rows, "f32", Shape(1024, 1024, 1024))}
    assert rungs["ref.naive.f32"].gflops == pytest.approx(0.5)
    assert rungs["blas.numpy.f32"].reference
    assert not rungs["avx2.packed_6x16.f32"].reference
    assert "avx2.packed_4x8.f64" not in rungs


def test_ladder_groups_prefer_most_kernels_then_largest() -> None:
    groups = ladder_groups([e.result for e in ladder_history()], FakeService().kernels())
    assert groups[0] == ("f32", Shape(1024, 1024, 1024))


def test_sweep_has_one_line_per_kernel_sorted_by_size() -> None:
    series = {s.label: s for s in sweep_series([e.result for e in ladder_history()])}
    xs = [x for x, _ in series["avx2.packed_6x16.f32"].points]
    assert xs == sorted(xs)
    assert len(xs) == 3
    assert xs[0] == pytest.approx(256.0)


def test_roofline_roof_bends_at_the_ridge_point() -> None:
    results = [e.result for e in ladder_history()]
    peaks = {("avx2", "f32"): 64.0, ("avx2", "f64"): 32.0, ("blas", "f32"): 60.0}
    series, caption = roofline_series(results, lambda isa, dt: peaks.get((isa, dt)), 10.0)
    assert [s.label for s in series[:2]] == ["roof f32", "roof f64"]  # one roof per dtype
    f32, f64 = series[0].points, series[1].points
    assert f32[0][1] < 64.0  # memory-bound end
    assert f32[-1][1] == 64.0  # compute-bound end: the best f32 peak, not BLAS's
    assert f64[-1][1] == 32.0
    assert f32[0] == f64[0]  # same memory slope
    assert caption == (
        "roofs: avx2.f32 peak 64.0 GFLOP/s, avx2.f64 peak 32.0 GFLOP/s; memory 10.0 GB/s"
    )
    assert all(not s.lines for s in series[2:])


def test_roofline_gets_the_low_precision_roofs() -> None:
    results = [e.result for e in lowp_history()]
    peaks = {("avx2", "f32"): 64.0, ("avx512", "bf16"): 235.0, ("avx512", "int8"): 470.0}
    series, caption = roofline_series(results, lambda isa, dt: peaks.get((isa, dt)), 30.0)
    assert [s.label for s in series if s.label.startswith("roof")] == [
        "roof bf16",
        "roof f32",
        "roof int8",
    ]
    assert "avx512_bf16.bf16 peak 235.0 GFLOP/s" in caption
    assert "avx512_vnni.int8 peak 470.0 GOP/s" in caption
    assert all(not s.lines for s in series[3:])


def test_roofline_without_measurements_still_places_results() -> None:
    results = [e.result for e in ladder_history()]
    series, caption = roofline_series(results, lambda _isa, _dt: None, None)
    assert caption == "peak not measured"
    assert series
    assert all(not s.label.startswith("roof") for s in series)
