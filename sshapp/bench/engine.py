"""Provides Engine, the BenchService every front end (CLI, TUI) runs benchmarks through."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence

from sshapp.bench import catalog, peaks, plan, runlog
from sshapp.bench.events import Cancelled, Event, Failed, Finished, Queued, Sampled, Started
from sshapp.bench.history import History, HistoryError
from sshapp.bench.queue import HostQueue, Ticket
from sshapp.bench.runner import Job, Outcome, away_from, execute, pick_core
from sshapp.bench.service import HistoryEntry, KernelRow
from sshapp.bench.spec import BenchSpec, RunSpec, gflops
from sshapp.config import Settings
from sshapp.kernels import cpu_info, team_cores

log = logging.getLogger(__name__)

HISTORY_FILE = "history.sqlite3"
"""Name of the history database in the state directory."""


class _Handoff:
    """Releases the ticket when both the run's generator and its worker thread are done.

    A cancelled run's worker stops at its next sample; until then it still uses the core,
    so the next run in the queue must not start before the worker has really stopped.
    """

    def __init__(self, ticket: Ticket) -> None:
        self._ticket = ticket
        self._holders = 1
        self._lock = threading.Lock()

    def join(self) -> None:
        with self._lock:
            self._holders += 1

    def leave(self) -> None:
        with self._lock:
            self._holders -= 1
            last = self._holders == 0
        if last:
            self._ticket.release()


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
        self.queue = HostQueue(settings.state_dir / "queue")
        """The host-wide queue."""
        self.store = History(settings.state_dir / HISTORY_FILE)
        """The history database."""
        self.peak_cache = peaks.PeakCache(settings.state_dir)
        """This host's cached peaks."""
        self._cancel = threading.Event()
        self._probed = False

    @property
    def user(self) -> str:
        """Identity recorded with every run."""
        return self._user

    def kernels(self) -> Sequence[KernelRow]:
        """Return every native kernel (table order) then the host-BLAS rows."""
        return catalog.kernel_rows()

    def expand(self, spec: BenchSpec) -> list[RunSpec]:
        """Validate a spec and expand globs and sweeps into runs.

        Raises:
            SpecError: The spec cannot run (one readable line).
        """
        limits = plan.Limits(self.settings.max_run_bytes, self.settings.max_run_seconds)
        return plan.expand(spec, limits)

    def cancel(self) -> None:
        """Cancel every waiting or running run of this engine (they yield Cancelled).

        Runs started after this call are not affected.
        """
        self._cancel.set()
        self._cancel = threading.Event()

    def history(
        self, *, mine: bool = True, best: bool = False, limit: int = 100
    ) -> Sequence[HistoryEntry]:
        """Return stored runs, newest first (best=True: best per kernel and shape).

        Raises:
            HistoryError: The database is unreadable.
        """
        return self.store.entries(user=self._user if mine else None, best=best, limit=limit)

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
        ticket = self.queue.enqueue()
        try:
            await self.queue.wait(ticket, lambda _: None)
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
            cpu = peaks.host_key()
            # Not in a thread: a cancel landing while a thread creates the ticket would
            # leave it locked by this process, blocking the host until the process ends.
            ticket = self.queue.enqueue()
        except (HistoryError, OSError) as exc:
            yield Failed(run, str(exc))
            return
        positions: list[int] = []
        handoff = _Handoff(ticket)
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
        self, run: RunSpec, cpu: str, cancel: threading.Event, handoff: _Handoff
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
            yield Cancelled(run) if outcome.cancelled else Failed(run, "no sample was taken")
            return
        result = outcome.result
        if outcome.peak_stale:
            # A probe on a busy host reads low; what a kernel achieved is a lower bound of
            # the true peak. Raising the cache avoids re-probing (1-2 s) on every run.
            isa = run.kernel_id.split(".", 1)[0]
            await asyncio.to_thread(
                self.peak_cache.raise_peak, isa, run.dtype, result.best_gflops, run.threads
            )
        try:
            brand = cpu_info().brand  # the key's hash suffix is for caches, not people
            await asyncio.to_thread(self.store.add, result, user=self._user, cpu=brand)
        except HistoryError as exc:
            yield Failed(run, f"result not saved: {exc}")
            return
        if not result.check_ok:
            yield Failed(
                run,
                f"WRONG ANSWER from {run.kernel_id} at {run.shape}: relative error "
                f"{result.check_error:.3g} is over the tolerance",
            )
            return
        yield Finished(result)
