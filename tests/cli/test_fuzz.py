"""Hypothesis over the exec command surface: every command gets a valid result or one line.

A fixed budget here (`make test`); `benchmarks/fuzz_exec.py` runs the same property longer.
Regressions for what it found are the explicit examples below.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from sshapp.bench.engine import Engine
from tests.cli.fuzz_kit import Recorder, check, commands, environment

FIXED_EXAMPLES = 400
"""Examples per `make test` run (≈ 10 s on one shared core; the limit is 60 s)."""


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Recorder]]:
    """One state directory (peaks measured once) and the tune recorder, for all examples."""
    state_dir = tmp_path_factory.mktemp("fuzz") / "state"
    recorder = Recorder()
    patch = pytest.MonkeyPatch()
    patch.setattr(Engine, "tune", lambda _self, *args: recorder.tune(*args))
    patch.setattr(Engine, "measure_best", lambda _self, *args: recorder.measure_best(*args))
    with environment(state_dir):
        yield state_dir, recorder
    patch.undo()


@pytest.mark.timeout(60)
@settings(
    max_examples=FIXED_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=commands())
@example(command="tune --budget 1e300 --size 64")  # found: held the host for 1e299 s
@example(command="tune --budget 100000")
def test_every_command_gets_a_result_or_one_line(
    fuzz_env: tuple[Path, Recorder], command: str
) -> None:
    state_dir, recorder = fuzz_env
    check(command, state_dir, recorder)
