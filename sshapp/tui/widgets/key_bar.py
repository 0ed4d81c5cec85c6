"""Provides KeyBar: the footer line with the current screen's keys; click one to press it.

Textual's Footer mounts one widget per key and rebuilds them all whenever the active
bindings change (every focus change); each new key widget is restyled twice. Over SSH on
a 2-core host that was the largest piece of work after a session's first frame and it
repeats on every Tab. KeyBar is one widget that redraws only when the list of keys
actually changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

GAP = "  "
"""Between two keys."""
PINNED_ACTIONS = frozenset({"help", "quit", "ask_quit"})
"""Actions that stay in the bar however narrow it is (every other key is in the help)."""


@dataclass(frozen=True, slots=True)
class KeyItem:
    """One key shown in the bar."""

    key: str
    """Key name as Textual knows it (what a click simulates)."""
    display: str
    """How the key is shown (e.g. `?`, `^r`)."""
    description: str
    """What it does."""
    enabled: bool
    """False: shown dimmed, a click only rings the bell."""
    yields: bool = False
    """The app's key to another screen: left out first when the line is too narrow."""


class KeyBar(Widget):
    """One line: `key description` for every shown binding of the screen, first per action."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        """Create an empty bar; it fills itself from its screen's bindings once mounted."""
        super().__init__(id=id)
        self.items: tuple[KeyItem, ...] = ()
        """Keys shown, left to right."""
        self._spans: list[tuple[int, int, KeyItem]] = []

    def on_mount(self) -> None:
        """Follow the screen's bindings (they change with focus)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        """Stop following the screen."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        seen: set[str] = set()
        items: list[KeyItem] = []
        for node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append(
                KeyItem(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    enabled,
                    yields=node is self.app and binding.action not in PINNED_ACTIONS,
                )
            )
        if tuple(items) != self.items:
            self.items = tuple(items)
            self.refresh()

    def render(self) -> Text:
        """The keys, each as bold key then its description.

        If narrow: closer together, then without the app's keys to other screens (last
        first), so this screen's keys, Help and Quit stay whole.
        """
        width = self.size.width
        text = self._line(self.items, GAP)
        if text.cell_len <= width:
            return text
        items = list(self.items)
        text = self._line(items, " ")
        while text.cell_len > width:
            yielding = [i for i, item in enumerate(items) if item.yields]
            if not yielding:
                break
            del items[yielding[-1]]
            text = self._line(items, " ")
        return text

    def _line(self, items: Sequence[KeyItem], gap: str) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        text = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for item in items:
            if text:
                text.append(gap)
            start = text.cell_len
            text.append(item.display, key_style)
            text.append(f" {item.description}", text_style)
            if not item.enabled:
                text.stylize("dim", start)
            self._spans.append((start, text.cell_len, item))
        return text

    def on_click(self, event: events.Click) -> None:
        """Press the key under the pointer."""
        for start, end, item in self._spans:
            if start <= event.x < end:
                if item.enabled:
                    self.app.simulate_key(item.key)
                else:
                    self.app.bell()
                return
