"""Provides structured log lines: one `event=… key=value …` line per event, to stderr."""

from __future__ import annotations

import json
import logging
import re

logger = logging.getLogger("sshapp.ssh")

_BARE = re.compile(r"^[A-Za-z0-9_.:/@+-]{1,128}$")


def _value(value: object) -> str:
    text = str(value)
    # Values come from clients (user names, commands): quote anything unusual so one
    # event stays one parseable line.
    return text if _BARE.match(text) else json.dumps(text, ensure_ascii=True)


def format_event(event: str, **fields: object) -> str:
    """Render one event as a logfmt line (`event=connect peer=127.0.0.1 …`)."""
    parts = [f"event={event}"]
    parts.extend(f"{key}={_value(val)}" for key, val in fields.items() if val is not None)
    return " ".join(parts)


def log_event(event: str, level: int = logging.INFO, **fields: object) -> None:
    """Log one structured event line on the `sshapp.ssh` logger.

    Args:
        event: Event name (`connect`, `auth`, `session_start`, …).
        level: Logging level.
        **fields: Key/value pairs; None values are left out.
    """
    if logger.isEnabledFor(level):
        logger.log(level, "%s", format_event(event, **fields))
