"""Provides the run log: one structured line per benchmark run, however it ended.

The engine calls `log_run` when a run's event stream closes. Lines go to the
`sshapp.bench.runs` logger, which is silent unless someone attaches a handler: an SSH
session attaches one on the server's log stream (`attach_from_env`), so the operator sees
every run next to the connection and session lines; a local `sshapp bench` logs nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping

from sshapp.bench.protocol.events import Cancelled, Event, Failed, Finished
from sshapp.bench.protocol.spec import RunSpec
from sshapp.logfmt import LOG_FD_VARIABLE, LOG_FORMAT, format_event

logger = logging.getLogger("sshapp.bench.runs")
logger.propagate = False  # a session's stdout/stderr is its user's screen, never the log

MAX_ERROR_CHARS = 200
"""Longest error text copied into a log line."""


def log_run(user: str, run: RunSpec, last: Event | None, seconds: float) -> None:
    """Log how one run ended: `event=bench_run user=… kernel=… status=ok|failed|…`.

    Args:
        user: Who ran it.
        run: The run.
        last: The stream's last event (None: it closed before any).
        seconds: Wall time from request to end, queueing included.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    fields: dict[str, object] = {
        "user": user,
        "kernel": run.kernel_id,
        "dtype": run.dtype,
        "shape": f"{run.shape.m}x{run.shape.n}x{run.shape.k}",
        "seconds": f"{seconds:.2f}",
    }
    if isinstance(last, Finished):
        result = last.result
        fields["status"] = "ok" if result.check_ok else "wrong_result"
        fields["reps"] = len(result.samples)
        fields["best_gflops"] = f"{result.best_gflops:.2f}"
        fields["median_gflops"] = f"{result.median_gflops:.2f}"
        if result.notice:
            fields["notice"] = result.notice[:MAX_ERROR_CHARS]
    elif isinstance(last, Failed):
        fields["status"] = "failed"
        fields["error"] = last.error[:MAX_ERROR_CHARS]
    elif isinstance(last, Cancelled):
        fields["status"] = "cancelled"
    else:  # the consumer closed the stream mid-run (a client went away, a task was cancelled)
        fields["status"] = "abandoned"
    logger.info("%s", format_event("bench_run", **fields))


def attach_from_env(env: Mapping[str, str] | None = None) -> bool:
    """Send run lines to the fd named by SSHAPP_LOG_FD (set by the SSH server), if any.

    Returns:
        True if a handler was attached; False if the variable is unset or unusable.
    """
    raw = (os.environ if env is None else env).get(LOG_FD_VARIABLE, "")
    if not raw.isdigit():
        return False
    try:
        stream = open(  # noqa: PTH123, SIM115 - an fd, not a path; kept for the process life
            int(raw), "w", buffering=1, encoding="utf-8", errors="replace"
        )
    except OSError:
        return False
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for old in list(logger.handlers):
        logger.removeHandler(old)
        with contextlib.suppress(Exception):
            old.close()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return True
