"""Issue 16 (findings 2, 4, 5, 8): run limits that hold, whatever numbers a user types."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sshapp.bench.engine import Engine
from sshapp.bench.host import blas
from sshapp.bench.host.queue import HostQueue, QuotaError
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Event, Failed, Finished, Queued
from sshapp.bench.protocol.spec import BenchSpec, RunSpec, Shape
from sshapp.bench.run import plan
from sshapp.bench.run.bounds import MAX_SHAPES, MAX_WARMUP
from sshapp.config import Settings

LIMITS = plan.Limits(max_bytes=1 << 30, max_seconds=30.0)


def _spec(kernel: str, size: int = 1, **kw: object) -> BenchSpec:
    return BenchSpec((kernel,), (Shape(size, size, size),), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        # The per-call overhead counts: 6e7 numpy calls are ~60 s however small the product.
        (_spec("blas.numpy.f32", warmup=MAX_WARMUP), "would take"),
        (_spec("blas.numpy.f32", warmup=60_000_000), "at most 1,000,000"),
        (_spec("blas.numpy.f32", warmup=2_000_000_000_000), "at most"),
        (_spec("ref.naive.f32", warmup=2**31 - 1), "at most"),
        (_spec("ref.naive.f32", repeats=2**31), "at most 100,000"),
        (_spec("ref.naive.f32", size=int("9" * 300)), "a 300-digit number"),
        (BenchSpec(("ref.naive.f32",), (Shape(1, 1, int("9" * 300)),)), "k must be at most"),
        (BenchSpec(("ref.naive.f32",), tuple(Shape(s, s, s) for s in range(1, 66))), "64"),
    ],
)
def test_hostile_numbers_are_one_line(spec: BenchSpec, fragment: str) -> None:
    limits = replace(LIMITS, max_seconds=0.3) if spec.warmup == MAX_WARMUP else LIMITS
    with pytest.raises(SpecError) as info:
        plan.expand(spec, limits)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)
    assert len(str(info.value)) < 200


def test_sweep_cap_is_the_bench_layers() -> None:
    from sshapp.cli import sizes

    assert sizes.MAX_SWEEP_POINTS == MAX_SHAPES


def test_blas_loop_stops_at_its_deadline() -> None:
    started = time.monotonic()
    t = blas.time_blas("blas.numpy.f32", 1, 1, 1, warmup=10**9, repeats=1, deadline_seconds=0.3)
    assert time.monotonic() - started < 2.0
    assert t.timed_out
    assert t.samples == ()


@pytest.mark.parametrize(("kernel", "size"), [("blas.numpy.f32", 1), ("ref.naive.f32", 16)])
async def test_an_estimate_too_low_is_caught_by_the_deadline(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, kernel: str, size: int
) -> None:
    """Whatever the estimate lets through, warm-up included stops at the run's limit."""
    monkeypatch.setattr(plan, "estimate_seconds", lambda run: 0.0)  # noqa: ARG005
    engine = Engine(replace(settings, max_run_seconds=0.3), "u")
    engine.forget_peaks()
    await engine.measure_peaks()  # a first-run peak probe is not part of the run's time
    (run,) = engine.expand(_spec(kernel, size, warmup=MAX_WARMUP, repeats=1))
    started = time.monotonic()
    events = [event async for event in engine.run(run)]
    assert time.monotonic() - started < 2.5
    assert isinstance(events[-1], Failed), events[-1]
    assert "time limit of 0.3 s" in events[-1].error


def test_one_users_64_tickets_leave_a_bystander_at_most_the_quota_back(tmp_path: Path) -> None:
    queue = HostQueue(tmp_path / "queue")
    taken, refused = [], []
    for _ in range(64):
        try:
            taken.append(queue.enqueue("hog", quota=4))
        except QuotaError as exc:
            refused.append(str(exc))
    assert len(taken) == 4
    assert len(refused) == 60
    assert "\n" not in refused[0]
    assert "wait for one to finish" in refused[0]
    bystander = queue.enqueue("bystander", quota=4)
    assert queue.position(bystander) == 4
    assert [h.user for h in queue.holders()] == ["hog"] * 4 + ["bystander"]
    taken[0].release()  # a slot frees up: the hog may queue again, behind the bystander
    again = queue.enqueue("hog", quota=4)
    assert queue.position(again) == 4
    for ticket in (*taken, bystander, again):
        ticket.release()


async def test_over_the_quota_a_run_fails_at_once_with_one_final_line(settings: Settings) -> None:
    engine = Engine(replace(settings, max_queued_per_user=2), "hog")
    held = [engine.queue.enqueue("hog") for _ in range(2)]
    try:
        (run,) = engine.expand(_spec("ref.naive.f32", 8))
        events: list[Event] = [event async for event in engine.run(run)]
    finally:
        for ticket in held:
            ticket.release()
    assert len(events) == 1
    assert isinstance(events[0], Failed)
    assert events[0].final
    assert "2 runs queued or running" in events[0].error
    other = Engine(replace(settings, max_queued_per_user=2), "bystander")
    events = [event async for event in other.run(run)]
    assert isinstance(events[-1], Finished)
    assert not any(isinstance(e, Queued) for e in events)


def test_memory_model_counts_the_check_and_the_blas() -> None:
    big = RunSpec("blas.numpy.f32", "f32", Shape(9000, 9000, 9000))
    operands = 3 * 9000 * 9000 * 4
    assert plan.run_bytes(big) > operands  # A+B+C alone was all the old limit counted
    assert plan.run_bytes(big) <= LIMITS.max_bytes  # accepted: held under the limit below
    with pytest.raises(SpecError, match="the limit is 1,024 MiB per run"):
        plan.expand(_spec("blas.numpy.f32", 9300), LIMITS)


PEAK_RSS = """
import os, resource, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
err = child.stderr.read().decode()
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024, err.replace(chr(10), " "))
"""


def _peak_rss(size: int, env: dict[str, str]) -> tuple[int, int, str]:
    bench = [sys.executable, "-m", "sshapp", "bench", "blas.numpy.f32", "--size", str(size)]
    out = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *bench, "--reps", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    code, rss, err = out.split(" ", 2)
    return int(code), int(rss), err.strip()


@pytest.mark.timeout(120)
def test_a_run_just_under_the_limit_stays_under_it_in_rss(state_dir: Path) -> None:
    """The 9000² finding scaled down: a 128 MiB limit, the largest BLAS run it accepts.

    The old limit counted A+B+C only; the check then copied all three to float64 and
    took absolute values of A and B (peak ~4x the operands: 4.0 GiB at 9000²).
    """
    limit = 128 << 20
    env = {
        **os.environ,
        "SSHAPP_STATE_DIR": str(state_dir),
        "SSHAPP_MAX_RUN_BYTES": str(limit),
        "OPENBLAS_NUM_THREADS": "1",
    }
    code, baseline, err = _peak_rss(8, env)  # the interpreter, numpy, OpenBLAS; peaks probe
    assert code == 0, err
    code, baseline, err = _peak_rss(8, env)
    assert code == 0, err
    size = 2600  # A+B+C = 77 MiB; with the check and the BLAS's buffers just under 128 MiB
    assert plan.run_bytes(RunSpec("blas.numpy.f32", "f32", Shape(size, size, size))) <= limit
    code, peak, err = _peak_rss(size, env)
    assert code == 0, err
    assert peak - baseline <= limit, f"{(peak - baseline) >> 20} MiB over the baseline"
    code, _, err = _peak_rss(3000, env)  # A+B+C = 103 MiB: under the old rule, over the new
    assert code == 2
    assert "limit is 128 MiB per run" in err
