"""The Python dtype table: distinct input types, sizes, how inputs are drawn."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from sshapp import kernels
from sshapp.kernels import dtypes


def test_rows_are_named_once_with_distinct_input_types() -> None:
    assert len(set(dtypes.NAMES)) == len(dtypes.TABLE)
    assert len({row.input for row in dtypes.TABLE}) == len(dtypes.TABLE)
    for row in dtypes.TABLE:
        assert dtypes.of_input(row.input) is row
        assert row.native_input.itemsize == row.input.itemsize


def test_low_precision_rows_follow_the_contract() -> None:
    bf16, int8 = kernels.dtype("bf16"), kernels.dtype("int8")
    assert bf16.input == np.dtype(ml_dtypes.bfloat16)
    assert bf16.native_input == np.dtype(np.uint16)
    assert (bf16.output, bf16.rule) == (np.dtype(np.float32), "float")
    assert (int8.input, int8.output, int8.rule) == (np.int8, np.int32, "exact")
    assert int8.unit == "GOP/s"


def test_footprint_counts_c_in_its_output_type() -> None:
    assert kernels.footprint_bytes(2, 3, 5, "f32") == (10 + 15 + 6) * 4
    assert kernels.footprint_bytes(2, 3, 5, "bf16") == (10 + 15) * 2 + 6 * 4
    assert kernels.footprint_bytes(2, 3, 5, "int8") == (10 + 15) * 1 + 6 * 4
    with pytest.raises(ValueError, match="unknown dtype 'f16'; choose one of f32, f64"):
        kernels.footprint_bytes(1, 1, 1, "f16")


def test_bf16_inputs_are_drawn_in_range_and_rounded(rng: np.random.Generator) -> None:
    x = kernels.dtype("bf16").draw(rng, (64, 64))
    assert x.dtype == ml_dtypes.bfloat16
    wide = x.astype(np.float32)
    assert np.abs(wide).max() <= 1.0
    assert (wide.view(np.uint32) & 0xFFFF == 0).all()  # nothing below bf16's 8 bits
    assert len(np.unique(wide)) > 500


def test_int8_inputs_cover_the_whole_range(rng: np.random.Generator) -> None:
    x = kernels.dtype("int8").draw(rng, (128, 128))
    assert (x.dtype, int(x.min()), int(x.max())) == (np.int8, -128, 127)


def test_of_input_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="no kernel takes float16 inputs"):
        dtypes.of_input(np.float16)
