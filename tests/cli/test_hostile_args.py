"""Issue 16 (findings 4, 5, 8, 9): hostile arguments get one line and exit 2; results are paged."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from sshapp.bench.history.database import History
from sshapp.bench.protocol.spec import BenchResult, RunSpec, Shape, Stats
from sshapp.bench.run.bounds import MAX_RESULTS
from sshapp.cli.base import EXIT_USAGE
from sshapp.cli.main import main

DIGITS = "9" * 300


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ("results", "--limit", "99999999999999999999"),
        ("results", "--limit", "9223372036854775807"),
        ("results", "--offset", "-1"),
        ("bench", "ref.naive.f32", "--size", DIGITS),
        ("bench", "ref.naive.f32", "--size", "9" * 5000),  # beyond int()'s digit limit
        ("bench", "ref.naive.f32", "--mnk", f"1,1,{DIGITS}"),
        ("bench", "ref.naive.f32", "--sweep", f"1:{DIGITS}:+1"),
        ("bench", "ref.naive.f32", "--size", "1", "--reps", str(2**31)),
        ("bench", "ref.naive.f32", "--size", "1", "--warmup", str(2**31)),
        ("bench", "ref.naive.f32", "--size", "1", "--warmup", "-1"),
        ("bench", "blas.numpy.f32", "--size", "1", "--warmup", "60000000", "--reps", "1"),
        ("bench", "blas.numpy.f32", "--size", "1", "--warmup", "2000000000000"),
        ("bench", "avx512.packed_14x32.f32", "--size", "1", "--warmup", "2147483647"),
        ("tune", "--budget", "1e300", "--size", "64"),  # issue 23's fuzzer: held the host
        ("tune", "--budget", "3601"),
        ("bench", "ref.naive.f32", "--time", "x" * 3000),  # the fuzzer: a 3061-char line
        ("tune", "--budget", "9" * 3000),
        ("kernels", "--json", "x" * 3000),  # argparse echoed unrecognised arguments whole
        ("results", *["y" * 50] * 100),
    ],
)
def test_one_line_and_exit_2(argv: tuple[str, ...], state_dir: Path) -> None:
    code, out, err = _main(*argv)
    assert code == EXIT_USAGE, err
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("sshapp: error: ")
    assert len(err) < 300
    assert not (state_dir / "queue").exists()  # refused before taking a queue slot


def _result(kernel: str) -> BenchResult:
    run = RunSpec(kernel, "f32", Shape(8, 8, 8), repeats=1)
    return BenchResult(run, (1e-6,), Stats(1e-6, 1e-6, 0.0), 1.0, 1.0, None, None, 0.0, True)


def test_results_are_paged(state_dir: Path) -> None:
    history = History(state_dir / "history.sqlite3")
    for i in range(5):
        history.add(_result(f"k{i}"), user="u", cpu="c", when=1000.0 + i)
    code, out, _ = _main("results", "--json", "--limit", "2", "--offset", "1")
    assert code == 0
    assert [json.loads(line)["kernel"] for line in out.splitlines()] == ["k3", "k2"]
    code, _, err = _main("results", "--limit", str(MAX_RESULTS + 1))
    assert code == EXIT_USAGE
    assert f"at most {MAX_RESULTS:,}" in err


def test_one_bad_row_does_not_break_results_for_everyone(state_dir: Path) -> None:
    history = History(state_dir / "history.sqlite3")
    for i in range(3):
        history.add(_result(f"k{i}"), user="u", cpu="c", when=1000.0 + i)
    with sqlite3.connect(history.path) as db:
        db.execute("UPDATE runs SET samples = '{not json' WHERE kernel_id = 'k1'")
    code, out, err = _main("results", "--json")
    assert code == 0, err
    assert [json.loads(line)["kernel"] for line in out.splitlines()] == ["k2", "k0"]
    assert err == "sshapp: warning: skipped 1 damaged history row\n"
