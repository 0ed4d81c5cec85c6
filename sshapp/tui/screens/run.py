"""Provides RunScreen: the live view of queued and running benchmarks."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from sshapp.bench.protocol.events import Cancelled, Failed, Finished, Queued, Sampled, Started
from sshapp.bench.protocol.spec import BenchResult, RunSpec
from sshapp.kernels import dtype
from sshapp.tui import peaktext
from sshapp.tui.messages import (
    RunCancelled,
    RunFailed,
    RunFinished,
    RunProgressed,
    RunQueued,
    RunRequested,
    RunStarted,
)
from sshapp.tui.runtext import samples_line
from sshapp.tui.session import Session
from sshapp.tui.widgets.key_bar import KeyBar
from sshapp.tui.widgets.result_rows import pct, ratio
from sshapp.tui.widgets.sample_chart import SampleChart

ENDED = frozenset({"finished", "failed", "cancelled"})
"""States a run ends in."""
STATS_WIDTH = 78
"""Columns of the samples line: an 80-column terminal less the panel's padding."""


class RunScreen(Screen[None]):
    """Streams each run's repetitions into a chart; x cancels the current batch."""

    CSS_PATH = "run.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "cancel", "Cancel run", show=True),
    ]
    STATS_FPS: ClassVar[float] = 5.0
    """Upper bound on stats-line updates per second."""

    def __init__(self, session: Session) -> None:
        """Create the view for one session."""
        super().__init__()
        self.session = session
        """The app's session."""
        self.current: RunSpec | None = None
        """The run being shown."""
        self.state = "idle"
        """idle, queued, running, finished, failed or cancelled."""
        self.samples: tuple[float, ...] = ()
        """GFLOP/s per repetition of the current run."""
        self.total = 0
        """Runs in the current batch."""
        self.done = 0
        """Runs of the batch that ended."""
        self.note = ""
        """Last outcome line (result, error or cancel)."""
        self._dirty = True
        self._batch: asyncio.Task[None] | None = None
        self._cancelling = False
        self._since = time.monotonic()
        """When the current state began (a wait shows how long it has lasted)."""
        self._shown_seconds = -1

    def compose(self) -> ComposeResult:
        """Title line, chart, stats line, finished-runs table."""
        yield Header()
        yield Static(id="run-title")
        yield SampleChart(id="sample-chart")
        yield Static(id="run-stats")
        yield DataTable(id="run-log", cursor_type="row", zebra_stripes=False)
        yield KeyBar()

    def on_mount(self) -> None:
        """Prepare the log table, start the stats timer, pick up pending runs."""
        log = self.query_one("#run-log", DataTable)
        for name in ("kernel", "size", "best", "median", "% peak", "vs BLAS", "check"):
            log.add_column(name, key=name)
        self.query_one(SampleChart).border_title = "GFLOP/s per repetition"
        self.set_interval(1 / self.STATS_FPS, self._flush)
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        """Start runs the setup screen submitted, unless a batch is still going."""
        if self.session.pending and not self.busy:
            runs, self.session.pending = self.session.pending, []
            self.start(runs)
        elif self.session.pending:
            self.notify("these runs start when the current batch ends")

    def on_resize(self) -> None:
        """Reflow: a short terminal gives the chart the room and shrinks the log."""
        self.set_class(self.size.height < 30, "-short")

    @property
    def busy(self) -> bool:
        """Whether a batch is queued or running."""
        return self._batch is not None and not self._batch.done()

    def start(self, runs: list[RunSpec]) -> None:
        """Run `runs` one after another in a worker; the UI stays live meanwhile."""
        self.total, self.done = len(runs), 0
        self._drive(runs)

    @work(exclusive=True, group="bench")
    async def _drive(self, runs: list[RunSpec]) -> None:
        self._batch = asyncio.current_task()
        self._cancelling = False
        self.refresh_bindings()  # x Cancel run is shown only while a batch is on
        try:
            await self._run_all(runs)
            while self.session.pending and not self._cancelling:  # submitted meanwhile
                runs, self.session.pending = self.session.pending, []
                self.total, self.done = len(runs), 0
                await self._run_all(runs)
        finally:
            self._batch = None
            self.refresh_bindings()

    async def _run_all(self, runs: list[RunSpec]) -> None:
        self.session.batch_start = len(self.session.results)  # the views show this batch
        service = self.session.service
        for run in runs:
            if self._cancelling:
                break  # the rest of a cancelled batch never starts
            self.post_message(RunRequested(run))
            gflops: list[float] = []
            try:
                async for event in service.run(run):
                    if isinstance(event, Queued):
                        self.post_message(RunQueued(run, event.position))
                    elif isinstance(event, Started):
                        self.post_message(RunStarted(run))
                    elif isinstance(event, Sampled):
                        gflops.append(event.gflops)
                        self.post_message(RunProgressed(run, tuple(gflops)))
                    elif isinstance(event, Finished):
                        self.post_message(RunFinished(event.result))
                    elif isinstance(event, Failed):
                        self.post_message(RunFailed(run, event.error))
                    elif isinstance(event, Cancelled):
                        self.post_message(RunCancelled(run))
            except asyncio.CancelledError:
                self.post_message(RunCancelled(run))
                raise

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        """Offer x (cancel) only while a batch is queued or running."""
        return self.busy if action == "cancel" else True

    def action_cancel(self) -> None:
        """Cancel the waiting or running batch (one key, as promised in the footer).

        The run stops at its next sample and says "cancelled" once the host is free;
        until then it says "cancelling…". A second x stops waiting for it.
        """
        if not self.busy:
            self.notify("nothing is running")
            return
        self.session.pending = []  # runs queued behind this batch go too
        if self._cancelling:
            self.workers.cancel_group(self, "bench")
            return
        self._cancelling = True
        self.state = "cancelling… (the host finishes this repetition)"
        self._dirty = True
        self.session.service.cancel()

    def _begin(self, run: RunSpec, state: str) -> None:
        if run != self.current:
            self.current, self.samples = run, ()
            chart = self.query_one(SampleChart)
            chart.set_samples(())
            chart.border_title = f"{dtype(run.dtype).unit} per repetition"
        if self._cancelling and state not in ENDED:
            state = self.state  # a sample still in flight does not undo "cancelling…"
        if state != self.state:
            self._since = time.monotonic()
        self.state = state
        self._dirty = True

    def on_run_requested(self, message: RunRequested) -> None:
        """A new run: clear the last one's bars (the same spec again included)."""
        self.current = None
        self._begin(message.run, "waiting for the host")

    def on_run_queued(self, message: RunQueued) -> None:
        """Show the queue position."""
        self._begin(message.run, f"queued: {message.position} ahead")

    def on_run_started(self, message: RunStarted) -> None:
        """The run holds the host."""
        self._begin(message.run, "running")

    def on_run_progressed(self, message: RunProgressed) -> None:
        """Feed the chart (it repaints on its own timer)."""
        self._begin(message.run, "running")
        self.samples = message.gflops
        self.query_one(SampleChart).set_samples(self.samples)

    def on_run_finished(self, message: RunFinished) -> None:
        """Record the result and show its verdict."""
        result = message.result
        self._begin(result.run, "finished")
        self.session.add_result(result)
        self.done += 1
        self.note = (
            f"{result.run.kernel_id} at {result.run.shape}: best {result.best_gflops:.2f} "
            f"{dtype(result.run.dtype).short_unit}, {self._verdict(result)}"
            + (f"\n⚠ {result.notice}" if result.notice else "")
        )
        self._log(result)

    def _verdict(self, result: BenchResult) -> str:
        """Return "% of which peak, × BLAS", or why each is missing."""
        run, service = result.run, self.session.service
        if result.peak_fraction is None:
            peak = peaktext.why_no_peak(service, run.dtype, run.threads)
        else:
            cores = f"{run.threads}-core " if run.threads > 1 else ""
            peak = f"{pct(result.peak_fraction)} of {cores}peak"
        blas = ratio(result.blas_ratio) + " BLAS" if result.blas_ratio is not None else ""
        return f"{peak}, {blas or peaktext.why_no_blas(run.dtype)}"

    def on_run_failed(self, message: RunFailed) -> None:
        """Show the error line."""
        self._begin(message.run, "failed")
        self.done += 1
        self.note = f"✗ {message.error}"

    def on_run_cancelled(self, message: RunCancelled) -> None:
        """Say it stopped."""
        self._begin(message.run, "cancelled")
        self.note = f"cancelled {message.run.kernel_id} at {message.run.shape}"

    def _log(self, result: BenchResult) -> None:
        log = self.query_one("#run-log", DataTable)
        log.add_row(
            result.run.kernel_id,
            str(result.run.shape),
            f"{result.best_gflops:.2f}",
            f"{result.median_gflops:.2f}",
            pct(result.peak_fraction),
            ratio(result.blas_ratio),
            "ok" if result.check_ok else "WRONG",
        )
        log.move_cursor(row=log.row_count - 1)

    def _flush(self) -> None:
        waited = int(time.monotonic() - self._since)
        waiting = self.busy and not self.samples
        if waiting and waited != self._shown_seconds:
            self._dirty = True  # the time waited ticks
        if not self._dirty:
            return
        self._dirty = False
        self._shown_seconds = waited
        self.query_one(SampleChart).show_wait(self.state if waiting else None, waited)
        title = Text()
        if self.current is None:
            title.append("No run yet: pick kernels (k) and set up a run (s).")
        else:
            run = self.current
            title.append(run.kernel_id, "bold")
            title.append(f"  {run.shape} {run.dtype}  ")
            title.append(f"run {min(self.done + 1, self.total)}/{self.total}  ")
            if self.samples:  # of how many, unless a time budget decides
                of = "" if run.budget_seconds is not None else f"/{run.repeats}"
                title.append(f"rep {len(self.samples)}{of}  ")
            title.append(f"● {self.state}", "bold")
            if self.busy and self.state not in ENDED:
                title.append(f" · {waited} s")
        self.query_one("#run-title", Static).update(title)
        self.query_one("#run-stats", Static).update(self._stats())

    def _stats(self) -> Text:
        text = Text()
        if self.samples:
            text.append(samples_line(self.samples, self.current, self.session.service, STATS_WIDTH))
        if self.note:
            text.append("\n" if self.samples else "")
            text.append(self.note, "italic")
        return text

    @on(DataTable.RowSelected, "#run-log")
    def _row(self) -> None:
        self.app.switch_mode("results")
