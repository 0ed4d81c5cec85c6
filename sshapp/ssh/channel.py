"""Provides Session: one SSH session channel as the middleware chain and the handler see it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass, field

import asyncssh

from sshapp.ssh.state import Connection, ServerState, SessionEntry

TERMINAL_RESET = (
    b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"  # mouse reporting off
    b"\x1b[?2004l\x1b[?1004l\x1b[<u"  # bracketed paste, focus events, kitty keys off
    b"\x1b[0m\x1b[?25h\x1b[?1049l\r\n"  # plain colours, cursor shown, main screen
)
"""Undoes what a full-screen app sets up, for a session that could not do it itself."""


@dataclass(eq=False, slots=True)
class Session:
    """One SSH session channel as the middleware chain sees it."""

    process: asyncssh.SSHServerProcess[bytes]
    """The asyncssh process (bytes streams)."""
    server: Connection
    """Its connection."""
    state: ServerState
    """Server-wide state."""
    entry: SessionEntry
    """Its registration (pid, notify, end)."""
    command: str | None
    """The exec command the client sent, if any."""
    term: str
    """TERM for the child (sanitised), when on a PTY."""
    status: int | None = None
    """Exit status sent to the client."""
    hangup: asyncio.Event = field(default_factory=asyncio.Event)
    """Set to end the session from outside (client gone, shutdown)."""

    def notify(self, message: str) -> None:
        """Show a one-line notice: on the screen for PTYs, on stderr for exec sessions."""
        with contextlib.suppress(Exception):
            if self.entry.pty:
                self.process.stdout.write(f"\r\n{message}\r\n".encode())
            else:
                self.process.stderr.write(f"{message}\n".encode())

    def fail(self, message: str, status: int) -> None:
        """Tell the client why and close the channel with `status`."""
        self.notify(message)
        self.exit(status)

    def exit(self, status: int) -> None:
        """Send the exit status (negative: the signal that ended the process) and close.

        A PTY session whose process was killed could not restore the client's terminal
        (alternate screen, mouse reporting, hidden cursor): the reset is sent first.
        """
        self.status = status
        with contextlib.suppress(Exception):
            if status < 0 and self.entry.pty:
                self.process.stdout.write(TERMINAL_RESET)
            if status >= 0:
                self.process.exit(status)
            else:
                name = signal.Signals(-status).name.removeprefix("SIG")
                self.process.exit_with_signal(name)
