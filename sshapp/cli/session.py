"""Provides `sshapp session`: the one entry point of an SSH session (forced command).

With SSH_ORIGINAL_COMMAND set, the client's command is split with `shlex` (never a
shell) and only allow-listed verbs run, in this process. With no command and a terminal
it starts the TUI. Otherwise it prints usage and exits 2.

A session has no shell behind it to resume a stopped process, so it ignores the
job-control signals: a Ctrl+Z (or a read or write from the background) can never leave
it stopped while it holds the host's benchmark queue.
"""

from __future__ import annotations

import os
import shlex
import signal
import threading
from collections.abc import Callable, Mapping
from typing import TextIO

from sshapp.cli.base import EXIT_OK, EXIT_USAGE, REMOTE_VERBS
from sshapp.cli.remote import ssh_program
from sshapp.config import Settings
from sshapp.logfmt import LOG_FD_VARIABLE

JOB_CONTROL_SIGNALS = (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)
"""Signals that would stop the session process; ignored for its whole life."""

MAX_COMMAND_CHARS = 4096
"""Longest command accepted from a client."""


def usage(prog: str) -> str:
    """What a session without a command or terminal prints (`prog`: `ssh [-p P] HOST`)."""
    return (
        f"usage: {prog} COMMAND [ARGS...]\n"
        f"commands: {', '.join(REMOTE_VERBS)}\n"
        f"example: {prog} bench ref.reorder.f32 --size 256\n"
        f"details: {prog} help COMMAND\n"
        f"(connect with a terminal, {prog.replace('ssh', 'ssh -t', 1)}, for the interactive app)\n"
    )


def _refuse(stderr: TextIO, why: str) -> int:
    stderr.write(f"sshapp: refused: {why}\n")
    stderr.flush()
    return EXIT_USAGE


def parse_command(command: str) -> list[str] | str:
    """Split a client's command into argv, or return why it is refused.

    Args:
        command: SSH_ORIGINAL_COMMAND as the client sent it.

    Returns:
        The argv (first word allow-listed) or a one-line refusal reason.
    """
    if len(command) > MAX_COMMAND_CHARS:
        return f"command longer than {MAX_COMMAND_CHARS} characters"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in command):
        return "control characters (newline, tab, escape...) are not allowed in a command"
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return f"cannot parse the command: {exc}"
    if not argv:
        return "empty command"
    if argv[0] not in REMOTE_VERBS:
        shown = argv[0] if argv[0].isprintable() else repr(argv[0])
        return (
            f"{shown!r} is not an sshapp command, and this is not a shell; "
            f"try one of: {', '.join(REMOTE_VERBS)}"
        )
    return argv


def run_session(
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    settings: Settings,
    env: Mapping[str, str] | None = None,
    *,
    run_command: Callable[[list[str], str], int],
) -> int:
    """Serve one SSH session: an allow-listed command, the TUI, or usage.

    Ignores SIGTSTP, SIGTTIN and SIGTTOU in this process from here on.

    Args:
        stdin: The session's input.
        stdout: The session's output.
        stderr: The session's error stream.
        settings: Settings in force.
        env: Environment to read SSH_ORIGINAL_COMMAND from (default os.environ).
        run_command: Runs an allow-listed argv on this session's streams, naming the
            program given as the second argument (`ssh [-p PORT] HOST`) in its hints
            and usage lines (the CLI's main, passed in so this module never imports it).

    Returns:
        The exit code.
    """
    _ignore_job_control()
    env = os.environ if env is None else env
    if LOG_FD_VARIABLE in env:  # under `sshapp serve`: benchmark runs are logged there
        from sshapp.bench.run import runlog

        runlog.attach_from_env(env)
    command = env.get("SSH_ORIGINAL_COMMAND")
    prog = ssh_program(env, settings.public_name)
    if command is not None and command.strip():
        argv = parse_command(command)
        if isinstance(argv, str):
            return _refuse(stderr, argv)
        if argv == ["help"]:  # the local help lists verbs an SSH client cannot use
            stdout.write(usage(prog))
            stdout.flush()
            return EXIT_OK
        return run_command(argv, prog)
    if _is_tty(stdin) and _is_tty(stdout):
        from sshapp.cli.commands import tui

        return tui(settings, stderr)
    stderr.write(usage(prog))
    stderr.flush()
    return EXIT_USAGE


def _ignore_job_control() -> None:
    if threading.current_thread() is threading.main_thread():  # signal.signal's rule
        for sig in JOB_CONTROL_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
