"""The Tune screen on the real engine: blocks saved there are what the next `bench` uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sshapp.bench.engine import Engine
from sshapp.config import Settings
from sshapp.kernels import list_kernels
from sshapp.tui.app import BenchApp
from sshapp.tui.screens.tune import TuneScreen
from tests.tui.conftest import wait_for

PACKED = next((k for k in list_kernels() if k.packed and k.supported), None)


@pytest.mark.skipif(PACKED is None, reason="no packed kernel runs on this CPU")
async def test_saved_blocks_are_used_by_the_next_bench_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("SSHAPP_STATE_DIR", str(state))
    env = {"SSHAPP_STATE_DIR": str(state), "SSHAPP_OPERATORS": "tester"}  # w stores hand picks
    engine = Engine(Settings.from_env(env), "tester")
    app = BenchApp(engine, "tester")
    app.session.tune_size = 96  # small: quick on any CPU
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, TuneScreen)
        await wait_for(lambda: screen.tune.now_gflops is not None, timeout=20)
        assert screen.tune.current is not None
        kc = screen.tune.current.KC
        await pilot.press("left")  # halve KC
        await wait_for(
            lambda: (
                bool(screen.tune.first_samples)
                and kc // 2 == screen.tune.first_samples[-1].blocking.KC
            ),
            timeout=20,
        )
        await pilot.press("w")
        await pilot.pause()
        assert "saved" in screen.note
        kernel, saved = screen.tune.kernel_id, screen.tune.current
        await pilot.press("k")  # leaving the screen frees the host for the bench run
        await pilot.pause(0.2)
    bench = subprocess.run(
        [sys.executable, "-m", "sshapp", "bench", kernel, "--size", "128", "--json"],
        env={**os.environ, "SSHAPP_STATE_DIR": str(state)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bench.returncode == 0, bench.stderr
    finished = json.loads(bench.stdout.splitlines()[-1])
    assert finished["blocking"] == {
        "mc": saved.MC,
        "kc": saved.KC,
        "nc": saved.NC,
        "source": "tuned",
    }
