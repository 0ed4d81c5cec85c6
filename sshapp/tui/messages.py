"""Provides the Textual messages a run posts, mirroring sshapp.bench.protocol.events."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from sshapp.bench.protocol.spec import BenchResult, RunSpec


@dataclass
class RunRequested(Message):
    """A run was handed to the engine; it waits for the host next (a fresh run view)."""

    run: RunSpec
    """The run."""


@dataclass
class RunQueued(Message):
    """A run waited in the host-wide queue."""

    run: RunSpec
    """The run."""
    position: int
    """Runs ahead of it."""

    def can_replace(self, message: Message) -> bool:
        """Only the latest queue position matters."""
        return isinstance(message, RunQueued) and message.run == self.run


@dataclass
class RunStarted(Message):
    """A run got the host and started timing."""

    run: RunSpec
    """The run."""


@dataclass
class RunProgressed(Message):
    """A repetition finished; carries every GFLOP/s so far so replacing loses nothing."""

    run: RunSpec
    """The run."""
    gflops: tuple[float, ...]
    """GFLOP/s of every repetition so far, in order."""

    def can_replace(self, message: Message) -> bool:
        """A newer progress of the same run supersedes an unprocessed older one."""
        return isinstance(message, RunProgressed) and message.run == self.run


@dataclass
class RunFinished(Message):
    """A run finished and its answer was checked."""

    result: BenchResult
    """Statistics and check."""


@dataclass
class RunFailed(Message):
    """A run could not complete."""

    run: RunSpec
    """The run."""
    error: str
    """One readable line."""


@dataclass
class RunCancelled(Message):
    """A run was cancelled while waiting or running."""

    run: RunSpec
    """The run."""


@dataclass
class RunsSubmitted(Message):
    """The setup screen validated a spec into runs."""

    runs: list[RunSpec]
    """Runs to execute, in order."""


@dataclass
class KernelsPicked(Message):
    """The kernel table's selection was confirmed."""

    ids: list[str]
    """Picked kernel ids, table order."""
