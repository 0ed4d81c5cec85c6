"""Provides zygote warm-ups: work done once before forking so each session skips it.

Textual keeps module-level caches (CSS parsing, selectors, scalars). Rendering one
headless app with the widgets the TUI uses fills them in the zygote; every forked
session then finds them warm. Listed in the zygote preload as `sshapp.ssh.warmup:textual`.
"""

from __future__ import annotations


def textual() -> None:
    """Run one headless Textual app with common widgets for a single frame, then exit."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import (
        Button,
        Checkbox,
        DataTable,
        Footer,
        Header,
        Input,
        Label,
        Select,
        Static,
        TabbedContent,
        TabPane,
    )

    class WarmUp(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            with TabbedContent(), TabPane("one"):
                table: DataTable[str] = DataTable()
                table.add_columns("a", "b")
                table.add_row("1", "2")
                yield table
                with VerticalScroll():
                    yield Label("label")
                    yield Static("static")
                    yield Input(placeholder="input")
                    yield Select([("x", 1)])
                    yield Checkbox("check")
                    yield Button("button")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    WarmUp().run(headless=True, size=(100, 30))
