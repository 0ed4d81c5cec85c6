"""Provides the BenchService protocol: what front ends (CLI, TUI) may ask of the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Protocol

from sshapp.bench.protocol.events import Event
from sshapp.bench.protocol.rows import HistoryEntry, KernelRow
from sshapp.bench.protocol.spec import BenchSpec, RunSpec

if TYPE_CHECKING:
    from sshapp.bench.blocking.jobs import Waiting
    from sshapp.bench.blocking.live import LiveControl, LiveEvent
    from sshapp.bench.blocking.store import Tuned
    from sshapp.bench.lesson.model import Lesson
    from sshapp.kernels import Blocking, ModelReport


class BenchService(Protocol):
    """The engine as seen by a front end. Runs go through the host-wide queue."""

    @property
    def user(self) -> str:
        """Identity recorded with every run."""
        ...

    def kernels(self) -> Sequence[KernelRow]:
        """Return every kernel row, table order, BLAS rows included."""
        ...

    def expand(self, spec: BenchSpec) -> list[RunSpec]:
        """Validate a spec and expand globs and sweeps into runs.

        Raises:
            SpecError: The spec cannot run (one readable line).
        """
        ...

    def run(self, run: RunSpec) -> AsyncIterator[Event]:
        """Queue, time, check and record one run, yielding its events as they happen.

        Closing the iterator or cancelling the consuming task cancels the run, whether it
        is waiting or running.
        """
        ...

    def cancel(self) -> None:
        """Cancel every waiting or running run of this service, gently: each yields
        Cancelled once its worker has stopped at its next sample (the host is free then).

        Runs started after this call are not affected.
        """
        ...

    def history(
        self, *, mine: bool = True, best: bool = False, limit: int = 100, offset: int = 0
    ) -> Sequence[HistoryEntry]:
        """Return stored runs, newest first (best=True: best per kernel and shape).

        At most `limit` (capped at bounds.MAX_RESULTS) entries, after skipping `offset`.
        """
        ...

    def peak_gflops(self, isa: str, dtype: str, threads: int = 1) -> float | None:
        """Return this host's measured FMA peak for an ISA and dtype on `threads` cores
        at once (None if unknown)."""
        ...

    def bandwidth_gbs(self) -> float | None:
        """Return this host's measured single-core memory bandwidth (None if unknown)."""
        ...

    def blocking_model(self, kernel_id: str) -> ModelReport:
        """Return the analytical model's blocks of a kernel for this host's caches."""
        ...

    def check_blocking(self, kernel_id: str, mc: int, kc: int, nc: int) -> Blocking:
        """Return the blocking a packed kernel would run with.

        Raises:
            SpecError: The blocks are invalid for this kernel (one line).
        """
        ...

    def tuned(self, kernel_id: str) -> Tuned | None:
        """Return this host's stored default blocks of a kernel (None: the model's)."""
        ...

    @property
    def may_set_defaults(self) -> bool:
        """Whether this user may store hand-picked blocks as the host's defaults."""
        ...

    def save_tuned(self, tuned: Tuned, *, searched: bool = False) -> None:
        """Store blocks as this host's default for a kernel, for every user.

        searched: the blocks are a search's verdict (anyone may store those, as
        `sshapp tune` does); hand-picked ones need an operator. Blocks equal to the
        model's drop the stored ones (back to the model).

        Raises:
            PermissionError: Hand-picked blocks from a user who is not an operator.
        """
        ...

    def live(
        self, kernel_id: str, size: int, control: LiveControl
    ) -> AsyncIterator[Waiting | LiveEvent]:
        """Re-time a packed kernel at size³ through the host queue until closed.

        Yields Waiting while queued, then what the job measures (see bench.blocking.live).
        Closing the iterator or cancelling its consumer stops the job and frees the host.
        """
        ...

    async def explain(self, kernel_id: str, size: int, *, measure: bool = False) -> Lesson:
        """Return a kernel's lesson at size³ (issue 24); with `measure`, this host's answer
        (the kernel and the step before it, timed through the host queue).

        Raises:
            SpecError: Unknown kernel, bad size, or a kernel this CPU cannot run (one line).
        """
        ...
