"""The threaded packed driver: answers on awkward shapes, pinning, and no leftover threads."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sshapp import kernels
from sshapp.kernels import Blocking, KernelInfo, ThreadsError

CORES = kernels.allowed_cores()
TWO_CORES = pytest.mark.skipif(
    len(CORES) < 2, reason=f"needs 2 allowed cores for a team, this process has {len(CORES)}"
)
PACKED = [k for k in kernels.list_kernels() if k.threaded]
UNPACKED = [k for k in kernels.list_kernels() if not k.threaded]


def _blocks(info: KernelInfo) -> Blocking:
    """The model's blocks with NC capped at 64 panels of B.

    A CPU with a large L3 gets a very wide model NC (163,840 columns on a Xeon reporting
    480 MiB of L3): a shape crossing one jc step would then pass the run memory limit.
    """
    b = info.blocking
    return replace(b, NC=min(b.NC, 64 * b.NR))


def _shapes(info: KernelInfo) -> list[tuple[int, int, int]]:
    """Shapes with fewer row panels than threads, odd edges, and several pc / ic / jc steps."""
    b = _blocks(info)
    return [
        (1, 37, 41),
        (b.MR - 1, 2 * b.NR + 3, 19),
        (b.MR + 1, b.NR - 1, b.KC + 5),
        (2, 5 * b.NR + 1, 7),
        (2 * b.MR + 1, 3, b.KC * 2 + 1),
        (b.MC + b.MR + 1, b.NR + 1, 33),
        (2 * b.MC - 1, b.NC + b.NR + 1, 9),
        (97, 101, 103),
    ]


def _tasks() -> set[str]:
    return {p.name for p in Path("/proc/self/task").iterdir()}


@TWO_CORES
@pytest.mark.parametrize("info", PACKED, ids=lambda k: k.id)
def test_packed_kernels_give_the_reference_answer_on_a_team(info: KernelInfo) -> None:
    if not info.supported:
        pytest.skip(f"{info.id} cannot run here: {info.reason}")
    rng = np.random.default_rng(7)
    row = kernels.dtype(info.dtype)
    for threads in sorted({2, len(CORES)}):
        for m, n, k in _shapes(info):
            a = row.draw(rng, (m, k))
            b = row.draw(rng, (k, n))
            c = kernels.gemm(info.id, a, b, blocking=_blocks(info), threads=threads)
            verdict = kernels.check_product(c, a, b)
            assert verdict.ok, (info.id, threads, (m, n, k), verdict)


@TWO_CORES
def test_no_team_thread_outlives_a_run_finished_or_cancelled() -> None:
    kid = next(k.id for k in PACKED if k.supported)
    before = _tasks()
    seen_during: list[int] = []

    def stop_after_two(index: int, _seconds: float) -> bool:
        seen_during.append(kernels.live_pool_threads())
        return index < 1

    done = kernels.time_kernel(kid, 128, 128, 128, repeats=3, threads=2)
    assert len(done.samples) == 3
    assert done.threads == 2
    assert kernels.live_pool_threads() == 0
    cancelled = kernels.time_kernel(
        kid, 128, 128, 128, repeats=50, threads=2, on_sample=stop_after_two
    )
    assert cancelled.cancelled
    assert len(cancelled.samples) == 2
    assert seen_during == [1, 1]  # the worker is parked between samples, not gone
    assert kernels.live_pool_threads() == 0
    dt = kernels.dtype(kernels.get(kid).dtype).input
    square = np.ones((64, 64), dt)
    kernels.gemm(kid, square, square, threads=2)
    assert kernels.live_pool_threads() == 0
    assert not _tasks() - before  # every task the runs started is gone


@TWO_CORES
def test_team_threads_are_pinned_to_the_teams_cores() -> None:
    kid = next(k.id for k in PACKED if k.supported)
    me = str(os.getpid())
    masks: list[set[str]] = []

    def look(_index: int, _seconds: float) -> bool:
        found = set()
        for task in Path("/proc/self/task").iterdir():
            status = (task / "status").read_text()
            allowed = next(x for x in status.splitlines() if x.startswith("Cpus_allowed_list"))
            found.add(f"{task.name == me}:{allowed.split()[-1]}")
        masks.append(found)
        return False

    first = CORES[-1]
    team = kernels.team_cores(first, 2)
    kernels.time_kernel(kid, 64, 64, 64, repeats=2, threads=2, pin_core=first, on_sample=look)
    # The timing thread (here: this one) runs on the first core, the worker on the second.
    assert f"True:{first}" in masks[0], masks
    assert f"False:{team[1]}" in masks[0], masks
    assert team[0] == first != team[1]


def test_team_cores_follow_the_allowed_set() -> None:
    assert kernels.team_cores(-1, 1) == (CORES[-1],)
    assert set(kernels.team_cores(-1, len(CORES))) == set(CORES)
    for bad in (0, -1, len(CORES) + 1):
        with pytest.raises(ThreadsError) as err:
            kernels.team_cores(-1, bad)
        assert "\n" not in str(err.value)
    assert kernels.scaling_series()[0] == 1
    assert kernels.scaling_series()[-1] == len(CORES)
    assert kernels.scaling_series(limit=1) == (1,)


@pytest.mark.parametrize("info", UNPACKED, ids=lambda k: k.id)
def test_a_kernel_off_the_threaded_driver_refuses_threads(info: KernelInfo) -> None:
    # The kernels that do not pack (every packed one, bf16/int8 too, runs on a team).
    if not info.supported:
        pytest.skip(f"{info.id} cannot run here: {info.reason}")
    if len(CORES) < 2:
        pytest.skip("needs 2 allowed cores: with one, any count above 1 is refused for that")
    with pytest.raises(ThreadsError, match="one thread only"):
        kernels.time_kernel(info.id, 8, 8, 8, threads=2)


SCRIPT = """
from sshapp import kernels
kid = next(k.id for k in kernels.list_kernels() if k.threaded and k.supported)
print(kernels.allowed_cores())
try:
    kernels.time_kernel(kid, 32, 32, 32, threads=2)
except kernels.ThreadsError as exc:
    print("refused:", exc)
print(len(kernels.time_kernel(kid, 32, 32, 32, threads=1, repeats=2).samples))
"""


def test_one_allowed_core_refuses_a_team() -> None:
    # taskset -c <core>: the affinity mask a container's cpuset would give too.
    core = CORES[0]
    proc = subprocess.run(
        ["taskset", "-c", str(core), sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if not any(k.threaded and k.supported for k in PACKED):
        pytest.skip("no packed kernel runs on this CPU")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"({core},)"
    assert lines[1].startswith("refused: 2 threads asked for, but this process may use only 1 core")
    assert lines[2] == "2"
