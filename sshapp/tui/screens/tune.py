"""Provides TuneScreen: change a packed kernel's cache blocks and watch GFLOP/s move live.

While the screen is shown, one live job (BenchService.live, through the host queue)
re-times the kernel at size³ after every change; leaving the screen cancels it.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from sshapp.bench.live import AutotuneEnded, BlasMeasured, LiveControl, LiveSample
from sshapp.bench.service import SpecError
from sshapp.bench.tuner import Waiting
from sshapp.bench.tuning import Tuned
from sshapp.kernels import Blocking, ModelReport
from sshapp.tui import blockedit, tunetext
from sshapp.tui.session import Session
from sshapp.tui.widgets.block_bars import BLOCKS, BarsState, BlockBars
from sshapp.tui.widgets.key_bar import KeyBar
from sshapp.tui.widgets.tune_trace import TuneTrace


class TuneScreen(Screen[None]):
    """MR×NR and MC, KC, NC against the caches, keys to change them, a live GFLOP/s trace."""

    CSS_PATH = "tune.tcss"
    AUTO_FOCUS = None  # the value field is hidden until e; the keys belong to the screen
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "select(-1)", "Prev block", show=False),
        Binding("down", "select(1)", "Next block", show=False),
        Binding("left,minus", "edit('halve')", "½"),
        Binding("right,plus", "edit('double')", "×2"),
        Binding("left_square_bracket", "edit('down')", "-step", show=False),
        Binding("right_square_bracket", "edit('up')", "+step", show=False),
        Binding("e", "type_value", "Type"),
        Binding("a", "autotune", "Autotune"),
        Binding("x", "stop_autotune", "Stop", show=False),
        Binding("w", "save", "Save"),
        Binding("o", "model", "Model's", show=False),
        Binding("p", "next_kernel", "Kernel", show=False),
        Binding("escape", "close_input", "Close", show=False),
    ]

    def __init__(self, session: Session) -> None:
        """Create the screen for one session (nothing runs until it is shown)."""
        super().__init__()
        self.session = session
        """The app's session."""
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
        """Best GFLOP/s seen per blocking."""
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
        self.note = ""
        """Last message line (an error is shown with the -error class)."""
        self.changes: list[tuple[int, str]] = []
        """(change number, label) of every change, in order."""
        self.first_samples: list[LiveSample] = []
        """The first sample measured after each change, in order."""
        self._dirty = False

    def compose(self) -> ComposeResult:
        """Title, block bars, value input, note, numbers, trace."""
        yield Header()
        yield Static(id="tune-title")
        yield BlockBars(id="tune-bars")
        yield Input(id="tune-input", disabled=True)  # enabled while a value is typed
        yield Static(id="tune-note")
        yield Static(id="tune-numbers")
        yield TuneTrace(id="tune-trace")
        yield KeyBar()

    PAINT_FPS: ClassVar[float] = 4.0
    """Upper bound on repaints of the numbers per second while samples stream (the first
    sample after a change is painted at once)."""

    def on_mount(self) -> None:
        """Label the trace, start the repaint timer."""
        self.query_one(TuneTrace).border_title = "GFLOP/s, ▲ = a change of blocks"
        self.set_interval(1 / self.PAINT_FPS, self._flush)

    def _flush(self) -> None:
        if self._dirty:
            self._paint()

    def on_screen_resume(self) -> None:
        """Pick the kernel and start the continuous run."""
        if not self.kernel_id:
            self.kernel_id = self._first_kernel()
        self._start()

    def on_screen_suspend(self) -> None:
        """Leaving the screen cancels the run (and frees the host)."""
        self.workers.cancel_group(self, "live")
        self.control = None
        self.state = "stopped"

    def _packed(self) -> list[str]:
        return [r.id for r in self.session.service.kernels() if r.supported and "MC=" in r.blocking]

    def _first_kernel(self) -> str:
        packed = self._packed()
        for kid in self.session.selected:
            if kid in packed:
                return kid
        return packed[0] if packed else ""

    def _start(self) -> None:
        self.workers.cancel_group(self, "live")
        self.measured, self.now_gflops, self.verdict = {}, None, None
        self.changes, self.first_samples = [], []
        self.query_one(TuneTrace).clear()
        if not self.kernel_id:
            self._say("no packed kernel can run on this host", error=True)
            return
        service = self.session.service
        try:
            self.model = service.blocking_model(self.kernel_id)
            saved = service.tuned(self.kernel_id)
        except (SpecError, ValueError) as exc:
            self._say(f"cannot tune {self.kernel_id}: {exc}", error=True)
            return
        b = self.model.blocking
        self.current = Blocking(b.MR, b.NR, saved.mc, saved.kc, saved.nc) if saved else b
        self.control = LiveControl(self.current)
        self.peak = self._peak()
        self._say(f"started at the {'saved' if saved else 'model'} blocks")
        self._live(self.kernel_id, self.control)

    @work(exclusive=True, group="live")
    async def _live(self, kernel_id: str, control: LiveControl) -> None:
        self.state = "starting"
        self._paint()
        try:
            async for event in self.session.service.live(
                kernel_id, self.session.tune_size, control
            ):
                # A closing screen stops its message loop, then removes its widgets, and
                # only then cancels this worker: an event in between must not query them.
                if control is not self.control or not self.is_running:
                    return
                self._on_event(event)
        except (SpecError, ValueError, OSError) as exc:
            if self.is_running:
                self._say(f"the run stopped: {exc}", error=True)
                self.state = "stopped"
                self._paint()

    def _on_event(self, event: object) -> None:
        if isinstance(event, Waiting):
            self.state = f"queued: {event.position} ahead (someone else holds the host)"
        elif isinstance(event, BlasMeasured):
            self.blas_gflops = event.gflops
            self.peak = self._peak()  # measured before the job's first call, if it never was
        elif isinstance(event, LiveSample):
            was = self.state
            if not self.state.startswith("autotune"):
                self.state = "running"
            if not self._sample(event) and was == self.state:
                self._dirty = True  # an ordinary sample: the timer repaints
                return
        elif isinstance(event, AutotuneEnded):
            self._autotune_ended(event.tuned)
        self._paint()

    def _sample(self, s: LiveSample) -> bool:
        """Record a sample; return whether it opened a marked column (paint it now)."""
        self.now_gflops = s.gflops
        self.measured[s.blocking] = max(self.measured.get(s.blocking, 0.0), s.gflops)
        if (
            self.changes
            and s.change == self.changes[-1][0]
            and (not self.first_samples or self.first_samples[-1].change != s.change)
        ):
            self.first_samples.append(s)
        if s.label.startswith("tune") and self.current is not None:
            self.changes.append((s.change, s.label))
            self.first_samples.append(s)
        return self.query_one(TuneTrace).add(s.gflops, s.change, s.label)

    def _autotune_ended(self, tuned: Tuned | None) -> None:
        if tuned is None:
            self.state = "running"
            self._say("autotune cancelled; the run goes on at the blocks it had")
            return
        self.verdict = tuned
        assert self.control is not None
        self.current, change, label = self.control.current()
        self.changes.append((change, label))
        self.state = "running"
        self._say(
            f"autotune winner {tunetext.blocks(self.current)}: {tuned.gflops:.1f} GF/s "
            f"(model {tuned.model_gflops:.1f}); w saves it"
        )

    # --- keys -------------------------------------------------------------------------

    def action_select(self, delta: int) -> None:
        """Move the selection to the previous / next block."""
        self.selected = BLOCKS[(BLOCKS.index(self.selected) + delta) % len(BLOCKS)]
        self._paint()

    def action_edit(self, op: str) -> None:
        """Halve, double or step the selected block."""
        if self.current is not None:
            self._apply(blockedit.edited(self.selected, self.current, op))

    def action_type_value(self) -> None:
        """Open the value field for the selected block."""
        field = self.query_one("#tune-input", Input)
        field.value = ""
        field.placeholder = f"{self.selected} value (enter applies, escape cancels)"
        self.add_class("-editing")
        field.disabled = False
        field.focus()

    def action_close_input(self) -> None:
        """Close the value field."""
        self.remove_class("-editing")
        self.query_one("#tune-input", Input).disabled = True
        self.set_focus(None)

    @on(Input.Submitted, "#tune-input")
    def _typed(self, event: Input.Submitted) -> None:
        value = blockedit.parse(event.value)
        if value is None:
            self._say(
                f"{self.selected}: {event.value.strip()!r} is not a positive whole number",
                error=True,
            )
            return
        self.action_close_input()
        self._apply(value)

    def _apply(self, value: int) -> None:
        if self.current is None or self.control is None:
            self._say("nothing is running", error=True)
            return
        try:
            b = self.session.service.check_blocking(
                self.kernel_id, **blockedit.with_block(self.current, self.selected, value)
            )
        except SpecError as exc:
            self._say(f"✗ {exc} (nothing ran)", error=True)
            return
        if b == self.current:
            self._say(f"{self.selected} is {value} already")
            return
        self.control.cancel_autotune()
        self.current = b
        label = f"{self.selected} {getattr(b, self.selected)}"
        self.changes.append((self.control.set(b, label), label))
        self._say(f"timing {tunetext.blocks(b)}")
        self._paint()

    def action_model(self) -> None:
        """Go back to the model's blocks."""
        if self.model is not None and self.control is not None:
            b = self.model.blocking
            self.current = b
            self.changes.append((self.control.set(b, "model"), "model"))
            self._say(f"timing the model's {tunetext.blocks(b)}")
            self._paint()

    def action_autotune(self) -> None:
        """Run the tuner's search live; the trace ends on the winner."""
        if self.control is None:
            self._say("nothing is running", error=True)
            return
        self.control.autotune()
        self.state = "autotune: searching KC, MC, NC"
        self._say("autotune started; x stops it")

    def action_stop_autotune(self) -> None:
        """Stop the running search."""
        if self.control is not None and self.state.startswith("autotune"):
            self.control.cancel_autotune()
            self._say("stopping autotune…")

    def action_save(self) -> None:
        """Store the current blocks as this host's default for the kernel."""
        b = self.current
        if b is None:
            return
        v = self.verdict
        if v is None or (v.mc, v.kc, v.nc) != (b.MC, b.KC, b.NC):
            model_g = self.measured.get(self.model.blocking, 0.0) if self.model else 0.0
            g = self.measured.get(b, 0.0)
            v = Tuned(self.kernel_id, b.MC, b.KC, b.NC, g, model_g, self.session.tune_size)
        try:
            self.session.service.save_tuned(v)
        except OSError as exc:
            self._say(f"not saved: {exc}", error=True)
            return
        self._say(f"saved {tunetext.blocks(b)} as this host's default for {self.kernel_id}")

    def action_next_kernel(self) -> None:
        """Tune the next packed kernel."""
        packed = self._packed()
        if packed:
            at = packed.index(self.kernel_id) if self.kernel_id in packed else -1
            self.kernel_id = packed[(at + 1) % len(packed)]
            self._start()

    # --- drawing ----------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        self.note = text
        note = self.query_one("#tune-note", Static)
        note.set_class(error, "-error")
        note.update(text)

    def _paint(self) -> None:
        self._dirty = False
        b, m = self.current, self.model
        size = self.session.tune_size
        if b is None or m is None:
            self.query_one("#tune-title", Static).update(f"Tune · {self.kernel_id or '-'}")
            return
        self.query_one("#tune-title", Static).update(
            f"Tune {self.kernel_id} · MR×NR {b.MR}×{b.NR} · {size}³ · {self.state}"
        )
        caches = m.cache_bytes
        state = BarsState(b, m.blocking, caches, m.element_bytes, self.selected)
        self.query_one(BlockBars).show(state)
        self.query_one("#tune-numbers", Static).update(self._numbers())

    def _peak(self) -> float | None:
        isa, dtype = self.kernel_id.split(".")[0], self.kernel_id.rsplit(".", 1)[-1]
        with contextlib.suppress(Exception):  # an unreadable cache: no "% of peak"
            return self.session.service.peak_gflops(isa, dtype)
        return None

    def _numbers(self) -> str:
        model = self.model.blocking if self.model else None
        return tunetext.numbers(self.measured, model, self.now_gflops, self.peak, self.blas_gflops)
