"""Provides KeyGate: keys typed right after a screen-switching key wait for the new screen.

Textual hands every key to the focused widget's queue at once and runs bindings only when
the key comes back up to the app. A burst such as `s` then `avx2.simd.f32` (a paste, a
fast typist, `tmux send-keys`) is therefore queued on the kernel table before `s` has
switched to the setup form, and the rest of the burst is lost. The gate lets a key that
may switch screens go through alone and holds the keys behind it until the key has been
handled and, if it switched screens, the new screen has drawn and focused its field;
then it delivers them in order. A key that turns out not to switch anything releases the
queue when it returns, or after FALLBACK_SECONDS at the latest, so nothing is dropped.

The same race reorders keys inside a text field: Input types a printable key the moment
it reaches it, but backspace, the arrows and home/end are bindings, run only when the key
has come back up to the app. In `9 BSpace 8` sent at once the 8 was typed before the
backspace ran, which then deleted the 8. So a non-printable key typed into an Input also
goes alone, and the keys behind it wait until it has returned.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual import events
from textual.app import App
from textual.screen import ModalScreen
from textual.widgets import Input

FALLBACK_SECONDS = 0.25
"""Longest a key can hold the ones behind it if it never comes back (it was consumed)."""


class KeyGate:
    """Orders key delivery around screen switches for one app."""

    def __init__(
        self,
        app: App[Any],
        deliver: Callable[[events.Key], Awaitable[None]],
        switch_keys: frozenset[str],
    ) -> None:
        """Create the gate.

        Args:
            app: The app whose keys pass through.
            deliver: Hands a key to Textual as if it had just arrived (App.on_event).
            switch_keys: Keys that may switch screens. Printable ones (`s`, `?`) type text
                when a text field has focus, and then pass straight through.
        """
        self._app = app
        self._deliver = deliver
        self._switch_keys = switch_keys
        self._held: deque[events.Key] = deque()
        self._holding = False
        self._token = 0
        self._in_flight: events.Key | None = None

    @property
    def held(self) -> int:
        """Keys waiting."""
        return len(self._held)

    def _may_switch(self, event: events.Key) -> bool:
        if isinstance(self._app.screen, ModalScreen):
            return False
        if event.key not in self._switch_keys:
            return False
        return not (event.is_printable and isinstance(self._app.focused, Input))

    def _runs_late(self, event: events.Key) -> bool:
        """Whether the key is handled on its way back up while the field types the next.

        Priority bindings (tab, escape, ctrl+r in the setup form) run before the key is
        handed on, so they cannot be overtaken.
        """
        if event.is_printable or not isinstance(self._app.focused, Input):
            return False
        active = self._app.screen.active_bindings.get(event.key)
        return active is None or not active.binding.priority

    def _hold(self) -> int:
        self._holding = True
        self._token += 1
        return self._token

    async def arrived(self, event: events.Key) -> None:
        """A key from the terminal: deliver it now, or queue it behind a switching key."""
        if self._holding or self._held:
            self._held.append(event)
            return
        await self._pass(event)

    async def _pass(self, event: events.Key) -> None:
        if self._may_switch(event) or self._runs_late(event):
            token = self._hold()
            self._in_flight = event
            self._app.set_timer(FALLBACK_SECONDS, partial(self._release, token))
        await self._deliver(event)

    def returned(self, event: events.Key) -> None:
        """A key came back up to the app and its bindings have run."""
        if event is self._in_flight:
            self._in_flight = None
            self._app.call_after_refresh(partial(self._release, self._token))

    def switched(self) -> None:
        """The app switched screens: hold keys until the new screen has drawn."""
        token = self._hold()
        self._app.call_after_refresh(partial(self._release, token))

    async def _release(self, token: int) -> None:
        if token != self._token or not self._holding:
            return  # a later hold is in charge
        self._holding = False
        while self._held and not self._holding:
            await self._pass(self._held.popleft())
