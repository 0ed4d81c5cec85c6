"""Provides TuneState: what the Tune screen tunes, what it measured, and its keys' rules.

No Textual here: the screen draws this state and feeds it the live job's events; every
check of a new blocking goes through the bench service, so nothing invalid is timed.
"""

from __future__ import annotations

import contextlib
import statistics

from sshapp.bench.blocking.live import LiveControl, LiveSample
from sshapp.bench.blocking.search import MAX_CANDIDATES
from sshapp.bench.blocking.store import Tuned
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.service import BenchService
from sshapp.kernels import Blocking, ModelReport
from sshapp.tui import blockedit, tunetext


def packed_kernels(service: BenchService) -> list[str]:
    """Return the ids of the packed kernels this host can run (the ones with blocks)."""
    return [r.id for r in service.kernels() if r.supported and "MC=" in r.blocking]


SERIES_KEPT = 200
"""Live samples kept per blocking for its median (~4 s at 1024³)."""


class TuneState:
    """One Tune screen's kernel, blocks, measurements and change log."""

    def __init__(self) -> None:
        """Create the state of a screen that tunes nothing yet."""
        self.kernel_id = ""
        """Kernel being tuned ("" = no packed kernel here)."""
        self.model: ModelReport | None = None
        """The model's blocks and the caches it used."""
        self.current: Blocking | None = None
        """Blocks being timed."""
        self.selected = "KC"
        """Block the keys change."""
        self.control: LiveControl | None = None
        """The running live job's control (None: not running)."""
        self.measured: dict[Blocking, float] = {}
        """Median GFLOP/s of the live series per blocking (the search's candidates are
        timed apart, so they are not mixed in: they show on the trace)."""
        self._series: dict[Blocking, list[float]] = {}
        self.candidates = 0
        """Candidates the running search reported."""
        self.now_gflops: float | None = None
        """Latest sample."""
        self.blas_gflops: float | None = None
        """Host BLAS at the same size."""
        self.peak: float | None = None
        """Measured FMA peak of the kernel's ISA and dtype."""
        self.state = "idle"
        """What the job is doing, as text."""
        self.verdict: Tuned | None = None
        """The last autotune's winner."""
        self.changes: list[tuple[int, str]] = []
        """(change number, label) of every change, in order."""
        self.first_samples: list[LiveSample] = []
        """The first sample measured after each change, in order."""

    def first_kernel(self, service: BenchService, selected: list[str]) -> str:
        """Return the first packed kernel among `selected`, else the first packed one."""
        packed = packed_kernels(service)
        for kid in selected:
            if kid in packed:
                return kid
        return packed[0] if packed else ""

    def next_kernel(self, service: BenchService) -> bool:
        """Move to the next packed kernel; return whether there is one."""
        packed = packed_kernels(service)
        if not packed:
            return False
        at = packed.index(self.kernel_id) if self.kernel_id in packed else -1
        self.kernel_id = packed[(at + 1) % len(packed)]
        return True

    def reset(self) -> None:
        """Forget what was measured (a new run starts)."""
        self.measured, self.now_gflops, self.verdict = {}, None, None
        self._series, self.candidates = {}, 0
        self.changes, self.first_samples = [], []

    def begin(self, service: BenchService) -> bool:
        """Start at the saved blocks, else the model's; return whether saved ones were found.

        Raises:
            SpecError: The kernel cannot be tuned here.
            ValueError: Likewise, from the model.
        """
        self.model = service.blocking_model(self.kernel_id)
        saved = service.tuned(self.kernel_id)
        b = self.model.blocking
        self.current = Blocking(b.MR, b.NR, saved.mc, saved.kc, saved.nc) if saved else b
        self.control = LiveControl(self.current)
        self.peak = self.host_peak(service)
        return saved is not None

    def stop(self) -> None:
        """The live job is gone."""
        self.control = None
        self.state = "stopped"

    def host_peak(self, service: BenchService) -> float | None:
        """Return the measured FMA peak of the kernel's ISA and dtype (None: unknown)."""
        isa, dtype = self.kernel_id.split(".")[0], self.kernel_id.rsplit(".", 1)[-1]
        with contextlib.suppress(Exception):  # an unreadable cache: no "% of peak"
            return service.peak_gflops(isa, dtype)
        return None

    def record(self, s: LiveSample) -> None:
        """Record a sample: the latest figure, the best per blocking, the change log."""
        self.now_gflops = s.gflops
        if s.label.startswith("tune"):
            self.candidates += 1
            self.state = f"autotune: candidate {self.candidates} of ≤{MAX_CANDIDATES}"
        else:
            if not self.state.startswith("autotune"):
                self.state = "running"
            series = self._series.setdefault(s.blocking, [])
            series.append(s.gflops)
            del series[:-SERIES_KEPT]
            self.measured[s.blocking] = statistics.median(series)
        if (
            self.changes
            and s.change == self.changes[-1][0]
            and (not self.first_samples or self.first_samples[-1].change != s.change)
        ):
            self.first_samples.append(s)
        if s.label.startswith("tune") and self.current is not None:
            self.changes.append((s.change, s.label))
            self.first_samples.append(s)

    def autotune_started(self) -> None:
        """A search was asked for: count its candidates from one."""
        self.candidates = 0
        self.state = "autotune: starting"

    def autotune_ended(self, tuned: Tuned | None) -> str:
        """Take the search's winner (None: it was cancelled); return the line to show."""
        self.state = "running"
        if tuned is None:
            return "autotune cancelled; the run goes on at the blocks it had"
        self.verdict = tuned
        assert self.control is not None
        self.current, change, label = self.control.current()
        self.changes.append((change, label))
        return tunetext.verdict(tuned, self.model.blocking if self.model else None)

    def apply(self, service: BenchService, value: int) -> tuple[str, bool]:
        """Set the selected block to `value` if the service accepts it.

        Returns:
            The line to show, and whether the blocks changed (False: they were so already).

        Raises:
            SpecError: Nothing is running, or the blocks are invalid (nothing ran).
        """
        if self.current is None or self.control is None:
            msg = "nothing is running"
            raise SpecError(msg)
        try:
            b = service.check_blocking(
                self.kernel_id, **blockedit.with_block(self.current, self.selected, value)
            )
        except SpecError as exc:
            msg = f"✗ {exc} (nothing ran)"
            raise SpecError(msg) from exc
        if b == self.current:
            return f"{self.selected} is {value} already", False
        self.control.cancel_autotune()
        self.current = b
        label = f"{self.selected} {getattr(b, self.selected)}"
        self.changes.append((self.control.set(b, label), label))
        return f"timing {tunetext.blocks(b)}", True

    def to_model(self) -> Blocking | None:
        """Go back to the model's blocks; return them (None: nothing is running)."""
        if self.model is None or self.control is None:
            return None
        b = self.model.blocking
        self.current = b
        self.changes.append((self.control.set(b, "model"), "model"))
        return b

    def to_save(self, size: int) -> Tuned | None:
        """Return the current blocks as a verdict to store (None: nothing to store).

        The autotune's verdict if the blocks are its winner, else the best figures seen.
        """
        b = self.current
        if b is None:
            return None
        v = self.verdict
        if v is None or (v.mc, v.kc, v.nc) != (b.MC, b.KC, b.NC):
            model_g = self.measured.get(self.model.blocking, 0.0) if self.model else 0.0
            v = Tuned(self.kernel_id, b.MC, b.KC, b.NC, self.measured.get(b, 0.0), model_g, size)
        return v

    def numbers(self) -> str:
        """Return the two lines of figures under the bars."""
        model = self.model.blocking if self.model else None
        return tunetext.numbers(self.measured, model, self.now_gflops, self.peak, self.blas_gflops)
