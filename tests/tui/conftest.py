"""Fixtures for TUI tests: a fake service and an app built on it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from sshapp.tui.app import BenchApp
from tests.tui.fakes import FAKE_CPU, FakeService, ladder_history
from tests.tui.tmux_kit import server_port, tmux  # noqa: F401 (real-terminal fixtures)


@pytest.fixture
def service() -> FakeService:
    """A fake engine with stored history and no delays."""
    return FakeService(history=ladder_history())


@pytest.fixture
def app(service: FakeService) -> BenchApp:
    """The app on the fake engine with a fixed CPU."""
    return BenchApp(service, "tester", host="bench", cpu=FAKE_CPU)


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll `predicate` until it holds (fails the test after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0.01)
