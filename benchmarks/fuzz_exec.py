"""The exec-command fuzzer of tests/cli/test_fuzz.py with a longer budget.

    .venv/bin/python benchmarks/fuzz_exec.py [--examples N] [--seed S]

Prints a histogram of exit statuses and the failing command, if any (then exits 1).
Runs real commands (tiny runs, 0.3 s limit each): on a shared machine run it under the
bench lock, `flock /tmp/sshapp-bench.lock`.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, seed, settings

from sshapp.bench.engine import Engine
from tests.cli.fuzz_kit import Recorder, check, commands, environment


def main() -> int:
    """Fuzz `--examples` commands; 0 if the property held for every one."""
    p = argparse.ArgumentParser(description="exec-command fuzzer, long budget")
    p.add_argument("--examples", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    recorder = Recorder()
    Engine.tune = lambda _self, *a: recorder.tune(*a)  # type: ignore[method-assign]
    Engine.measure_best = lambda _self, *a: recorder.measure_best(*a)  # type: ignore[method-assign]
    statuses: collections.Counter[int] = collections.Counter()
    state_dir = Path(tempfile.mkdtemp(prefix="sshapp-fuzz-")) / "state"

    @seed(args.seed)
    @settings(max_examples=args.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(command=commands())
    def prop(command: str) -> None:
        statuses[check(command, state_dir, recorder)] += 1

    with environment(state_dir):
        try:
            prop()
        except AssertionError as exc:
            print(f"FAILED: {exc}")
            return 1
        finally:
            print(f"exit statuses over {sum(statuses.values())} commands: {dict(statuses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
