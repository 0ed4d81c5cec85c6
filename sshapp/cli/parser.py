"""Provides the `sshapp` argument tree: every verb, its options and their range checks."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, TextIO

from sshapp.bench.run import bounds
from sshapp.cli.values import clipped, seconds, tune_budget, whole_in

JSON_LINES_NOTE = (
    "--json prints JSON lines: one JSON object per line, not one JSON document. Read them "
    "with `jq -c .` or `python3 -m json.tool --json-lines` (plain `python3 -m json.tool` "
    "fails on the second line)."
)
"""Said under every verb with --json, and under the top-level help."""


class UsageError(Exception):
    """A command line argparse rejected (one line)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting and writes help to our stream."""

    out: TextIO = sys.stdout
    program: str = "sshapp"
    """What the user types before a verb: `sshapp`, or `ssh [-p PORT] HOST` over SSH."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required"):
            # The command's shape is what is missing: say it, on the same line.
            formatter = self._get_formatter()
            shape = " ".join(
                formatter._format_args(action, action.dest)
                for action in self._get_positional_actions()
            )
            message = (
                f"{message}; usage: {self.prog} {shape} [options]; '{self.prog} --help' "
                f"lists the options, '{self.program} kernels' the kernels"
            )
            raise UsageError(message)
        raise UsageError(clipped(message))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            raise UsageError(message.strip())
        raise SystemExit(status)

    def _print_message(self, message: str, file: object = None) -> None:  # noqa: ARG002
        if message:
            self.out.write(message)
            self.out.flush()


def _add_json(p: argparse.ArgumentParser, what: str) -> None:
    """Add `--json` (JSON lines of `what`) and the note on how to read them."""
    p.add_argument("--json", action="store_true", help=f"JSON lines: {what}")
    p.epilog = JSON_LINES_NOTE


def _add_bench(sub: argparse._SubParsersAction[_Parser]) -> None:
    from sshapp.cli import sizes
    from sshapp.kernels.dtypes import NAMES as DTYPE_NAMES

    p = sub.add_parser("bench", help="time kernels (ids or globs like 'avx2.*')")
    p.add_argument("kernels", nargs="+", metavar="KERNEL", help="kernel id or glob")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--size", type=whole_in(1, bounds.MAX_SIDE), metavar="N", help="square N×N×N")
    size.add_argument(
        "--mnk", type=sizes.mnk, action="append", metavar="M,N,K", help="an m×n×k product"
    )
    size.add_argument(
        "--sweep", type=sizes.sweep, metavar="A:B:xF", help="sizes A..B, ×F or +F per step"
    )
    p.add_argument(
        "--dtype", metavar="T", help=f"keep kernels of this dtype ({', '.join(DTYPE_NAMES)})"
    )
    stop = p.add_mutually_exclusive_group()
    reps = whole_in(1, bounds.MAX_REPEATS)
    stop.add_argument("--reps", type=reps, default=5, metavar="N", help="samples")
    stop.add_argument("--time", type=seconds, metavar="SECONDS", help="timed-work budget")
    warmup = whole_in(0, bounds.MAX_WARMUP)
    p.add_argument("--warmup", type=warmup, default=1, metavar="N", help="untimed calls first")
    _add_blocking(p)
    team = p.add_mutually_exclusive_group()
    team.add_argument(
        "--threads",
        type=sizes.thread_counts,
        default=(1,),
        metavar="N[,N...]",
        help="threads per run (packed kernels and BLAS; 1,2,4: a scaling series)",
    )
    team.add_argument(
        "--scaling", action="store_true", help="a scaling series: 1, 2, 4 ... all allowed cores"
    )
    _add_json(p, "one object per event (started, each sample, finished), flushed as it happens")
    p.add_argument("--plan", action="store_true", help="only list the runs it would make")
    _add_on(p, "NODE[,NODE...]|all|any|any:FEATURE", "through a gateway: where it runs (any)")


def _add_on(p: argparse.ArgumentParser, metavar: str, what: str) -> None:
    p.add_argument("--on", metavar=metavar, help=what)


def _add_blocking(p: argparse.ArgumentParser) -> None:
    from sshapp.bench.protocol.spec import BLOCKING_MODES

    for name, what in (("mc", "rows of A per L2 block"), ("kc", "depth of a packed panel")):
        p.add_argument(
            f"--{name}", type=whole_in(1, bounds.MAX_SIDE), default=0, metavar="N", help=what
        )
    p.add_argument(
        "--nc",
        type=whole_in(1, bounds.MAX_SIDE),
        default=0,
        metavar="N",
        help="columns of B per L3",
    )
    p.add_argument(
        "--blocking",
        choices=BLOCKING_MODES,
        default="auto",
        help="cache blocks of packed kernels: auto = tuned here if tuned, else the model",
    )


