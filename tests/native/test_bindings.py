"""Argument validation of the bindings and the .pyi stub kept in sync with the module."""

from __future__ import annotations

import ast
import inspect
import time
from pathlib import Path

import numpy as np
import pytest

import sshapp
from sshapp import _native, kernels


def mats(m: int = 4, n: int = 5, k: int = 6, dt: type = np.float32) -> tuple[np.ndarray, ...]:
    return np.ones((m, k), dt), np.ones((k, n), dt), np.empty((m, n), dt)


def test_native_unknown_kernel() -> None:
    with pytest.raises(KeyError, match="unknown kernel 'nope'"):
        _native.gemm("nope", *mats())


def test_native_wrong_dtype() -> None:
    a, b, c = mats(dt=np.float64)
    with pytest.raises(
        TypeError, match=r"a has dtype float64, kernel ref.naive.f32 \(f32\) needs float32"
    ):
        _native.gemm("ref.naive.f32", a, b, c)


def test_native_bf16_kernel_given_f32_arrays() -> None:
    """bf16 crosses as its uint16 bit pattern; f32 arrays are refused by name, not misread."""
    a, b, c = mats()
    with pytest.raises(
        TypeError, match=r"a has dtype float32, kernel ref.naive.bf16 \(bf16\) needs uint16"
    ):
        _native.gemm("ref.naive.bf16", a, b, c)
    a16, b16 = a.view(np.uint16)[:, :6].copy(), b.view(np.uint16)[:, :5].copy()
    with pytest.raises(
        TypeError, match=r"c has dtype uint16, kernel ref.naive.bf16 .* needs float32"
    ):
        _native.gemm("ref.naive.bf16", a16, b16, np.empty((4, 5), np.uint16))


def test_native_int8_output_is_int32() -> None:
    a, b = np.ones((4, 6), np.int8), np.ones((6, 5), np.int8)
    with pytest.raises(TypeError, match=r"c has dtype int8, kernel ref.naive.int8 .* needs int32"):
        _native.gemm("ref.naive.int8", a, b, np.empty((4, 5), np.int8))
    c = np.empty((4, 5), np.int32)
    _native.gemm("ref.naive.int8", a, b, c)
    assert (c == 6).all()


def test_native_dtype_table_matches_python() -> None:
    """The C++ and Python dtype tables agree row for row (names, order, sizes, types)."""
    rows = _native.list_dtypes()
    assert [r["name"] for r in rows] == list(kernels.DTYPES)
    for raw, row in zip(rows, kernels.DTYPE_TABLE, strict=True):
        assert (raw["in_size"], raw["out_size"]) == (row.in_size, row.out_size)
        assert np.dtype(raw["in_format"]) == row.native_input
        assert np.dtype(raw["out_format"]) == row.output
        assert row.native_input.itemsize == row.input.itemsize


def test_native_probe_parses_dtypes_through_the_table() -> None:
    # The dtype is parsed before the ISA is checked or anything runs.
    with pytest.raises(
        ValueError, match=r"unknown dtype 'f16' \(expected one of f32, f64, bf16, int8\)"
    ):
        _native.probe_fma("nope", "f16")


def test_native_shape_mismatch() -> None:
    a, _, c = mats()
    with pytest.raises(ValueError, match="shape mismatch"):
        _native.gemm("ref.naive.f32", a, np.ones((7, 5), np.float32), c)


def test_native_non_contiguous() -> None:
    _a, b, c = mats()
    with pytest.raises(ValueError, match="C-contiguous"):
        _native.gemm("ref.naive.f32", np.ones((6, 4), np.float32).T, b, c)


def test_native_not_2d() -> None:
    _, b, c = mats()
    with pytest.raises(ValueError, match="2-D"):
        _native.gemm("ref.naive.f32", np.ones(24, np.float32), b, c)


def test_native_rejects_aliasing_output() -> None:
    a = np.ones((5, 5), np.float32)
    with pytest.raises(ValueError, match="overlap"):
        _native.gemm("ref.naive.f32", a, a.copy(), a)


def test_native_rejects_readonly_output() -> None:
    a, b, c = mats()
    c.setflags(write=False)
    with pytest.raises(ValueError, match="writeable"):
        _native.gemm("ref.naive.f32", a, b, c)


def test_python_errors_are_readable() -> None:
    a, b, _ = mats()
    with pytest.raises(TypeError, match="a must be a numpy array"):
        kernels.gemm("ref.naive.f32", [[1.0]], b)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shape mismatch: a is 4x6 but b is 5x5"):
        kernels.gemm("ref.naive.f32", a, np.ones((5, 5), np.float32))
    with pytest.raises(kernels.SizeLimitError, match="limit is"):
        kernels.gemm("ref.naive.f32", a, b, max_bytes=100)
    with pytest.raises(
        TypeError, match=r"a has dtype float32, kernel ref.naive.bf16 \(bf16\) needs bfloat16"
    ):
        kernels.gemm("ref.naive.bf16", a, b)
    with pytest.raises(ValueError, match="n must be >= 1"):
        kernels.time_kernel("ref.naive.f32", 4, 0, 4)
    with pytest.raises(kernels.SizeLimitError):
        kernels.time_kernel("ref.naive.f32", 100_000, 100_000, 100_000)


