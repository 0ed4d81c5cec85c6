"""Issue 16 (finding 9): a read-only or full disk is not a damaged file; no run is dropped.

The read-only and full-disk cases use a real read-only bind mount and a real 256 KiB
tmpfs in a private mount namespace (`unshare -m`, root only), or file modes when not
root; they skip, saying why, where neither is possible.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from sshapp.bench.engine import HISTORY_FILE, Engine
from sshapp.bench.history import unsaved
from sshapp.bench.history.database import History
from sshapp.bench.protocol.events import Finished
from sshapp.bench.protocol.spec import BenchResult, BenchSpec, RunSpec, Shape, Stats
from sshapp.config import Settings

ROOT = Path(__file__).resolve().parents[2]

# Runs inside the faulty filesystem: reads, then a write, then a whole run; prints JSON.
PROBE = """
import asyncio, json, logging, os, sys
from pathlib import Path
from sshapp.bench.engine import Engine
from sshapp.bench.history.database import History, HistoryError
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.config import Settings

state = Path(sys.argv[1])
if sys.argv[2] == "fill":
    st = os.statvfs(state)
    assert st.f_blocks * st.f_frsize < 8 << 20, "refusing to fill a real disk"
    fd = os.open(state / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"x" * 4096)
    except OSError:
        os.close(fd)
warnings = []
logging.getLogger("sshapp").addHandler(logging.Handler())
logging.getLogger("sshapp").handlers[-1].emit = lambda r: warnings.append(r.getMessage())
history = History(state / "history.sqlite3")
out = {"entries": len(history.entries())}
try:
    history.check()
    out["write"] = "ok"
except HistoryError as exc:
    out["write"], out["message"] = exc.kind, str(exc)
engine = Engine(Settings.from_env({"SSHAPP_STATE_DIR": str(state)}), "u")
(run,) = engine.expand(BenchSpec(("ref.reorder.f32",), (Shape(16, 16, 16),), repeats=1))
async def go():
    return [getattr(e, "error", type(e).__name__) for e in [e async for e in engine.run(run)]]
out["events"] = asyncio.run(go())
out["warnings"] = warnings
print(json.dumps(out))
"""


def _result(kernel: str = "ref.naive.f32") -> BenchResult:
    run = RunSpec(kernel, "f32", Shape(8, 8, 8), repeats=1)
    return BenchResult(run, (1e-6,), Stats(1e-6, 1e-6, 0.0), 1.0, 1.0, None, None, 0.0, True)


def _seed(state: Path, rows: int = 3) -> None:
    history = History(state / HISTORY_FILE)
    for i in range(rows):
        history.add(_result(), user="u", cpu="c", when=1000.0 + i)


def _unshare(script: str) -> list[str] | None:
    """Return a command running `script` (sh) in a private mount namespace, if allowed."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    if subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode:
        return None
    return ["unshare", "-m", "sh", "-c", script]


def _probe(cmd: list[str]) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def _assert_intact_and_told(result: dict[str, object], kind: str, state: Path) -> None:
    assert result["entries"] == 3  # the stored history still reads
    assert result["write"] == kind
    message = str(result["message"])
    assert "move it aside" not in message
    assert "damaged" not in message
    assert str(state) not in message
    # The run goes on (its result kept aside) unless the queue, in the same directory,
    # cannot take a ticket either: then one line, without the server's path.
    last = str(result["events"][-1])  # type: ignore[index]
    assert last == "Finished" or "queue is unusable" in last, last
    assert str(state) not in last
    assert any("not stored" in w for w in result["warnings"]), result  # type: ignore[attr-defined]


@pytest.mark.timeout(120)
def test_read_only_history_still_reads_and_says_read_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    _seed(state)
    python = [sys.executable, "-c", PROBE, str(state), "ro"]
    cmd = _unshare(
        f"mount --bind '{state}' '{state}' && mount -o remount,bind,ro '{state}' && "
        f"exec {' '.join(python[:1])} -c \"$0\" '{state}' ro"
    )
    if cmd is not None:
        cmd.insert(5, PROBE)  # $0 of the sh -c script
    elif os.geteuid() != 0:
        for path in (*state.iterdir(), state):
            path.chmod(0o555 if path.is_dir() else 0o444)
        cmd = python
    else:
        pytest.skip("root without mount namespaces: no way to make a read-only directory")
    try:
        result = _probe(cmd)
    finally:
        for path in (state, *state.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
    _assert_intact_and_told(result, "read-only", state)
    assert History(state / HISTORY_FILE).count() == 3


@pytest.mark.timeout(120)
def test_full_disk_history_still_reads_and_says_full(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    seeded = tmp_path / "seed"
    seeded.mkdir()
    _seed(seeded)
    cmd = _unshare(
        f"mount -t tmpfs -o size=256k tmpfs '{state}' && "
        f"cp '{seeded / HISTORY_FILE}' '{state}/' && "
        f"exec {sys.executable} -c \"$0\" '{state}' fill"
    )
    if cmd is None:
        pytest.skip("filling a disk safely needs a private tmpfs (root, mount namespaces)")
    cmd.insert(5, PROBE)
    result = _probe(cmd)
    _assert_intact_and_told(result, "full", state)


async def test_a_finished_run_the_history_refuses_is_kept_aside(settings: Settings) -> None:
    """A partly corrupt file: the header reads, the table pages do not."""
    _seed(settings.state_dir, rows=200)
    db = settings.state_dir / HISTORY_FILE
    data = bytearray(db.read_bytes())
    page = 4096
    data[page:] = b"\xde\xad\xbe\xef" * ((len(data) - page) // 4)
    db.write_bytes(bytes(data))
    engine = Engine(replace(settings, max_run_seconds=10.0), "u")
    (run,) = engine.expand(BenchSpec(("ref.reorder.f32",), (Shape(16, 16, 16),), repeats=1))
    events = [event async for event in engine.run(run)]
    assert isinstance(events[-1], Finished)
    (line,) = (settings.state_dir / unsaved.UNSAVED_FILE).read_text().splitlines()
    kept = json.loads(line)
    assert kept["user"] == "u"
    assert kept["result"]["best_gflops"] == events[-1].result.best_gflops
    assert db.read_bytes() == bytes(data)  # left as it was for the operator
