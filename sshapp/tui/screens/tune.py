"""Provides TuneScreen: change a packed kernel's cache blocks and watch GFLOP/s move live.

While the screen is shown, one live job (BenchService.live, through the host queue)
re-times the kernel at size³ after every change; leaving the screen cancels it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from sshapp.bench.blocking.jobs import Waiting
from sshapp.bench.blocking.live import AutotuneEnded, BlasMeasured, LiveControl, LiveSample
from sshapp.bench.protocol.errors import SpecError
from sshapp.tui import blockedit, tunetext
from sshapp.tui.session import Session
from sshapp.tui.tunestate import TuneState
from sshapp.tui.widgets.block_bars import BLOCKS, BarsState, BlockBars
from sshapp.tui.widgets.key_bar import KeyBar
from sshapp.tui.widgets.tune_trace import TuneTrace

AGAIN = "; e types again"
"""Appended to the error of a typed value."""


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
        self.tune = TuneState()
        """Kernel, blocks, measurements and change log (no Textual)."""
        self.note = ""
        """Last message line (an error is shown with the -error class)."""
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
        if not self.tune.kernel_id:
            self.tune.kernel_id = self.tune.first_kernel(
                self.session.service, self.session.selected
            )
        self._start()

    def on_screen_suspend(self) -> None:
        """Leaving the screen cancels the run (and frees the host)."""
        self.workers.cancel_group(self, "live")
        self.tune.stop()

    def _start(self) -> None:
        self.workers.cancel_group(self, "live")
        t = self.tune
        t.reset()
        self.query_one(TuneTrace).clear()
        if not t.kernel_id:
            self._say("no packed kernel can run on this host", error=True)
            return
        try:
            saved = t.begin(self.session.service)
        except (SpecError, ValueError) as exc:
            self._say(f"cannot tune {t.kernel_id}: {exc}", error=True)
            return
        assert t.control is not None
        service = self.session.service
        self._say(
            f"started at the {'saved' if saved else 'model'} blocks · "
            + tunetext.rights(service.may_set_defaults)
        )
        self._show_default()
        self._live(t.kernel_id, t.control)

    def _show_default(self) -> None:
        """Name the host's default blocks under the trace (every user's runs use them)."""
        saved = self.session.service.tuned(self.tune.kernel_id)
        self.query_one(TuneTrace).border_subtitle = tunetext.default(saved)

    @work(exclusive=True, group="live")
    async def _live(self, kernel_id: str, control: LiveControl) -> None:
        self.tune.state = "starting"
        self._paint()
        try:
            async for event in self.session.service.live(
                kernel_id, self.session.tune_size, control
            ):
                # A closing screen stops its message loop, then removes its widgets, and
                # only then cancels this worker: an event in between must not query them.
                if control is not self.tune.control or not self.is_running:
                    return
                self._on_event(event)
        except (SpecError, ValueError, OSError) as exc:
            if self.is_running:
                self._say(f"the run stopped: {exc}", error=True)
                self.tune.state = "stopped"
                self._paint()

    def _on_event(self, event: object) -> None:
        t = self.tune
        if isinstance(event, Waiting):
            t.state = f"queued: {event.position} ahead (host busy)"
        elif isinstance(event, BlasMeasured):
            t.blas_gflops = event.gflops
            t.peak = t.host_peak(self.session.service)  # measured before the job's first call
        elif isinstance(event, LiveSample):
            was = t.state
            t.record(event)
            marked = self.query_one(TuneTrace).add(event.gflops, event.change, event.label)
            if not marked and was == t.state:
                self._dirty = True  # an ordinary sample: the timer repaints
                return
        elif isinstance(event, AutotuneEnded):
            self._say(t.autotune_ended(event.tuned))
        self._paint()

    # --- keys -------------------------------------------------------------------------

    def action_select(self, delta: int) -> None:
        """Move the selection to the previous / next block."""
        t = self.tune
        t.selected = BLOCKS[(BLOCKS.index(t.selected) + delta) % len(BLOCKS)]
        self._paint()

    def action_edit(self, op: str) -> None:
        """Halve, double or step the selected block."""
        if self.tune.current is not None:
            self._apply(blockedit.edited(self.tune.selected, self.tune.current, op))

    def action_type_value(self) -> None:
        """Open the value field for the selected block."""
        field = self.query_one("#tune-input", Input)
        field.value = ""
        field.placeholder = f"{self.tune.selected} value (enter applies, escape cancels)"
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
        """Enter always leaves the field: the value is applied, or its error is shown in
        the note line the field covered (the keys are the screen's again either way)."""
        value = blockedit.parse(event.value)
        self.action_close_input()
        if value is None:
            self._say(
                f"{self.tune.selected}: {event.value.strip()!r} is not a positive whole number"
                f"{AGAIN}",
                error=True,
            )
            return
        self._apply(value, again=AGAIN)

    def _apply(self, value: int, *, again: str = "") -> None:
        try:
            text, changed = self.tune.apply(self.session.service, value)
        except SpecError as exc:
            self._say(f"{exc}{again}", error=True)
            return
        self._say(text)
        if changed:
            self._paint()

    def action_model(self) -> None:
        """Go back to the model's blocks."""
        b = self.tune.to_model()
        if b is not None:
            self._say(f"timing the model's {tunetext.blocks(b)}")
            self._paint()

    def action_autotune(self) -> None:
        """Run the tuner's search live; the trace ends on the winner."""
        t = self.tune
        if t.control is None:
            self._say("nothing is running", error=True)
            return
        t.control.autotune()
        t.autotune_started()
        self._say("autotune started; x stops it")

    def action_stop_autotune(self) -> None:
        """Stop the running search."""
        t = self.tune
        if t.control is not None and t.state.startswith("autotune"):
            t.control.cancel_autotune()
            self._say("stopping autotune…")

    def action_save(self) -> None:
        """Store the current blocks as this host's default for the kernel, for every user.

        A search's winner anyone may store; hand-picked blocks only an operator; the
        model's blocks drop the stored ones (see BenchService.save_tuned).
        """
        t = self.tune
        verdict = t.to_save(self.session.tune_size)
        if verdict is None or t.current is None:
            return
        try:
            self.session.service.save_tuned(verdict, searched=verdict is t.verdict)
        except OSError as exc:  # PermissionError included: its message says who may
            self._say(f"not saved: {exc}", error=True)
            return
        self._show_default()
        if self.session.service.tuned(t.kernel_id) is None:
            self._say(f"{t.kernel_id} is back to the model's blocks for every user")
        else:
            self._say(f"saved {tunetext.blocks(t.current)} as the host default for every user")

    def action_next_kernel(self) -> None:
        """Tune the next packed kernel."""
        if self.tune.next_kernel(self.session.service):
            self._start()

    # --- drawing ----------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        self.note = text
        note = self.query_one("#tune-note", Static)
        note.set_class(error, "-error")
        note.update(text)

    def _paint(self) -> None:
        self._dirty = False
        t = self.tune
        b, m = t.current, t.model
        if b is None or m is None:
            self.query_one("#tune-title", Static).update(f"Tune · {t.kernel_id or '-'}")
            return
        self.query_one("#tune-title", Static).update(
            f"Tune {t.kernel_id} · {b.MR}×{b.NR} · {self.session.tune_size}³ · {t.state}"
        )
        state = BarsState(b, m.blocking, m.cache_bytes, m.element_bytes, t.selected)
        self.query_one(BlockBars).show(state)
        self.query_one("#tune-numbers", Static).update(t.numbers())
