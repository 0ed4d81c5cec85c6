"""`sshapp explain`: the lesson as text or JSON, measured with --size; errors in one line."""

from __future__ import annotations

import io
import json

import pytest

from sshapp.cli.base import REMOTE_VERBS
from sshapp.cli.main import main
from sshapp.cli.session import run_session
from sshapp.config import Settings
from sshapp.kernels import UnknownKernelError, get, lesson_source


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


def test_text_lesson_shows_the_files_header_loop_and_registers() -> None:
    code, out, err = _main("explain", "avx2.ukr_5x16.f32")
    assert code == 0, err
    source = lesson_source("avx2.ukr_5x16.f32")
    assert out.startswith("avx2.ukr_5x16.f32  (native/src/kernels/avx2/ukr_5x16.cpp)\n")
    assert "step before: avx2.ukr_4x16.f32" in out
    for line in source.header.splitlines():
        assert f"  {line}".rstrip() in out.splitlines()
    assert "  acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);" in out
    assert "registers: 10 accumulators + 2 B + 1 A broadcast = 13 of 16 ymm (3 free)" in out
    assert "ymm0-15: CCCCCCCCCCBBA..." in out
    assert "data reuse at 1024³, blocks MR=5 NR=16:" in out
    assert "this host: not measured (sshapp explain avx2.ukr_5x16.f32 --size N measures it)" in out


def test_json_lesson_carries_the_same_parts() -> None:
    code, out, _ = _main("explain", "avx2.packed_6x16.f32", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["header"] == lesson_source("avx2.packed_6x16.f32").header
    assert data["budget"]["summary"].startswith("12 accumulators + 2 B + 1 A broadcast = 15 of 16")
    assert [lv["name"] for lv in data["levels"]] == ["registers", "L1", "L2", "L3"]
    assert data["previous"] == "avx2.ukr_5x16.f32"
    assert data["answer"] is None


@pytest.mark.timeout(120)
def test_size_measures_the_kernel_and_the_step_before() -> None:
    kernel = "ref.reorder.f32"  # runs on every CPU; the step before is ref.naive.f32
    code, out, err = _main("explain", kernel, "--size", "64", "--json")
    assert code == 0, err
    answer = json.loads(out)["answer"]
    assert answer["gflops"] > 0
    assert answer["previous_gflops"] > 0
    assert answer["speedup"] == pytest.approx(answer["gflops"] / answer["previous_gflops"])
    assert answer["verdict"]["line"]
    code, out, _ = _main("explain", kernel, "--size", "64")
    assert code == 0
    assert "this host at 64³: " in out
    assert "the step before" in out
    assert "verdict: " in out


def test_a_reference_row_gets_its_modules_docstring() -> None:
    code, out, _ = _main("explain", "blas.numpy.f32")
    assert code == 0
    from sshapp.bench.host import blas

    assert (blas.__doc__ or "").strip().splitlines()[0] in out
    assert "inner loop:" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("explain", "avx2.ukr_5x17.f32"), "unknown kernel 'avx2.ukr_5x17.f32'; did you mean"),
        (("explain", "ref.naive.f32", "--size", "0"), "--size"),
        (("explain", "ref.naive.f32", "--size", "x"), "--size"),
        (("explain",), "KERNEL"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv: tuple[str, ...], message: str) -> None:
    code, out, err = _main(*argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert message in err


def test_unsupported_kernel_measured_is_refused_in_one_line() -> None:
    missing = next(
        (
            k
            for k in ("amx.tiles_32x32.bf16", "avx512.packed_14x32.f32")
            if _compiled_unsupported(k)
        ),
        None,
    )
    if missing is None:
        pytest.skip("every compiled AMX/AVX-512 kernel runs on this CPU")
    code, _, err = _main("explain", missing, "--size", "64")
    assert code == 2
    assert "cannot run here" in err
    assert err.count("\n") == 1
    code, out, _ = _main("explain", missing)  # the lesson itself is shown anywhere
    assert code == 0
    assert "this CPU cannot run it" in out


def _compiled_unsupported(kernel_id: str) -> bool:
    try:
        return not get(kernel_id).supported
    except UnknownKernelError:  # not compiled in this build
        return False


def test_explain_is_a_remote_verb_with_help(settings: Settings) -> None:
    assert "explain" in REMOTE_VERBS
    code, out, _ = _main("help", "explain")
    assert code == 0
    assert "--size" in out
    assert "--json" in out
    out_io, err_io = io.StringIO(), io.StringIO()
    code = run_session(
        io.StringIO(),
        out_io,
        err_io,
        settings,
        env={"SSH_ORIGINAL_COMMAND": "explain avx2.simd.f32 --json"},
        run_command=lambda argv, prog: main(argv, None, out_io, err_io, prog=prog),
    )
    assert code == 0, err_io.getvalue()
    assert json.loads(out_io.getvalue())["id"] == "avx2.simd.f32"
