"""CLI: exit codes, one-line errors, tables, JSON lines streamed as they happen, Ctrl+C."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sshapp.bench.run import plan
from sshapp.cli.main import main
from sshapp.kernels import allowed_cores, get, list_kernels, probes

CLI = [sys.executable, "-m", "sshapp"]
"""The command line in a subprocess."""


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


BAD = [
    ("--size", "0"),
    ("--size", "-5"),
    ("--size", "100000"),
    ("--size", "abc"),
    ("--size", "1.5"),
    ("--mnk", "1,2"),
    ("--mnk", "4,x,4"),
    ("--sweep", "512:64:x2"),
    ("--sweep", "64:2048:x1"),
    ("--reps", "0"),
    ("--time", "-1"),
    ("--time", "nan"),
    ("--frobnicate",),
    ("--size", "64", "--mnk", "1,2,3"),
    ("--dtype", "f16"),
    ("--dtype", "f64"),
    ("--threads", "0"),
    ("--threads", "-1"),
    ("--threads", "two"),
    ("--threads", "1,,2"),
    ("--threads", "4097"),
    ("--threads", "2", "--scaling"),
]


@pytest.mark.parametrize("extra", BAD, ids=" ".join)
def test_bad_bench_options_are_one_line_exit_2(extra: tuple[str, ...]) -> None:
    code, out, err = _main("bench", "ref.naive.f32", *extra)
    assert code == 2
    assert out == ""
    assert err.startswith("sshapp: error: ")
    assert err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["bench", "no.such.kernel"], "unknown kernel"),
        (["bench", "ref.naive.f32", "--size", "8192"], "would take"),
        (["bench", "ref.naive.f32", "--dtype", "f64"], "not f64"),
        (["bench"], "required"),
        (["nonsense"], "invalid choice"),
        (["results", "--bogus"], "unrecognized"),
    ],
)
def test_bad_commands_say_why(argv: list[str], fragment: str) -> None:
    code, _, err = _main(*argv)
    assert code == 2
    assert fragment in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "argv", [["bench", "x", "--size", "abc"], ["bench", "ref.*", "--size", "0"]]
)
def test_no_traceback_in_a_real_process(argv: list[str]) -> None:
    proc = subprocess.run([*CLI, *argv], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_bench_table_and_results() -> None:
    code, out, err = _main("bench", "ref.reorder.f32", "blas.numpy.f32", "--size", "48")
    assert (code, err) == (0, "")
    assert out.count("rep ") == 10
    assert "x BLAS" in out
    code, out, _ = _main("results", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["kernel"] for r in rows} == {"ref.reorder.f32", "blas.numpy.f32"}
    code, out, _ = _main("results", "--best")
    assert "ref.reorder.f32" in out


def test_bench_json_is_one_object_per_line() -> None:
    code, out, _ = _main("bench", "ref.naive.f32", "--sweep", "16:32:x2", "--reps", "2", "--json")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds == ["started", "sample", "sample", "finished"] * 2
    assert events[-1]["check_ok"] is True


def test_kernels_and_cpu() -> None:
    code, out, _ = _main("kernels", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert "blas.numpy.f64" in {r["id"] for r in rows}
    code, out, _ = _main("cpu", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["features"]
    assert set(info["features"].values()) <= {"present", "masked", "absent"}


def test_version_help_and_usage() -> None:
    assert _main("version")[:2] == (0, "sshapp 0.1.0\n")
    code, out, _ = _main("help")
    assert code == 0
    assert "bench" in out
    code, out, _ = _main("help", "bench")
    assert code == 0
    assert "--sweep" in out
    code, out, _ = _main("bench", "--help")
    assert code == 0
    assert "--mnk" in out
    assert _main()[0] == 2


def test_unsupported_kernel_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs on any CPU: one kernel in the table pretends to need AVX-512."""
    real = list_kernels()[0]
    fake = replace(real, id="avx512.fake.f32", requires=("avx512f",), missing=("avx512f",))
    monkeypatch.setattr(plan, "get", lambda kid: fake if kid == fake.id else get(kid))
    code, out, err = _main("bench", "avx512.fake.f32", "--size", "64")
    assert (code, out) == (2, "")
    assert "cannot run here" in err
    assert err.count("\n") == 1


