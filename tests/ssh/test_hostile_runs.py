"""Issue 16, part B, replayed: hostile runs against a real `sshapp serve` on 127.0.0.1.

Each case is what a hostile user sent (findings 2, 4, 5, 8, 9) through asyncssh exec to
the real `sshapp session`; each is bounded in count and time (a few seconds) and talks
only to the loopback server the fixture started on a free port.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from sshapp.bench.history.database import History
from sshapp.bench.host.queue import QUEUE_DIR, SUFFIX, HostQueue
from sshapp.bench.protocol.spec import BenchResult, RunSpec, Shape, Stats
from sshapp.ssh.options import default_session_argv
from tests.ssh.conftest import StartServer, connect

pytestmark = pytest.mark.timeout(120)

DIGITS = "9" * 300


def _state(server: Any) -> Path:
    return Path(server.state.settings.state_dir).absolute()


def _one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert text.count("\n") == 1, text
    assert "Traceback" not in text
    assert "internal error" not in text
    return text


async def _run(conn: Any, command: str, timeout: float = 30.0) -> Any:
    return await asyncio.wait_for(conn.run(command, encoding=None), timeout)


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("results --limit 99999999999999999999", "at most 1,000"),
        ("results --limit 9223372036854775807", "at most 1,000"),
        (f"bench ref.naive.f32 --size {DIGITS}", "300-digit"),
        (f"bench ref.naive.f32 --mnk 1,1,{DIGITS}", "300-digit"),
        (f"bench ref.naive.f32 --size 1 --reps {2**31}", "at most 100,000"),
        (f"bench ref.naive.f32 --size 1 --warmup {2**31}", "at most 1,000,000"),
        ("bench blas.numpy.f32 --size 1 --warmup 60000000 --reps 1", "at most 1,000,000"),
        ("bench blas.numpy.f32 --size 1 --warmup 2000000000000", "at most 1,000,000"),
        ("bench avx512.packed_14x32.f32 --size 1 --warmup 2147483647", "at most 1,000,000"),
        ("bench " + "x" * 250_000, "longer than 4096 characters"),
    ],
    ids=lambda v: str(v)[:40],
)
async def test_hostile_numbers_get_one_line_and_exit_2(
    start: StartServer, caplog: pytest.LogCaptureFixture, command: str, fragment: str
) -> None:
    server = await start(session_argv=default_session_argv())
    started = time.monotonic()
    async with connect(server.port) as conn:
        result = await _run(conn, command)
    assert time.monotonic() - started < 20
    assert result.exit_status == 2, result.stderr
    assert fragment in _one_line(result.stderr)
    assert not list((_state(server) / QUEUE_DIR).glob(f"*{SUFFIX}"))  # no queue slot taken
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_warm_up_the_time_limit_cannot_hold_is_refused(
    start: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-call overhead counts: a million numpy calls at size 1 are not free."""
    monkeypatch.setenv("SSHAPP_MAX_RUN_SECONDS", "0.3")
    server = await start(session_argv=default_session_argv())
    async with connect(server.port) as conn:
        result = await _run(conn, "bench blas.numpy.f32 --size 1 --warmup 1000000 --reps 1")
    assert result.exit_status == 2, result.stderr
    assert "would take at least" in _one_line(result.stderr)


async def test_one_users_sessions_queue_at_most_the_quota(
    start: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSHAPP_MAX_QUEUED_PER_USER", "2")
    server = await start(session_argv=default_session_argv())
    queue = HostQueue(_state(server) / QUEUE_DIR)
    hog_run = "bench ref.naive.f32 --size 64 --time 2 --json"
    async with (
        connect(server.port, username="hog") as one,
        connect(server.port, username="hog") as two,
        connect(server.port, username="bystander") as bystander,
    ):
        hogs = [
            asyncio.ensure_future(_run(conn, hog_run, 60)) for conn in (one, two) for _ in range(3)
        ]
        # Until each of the six has been refused, has finished or holds a ticket; the
        # hog never holds more than its quota meanwhile.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while True:
            held = sum(h.user == "hog" for h in await asyncio.to_thread(queue.holders))
            assert held <= 2
            if sum(h.done() for h in hogs) + held == len(hogs) or loop.time() > deadline:
                break
            await asyncio.sleep(0.05)
        mine = await _run(bystander, "bench ref.naive.f32 --size 16 --reps 1 --json", 60)
        finished = await asyncio.gather(*hogs)
    refused = [r for r in finished if r.exit_status != 0]
    assert len(refused) >= 2  # six sessions, two places: most wait their turn elsewhere
    for result in refused:  # --json: the refusal is the one event line on stdout
        assert result.exit_status == 1
        (line,) = result.stdout.decode().splitlines()
        assert json.loads(line)["event"] == "failed"
        assert "runs queued or running on this host" in json.loads(line)["error"]
    assert mine.exit_status == 0, mine.stderr
    events = [json.loads(line) for line in mine.stdout.decode().splitlines()]
    assert max((e["position"] for e in events if e["event"] == "queued"), default=0) <= 2
    assert events[-1]["event"] == "finished"


async def test_memory_the_run_really_needs_is_what_is_limited(
    start: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 9000² finding at a 96 MiB limit: A+B+C (77 MiB) fit, the check's copies did not."""
    monkeypatch.setenv("SSHAPP_MAX_RUN_BYTES", str(96 << 20))
    server = await start(session_argv=default_session_argv())
    async with connect(server.port) as conn:
        result = await _run(conn, "bench blas.numpy.f32 --size 2600")
    assert result.exit_status == 2, result.stderr
    assert "the limit is 96 MiB per run" in _one_line(result.stderr)


def _result(kernel: str) -> BenchResult:
    run = RunSpec(kernel, "f32", Shape(8, 8, 8), repeats=1)
    return BenchResult(run, (1e-6,), Stats(1e-6, 1e-6, 0.0), 1.0, 1.0, None, None, 0.0, True)


async def test_history_faults_keep_results_for_everyone(start: StartServer) -> None:
    server = await start(session_argv=default_session_argv())
    history = History(_state(server) / "history.sqlite3")
    for i in range(3):
        history.add(_result(f"k{i}"), user="alice", cpu="c", when=1000.0 + i)
    with sqlite3.connect(history.path) as db:
        db.execute("UPDATE runs SET samples = 'not json' WHERE kernel_id = 'k1'")
    async with connect(server.port, username="bob") as conn:
        listed = await _run(conn, "results --json")
        history.path.write_bytes(b"garbage" * 300)  # now the whole file is damaged
        damaged = await _run(conn, "results")
        bench = await _run(conn, "bench ref.naive.f32 --size 16 --reps 1")
    assert listed.exit_status == 0, listed.stderr
    kernels = [json.loads(line)["kernel"] for line in listed.stdout.decode().splitlines()]
    assert kernels == ["k2", "k0"]
    assert "skipped 1 damaged history row" in _one_line(listed.stderr)
    assert damaged.exit_status == 1
    assert "damaged" in _one_line(damaged.stderr)
    assert bench.exit_status == 0, bench.stderr  # the run still shows its result
    assert b"check ok" in bench.stdout
    state = str(_state(server)).encode()
    for result in (listed, damaged, bench):
        assert state not in result.stdout + result.stderr  # never the server's path
