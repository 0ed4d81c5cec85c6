"""Provides RunPipeline: one run through the host queue, the worker thread and the verdict.

The engine owns one and hands it each run; it holds what the steps share (settings, the
queue, the history, the caches) and nothing of the front ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable

from sshapp.bench.blocking import jobs
from sshapp.bench.blocking.store import TuneCache
from sshapp.bench.history import unsaved
from sshapp.bench.history.database import History, HistoryError
from sshapp.bench.host import cost, peaks
from sshapp.bench.host.queue import Handoff, HostQueue, QuotaError
from sshapp.bench.protocol.events import (
    Cancelled,
    Event,
    Failed,
    Finished,
    Queued,
    Sampled,
    Started,
)
from sshapp.bench.protocol.spec import BEST, RunSpec, gflops
from sshapp.bench.run.runner import Job, Outcome, away_from, execute, pick_core
from sshapp.config import Settings
from sshapp.kernels import cpu_info, team_cores

log = logging.getLogger(__name__)

PROBE_SECONDS = 10.0
"""Allowance for measuring the host's peaks (1-2 s) on a first run, besides the run's limit."""


class RunPipeline:
    """Queue, time, check and record runs for one engine."""

    def __init__(
        self,
        settings: Settings,
        user: str,
        *,
        queue: HostQueue,
        store: History,
        peak_cache: peaks.PeakCache,
        tune_cache: TuneCache,
        probe: Callable[[], peaks.HostPeaks | None],
    ) -> None:
        """Create the pipeline of an engine.

        Args:
            settings: State directory, pinned core and per-run limits.
            user: Identity recorded with every run.
            queue: The host-wide queue.
            store: The history database.
            peak_cache: This host's cached peaks.
            tune_cache: This CPU's tune results and best kernels (resolves `best`).
            probe: Measures and caches the peaks if nobody did yet (called holding the host).
        """
        self.settings = settings
        """Settings in force."""
        self._user = user
        self.queue = queue
        """The host-wide queue."""
        self.store = store
        """The history database."""
        self.peak_cache = peak_cache
        """This host's cached peaks."""
        self.tune_cache = tune_cache
        """This CPU's tune results and best kernels."""
        self._probe = probe
        self._history_warned = False

    async def events(self, run: RunSpec, cancel: threading.Event) -> AsyncGenerator[Event, None]:
        """Queue, time, check and record `run`, yielding its events (see Engine.run).

        Args:
            run: The run.
            cancel: Set to cancel the run, whether waiting or running.
        """
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
                run = await asyncio.to_thread(jobs.concrete, run, self.tune_cache, core)
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
                    blas_seconds_per_gflop=1 / cost.BLAS_RATE,
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
                f"{result.check_error:.3g} is over the tolerance"
                + (f"; {result.notice}" if result.notice else ""),
            )
            return
        yield Finished(result)
