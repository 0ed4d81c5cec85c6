"""Provides what every CLI module shares: exit codes, remote verbs, the user, errors.

A leaf module (stdlib only), so the arrows run one way: main → commands / session →
base, and no module needs main's names.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import signal
from collections.abc import Awaitable, Callable, Mapping
from typing import TextIO

EXIT_OK = 0
"""Success."""
EXIT_FAILURE = 1
"""A run failed (error, wrong answer) or a resource is unusable."""
EXIT_USAGE = 2
"""Bad command line or bad spec."""
EXIT_INTERRUPTED = 130
"""Cancelled by Ctrl+C (or a disconnect)."""

REMOTE_VERBS = (
    "bench",
    "tune",
    "explain",
    "kernels",
    "cpu",
    "results",
    "fleet",
    "help",
    "version",
)
"""Verbs an SSH client may run (`sshapp session` allow-list)."""


def current_user(env: Mapping[str, str] | None = None) -> str:
    """Return the identity runs are recorded under: SSHAPP_USER, else the local user."""
    env = os.environ if env is None else env
    for name in ("SSHAPP_USER", "USER", "LOGNAME"):
        if env.get(name):
            return env[name]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


def error(stderr: TextIO, message: str) -> None:
    """Write `sshapp: error: <first line of message>` and flush."""
    first = message.strip().splitlines()[0] if message.strip() else "error"
    stderr.write(f"sshapp: error: {first}\n")
    stderr.flush()


def run_async(body: Callable[[], Awaitable[int]]) -> int:
    """Run a coroutine; Ctrl+C, SIGTERM or SIGHUP cancel it cleanly (exit 130)."""
    import asyncio

    async def guarded() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            for sig in (signal.SIGTERM, signal.SIGHUP):
                with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                    loop.add_signal_handler(sig, task.cancel)
        try:
            return await body()
        except asyncio.CancelledError:
            return EXIT_INTERRUPTED

    try:
        return asyncio.run(guarded())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
