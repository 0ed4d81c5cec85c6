"""Fixtures for engine tests: a private state directory, never the real one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from sshapp.config import Settings


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SSHAPP_STATE_DIR for this test (also exported to subprocesses)."""
    path = tmp_path / "state"
    monkeypatch.setenv("SSHAPP_STATE_DIR", str(path))
    return path


@pytest.fixture
def settings(state_dir: Path) -> Settings:
    """Settings pointing at the test's state directory."""
    return Settings.from_env({"SSHAPP_STATE_DIR": str(state_dir)})


@pytest.fixture
def worker_cmd() -> list[str]:
    """Command running tests/bench/queue_worker.py with this interpreter."""
    return [sys.executable, str(Path(__file__).with_name("queue_worker.py"))]


@pytest.fixture
def sub_env(state_dir: Path) -> dict[str, str]:
    """Environment for subprocesses sharing the test's state directory."""
    return {**os.environ, "SSHAPP_STATE_DIR": str(state_dir)}
