"""Provides the `sshapp` command line: dispatch, exit codes, one-line errors (tree: cli.parser)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from sshapp import __version__
from sshapp.cli.base import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    REMOTE_VERBS,
    current_user,
    error,
)
from sshapp.cli.parser import UsageError, _Parser, build_parser
from sshapp.config import ConfigError, Settings


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    *,
    prog: str = "sshapp",
) -> int:
    """Run one sshapp command and return its exit code (never raises on bad input).

    Args:
        argv: Arguments after the program name (default: sys.argv[1:]).
        stdin: Input stream (session checks whether it is a terminal).
        stdout: Output stream.
        stderr: Error stream.
        prog: What usage lines and hints tell the user to type: `sshapp`, or under
            `sshapp session` the `ssh [-p PORT] HOST` that reached this host.

    Returns:
        0 ok, 1 run failure, 2 usage or bad spec, 130 interrupted.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if argv[:1] == ["serve"]:  # the server parses its own options
        return _serve(argv[1:], stderr)
    if argv[:1] == ["health"]:  # stdlib-only probe with its own options (container HEALTHCHECK)
        from sshapp import health

        return health.cli(argv[1:], prog="sshapp health")
    return _parse_and_run(argv, stdin, stdout, stderr, prog)


class _OneLine(logging.Formatter):
    """Log records as `sshapp: warning: ...`, one line, no traceback (SSHAPP_DEBUG: all)."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"sshapp: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and os.environ.get("SSHAPP_DEBUG"):
            text += "\n" + self.formatException(record.exc_info)
        return text.splitlines()[0] if not os.environ.get("SSHAPP_DEBUG") else text


def _parse_and_run(
    argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO, prog: str
) -> int:
    parser = build_parser(stdout, prog)
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        error(stderr, str(exc))
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    return _dispatch(parser, args, stdin, stdout, stderr)


def _dispatch(
    parser: _Parser, args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> int:
    if args.verb is None:
        parser.print_usage()
        return EXIT_USAGE
    local: dict[str, Callable[[], int]] = {
        "help": lambda: _help(parser, args.topic, stdout, stderr),
        "version": lambda: _version(stdout, as_json=args.json),
    }
    if args.verb in local:
        return local[args.verb]()
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        error(stderr, str(exc))
        return EXIT_USAGE
    from sshapp.cli import commands, session

    if args.verb == "session":
        return session.run_session(
            stdin,
            stdout,
            stderr,
            settings,
            run_command=lambda argv, prog: main(argv, stdin, stdout, stderr, prog=prog),
        )
    if args.verb == "tui":
        return commands.tui(settings, stderr, at_host=True)
    # Engine warnings reach the user as one line each (the TUI shows its own).
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(_OneLine())
    debug = bool(os.environ.get("SSHAPP_DEBUG"))
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    logger = logging.getLogger("sshapp")
    logger.addHandler(handler)
    if debug:
        logger.setLevel(logging.DEBUG)
    try:
        return commands.dispatch(args, settings, stdout, stderr)
    finally:
        logger.removeHandler(handler)


def _help(parser: _Parser, topic: str | None, out: TextIO, err: TextIO) -> int:
    if topic is None:
        parser.print_help()
        return EXIT_OK
    try:
        parser.parse_args([topic, "--help"])
    except UsageError as exc:
        error(err, str(exc))
        return EXIT_USAGE
    except SystemExit:
        pass
    out.flush()
    return EXIT_OK


def _version(out: TextIO, *, as_json: bool = False) -> int:
    if as_json:
        import json

        from sshapp.bench.host.queue import QUEUE_DIR, HostQueue
        from sshapp.bench.protocol.wire import hello

        try:
            queue: int | None = len(HostQueue(Settings.from_env().state_dir / QUEUE_DIR).holders())
        except (ConfigError, OSError):
            queue = None
        obj = {**hello(__version__, REMOTE_VERBS, current_user()), "queue": queue}
        out.write(json.dumps(obj) + "\n")
        out.flush()
        return EXIT_OK
    out.write(f"sshapp {__version__}\n")
    out.flush()
    return EXIT_OK


def _serve(argv: list[str], stderr: TextIO) -> int:
    try:
        serve_main = importlib.import_module("sshapp.ssh").serve_main
    except (ImportError, AttributeError) as exc:
        error(stderr, f"the SSH server is not available in this build ({exc})")
        return EXIT_FAILURE
    return int(serve_main(argv))


def entry() -> None:
    """Console-script entry point: `sshapp ...`."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`, ssh disconnect): stop quietly, and keep the
        # interpreter's final flush from complaining on the dead pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_FAILURE
    sys.exit(code)
