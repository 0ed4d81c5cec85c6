"""The real `sshapp session` behind the SSH front (needs the CLI from the bench layer)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import os
import shutil

import pytest

from sshapp.bench.engine import HISTORY_FILE
from sshapp.bench.history.database import History
from sshapp.config import Settings
from sshapp.ssh.options import default_session_argv
from tests.ssh.conftest import StartServer, connect
from tests.ssh.test_openssh import run, ssh_argv


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not _has("sshapp.cli.session"),
        reason="the `sshapp session` entry point (sshapp.cli.session) is not on this branch yet",
    ),
]


async def test_exec_kernels_and_bench_json(start: StartServer) -> None:
    server = await start(session_argv=default_session_argv())
    async with connect(server.port) as conn:
        kernels = await conn.run("kernels", encoding=None)
        bench = await conn.run("bench ref.naive.f32 --size 64 --json", encoding=None)
        denied = await conn.run("sh -c id", encoding=None)
    assert kernels.exit_status == 0, kernels.stderr
    assert b"ref.naive.f32" in kernels.stdout
    assert bench.exit_status == 0, bench.stderr
    records = [json.loads(line) for line in bench.stdout.decode().splitlines() if line.strip()]
    assert records
    assert denied.exit_status == 2


@pytest.mark.parametrize("dtype", ["bf16", "int8"])
async def test_exec_low_precision_bench_json_lands_in_history(
    start: StartServer, settings: Settings, dtype: str
) -> None:
    """The reference kernels run everywhere, so the bf16/int8 path works over SSH on any CPU."""
    server = await start(session_argv=default_session_argv())
    kid = f"ref.naive.{dtype}"
    async with connect(server.port) as conn:
        bench = await conn.run(f"bench {kid} --size 64 --json", encoding=None)
        results = await conn.run("results --json", encoding=None)
        wrong = await conn.run(f"bench {kid} --dtype f32 --size 64", encoding=None)
    assert bench.exit_status == 0, bench.stderr
    events = [json.loads(line) for line in bench.stdout.decode().splitlines() if line.strip()]
    assert events[-1]["event"] == "finished"
    assert (events[-1]["dtype"], events[-1]["check_ok"]) == (dtype, True)
    rows = [json.loads(line) for line in results.stdout.decode().splitlines() if line.strip()]
    assert [(r["kernel"], r["user"]) for r in rows] == [(kid, "guest:alice")]
    stored = History(settings.state_dir / HISTORY_FILE).entries()
    assert [(e.result.run.kernel_id, e.result.run.dtype) for e in stored] == [(kid, dtype)]
    assert wrong.exit_status == 2
    assert wrong.stderr.decode().count("\n") == 1
    assert f"works on {dtype}, not f32" in wrong.stderr.decode()


async def test_client_killed_mid_benchmark_leaves_no_process(
    start: StartServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="sshapp.bench.runs")
    server = await start(session_argv=default_session_argv())
    conn = await connect(server.port)
    proc = await conn.create_process("bench ref.naive.f32 --size 1024 --json", encoding=None)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not any(entry.pid for entry in server.state.sessions) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    pid = next(entry.pid for entry in server.state.sessions)
    await asyncio.wait_for(proc.stdout.readline(), 30)  # the run has started (or queued)
    conn.abort()
    deadline = loop.time() + 15
    while loop.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.05)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    # The host-wide queue was released: the next run starts and finishes.
    async with connect(server.port) as other:
        after = await asyncio.wait_for(
            other.run("bench ref.naive.f32 --size 32 --json", encoding=None), 60
        )
    assert after.exit_status == 0, after.stderr
    runs = [line for line in capfd.readouterr().err.splitlines() if "event=bench_run" in line]
    assert len(runs) == 2, runs  # the server log shows how each run ended
    assert "shape=1024x1024x1024" in runs[0]
    assert "status=abandoned" in runs[0] or "status=cancelled" in runs[0]
    assert "shape=32x32x32" in runs[1]
    assert "status=ok" in runs[1]


@pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH client not installed (apt)")
async def test_openssh_exec_bench_json(start: StartServer) -> None:
    server = await start(session_argv=default_session_argv())
    argv = ssh_argv(server.port, "erin@127.0.0.1", "bench", "ref.naive.f32", "--size", "128")
    status, out, err = await run([*argv, "--json"], timeout=90)
    assert status == 0, err
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert records


@pytest.mark.parametrize("zygote", [True, False], ids=["zygote", "spawn"])
async def test_each_benchmark_run_is_one_line_on_the_server_log(
    start: StartServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    zygote: bool,
) -> None:
    caplog.set_level(logging.INFO, logger="sshapp.bench.runs")  # as `serve` at INFO
    server = await start(session_argv=default_session_argv(), zygote=zygote)
    async with connect(server.port) as conn:
        bench = await conn.run("bench ref.naive.f32 --size 48 --reps 2 --json", encoding=None)
        bad = await conn.run("bench ref.naive.f32 --size 0", encoding=None)
    assert bench.exit_status == 0, bench.stderr
    assert bad.exit_status == 2  # refused before any run: nothing to log
    assert b"bench_run" not in bench.stdout + bench.stderr  # never on the user's streams
    lines = [line for line in capfd.readouterr().err.splitlines() if "event=bench_run" in line]
    assert len(lines) == 1, lines
    fields = dict(
        part.split("=", 1) for part in lines[0].split(" INFO sshapp.bench.runs ")[1].split()
    )
    assert fields["user"] == "guest:alice"
    assert fields["kernel"] == "ref.naive.f32"
    assert fields["shape"] == "48x48x48"
    assert fields["status"] == "ok"
    assert fields["reps"] == "2"
    assert float(fields["best_gflops"]) > 0


@pytest.mark.parametrize("zygote", [True, False], ids=["zygote", "spawn"])
async def test_exec_hints_and_usage_name_the_ssh_command_that_reached_the_host(
    start: StartServer, zygote: bool
) -> None:
    """Issue 26, item 17: `try: ssh -p PORT alice@127.0.0.1 bench …`, never `sshapp bench`."""
    server = await start(session_argv=default_session_argv(), zygote=zygote)
    prog = f"ssh -p {server.port} alice@127.0.0.1"
    async with connect(server.port) as conn:
        results = await conn.run("results", encoding="utf-8")
        usage = await conn.run("bench --size 64", encoding="utf-8")
        helped = await conn.run("help bench", encoding="utf-8")
    assert results.exit_status == 0, results.stderr
    assert f"try: {prog} bench ref.reorder.f32" in str(results.stdout)
    assert usage.exit_status == 2
    assert f"usage: {prog} bench KERNEL" in str(usage.stderr)
    assert str(helped.stdout).startswith(f"usage: {prog} bench ")


async def test_exec_hints_use_the_configured_public_name(
    start: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSHAPP_PUBLIC_NAME", "bench.example.org")
    server = await start(session_argv=default_session_argv())
    async with connect(server.port) as conn:
        results = await conn.run("results", encoding="utf-8")
    assert results.exit_status == 0, results.stderr
    assert "try: ssh bench.example.org bench ref.reorder.f32" in str(results.stdout)
