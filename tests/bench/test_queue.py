"""Host-wide queue: FIFO order, positions, no stale locks, real processes never overlap."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sshapp.bench.host.queue import HostQueue

KERNEL = "ref.naive.f32"
"""A kernel every build has; slow enough at 256³ (~15 ms a call) to give long runs."""


class Proc:
    """A queue_worker.py subprocess whose JSON lines are collected by a reader thread."""

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(json.loads(line))

    def wait_for(self, event: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if line["event"] == event:
                    return line
            if self.popen.poll() is not None and not self._thread.is_alive():
                break
            time.sleep(0.01)
        err = self.popen.stderr.read() if self.popen.poll() is not None else ""  # type: ignore[union-attr]
        msg = f"no {event!r} event; got {self.lines}; stderr: {err}"
        raise AssertionError(msg)

    def finish(self, timeout: float = 60.0) -> int:
        code = self.popen.wait(timeout)
        self._thread.join(5)
        return code

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)
        self._thread.join(5)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Processes a test started; all killed at the end whatever happens."""
    started: list[Proc] = []
    yield started
    for p in started:
        p.kill()


def test_tickets_are_fifo_and_report_positions(tmp_path: Path) -> None:
    q = HostQueue(tmp_path / "q")
    first, second, third = q.enqueue(), q.enqueue(), q.enqueue()
    assert [q.position(t) for t in (first, second, third)] == [0, 1, 2]
    second.release()
    assert q.position(third) == 1
    first.release()
    assert q.position(third) == 0
    third.release()
    assert list((tmp_path / "q").glob("*.ticket")) == []


def test_release_is_idempotent(tmp_path: Path) -> None:
    q = HostQueue(tmp_path / "q")
    t = q.enqueue()
    t.release()
    t.release()
    assert t.released


def test_dead_owner_ticket_is_removed(tmp_path: Path, worker_cmd: list[str]) -> None:
    """A ticket whose owner died (SIGKILL) does not block the queue and is deleted."""
    qdir = tmp_path / "q"
    code = (
        "import sys, time; from pathlib import Path; from sshapp.bench.host.queue import HostQueue;"
        f"t = HostQueue(Path({str(qdir)!r})).enqueue(); print('ready', flush=True);"
        "time.sleep(60)"
    )
    with subprocess.Popen([worker_cmd[0], "-c", code], stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        q = HostQueue(qdir)
        mine = q.enqueue()
        assert q.position(mine) == 1
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        assert q.position(mine) == 0
        assert [p.name for p in qdir.glob("*.ticket")] == [mine.path.name]
        mine.release()


def test_two_processes_never_overlap(
    worker_cmd: list[str], sub_env: dict[str, str], procs: list[Proc]
) -> None:
    """Started together, two benchmarks run one after the other; the second one waits."""
    procs += [Proc([*worker_cmd, KERNEL, "256", "100"], sub_env) for _ in range(2)]
    assert [p.finish() for p in procs] == [0, 0]
    intervals = sorted((p.wait_for("started")["t"], p.wait_for("finished")["t"], p) for p in procs)
    (s1, e1, _), (s2, e2, later) = intervals
    assert s1 < e1 <= s2 < e2, f"timed intervals overlap: {intervals}"
    assert later.wait_for("queued")["position"] == 1


def test_sigkill_of_runner_lets_next_start(
    worker_cmd: list[str], sub_env: dict[str, str], procs: list[Proc]
) -> None:
    runner = Proc([*worker_cmd, KERNEL, "256", "1000"], sub_env)
    procs.append(runner)
    runner.wait_for("sampled")
    waiter = Proc([*worker_cmd, KERNEL, "64", "3"], sub_env)
    procs.append(waiter)
    assert waiter.wait_for("queued")["position"] == 1
    killed_at = time.monotonic()
    runner.popen.send_signal(signal.SIGKILL)
    started = waiter.wait_for("started", timeout=10)["t"]
    assert started - killed_at < 2.0
    assert waiter.finish() == 0


def test_lost_counter_never_jumps_the_queue(tmp_path: Path) -> None:
    q = HostQueue(tmp_path / "q")
    first = q.enqueue()
    (tmp_path / "q" / "seq").write_text("garbage")
    second = q.enqueue()
    assert second.seq > first.seq
    assert q.position(second) == 1
    first.release()
    second.release()