def test_missing_front_ends_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sshapp.tui.app", None)
    monkeypatch.setitem(sys.modules, "sshapp.ssh", None)
    for verb in ("tui", "serve"):
        code, _, err = _main(verb)
        assert code == 1
        assert "not available" in err
        assert err.count("\n") == 1


def test_corrupt_history_is_exit_1_and_runs_still_show_their_result(state_dir: Path) -> None:
    state_dir.mkdir(parents=True)
    (state_dir / "history.sqlite3").write_bytes(b"garbage" * 200)
    code, _, err = _main("results")
    assert code == 1
    assert "damaged" in err
    assert str(state_dir) not in err
    code, out, err = _main("bench", "ref.reorder.f32", "--size", "16", "--json")
    assert code == 0
    assert json.loads(out.splitlines()[-1])["event"] == "finished"
    assert "not saved" in err


def test_json_stream_arrives_incrementally(sub_env: dict[str, str]) -> None:
    """The first sample is on the pipe long before the run ends."""
    argv = [*CLI, "bench", "ref.naive.f32", "--size", "256", "--reps", "40", "--json"]
    arrivals: list[tuple[float, dict[str, object]]] = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=sub_env) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            arrivals.append((time.monotonic(), json.loads(line)))
    assert proc.returncode == 0
    kinds = [event["event"] for _, event in arrivals]
    assert kinds[0] == "started"
    assert kinds[-1] == "finished"
    assert kinds.count("sample") == 40
    first_sample = next(t for t, e in arrivals if e["event"] == "sample")
    assert arrivals[-1][0] - first_sample > 0.25


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM])
def test_ctrl_c_or_hangup_cancels_cleanly(
    sub_env: dict[str, str], state_dir: Path, sig: signal.Signals
) -> None:
    """Ctrl+C, a hang-up (disconnect) or a stop request: exit 130, host released."""
    argv = [*CLI, "bench", "ref.naive.f32", "--size", "256", "--reps", "5000", "--json"]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=sub_env
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if json.loads(line)["event"] == "sample":
                break
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert list((state_dir / "queue").glob("*.ticket")) == []


def test_cli_never_loads_ui_or_network_stacks() -> None:
    code = (
        "import io, json, sys; from sshapp.cli.main import main;"
        "main(['kernels'], io.StringIO(), io.StringIO(), io.StringIO());"
        "main(['bench', 'ref.reorder.f32', '--size', '8'], io.StringIO(), io.StringIO(), "
        "io.StringIO()); print(json.dumps(sorted(sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    loaded = set(json.loads(proc.stdout))
    assert not loaded & {"textual", "rich", "asyncssh"}


def test_reader_going_away_stops_the_run(sub_env: dict[str, str], state_dir: Path) -> None:
    """Like an ssh exec client disconnecting: the next write fails and the run stops."""
    argv = [*CLI, "bench", "ref.naive.f32", "--size", "256", "--reps", "5000", "--json"]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=sub_env
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if json.loads(line)["event"] == "sample":
                break
        proc.stdout.close()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 1
    assert "Traceback" not in err
    assert list((state_dir / "queue").glob("*.ticket")) == []


def test_engine_warnings_are_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> None:
        raise RuntimeError("probe crashed\nsecond line")

    monkeypatch.setattr(probes, "measure_peaks", broken)
    code, out, err = _main("cpu")
    assert code == 0
    assert "not measured" in out
    assert err == "sshapp: warning: measuring peaks failed; peaks stay unknown\n"


def test_bench_json_and_results_carry_the_thread_count() -> None:
    code, out, _ = _main("bench", "blas.numpy.f32", "--size", "32", "--reps", "2", "--json")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert {e["threads"] for e in events} == {1}
    code, out, _ = _main("results", "--json")
    assert code == 0
    assert json.loads(out.splitlines()[0])["threads"] == 1


def test_threads_on_a_kernel_that_does_not_pack_is_one_line() -> None:
    if len(allowed_cores()) < 2:
        pytest.skip("needs 2 allowed cores: with one, --threads 2 is refused for that reason")
    code, out, err = _main("bench", "ref.naive.f32", "--threads", "2")
    assert code == 2
    assert out == ""
    assert err == (
        "sshapp: error: ref.naive.f32 runs on one thread only (the packed kernels run threaded)\n"
    )
