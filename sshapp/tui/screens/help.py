"""Provides HelpScreen: every key of every screen, in one modal."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "everywhere",
        [
            ("k / F2", "kernel table"),
            ("s / F3", "run setup"),
            ("v / F4", "live run view"),
            ("r / F5", "results"),
            ("c / F6", "CPU panel"),
            ("t / F7", "tune a packed kernel's cache blocks live"),
            ("? / F1", "this help"),
            ("q", "quit (asks first while a run goes on)"),
            ("ctrl+c", "quit at once"),
            ("tab, shift+tab", "next / previous control"),
        ],
    ),
    (
        "kernel table",
        [
            ("↑ ↓ pgup pgdn", "move"),
            ("space", "mark / unmark a kernel"),
            ("a", "mark every kernel of this dtype"),
            ("enter", "set up a run with the marked kernels (or this one)"),
            ("e", "the lesson: why this step is faster"),
        ],
    ),
    (
        "run setup",
        [
            ("type", "edit the focused field; problems show at once"),
            ("enter, ctrl+r", "run"),
            ("escape", "leave the field (letters navigate again)"),
        ],
    ),
    ("live run", [("x", "cancel the waiting or running batch"), ("enter", "results")]),
    (
        "tune",
        [
            ("↑ ↓", "select KC, MC or NC"),
            ("← → (- +)", "halve / double the selected block"),
            ("[ ]", "one step down / up (KC 8, MC MR, NC NR)"),
            ("e", "type a value (enter applies, escape cancels)"),
            ("o", "back to the model's blocks"),
            ("a / x", "autotune live / stop it"),
            ("w", "save the blocks as this host's default"),
            ("p", "next packed kernel"),
        ],
    ),
    (
        "results",
        [
            ("1 2 3 4 5 6", "table, ladder, sweep, roofline, precision, scaling"),
            ("o / i", "next sort column / invert (or click a header)"),
            ("[ ] / d", "ladder, precision: previous / next size; ladder: next dtype"),
            ("e", "lesson of the ladder's fastest step, or the row's"),
        ],
    ),
    (
        "lesson (e)",
        [
            ("1 2 3 4 5", "why, inner loop, outer product, reuse, this host"),
            ("[ ]", "the step before / after in the ladder"),
            ("space . + -", "outer product: play/pause, one row, faster, slower"),
            ("m, enter", "time it and the step before at the size typed"),
            ("escape", "back"),
        ],
    ),
]
"""Help text: (section, [(keys, what)])."""


class HelpScreen(ModalScreen[None]):
    """Lists every key; escape, q or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        """One table with a heading row per section."""
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for section, keys in KEYS:
            table.add_row(f"[reverse] {section} [/]", "")
            for key, what in keys:
                table.add_row(key, what)
        with VerticalScroll(id="help-box"):
            yield Static(table, id="help-text")

    def on_mount(self) -> None:
        """Title the box."""
        self.query_one("#help-box").border_title = "keys (escape closes)"

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
