"""bf16 and int8 through the CLI: bench, JSON events, history, one-line errors."""

from __future__ import annotations

import io
import json

import pytest

from sshapp.cli.main import main


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("dtype", ["bf16", "int8"])
def test_reference_bench_json_lands_in_history(dtype: str) -> None:
    kid = f"ref.naive.{dtype}"
    code, out, err = _main("bench", kid, "--size", "64", "--json")
    assert (code, err) == (0, "")
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events] == ["started"] + ["sample"] * 5 + ["finished"]
    done = events[-1]
    assert (done["kernel"], done["dtype"], done["m"]) == (kid, dtype, 64)
    assert done["check_ok"] is True
    assert done["best_gflops"] > 0
    assert done["blas_ratio"] is None  # numpy has no bf16 / int8 BLAS to compare with
    code, out, _ = _main("results", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["kernel"], r["dtype"], r["check_ok"]) for r in rows] == [(kid, dtype, True)]


def test_dtype_filter_picks_the_low_precision_kernels() -> None:
    code, out, err = _main("bench", "ref.*", "--dtype", "int8", "--size", "24", "--reps", "1")
    assert (code, err) == (0, "")
    assert "ref.naive.int8 24 (int8): running" in out
    assert "GOP/s" in out
    assert "int8 peak" in out
    assert ".f32" not in out


def test_kernels_lists_the_low_precision_rows() -> None:
    code, out, _ = _main("kernels", "--json")
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0
    assert rows["ref.naive.bf16"]["dtype"] == "bf16"
    assert rows["ref.naive.int8"]["supported"] is True


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["ref.naive.bf16", "--dtype", "int8"], "kernel ref.naive.bf16 works on bf16, not int8"),
        (["ref.naive.f32", "--dtype", "bf16"], "works on f32, not bf16"),
        (["ref.naive.f32", "--dtype", "i8"], "unknown dtype 'i8'; choose one of f32, f64, bf16"),
        (["blas.numpy.bf16"], "unknown kernel 'blas.numpy.bf16'"),
    ],
)
def test_wrong_dtype_is_one_line_exit_2(argv: list[str], fragment: str) -> None:
    code, out, err = _main("bench", *argv, "--size", "16")
    assert (code, out) == (2, "")
    assert fragment in err
    assert err.count("\n") == 1, err
