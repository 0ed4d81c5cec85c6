"""Provides BenchApp, the Textual shell, and main(), which runs it on the real engine."""

from __future__ import annotations

import gc
import importlib
import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.drivers.linux_driver import LinuxDriver

from sshapp.tui import css_cache
from sshapp.tui.driver import TerminalDriver
from sshapp.tui.keygate import KeyGate
from sshapp.tui.messages import KernelsPicked, RunsSubmitted
from sshapp.tui.screens.cpu import CpuScreen
from sshapp.tui.screens.help import HelpScreen
from sshapp.tui.screens.kernels import KernelsScreen
from sshapp.tui.screens.quit import QuitScreen, busy_reason
from sshapp.tui.screens.results import ResultsScreen
from sshapp.tui.screens.run import RunScreen
from sshapp.tui.screens.setup import SetupScreen
from sshapp.tui.screens.tune import TuneScreen
from sshapp.tui.session import Session

if TYPE_CHECKING:
    from textual.driver import Driver
    from textual.widget import AwaitMount

    from sshapp.bench.service import BenchService
    from sshapp.config import Settings
    from sshapp.kernels import CpuInfo

log = logging.getLogger(__name__)

css_cache.install()  # every BenchApp in this process (and in forks of it) parses CSS once

SCREENS = {
    "kernels": KernelsScreen,
    "setup": SetupScreen,
    "run": RunScreen,
    "results": ResultsScreen,
    "cpu": CpuScreen,
    "tune": TuneScreen,
}
"""Mode name → screen class; each mode keeps its screen (and a running batch) alive."""


class BenchApp(App[int]):
    """The matmul benchmark TUI. Knows its session, never how it is reached."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses may live anywhere
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k,f2", "switch_mode('kernels')", "Kernels"),
        Binding("s,f3", "switch_mode('setup')", "Setup"),
        Binding("v,f4", "switch_mode('run')", "Run view"),
        Binding("r,f5", "switch_mode('results')", "Results"),
        Binding("c,f6", "switch_mode('cpu')", "CPU", show=False),
        Binding("t,f7", "switch_mode('tune')", "Tune"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("q", "ask_quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        service: BenchService,
        user: str,
        *,
        host: str = "",
        cpu: CpuInfo | None = None,
    ) -> None:
        """Create the app for one session.

        Args:
            service: The bench engine (or a fake in tests).
            user: Who is driving.
            host: Host label for the title ("" = none).
            cpu: CPU to describe (None = this host's, detected on first use).
        """
        super().__init__()
        self.session = Session(service=service, user=user, host=host, cpu=cpu)
        """Shared state the screens work on."""
        for mode, screen in SCREENS.items():
            self.add_mode(mode, partial(screen, self.session))
        self.title = "sshapp · matmul ladder"
        self.sub_title = f"{user}@{host}" if host else user
        self._keys = KeyGate(self, super().on_event, _switch_keys(self.BINDINGS))

    def get_driver_class(self) -> type[Driver]:
        """Textual's choice, with its Linux terminal driver swapped for TerminalDriver."""
        chosen = super().get_driver_class()
        return TerminalDriver if chosen is LinuxDriver else chosen

    def on_mount(self) -> None:
        """Start on the kernel table."""
        self.switch_mode("kernels")

    def switch_mode(self, mode: str) -> AwaitMount:
        """Switch screens; keys typed meanwhile wait for the new screen (see KeyGate)."""
        switching = mode != self.current_mode
        result = super().switch_mode(mode)
        if switching:
            self._keys.switched()
        return result

    async def on_event(self, event: events.Event) -> None:
        """Keys pass the KeyGate on arrival and report back once handled."""
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                await self._keys.arrived(event)
                return
            await super().on_event(event)
            self._keys.returned(event)
            return
        await super().on_event(event)

    def action_help(self) -> None:
        """Show every key."""
        if isinstance(self.screen, HelpScreen):
            return
        if not self.is_screen_installed("help"):
            # Built once and kept: composing the key list costs ~50 ms on a small host.
            self.install_screen(HelpScreen(), "help")
        self.push_screen("help")

    def action_ask_quit(self) -> None:
        """Quit, after asking if a batch or an autotune is in progress (a second q confirms)."""
        if isinstance(self.screen, QuitScreen):  # a q that overtook the dialog's own keys
            self.exit(0)
            return
        batch = next(
            (w.node for w in self.workers if w.group == "bench" and not w.is_finished), None
        )
        reason = busy_reason(self, batch if isinstance(batch, RunScreen) else None)
        if not reason:
            self.exit(0)
            return

        def answered(quit_app: bool | None) -> None:
            if quit_app:
                self.exit(0)

        self.push_screen(QuitScreen(reason), answered)

    def on_kernels_picked(self, _message: KernelsPicked) -> None:
        """Kernels picked: go to the setup form (it reads the selection)."""
        self.switch_mode("setup")

    def on_runs_submitted(self, _message: RunsSubmitted) -> None:
        """Runs validated: show the run view (it starts the pending runs)."""
        self.switch_mode("run")


def main(user: str, settings: Settings | None = None, service: BenchService | None = None) -> int:
    """Run the TUI on this host's engine (or on `service`) until the user quits.

    Args:
        user: Identity recorded with every run.
        settings: Engine settings (None = from SSHAPP_* variables).
        service: The engine to drive instead of this host's (a gateway's node).

    Returns:
        Exit code: 0 after a normal quit, 1 if the engine is unavailable.
    """
    from sshapp.config import Settings

    if service is not None:
        settle_heap()
        node = getattr(service, "node", None)
        result = BenchApp(service, user, host=f"node {node}" if node else _hostname()).run()
        return result if isinstance(result, int) else 0
    try:
        # Imported late: the engine pulls in the native kernels and SQLite history.
        engine_type = importlib.import_module("sshapp.bench.engine").Engine
    except (ImportError, AttributeError) as exc:
        log.error("the benchmark engine is not available (%s); cannot start the TUI", exc)
        return 1
    engine: BenchService = engine_type(settings or Settings.from_env(), user)
    host = _hostname()
    settle_heap()
    result = BenchApp(engine, user, host=host).run()
    return result if isinstance(result, int) else 0


PICK_AND_SUBMIT_KEYS = frozenset({"enter", "ctrl+r"})
"""Keys that leave a screen from inside it: pick kernels (table), run (setup form)."""


def _switch_keys(bindings: list[BindingType]) -> frozenset[str]:
    """Every key of the app's screen-switching bindings, plus the pick and submit keys."""
    keys = set(PICK_AND_SUBMIT_KEYS)
    for binding in bindings:
        if isinstance(binding, Binding) and binding.action.startswith(("switch_mode", "help")):
            keys.update(key.strip() for key in binding.key.split(","))
    return frozenset(keys)


def settle_heap() -> None:
    """Move every object that exists now (modules, classes, caches) out of the collector's way.

    A full (generation 2) collection walks every tracked object: with Textual, the engine
    and numpy loaded that is ~50 ms, every few seconds while samples stream, and a key
    pressed meanwhile waits for it. Frozen objects are never walked again. No collect()
    first: over SSH the zygote already did, and here it would delay the first screen.
    """
    gc.freeze()


def _hostname() -> str:
    import socket

    return socket.gethostname()
