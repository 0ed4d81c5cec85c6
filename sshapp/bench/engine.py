"""Provides Engine, the BenchService every front end (CLI, TUI) runs benchmarks through."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import Any

from sshapp.bench import bounds, catalog, live, peaks, plan, runlog, tuner, unsaved
from sshapp.bench.blocks import run_blocking
from sshapp.bench.events import Cancelled, Event, Failed, Finished, Queued, Sampled, Started
from sshapp.bench.history import History, HistoryError
from sshapp.bench.queue import QUEUE_DIR, Handoff, HostQueue, QuotaError
from sshapp.bench.runner import Job, Outcome, away_from, execute, pick_core
from sshapp.bench.service import HistoryEntry, KernelRow, SpecError
from sshapp.bench.spec import BEST, BenchSpec, RunSpec, gflops
from sshapp.bench.tuning import HostBest, TuneCache, Tuned
from sshapp.config import Settings
from sshapp.kernels import Blocking, ModelReport, blocking_model, cpu_info, get, team_cores

log = logging.getLogger(__name__)

HISTORY_FILE = "history.sqlite3"
"""Name of the history database in the state directory."""
PROBE_SECONDS = 10.0
"""Allowance for measuring the host's peaks (1-2 s) on a first run, besides the run's limit."""


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
        self._history_warned = False

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
    ) -> AsyncGenerator[tuner.TuneEvent, None]:
        """Tune the blocks of packed kernels through the queue, then re-measure `best`."""
        core = pick_core(self.settings.pin_core)
        job = tuner.tune_job(self.tune_cache, kernel_ids, size, budget_seconds, core)
        return tuner.run_on_host(self.queue, job)

    def measure_best(self, dtypes: tuple[str, ...] = ()) -> AsyncGenerator[tuner.TuneEvent, None]:
        """Measure (and cache) the host's best kernels through the queue."""
        job = tuner.best_job(self.tune_cache, dtypes, pick_core(self.settings.pin_core))
        return tuner.run_on_host(self.queue, job)

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

    def save_tuned(self, tuned: Tuned) -> None:
        """Store blocks as this CPU's default for a kernel (the `sshapp tune` store)."""
        self.tune_cache.store_tuned(tuned)

    def live(
        self, kernel_id: str, size: int, control: live.LiveControl
    ) -> AsyncGenerator[tuner.Waiting | live.LiveEvent, None]:
        """Re-time a packed kernel at size³ through the host queue until closed.

        The host's peaks are measured first if they never were (for "% of peak").
        """
        job = live.live_job(control, kernel_id, size, pick_core(self.settings.pin_core))

        def probed(emit: Callable[[Any], None], stop: threading.Event) -> None:
            self._probe()
            job(emit, stop)

        return tuner.run_on_host(self.queue, probed)

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
            async with contextlib.aclosing(self._events(run)) as events:
                async for event in events:
                    last = event
                    yield event
        finally:
            runlog.log_run(self._user, run, last, time.monotonic() - started)

    async def _events(self, run: RunSpec) -> AsyncGenerator[Event, None]:
        """The events of `run` (see run())."""
        cancel = self._cancel
        try:
            await asyncio.to_thread(self.store.check)
        except HistoryError as exc:  # the run still runs: its result is kept aside
            if not self._history_warned:
                log.warning("%s; results are shown but not stored", exc)
            self._history_warned = True
        try:
            cpu = peaks.host_key()
            # Not in a thread: a cancel landing while a thread creates the ticket would
            # leave it locked by this process, blocking the host until the process ends.
            ticket = self.queue.enqueue(self._user, self.settings.max_queued_per_user)
        except QuotaError as exc:
            yield Failed(run, str(exc), final=True)
            return
        except HistoryError as exc:
            yield Failed(run, str(exc))
            return
        except OSError as exc:  # str(exc) would show the server's state path
            yield Failed(run, f"the host's benchmark queue is unusable: {exc.strerror or exc}")
            return
        positions: list[int] = []
        handoff = Handoff(ticket)
        waiter: asyncio.Future[None] | None = None
        try:
            waiter = asyncio.ensure_future(self.queue.wait(ticket, positions.append))
            while not waiter.done():
                await asyncio.wait({waiter}, timeout=self.queue.poll_seconds)
                while positions:
                    yield Queued(run, positions.pop(0))
                if cancel.is_set():
                    waiter.cancel()
                    yield Cancelled(run)
                    return
            waiter.result()
            # The server's watchdog ends a session that holds the host longer than this.
            ticket.mark_running(self.settings.max_run_seconds + PROBE_SECONDS)
            if run.kernel_id == BEST:
                core = pick_core(self.settings.pin_core)
                run = await asyncio.to_thread(tuner.concrete, run, self.tune_cache, core)
            yield Started(run)
            # aclosing: closing this stream must close the inner one now (it stops the
            # worker), not whenever the garbage collector gets to it.
            async with contextlib.aclosing(self._hold(run, cpu, cancel, handoff)) as events:
                async for event in events:
                    yield event
        finally:
            if waiter is not None and not waiter.done():
                waiter.cancel()
            handoff.leave()

    async def _hold(
        self, run: RunSpec, cpu: str, cancel: threading.Event, handoff: Handoff
    ) -> AsyncGenerator[Event, None]:
        """Run the worker while holding the host; yield samples, then the verdict."""
        loop = asyncio.get_running_loop()
        samples: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
        stop = threading.Event()
        # Set once the worker starts timing: a first-run peak probe does not count.
        deadline = [float("inf")]
        core = pick_core(self.settings.pin_core)
        cores = team_cores(core, run.threads)  # validated by expand(): always fits

        def on_sample(index: int, seconds: float) -> bool:
            with contextlib.suppress(RuntimeError):  # the loop is gone: just stop
                loop.call_soon_threadsafe(samples.put_nowait, (index, seconds))
                return not (stop.is_set() or cancel.is_set()) and time.monotonic() < deadline[0]
            return False

        def work() -> Outcome:
            try:
                host_peaks = self._probe()
                if stop.is_set() or cancel.is_set():
                    return Outcome(None, cancelled=True)
                deadline[0] = time.monotonic() + self.settings.max_run_seconds
                job = Job(
                    run=run,
                    pin_core=core,
                    max_bytes=self.settings.max_run_bytes,
                    deadline=deadline[0],
                    cpu=cpu,
                    history=self.store,
                    peaks=host_peaks,
                    blas_seconds_per_gflop=1 / plan.BLAS_RATE,
                    time_left=lambda: max(deadline[0] - time.monotonic(), 0.0),
                )
                return execute(job, on_sample)
            finally:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(samples.put_nowait, None)
                handoff.leave()

        handoff.join()
        try:
            future = loop.run_in_executor(None, work)
        except BaseException:
            handoff.leave()
            raise
        try:
            with away_from(cores):
                while (item := await samples.get()) is not None:
                    index, seconds = item
                    yield Sampled(run, index, seconds, gflops(run.shape, seconds))
            try:
                outcome = await future
            except Exception as exc:  # a native or numpy error: report it, keep the session
                log.exception("run %s failed", run.kernel_id)
                yield Failed(run, f"{run.kernel_id} at {run.shape}: {exc}")
                return
        finally:
            stop.set()
        async for event in self._verdict(run, outcome):
            yield event

    async def _verdict(self, run: RunSpec, outcome: Outcome) -> AsyncIterator[Event]:
        if outcome.result is None:
            if outcome.cancelled:
                yield Cancelled(run)
            elif outcome.timed_out:
                yield Failed(
                    run,
                    f"{run.kernel_id} at {run.shape} was stopped by the time limit of "
                    f"{self.settings.max_run_seconds:g} s per run before its first sample; "
                    f"try fewer warm-up calls or a smaller size",
                )
            else:
                yield Failed(run, "no sample was taken")
            return
        result = outcome.result
        if outcome.peak_stale:
            # A probe on a busy host reads low; what a kernel achieved is a lower bound of
            # the true peak. Raising the cache avoids re-probing (1-2 s) on every run.
            isa = run.kernel_id.split(".", 1)[0]
            await asyncio.to_thread(
                self.peak_cache.raise_peak, isa, run.dtype, result.best_gflops, run.threads
            )
        brand = cpu_info().brand  # the key's hash suffix is for caches, not people
        try:
            await asyncio.to_thread(self.store.add, result, user=self._user, cpu=brand)
        except HistoryError as exc:
            # A finished run is never dropped: it goes to a side file, and the user still
            # gets the result below, with a warning saying it was not stored.
            unsaved.keep(self.settings.state_dir, result, user=self._user, cpu=brand, why=str(exc))
        if not result.check_ok:
            yield Failed(
                run,
                f"WRONG ANSWER from {run.kernel_id} at {run.shape}: relative error "
                f"{result.check_error:.3g} is over the tolerance",
            )
            return
        yield Finished(result)
