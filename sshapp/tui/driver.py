"""Provides TerminalDriver: Textual's Linux driver, lenient with input bytes, no job control.

Over SSH there is no shell behind the app: a Ctrl+Z that stopped the process would leave
it frozen (holding the host's benchmark queue) with nobody to resume it, and one byte
that is not UTF-8 (a Latin-1 "é", a binary paste) killed Textual's input thread.
"""

from __future__ import annotations

import codecs
import functools
import signal
from typing import TYPE_CHECKING, Any

from textual.drivers import linux_driver
from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

JOB_CONTROL_SIGNALS = (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)
"""Signals that stop a process; a session process ignores them (sshapp.cli.session)."""


def _lenient_decoder(encoding: str) -> Any:
    """An incremental decoder factory that turns invalid bytes into U+FFFD."""
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


# Textual's input thread builds its decoder with `getincrementaldecoder("utf-8")()`,
# strict: swap the factory it looks up, once, for every driver in this process.
linux_driver.getincrementaldecoder = _lenient_decoder  # type: ignore[attr-defined]


def _ignored() -> list[signal.Signals]:
    return [sig for sig in JOB_CONTROL_SIGNALS if signal.getsignal(sig) == signal.SIG_IGN]


class TerminalDriver(LinuxDriver):
    """LinuxDriver that keeps ignored job-control signals ignored and cannot suspend.

    Textual installs its own SIGTSTP/SIGTTIN/SIGTTOU handlers (which stop the process).
    Where the process was told to ignore them, as every SSH session is, they stay
    ignored; a local `sshapp tui` under a shell keeps Textual's behaviour.
    """

    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        """Create the driver (Textual calls this); remember which signals were ignored."""
        self._keep_ignored = _ignored()
        super().__init__(app, **kwargs)
        self._restore_ignored()

    @property
    def can_suspend(self) -> bool:
        """Suspending is refused where the process ignores SIGTSTP (no shell to resume it)."""
        return signal.SIGTSTP not in self._keep_ignored

    def start_application_mode(self) -> None:
        """Start as Textual does, then re-ignore what its start-up reset to defaults."""
        super().start_application_mode()  # type: ignore[no-untyped-call]
        self._restore_ignored()

    def _restore_ignored(self) -> None:
        for sig in self._keep_ignored:
            signal.signal(sig, signal.SIG_IGN)