def test_unsupported_kernel_never_runs() -> None:
    """An unsupported kernel raises in Python and in C++, before any instruction runs."""
    for info in kernels.list_kernels():
        if info.supported:
            continue
        a, b, c = mats(dt=kernels.dtype(info.dtype).native_input.type)
        with pytest.raises(kernels.UnsupportedKernelError, match="cannot run here"):
            kernels.gemm(info.id, a, b)
        with pytest.raises(RuntimeError, match="not supported on this CPU: missing"):
            _native.gemm(info.id, a, b, c)


def test_time_kernel_streams_samples_and_cancels() -> None:
    seen: list[tuple[int, float]] = []

    def on_sample(index: int, seconds: float) -> bool:
        seen.append((index, seconds))
        return index < 2

    t = kernels.time_kernel("ref.reorder.f32", 32, 32, 32, repeats=10, on_sample=on_sample)
    assert t.cancelled
    assert [i for i, _ in seen] == [0, 1, 2]
    assert t.samples == tuple(s for _, s in seen)
    assert all(s > 0 for s in t.samples)
    assert t.calls_per_sample > 1  # a 32³ product is far below the 2 ms sample floor


def test_time_kernel_budget_stops_early() -> None:
    t = kernels.time_kernel(
        "ref.naive.f32", 64, 64, 64, repeats=1000, budget_seconds=0.02, min_sample_seconds=1e-3
    )
    assert 1 <= len(t.samples) < 1000
    assert not t.cancelled


def test_callback_exception_propagates() -> None:
    def boom(index: int, seconds: float) -> bool:
        msg = "stop here"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="stop here"):
        kernels.time_kernel("ref.naive.f32", 8, 8, 8, on_sample=boom)


def test_pin_to_missing_core_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot pin to core"):
        kernels.time_kernel("ref.naive.f32", 8, 8, 8, pin_core=1000)


def _stub() -> ast.Module:
    path = Path(sshapp.__file__).with_name("_native.pyi")
    return ast.parse(path.read_text())


def test_stub_lists_every_public_function() -> None:
    stub_funcs = {n.name: n for n in _stub().body if isinstance(n, ast.FunctionDef)}
    public = {n for n in dir(_native) if not n.startswith("_")}
    assert set(stub_funcs) == public


def test_stub_docstrings_and_parameters_match() -> None:
    for node in _stub().body:
        if not isinstance(node, ast.FunctionDef):
            continue
        func = getattr(_native, node.name)
        doc = inspect.getdoc(func) or ""
        # pybind11 puts the signature on the first line, then the docstring.
        signature, _, text = doc.partition("\n\n")
        assert text.strip() == (ast.get_docstring(node) or "").strip(), node.name
        stub_params = [a.arg for a in node.args.args + node.args.kwonlyargs]
        for param in stub_params:
            assert f"{param}:" in signature, (node.name, param)


@pytest.mark.parametrize("kernel_id", ["ref.naive.f32", "avx512.packed_14x32.f32"])
def test_deadline_stops_a_huge_warm_up(kernel_id: str) -> None:
    """Issue 16: `--warmup 2147483647` at size 1 was minutes of native code nothing stopped."""
    info = next(k for k in kernels.list_kernels() if k.id == kernel_id)
    if not info.supported:
        pytest.skip(f"{kernel_id} cannot run here: {info.reason}")
    started = time.monotonic()
    t = kernels.time_kernel(kernel_id, 1, 1, 1, warmup=2**31 - 1, repeats=1, deadline_seconds=0.3)
    assert time.monotonic() - started < 2.0
    assert t.timed_out
    assert t.samples == ()


def test_deadline_ends_the_samples_and_counts_from_the_start() -> None:
    t = kernels.time_kernel(
        "ref.naive.f32",
        64,
        64,
        64,
        repeats=100_000,
        min_sample_seconds=1e-3,
        deadline_seconds=0.2,
    )
    assert t.timed_out
    assert 1 <= len(t.samples) < 100_000
    assert sum(t.samples) * t.calls_per_sample < 0.3


def test_counts_beyond_a_c_int_are_a_value_error_before_native_code() -> None:
    with pytest.raises(ValueError, match="repeats must be"):
        kernels.time_kernel("ref.naive.f32", 1, 1, 1, repeats=2**31)
    with pytest.raises(ValueError, match="warmup 0"):
        kernels.time_kernel("ref.naive.f32", 1, 1, 1, warmup=2**31)
