"""Provides the server's structured log: one `event=… key=value …` line per event, to stderr."""

from __future__ import annotations

import logging

from sshapp.logfmt import format_event

logger = logging.getLogger("sshapp.ssh")


def log_event(event: str, level: int = logging.INFO, **fields: object) -> None:
    """Log one structured event line on the `sshapp.ssh` logger.

    Args:
        event: Event name (`connect`, `auth`, `session_start`, …).
        level: Logging level.
        **fields: Key/value pairs; None values are left out.
    """
    if logger.isEnabledFor(level):
        logger.log(level, "%s", format_event(event, **fields))
