"""The run log: one logfmt line per run, whichever way it ended; silent unless attached."""

from __future__ import annotations

import logging
import os

import pytest

from sshapp.bench.protocol.events import Cancelled, Failed, Finished
from sshapp.bench.protocol.spec import BenchResult, RunSpec, Shape, Stats
from sshapp.bench.run import runlog


def _run() -> RunSpec:
    return RunSpec("avx2.packed_6x16.f32", "f32", Shape(64, 32, 16), 3, None, 1)


def _result(check_ok: bool) -> BenchResult:
    samples = (0.001, 0.002, 0.0015)
    return BenchResult(
        run=_run(), samples=samples, stats=Stats.of(samples), best_gflops=12.345,
        median_gflops=10.0, peak_fraction=None, blas_ratio=None, check_error=0.0,
        check_ok=check_ok,
    )  # fmt: skip


@pytest.fixture
def pipe_log() -> object:
    read_fd, write_fd = os.pipe()
    assert runlog.attach_from_env({"SSHAPP_LOG_FD": str(write_fd)})

    def lines() -> list[str]:
        for handler in runlog.logger.handlers:
            handler.flush()
        os.set_blocking(read_fd, False)
        try:
            return os.read(read_fd, 65536).decode().splitlines()
        except BlockingIOError:
            return []

    yield lines
    for handler in list(runlog.logger.handlers):
        runlog.logger.removeHandler(handler)
        handler.close()
        if isinstance(handler, logging.StreamHandler):
            handler.stream.close()  # the write end of the pipe
    runlog.logger.setLevel(logging.NOTSET)
    os.close(read_fd)


def test_every_ending_is_one_line(pipe_log) -> None:  # type: ignore[no-untyped-def]
    run = _run()
    runlog.log_run("bob", run, Finished(_result(True)), 1.234)
    runlog.log_run("bob", run, Finished(_result(False)), 1.0)
    runlog.log_run("bob", run, Failed(run, "out of memory " * 40), 0.5)
    runlog.log_run("bob", run, Cancelled(run), 0.5)
    runlog.log_run('mallory "x=1"\nevent=fake', run, None, 0.1)
    lines = pipe_log()
    assert len(lines) == 5
    assert all(" INFO sshapp.bench.runs event=bench_run " in line for line in lines)
    assert "user=bob kernel=avx2.packed_6x16.f32 dtype=f32 shape=64x32x16 seconds=1.23" in lines[0]
    assert "status=ok reps=3 best_gflops=12.35 median_gflops=10.00" in lines[0]
    assert "status=wrong_result" in lines[1]
    assert "status=failed" in lines[2]
    assert len(lines[2]) < 400  # the error is cut
    assert "status=cancelled" in lines[3]
    assert "status=abandoned" in lines[4]
    assert 'user="mallory \\"x=1\\"\\nevent=fake"' in lines[4]  # quoted: still one line


def test_silent_without_a_handler_and_unusable_fds_are_ignored() -> None:
    assert not runlog.attach_from_env({})
    assert not runlog.attach_from_env({"SSHAPP_LOG_FD": "x"})
    assert not runlog.attach_from_env({"SSHAPP_LOG_FD": "987654"})  # not open
    assert not runlog.logger.isEnabledFor(logging.INFO)  # the default: nothing logged
