"""Provides the events one run yields; the CLI and the TUI both consume this one stream."""

from __future__ import annotations

from dataclasses import dataclass

from sshapp.bench.protocol.spec import BenchResult, RunSpec


@dataclass(frozen=True, slots=True)
class Queued:
    """The run waits for the host-wide queue."""

    run: RunSpec
    """The run."""
    position: int
    """Runs ahead of this one (1 = next after the running one)."""


@dataclass(frozen=True, slots=True)
class Started:
    """The run holds the host and is timing."""

    run: RunSpec
    """The run."""


@dataclass(frozen=True, slots=True)
class Sampled:
    """One repetition finished."""

    run: RunSpec
    """The run."""
    index: int
    """0-based repetition number."""
    seconds: float
    """Seconds per call of this repetition."""
    gflops: float
    """GFLOP/s of this repetition."""


@dataclass(frozen=True, slots=True)
class Finished:
    """The run finished and was checked (result.check_ok says whether it is correct)."""

    result: BenchResult
    """Statistics and check."""


@dataclass(frozen=True, slots=True)
class Failed:
    """The run could not complete, or its answer was wrong."""

    run: RunSpec
    """The run."""
    error: str
    """One readable line."""
    final: bool = False
    """Whether later runs would fail the same way now (e.g. over the queue quota): front
    ends stop the rest of a sweep instead of repeating the line."""


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The run was cancelled while waiting or running."""

    run: RunSpec
    """The run."""


Event = Queued | Started | Sampled | Finished | Failed | Cancelled
"""Anything a run yields."""
