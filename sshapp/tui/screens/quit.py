"""Provides QuitScreen: `q` while a run or an autotune is in progress asks first."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from sshapp.tui.screens.run import RunScreen
from sshapp.tui.screens.tune import TuneScreen


def busy_reason(app: App[Any], run_screen: RunScreen | None) -> str:
    """Return what quitting would cut short ("" = nothing: quit at once).

    Args:
        app: The app (its current screen may be autotuning).
        run_screen: The run view, if it was ever opened (it owns the batch).
    """
    if run_screen is not None and run_screen.busy:
        state = "waiting in the host queue" if run_screen.state.startswith("queued") else "running"
        which = f"run {min(run_screen.done + 1, run_screen.total)} of {run_screen.total}"
        current = run_screen.current
        what = f" ({current.kernel_id} at {current.shape})" if current is not None else ""
        return f"A benchmark batch is {state}: {which}{what}."
    screen = app.screen
    if isinstance(screen, TuneScreen) and screen.tune.state.startswith("autotune"):
        return f"Autotune is searching the blocks of {screen.tune.kernel_id}."
    return ""


class QuitScreen(ModalScreen[bool]):
    """Asks whether to quit while something runs: q or y quits, n or Escape stays."""

    CSS_PATH = "quit.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,y", "answer(True)", "Quit", priority=True),
        Binding("n,escape", "answer(False)", "Keep running", priority=True),
    ]

    def __init__(self, reason: str) -> None:
        """Create the question.

        Args:
            reason: What quitting would cut short (one sentence).
        """
        super().__init__()
        self.reason = reason
        """What is in progress."""

    def compose(self) -> ComposeResult:
        """The reason, the question and the keys."""
        with Vertical(id="quit-box"):
            yield Static(f"{self.reason}\nQuitting cancels it.", id="quit-question")
            yield Static(
                "[b]q[/] / [b]y[/] quit    [b]n[/] / [b]Esc[/] keep running", id="quit-keys"
            )

    def action_answer(self, quit_app: bool) -> None:
        """Close the question with the answer."""
        self.dismiss(quit_app)
