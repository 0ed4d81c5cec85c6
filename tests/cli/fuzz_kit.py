"""The exec command surface as Hypothesis strategies, and the property every command must keep.

A command is what an SSH client sends (SSH_ORIGINAL_COMMAND): a verb from the allow-list
or not, each verb's options with odd values (huge, negative, non-numeric, non-ASCII,
empty, globs), quoted or not, and now and then raw junk. `check` runs it through
`sshapp session` in this process, as the server's session process would, and asserts:
no traceback, an exit status of 0, 1 or 2, a failure says why in one line, JSON output is
JSON, nothing is left in the queue. The engine's tune and best-kernel jobs are replaced
by a recorder (a valid tune takes ~16 s on 2 cores); the property checks that the work
they were asked for is bounded.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from sshapp.bench.host.queue import QUEUE_DIR, SUFFIX
from sshapp.bench.run import bounds

HANG_SECONDS = 20.0
"""A command that has not returned by then is a hang."""
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["0", "1", "-1", "8", "17", "2147483648", "9" * 400, "9" * 5000]),
    st.sampled_from(["1e300", "nan", "inf", "-inf", "0x10", "1_000", " 7", "٣", "1.5", ""]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
WORDS = st.one_of(
    st.sampled_from(["ref.naive.f32", "ref.*", "avx2.*", "*", "blas.numpy.f32", "f32", "bf16"]),
    st.sampled_from(["int8", "f64", "amx.tiles.bf16", "../../etc/passwd", "-", "--", "--json"]),
    st.text(min_size=0, max_size=40),
    st.text(alphabet="x", min_size=3000, max_size=5000),
)
VALUES = st.one_of(NUMBERS, WORDS, st.builds(",".join, st.lists(NUMBERS, max_size=4)))
VALUES = st.one_of(VALUES, st.builds(":".join, st.lists(NUMBERS | st.just("x2"), max_size=3)))
OPTIONS = {
    "bench": ["--size", "--mnk", "--sweep", "--dtype", "--reps", "--time", "--warmup", "--mc",
              "--kc", "--nc", "--blocking", "--threads", "--scaling", "--json", "--help"],
    "tune": ["--dtype", "--size", "--budget", "--json", "--help"],
    "kernels": ["--json", "--help"],
    "cpu": ["--json", "--remeasure", "--help"],
    "results": ["--mine", "--best", "--limit", "--offset", "--full-users", "--json", "--help"],
    "help": ["bench", "tune", "nope", "--help"],
    "version": ["--help"],
}  # fmt: skip
"""Each remote verb's options (flags take no value; the property does not care)."""
BUDGET_LIMIT = 3600.0
"""Most seconds a `tune` may hold the host for (sshapp.bench.run.bounds.MAX_TUNE_SECONDS)."""


@st.composite
def commands(draw: st.DrawFn) -> str:
    """One SSH_ORIGINAL_COMMAND."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=200))  # junk: control characters, quotes, anything
    verb = draw(st.sampled_from([*OPTIONS, "sh", "bench;id", "BENCH", "", "session", "serve"]))
    words = [verb]
    for _ in range(draw(st.integers(0, 6))):
        option = draw(st.sampled_from([*OPTIONS.get(verb, ["--x"]), "--no-such"]))
        words.append(option)
        if draw(st.booleans()):
            words.append(draw(VALUES))
        if verb in ("bench", "tune") and draw(st.booleans()):
            words.append(draw(WORDS))  # a kernel id or glob
    quoting = draw(st.sampled_from(["shlex", "raw", "double"]))
    if quoting == "shlex":
        return shlex.join(words)
    if quoting == "double":
        return " ".join(f'"{w}"' for w in words)
    return " ".join(words)


class Recorder:
    """Stands in for Engine.tune / Engine.measure_best: records the work asked for."""

    def __init__(self) -> None:
        self.budgets: list[float] = []

    def tune(self, kernel_ids: Any, size: int, budget: float) -> Any:
        self.budgets.append(budget)
        assert kernel_ids
        assert 1 <= size <= bounds.MAX_SIDE
        return _no_events()

    def measure_best(self, *_args: Any) -> Any:
        return _no_events()


async def _no_events() -> Any:
    return
    yield


@contextmanager
def environment(state_dir: Path) -> Iterator[None]:
    """Tight run limits and a private state directory for the commands run inside."""
    saved = dict(os.environ)
    os.environ.update(
        SSHAPP_STATE_DIR=str(state_dir),
        SSHAPP_MAX_RUN_SECONDS="0.3",
        SSHAPP_MAX_RUN_BYTES=str(8 << 20),
        SSHAPP_USER="fuzz",
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(command: str) -> tuple[int, str, str]:
    """Run `command` as a session's forced command; (status, stdout, stderr)."""
    from sshapp.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    result: list[int] = []
    raised: list[BaseException] = []

    def target() -> None:
        env = {**os.environ, "SSH_ORIGINAL_COMMAND": command}
        saved = os.environ.copy()
        os.environ.update(env)
        try:
            result.append(main(["session"], io.StringIO(), out, err))
        except BaseException as exc:  # reported below with the command
            raised.append(exc)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(HANG_SECONDS)
    assert not worker.is_alive(), f"hang: {command!r}"
    assert not raised, f"{command!r} raised {raised[0]!r}"
    assert result, f"no exit status for {command!r}: {err.getvalue()[-500:]}"
    return result[0], out.getvalue(), err.getvalue()


def check(command: str, state_dir: Path, recorder: Recorder) -> int:
    """The property: one command, then assertions on what it did; its exit status."""
    recorder.budgets.clear()
    if "\0" in command:  # refused by the server before any session (sshapp.ssh.session)
        return 2
    status, out, err = run(command)
    assert "Traceback" not in out + err, (command, err[-2000:])
    assert status in (0, 1, 2), (command, status, err)
    if not command.strip():  # no command and no terminal: the usage text (DESIGN.md §4)
        assert (status, err[:6]) == (2, "usage:"), (command, status, err)
        return status
    if status != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines, (command, "failed without saying why")
        assert lines[-1].startswith("sshapp: "), (command, err)
        if status == 2:
            assert len(lines) == 1, (command, err)
            assert len(lines[0]) < 500, (command[:300], len(lines[0]), lines[0][:300])
    words = shlex.split(command) if _splits(command) else []
    if status == 0 and "--json" in words and "--help" not in words and words[0] != "help":
        for line in out.splitlines():
            json.loads(line)
    queue = state_dir / QUEUE_DIR
    held = list(queue.glob(f"*{SUFFIX}")) if queue.exists() else []
    assert not held, (command, held)
    assert all(b <= BUDGET_LIMIT for b in recorder.budgets), (command, recorder.budgets)
    return status


def _splits(command: str) -> bool:
    try:
        return bool(shlex.split(command))
    except ValueError:
        return False
