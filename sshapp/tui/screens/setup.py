"""Provides SetupScreen: kernels, sizes, dtype, repetitions or budget, sweep, threads; checked
live."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Header, Input, Label, Select, Static

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import RunSpec
from sshapp.kernels import DTYPES as DTYPE_NAMES
from sshapp.tui.form import PRESETS, FormValues, in_the_tui, to_spec
from sshapp.tui.messages import RunsSubmitted
from sshapp.tui.session import Session
from sshapp.tui.widgets.key_bar import KeyBar

DTYPES = ("any", *DTYPE_NAMES)
"""dtype choices (any = the kernels' own), then every dtype of the table."""


class SetupScreen(Screen[None]):
    """The run setup form; every change is validated through BenchService.expand."""

    CSS_PATH = "setup.tcss"
    AUTO_FOCUS = "#kernels"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "submit", "Run", show=True, priority=True),
        # Priority, like tab: focus has left the field by the time the next key is read.
        Binding("escape", "leave_field", "Leave field", show=False, priority=True),
        # Priority: focus moves when the key is read, so keys typed right after a tab
        # (a paste, a fast typist, tmux send-keys) land in the next field, not this one.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    def __init__(self, session: Session) -> None:
        """Create the form for one session."""
        super().__init__()
        self.session = session
        """The app's session."""
        self.runs: list[RunSpec] = []
        """Runs the current form expands to ([] when invalid)."""
        self.error = ""
        """Why the form cannot run ("" when it can)."""
        self._shown_selection: list[str] = []

    def compose(self) -> ComposeResult:
        """The form: one line per field, then the verdict and the run button."""
        yield Header()
        with VerticalScroll(id="setup-form", can_focus=False):
            with Horizontal(classes="field"):
                yield Label("kernels", classes="name")
                yield Input(
                    placeholder="ids or globs, e.g. avx2.* blas.*", id="kernels", compact=True
                )
            with Horizontal(classes="field"):
                yield Label("size", classes="name")
                yield Label("m", classes="dim")
                yield Input("1024", id="m", type="integer", compact=True, classes="side")
                yield Label("n", classes="dim")
                yield Input("1024", id="n", type="integer", compact=True, classes="side")
                yield Label("k", classes="dim")
                yield Input("1024", id="k", type="integer", compact=True, classes="side")
                yield Checkbox("square", value=True, id="square", compact=True)
            with Horizontal(classes="field"):
                yield Label("presets", classes="name")
                for label in PRESETS:
                    yield Button(label, id=f"preset-{label.replace('×', 'x')}", compact=True)
            with Horizontal(classes="field"):
                yield Label("dtype", classes="name")
                yield Select(
                    [(d, d) for d in DTYPES],
                    value="any",
                    allow_blank=False,
                    id="dtype",
                    compact=True,
                )
                yield Label("stop after", classes="dim")
                yield Select(
                    [("repetitions", "repeats"), ("seconds", "seconds")],
                    value="repeats",
                    allow_blank=False,
                    id="stop",
                    compact=True,
                )
                yield Input("5", id="amount", compact=True, classes="side")
            with Horizontal(classes="field"):
                yield Label("sweep", classes="name")
                yield Input(
                    placeholder="256 512 1024 or 64:2048:x2 (empty: one size)",
                    id="sweep",
                    compact=True,
                )
                yield Label("threads", classes="dim")
                yield Input("1", id="threads", compact=True, classes="side")
            yield Static(id="spec-status")
            with Horizontal(classes="field"):
                yield Label("", classes="name")
                yield Button("Run  ctrl+r", id="submit", variant="primary", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        """Mirror m into n and k, fill the kernels from the picker, validate."""
        self._apply_square()
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        """Take over a new selection from the kernel picker."""
        kernels = self.query_one("#kernels", Input)
        if self.session.selected and self.session.selected != self._shown_selection:
            self._shown_selection = list(self.session.selected)
            kernels.value = " ".join(self.session.selected)
        # Land in the kernels field with its text selected, as Tab does: typing replaces.
        kernels.focus()
        kernels.select_all()
        self.validate_form()

    def on_resize(self) -> None:
        """Reflow: on narrow terminals labels shrink (see setup.tcss)."""
        self.set_class(self.size.width < 90, "-narrow")

    def _values(self) -> FormValues:
        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        return FormValues(
            kernels=text("kernels"),
            m=text("m"),
            n=text("n"),
            k=text("k"),
            square=self.query_one("#square", Checkbox).value,
            dtype=str(self.query_one("#dtype", Select).value),
            stop=str(self.query_one("#stop", Select).value),
            amount=text("amount"),
            sweep=text("sweep"),
            threads=text("threads"),
        )

    def validate_form(self) -> None:
        """Check the form now and show the verdict inline (never raises)."""
        status = self.query_one("#spec-status", Static)
        try:
            self.runs = self.session.service.expand(to_spec(self._values()))
            self.error = ""
        except (SpecError, ValueError) as exc:
            self.runs, self.error = [], in_the_tui(str(exc) or type(exc).__name__)
        if self.error:
            status.update(Text(f"✗ {self.error}", "bold"))
        else:
            count = len(self.runs)
            first = self.runs[0] if self.runs else None
            what = f" starting with {first.kernel_id} at {first.shape}" if first else ""
            verdict = Text(f"✓ {count} run{'s' if count != 1 else ''}{what}")
            ids = list(dict.fromkeys(run.kernel_id for run in self.runs))
            if len(ids) > 1:  # the kernels field shows only as many as fit on its line
                verdict.append(f"\n{len(ids)} kernels: {' '.join(ids)}", "dim")
            status.update(verdict)
        status.set_class(bool(self.error), "-error")
        self.query_one("#submit", Button).disabled = bool(self.error)

    def _apply_square(self) -> None:
        square = self.query_one("#square", Checkbox).value
        m = self.query_one("#m", Input).value
        for name in ("n", "k"):
            field = self.query_one(f"#{name}", Input)
            field.disabled = square
            if square:
                field.value = m

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id == "m":
            self._apply_square()
        self.validate_form()

    @on(Checkbox.Changed, "#square")
    def _square(self) -> None:
        self._apply_square()
        self.validate_form()

    @on(Select.Changed)
    def _selected(self) -> None:
        self.validate_form()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button == "submit":
            self.action_submit()
            return
        label = str(event.button.label)
        if label in PRESETS:
            m, n, k = PRESETS[label]
            square = m == n == k
            self.query_one("#square", Checkbox).value = square
            self.query_one("#sweep", Input).value = ""
            self.query_one("#m", Input).value = str(m)
            if not square:
                self.query_one("#n", Input).value = str(n)
                self.query_one("#k", Input).value = str(k)
            self._apply_square()
            self.validate_form()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        """Hand the runs to the run view, or point at what is wrong."""
        self.validate_form()
        if self.error:
            self.notify(self.error, title="cannot run", severity="error")
            return
        self.session.pending = list(self.runs)
        self.post_message(RunsSubmitted(list(self.runs)))

    def action_leave_field(self) -> None:
        """Leave the text field (to the run button if enabled) so letter keys navigate.

        Raises:
            SkipAction: No text field has focus (an open list closes on escape itself).
        """
        if not isinstance(self.focused, Input):
            raise SkipAction
        submit = self.query_one("#submit", Button)
        self.set_focus(None if submit.disabled else submit)
