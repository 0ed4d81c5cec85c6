"""Provides RunScreen: the live view of queued and running benchmarks."""

from __future__ import annotations

import asyncio
import statistics
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
    RunStarted,
)
from sshapp.tui.session import Session
from sshapp.tui.widgets.key_bar import KeyBar
from sshapp.tui.widgets.sample_chart import SampleChart
from sshapp.tui.widgets.scale import short


def pct(value: float | None) -> str:
    """Return a fraction as a percentage, or "-"."""
    return f"{value * 100:.0f}%" if value is not None else "-"


def ratio(value: float | None) -> str:
    """Return a ratio as "×1.23", or "-"."""
    return f"×{value:.2f}" if value is not None else "-"


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
        await self._run_all(runs)
        while self.session.pending:  # submitted while this batch ran
            runs, self.session.pending = self.session.pending, []
            self.total, self.done = len(runs), 0
            await self._run_all(runs)

    async def _run_all(self, runs: list[RunSpec]) -> None:
        self.session.batch_start = len(self.session.results)  # the views show this batch
        service = self.session.service
        for run in runs:
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

    def action_cancel(self) -> None:
        """Cancel the waiting or running batch (one key, as promised in the footer)."""
        if not self.busy:
            self.notify("nothing is running")
            return
        self.session.pending = []  # runs queued behind this batch go too
        self.workers.cancel_group(self, "bench")

    def _begin(self, run: RunSpec, state: str) -> None:
        if run != self.current:
            self.current, self.samples = run, ()
            chart = self.query_one(SampleChart)
            chart.set_samples(())
            chart.border_title = f"{dtype(run.dtype).unit} per repetition"
        self.state = state
        self._dirty = True

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
        self.session.results.append(result)
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
        if not self._dirty:
            return
        self._dirty = False
        title = Text()
        if self.current is None:
            title.append("No run yet: pick kernels (k) and set up a run (s).")
        else:
            run = self.current
            title.append(run.kernel_id, "bold")
            title.append(f"  {run.shape} {run.dtype}  ")
            title.append(f"run {min(self.done + 1, self.total)}/{self.total}  ")
            title.append(f"● {self.state}", "bold")
        self.query_one("#run-title", Static).update(title)
        self.query_one("#run-stats", Static).update(self._stats())

    def _stats(self) -> Text:
        text = Text()
        if self.samples:
            best = max(self.samples)
            text.append(f"now {self.samples[-1]:.2f}  best {best:.2f}  ")
            unit = dtype(self.current.dtype).short_unit if self.current else ""
            text.append(f"median {statistics.median(self.samples):.2f} {unit}  ")
            if self.current is not None:
                run = self.current
                isa = run.kernel_id.split(".", 1)[0]
                held = peaktext.held_against(self.session.service, isa, run.dtype, run.threads)
                if held is not None:
                    text.append(f"{best / held[0]:.0%} of {held[1]} {short(held[0])}  ")
            text.append(f"reps {len(self.samples)}")
        if self.note:
            text.append("\n" if self.samples else "")
            text.append(self.note, "italic")
        return text

    @on(DataTable.RowSelected, "#run-log")
    def _row(self) -> None:
        self.app.switch_mode("results")