def _add_tune(sub: argparse._SubParsersAction[_Parser]) -> None:
    from sshapp.kernels.dtypes import NAMES as DTYPE_NAMES

    p = sub.add_parser("tune", help="search cache blocks of packed kernels on this CPU")
    p.add_argument("kernels", nargs="*", metavar="KERNEL", help="packed kernel id or glob")
    p.add_argument(
        "--dtype", metavar="T", help=f"only kernels of this dtype ({', '.join(DTYPE_NAMES)})"
    )
    p.add_argument(
        "--size", type=whole_in(1, bounds.MAX_SIDE), default=1024, metavar="N", help="square N³"
    )
    p.add_argument(
        "--budget",
        type=tune_budget,
        default=60.0,
        metavar="SECONDS",
        help=f"total time (60 s; at most {bounds.MAX_TUNE_SECONDS:g} s)",
    )
    _add_json(p, "one object per candidate measured, flushed as it happens")


def build_parser(out: TextIO, prog: str = "sshapp") -> _Parser:
    """Return the full argument parser, writing help and usage to `out`.

    Args:
        out: Where help and usage go.
        prog: The program its usage lines name (`ssh [-p PORT] HOST` over SSH); the
            parsed namespace carries it as `prog` for the verbs' hints.
    """
    parser_class: type[_Parser] = type("Parser", (_Parser,), {"out": out, "program": prog})
    root = parser_class(
        prog=prog,
        description="A matrix-multiply benchmark you reach over SSH.",
        epilog=JSON_LINES_NOTE,
    )
    root.set_defaults(prog=prog)
    sub = root.add_subparsers(dest="verb", metavar="COMMAND", parser_class=parser_class)
    _add_bench(sub)
    _add_tune(sub)
    exp = sub.add_parser("explain", help="why a kernel is faster: its lesson (with --size: timed)")
    exp.add_argument("kernel", metavar="KERNEL", help="kernel id (sshapp kernels lists them)")
    exp.add_argument(
        "--size",
        type=whole_in(1, bounds.MAX_SIDE),
        metavar="N",
        help="time it and the step before at N³",
    )
    exp.add_argument("--json", action="store_true", help="the lesson as one JSON object")
    kernels = sub.add_parser("kernels", help="list kernels and whether they run here")
    _add_json(kernels, "one object per kernel")
    _add_on(kernels, "NODE", "through a gateway: which node (default: the first up)")
    fleet = sub.add_parser("fleet", help="through a gateway: its nodes and their states")
    _add_json(fleet, "one object per node")
    cpu = sub.add_parser("cpu", help="CPU features, caches, measured peaks and bandwidth")
    _add_json(cpu, "one object (on one line) with everything below")
    _add_on(cpu, "NODE", "through a gateway: which node (default: the first up)")
    cpu.add_argument(
        "--remeasure", action="store_true", help="measure the peaks and best kernels again"
    )
    res = sub.add_parser("results", help="past runs on this host")
    res.add_argument("--mine", action="store_true", help="only my runs")
    res.add_argument("--best", action="store_true", help="best run per kernel and size")
    res.add_argument(
        "--limit", type=whole_in(1, bounds.MAX_RESULTS), default=50, metavar="N", help="page size"
    )
    res.add_argument(
        "--offset", type=whole_in(0, bounds.MAX_OFFSET), default=0, metavar="N", help="skip N"
    )
    res.add_argument(
        "--full-users",
        action="store_true",
        help="whole key fingerprints (SHA256: and 6 characters otherwise)",
    )
    _add_json(res, "one object per stored run (full user and key fingerprint)")
    _add_on(res, "NODE|all", "through a gateway: whose history (all, merged)")
    sub.add_parser("version", help="print the version").add_argument(
        "--json", action="store_true", help="the protocol hello (docs/protocol.md)"
    )
    hlp = sub.add_parser("help", help="this help, or help for one command")
    hlp.add_argument("topic", nargs="?", metavar="COMMAND")
    sub.add_parser("session", help="entry point of an SSH session (forced command)")
    sub.add_parser("tui", help="the terminal app")
    sub.add_parser("serve", help="run the SSH server (its own options: serve --help)")
    sub.add_parser("health", help="check an SSH server answers (its own options: health --help)")
    return root
