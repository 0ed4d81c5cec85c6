"""Provides the side file that keeps finished runs the history database could not store."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from pathlib import Path

from sshapp.bench.protocol.spec import BenchResult

log = logging.getLogger(__name__)

UNSAVED_FILE = "unsaved-runs.jsonl"
"""Name of the side file in the state directory: one JSON object per line."""


def keep(state_dir: Path, result: BenchResult, *, user: str, cpu: str, why: str) -> bool:
    """Append a run the history refused to the side file, and warn the user once.

    The operator can re-import the lines once the database is usable again; the user
    sees the result on screen either way and a warning saying where it went.

    Args:
        state_dir: The state directory.
        result: The finished run.
        user: Who ran it.
        cpu: The CPU it ran on.
        why: The history's error, one line (no path).

    Returns:
        Whether the side file took it.
    """
    record = {
        "finished_at": time.time(),
        "user": user,
        "cpu": cpu,
        "result": dataclasses.asdict(result),
    }
    line = json.dumps(record, default=str, allow_nan=True) + "\n"
    try:
        fd = os.open(state_dir / UNSAVED_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("result not saved: %s; nor in the side file (%s)", why, exc.strerror or exc)
        return False
    log.warning("result not saved in the history (%s); kept aside for the operator", why)
    return True
