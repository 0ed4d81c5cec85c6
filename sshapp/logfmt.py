"""Provides logfmt lines (`event=… key=value …`) and the log format every process shares.

Stdlib only: the SSH server and the benchmark engine (running inside a session process)
both write these lines to the server's stderr, so one `grep event=bench_run` finds every
run whichever process wrote it.
"""

from __future__ import annotations

import json
import re

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
"""Format of every structured log line (server and session processes alike)."""

LOG_FD_VARIABLE = "SSHAPP_LOG_FD"
"""Set by the server in a session's environment: an open fd on the server's log stream."""

SESSION_LOG_FD = 3
"""The fd a session finds the server's log stream on (when LOG_FD_VARIABLE is set)."""

_BARE = re.compile(r"^[A-Za-z0-9_.:/@+-]{1,128}$")


def _value(value: object) -> str:
    text = str(value)
    # Values come from clients (user names, commands): quote anything unusual so one
    # event stays one parseable line.
    return text if _BARE.match(text) else json.dumps(text, ensure_ascii=True)


def format_event(event: str, **fields: object) -> str:
    """Render one event as a logfmt line (`event=connect peer=127.0.0.1 …`); None is left out."""
    parts = [f"event={event}"]
    parts.extend(f"{key}={_value(val)}" for key, val in fields.items() if val is not None)
    return " ".join(parts)
