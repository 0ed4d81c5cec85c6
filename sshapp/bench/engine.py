"""Provides Engine, the BenchService every front end (CLI, TUI) runs benchmarks through."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from sshapp.bench import catalog
from sshapp.bench.blocking import jobs, live
from sshapp.bench.blocking.blocks import run_blocking
from sshapp.bench.blocking.store import NOT_OPERATOR, HostBest, TuneCache, Tuned
from sshapp.bench.history.database import History
from sshapp.bench.host import peaks
from sshapp.bench.host.queue import QUEUE_DIR, HostQueue
from sshapp.bench.lesson import explain
from sshapp.bench.lesson.model import Lesson, answer
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Event
from sshapp.bench.protocol.rows import HistoryEntry, KernelRow
from sshapp.bench.protocol.spec import BenchSpec, RunSpec
from sshapp.bench.run import bounds, plan, runlog
from sshapp.bench.run.pipeline import PROBE_SECONDS, RunPipeline
from sshapp.bench.run.runner import pick_core
from sshapp.config import Settings
from sshapp.kernels import Blocking, ModelReport, blocking_model, get

HISTORY_FILE = "history.sqlite3"
"""Name of the history database in the state directory."""


class Engine:
    """The benchmark engine: validation, host-wide queue, timing, check, history."""

    def __init__(self, settings: Settings, user: str) -> None:
        """Create an engine (no I/O and no CPU probing happen here).

        Args:
            settings: State directory, pinned core and per-run limits.
            user: Identity recorded with every run.
        """
        self.settings = settings
        """Settings in force."""
        self._user = user
        self.queue = HostQueue(settings.state_dir / QUEUE_DIR)
        """The host-wide queue."""
        self.store = History(settings.state_dir / HISTORY_FILE)
        """The history database."""
        self.peak_cache = peaks.PeakCache(settings.state_dir)
        """This host's cached peaks."""
        self.tune_cache = TuneCache(settings.state_dir)
        """This CPU's tune results and best kernels."""
        self._cancel = threading.Event()
        self._probed = False
        self._reads: dict[str, float | None] = {}
        self._runs = RunPipeline(
            settings,
            user,
            queue=self.queue,
            store=self.store,
            peak_cache=self.peak_cache,
            tune_cache=self.tune_cache,
            probe=self._probe,
        )

    @property
    def user(self) -> str:
        """Identity recorded with every run."""
        return self._user

    def kernels(self) -> Sequence[KernelRow]:
        """Return every native kernel (table order) then the host-BLAS rows."""
        return catalog.kernel_rows(self.tune_cache)

    def expand(self, spec: BenchSpec) -> list[RunSpec]:
        """Validate a spec and expand globs and sweeps into runs.

        Raises:
            SpecError: The spec cannot run (one readable line).
        """
        limits = plan.Limits(self.settings.max_run_bytes, self.settings.max_run_seconds)
        return plan.expand(spec, limits, self.tune_cache.tuned)

    def host_best(self) -> HostBest | None:
        """Return this CPU's measured best kernels (None if never measured)."""
        return self.tune_cache.host_best()

    def tune(
        self, kernel_ids: Sequence[str], size: int, budget_seconds: float
    ) -> AsyncGenerator[jobs.TuneEvent, None]:
        """Tune the blocks of packed kernels through the queue, then re-measure `best`."""
        core = pick_core(self.settings.pin_core)
        job = jobs.tune_job(self.tune_cache, kernel_ids, size, budget_seconds, core)
        return jobs.run_on_host(self.queue, job)

    def measure_best(self, dtypes: tuple[str, ...] = ()) -> AsyncGenerator[jobs.TuneEvent, None]:
        """Measure (and cache) the host's best kernels through the queue."""
        job = jobs.best_job(self.tune_cache, dtypes, pick_core(self.settings.pin_core))
        return jobs.run_on_host(self.queue, job)

    def blocking_model(self, kernel_id: str) -> ModelReport:
        """Return the analytical model's blocks of a kernel for this CPU's caches."""
        return blocking_model(kernel_id)

    def check_blocking(self, kernel_id: str, mc: int, kc: int, nc: int) -> Blocking:
        """Return the blocking a packed kernel would run with.

        Raises:
            SpecError: The blocks are invalid for this kernel (one line).
        """
        blocks = run_blocking(kernel_id, mc=mc, kc=kc, nc=nc)
        if blocks is None:
            msg = f"{kernel_id} does not use cache blocks"
            raise SpecError(msg)
        b = get(kernel_id).blocking
        return Blocking(b.MR, b.NR, blocks.mc, blocks.kc, blocks.nc)

    def tuned(self, kernel_id: str) -> Tuned | None:
        """Return this CPU's stored blocks of a kernel (None: never tuned or saved)."""
        return self.tune_cache.tuned(kernel_id)

    @property
    def may_set_defaults(self) -> bool:
        """Whether this user may store hand-picked blocks as the host's defaults."""
        return self._user in self.settings.operators

    def save_tuned(self, tuned: Tuned, *, searched: bool = False) -> None:
        """Store blocks as this CPU's default for a kernel, for every user.

        A search's verdict (searched=True) anyone may store, as `sshapp tune` does;
        hand-picked blocks only an operator. Blocks equal to the model's drop the stored
        ones: the kernel goes back to the model instead of "tuned" at the model's values.

        Raises:
            PermissionError: Hand-picked blocks from a user who is not an operator.
        """
        if not searched and not self.may_set_defaults:
            raise PermissionError(NOT_OPERATOR)
        model = get(tuned.kernel_id).blocking
        if (tuned.mc, tuned.kc, tuned.nc) == (model.MC, model.KC, model.NC):
            self.tune_cache.forget_tuned(tuned.kernel_id)
            return
        self.tune_cache.store_tuned(tuned)

    def live(
        self, kernel_id: str, size: int, control: live.LiveControl
    ) -> AsyncGenerator[jobs.Waiting | live.LiveEvent, None]:
        """Re-time a packed kernel at size³ through the host queue until closed.

        The host's peaks are measured first if they never were (for "% of peak").
        """
        job = live.live_job(control, kernel_id, size, pick_core(self.settings.pin_core))

        def probed(emit: Callable[[Any], None], stop: threading.Event) -> None:
            self._probe()
            job(emit, stop)

        return jobs.run_on_host(self.queue, probed)

    def cancel(self) -> None:
        """Cancel every waiting or running run of this engine (they yield Cancelled).

        Runs started after this call are not affected.
        """
        self._cancel.set()
        self._cancel = threading.Event()

    def history(
        self, *, mine: bool = True, best: bool = False, limit: int = 100, offset: int = 0
    ) -> Sequence[HistoryEntry]:
        """Return stored runs, newest first (best=True: best per kernel and shape).

        Raises:
            HistoryError: The database is unreadable.
        """
        user = self._user if mine else None
        limit = min(limit, bounds.MAX_RESULTS)
        return self.store.entries(user=user, best=best, limit=limit, offset=offset)

    def host_peaks(self) -> peaks.HostPeaks | None:
        """Return this host's cached peaks (None if never measured)."""
        return self.peak_cache.load()

    def peak_gflops(self, isa: str, dtype: str, threads: int = 1) -> float | None:
        """Return this host's measured FMA peak for an ISA and dtype on `threads` cores
        at once (None if unknown)."""
        cached = self.peak_cache.load()
        return cached.peak(isa, dtype, threads) if cached else None

    def bandwidth_gbs(self) -> float | None:
        """Return this host's measured single-core memory bandwidth (None if unknown)."""
        cached = self.peak_cache.load()
        return cached.bandwidth_gbs if cached else None

    async def measure_peaks(self) -> peaks.HostPeaks | None:
        """Return this host's peaks, measuring them through the queue if not cached."""
        cached = self.peak_cache.load()
        if cached is not None:
            return cached
        ticket = self.queue.enqueue(self._user, self.settings.max_queued_per_user)
        try:
            await self.queue.wait(ticket, lambda _: None)
            ticket.mark_running(PROBE_SECONDS)
            return await asyncio.to_thread(self._probe)
        finally:
            ticket.release()

    def forget_peaks(self) -> None:
        """Drop this host's cached peaks; the next run (or `measure_peaks`) measures again."""
        self.peak_cache.forget()
        self._probed = False

    def _probe(self) -> peaks.HostPeaks | None:
        """Measure and cache peaks if nobody did yet (call while holding the host)."""
        cached = self.peak_cache.load()
        if cached is not None or self._probed:
            return cached
        self._probed = True
        measured = peaks.measure()
        if measured is not None:
            self.peak_cache.store(measured)
        return measured

    async def run(self, run: RunSpec) -> AsyncGenerator[Event, None]:
        """Queue, time, check and record one run, yielding its events as they happen.

        Closing the iterator or cancelling the consuming task cancels the run, whether it
        is waiting or running; the host is handed on as soon as the worker thread has
        stopped at its next sample. However it ends, one line goes to the run log.
        """
        started = time.monotonic()
        last: Event | None = None
        try:
            async with contextlib.aclosing(self._runs.events(run, self._cancel)) as events:
                async for event in events:
                    last = event
                    yield event
        finally:
            runlog.log_run(self._user, run, last, time.monotonic() - started)

    async def explain(self, kernel_id: str, size: int, *, measure: bool = False) -> Lesson:
        """Return a kernel's lesson at size³; with `measure`, this host's answer too.

        Measuring goes through the host queue: the peaks and cache read bandwidths (once per
        process), then the kernel and the step before it (if this CPU runs it), 3 repetitions.

        Raises:
            SpecError: Unknown kernel, bad size, or a kernel this CPU cannot run (one line).
            RuntimeError: A measuring run failed (one line).
        """
        kid = explain.resolve(kernel_id)
        runs = self.expand(explain.spec(kid, size)) if measure else []
        host = await self.measure_peaks() if measure else self.peak_cache.load()
        if measure and not self._reads:
            core = pick_core(self.settings.pin_core)
            quota = self.settings.max_queued_per_user
            self._reads = await explain.on_host(self.queue, self._user, quota, core)
        lesson = explain.host_lesson(kid, size, host, self._reads, self.tuned(kid))
        if not measure:
            return lesson
        gflops = await explain.best(self.run(runs[0]))
        previous = None
        if lesson.previous is not None and get(lesson.previous).supported:
            previous = await explain.best(
                self.run(self.expand(explain.spec(lesson.previous, size))[0])
            )
        return answer(lesson, gflops, previous)
