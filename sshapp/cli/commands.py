"""Provides the CLI verbs that talk to the engine: bench, kernels, cpu, results, tui."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from sshapp.bench.blocking.store import TuneCache
from sshapp.bench.catalog import kernel_rows
from sshapp.bench.history.database import HistoryError
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Event, Failed
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.cli.base import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    current_user,
    run_async,
)
from sshapp.cli.output import Printer
from sshapp.cli.remote import named
from sshapp.config import Settings
from sshapp.kernels import scaling_series

if TYPE_CHECKING:  # the engine pulls in asyncio: `kernels` starts faster without it
    from sshapp.bench.service import BenchService

DEFAULT_SIZE = 256
"""Square size when no size option is given."""


def _error(stderr: TextIO, message: str) -> None:
    stderr.write(f"sshapp: error: {message}\n")
    stderr.flush()


def _spec(args: argparse.Namespace) -> BenchSpec:
    if args.sweep:
        shapes = tuple(args.sweep)
    elif args.mnk:
        shapes = tuple(args.mnk)  # repeatable: a remote front end sends a planned sweep
    else:
        n = args.size or DEFAULT_SIZE
        shapes = (Shape(n, n, n),)
    return BenchSpec(
        kernels=tuple(args.kernels),
        shapes=shapes,
        dtype=args.dtype,
        repeats=1000 if args.time else args.reps,
        budget_seconds=args.time,
        warmup=args.warmup,
        mc=args.mc,
        kc=args.kc,
        nc=args.nc,
        blocking=args.blocking,
        threads=scaling_series() if args.scaling else args.threads,
    )


@contextlib.asynccontextmanager
async def _closing(events: AsyncIterator[Event]) -> AsyncIterator[AsyncIterator[Event]]:
    """Close a run's stream on the way out (it cancels the run), whatever its type."""
    try:
        yield events
    finally:
        if isinstance(events, AsyncGenerator):
            await events.aclose()


def bench(args: argparse.Namespace, engine: BenchService, out: TextIO, err: TextIO) -> int:
    """Run `sshapp bench`: validate, then run each kernel × size through the queue."""
    try:
        runs = engine.expand(_spec(args))
    except SpecError as exc:
        _error(err, named(str(exc), args.prog))
        return EXIT_USAGE
    printer = Printer(out, as_json=args.json)
    if args.plan:
        printer.plan(runs)
        return EXIT_OK
    failed = False

    async def body() -> int:
        nonlocal failed
        for run in runs:
            async with _closing(engine.run(run)) as events:
                async for event in events:
                    printer.event(event)
                    failed = failed or isinstance(event, Failed)
                    if isinstance(event, Failed) and event.final:
                        return EXIT_OK  # the rest would fail alike: one line is enough
        return EXIT_OK

    code = run_async(body)
    if code == EXIT_INTERRUPTED:
        with contextlib.suppress(OSError, ValueError):
            _error(err, "cancelled")
        return code
    printer.summary()
    return EXIT_FAILURE if failed else EXIT_OK


def dispatch(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run one engine-backed verb and return its exit code."""
    if (code := _elsewhere(args, out, err)) is not None:
        return code
    if args.verb == "kernels":
        Printer(out, as_json=args.json).kernels(kernel_rows(TuneCache(settings.state_dir)))
        return EXIT_OK
    from sshapp.bench.engine import Engine
    from sshapp.cli import explain, tuning

    engine = Engine(settings, current_user())
    handlers: dict[str, Callable[[], int]] = {
        "bench": lambda: bench(args, engine, out, err),
        "tune": lambda: tuning.tune(args, engine, out, err),
        "cpu": lambda: tuning.cpu(args, engine, out),
        "results": lambda: results(args, engine, out),
        "explain": lambda: explain.explain(args, engine, out, err),
    }
    if args.verb not in handlers:
        _error(err, f"unknown command {args.verb!r}")
        return EXIT_USAGE
    try:
        return handlers[args.verb]()
    except HistoryError as exc:
        _error(err, str(exc))
        return EXIT_FAILURE
    except BrokenPipeError:
        raise
    except OSError as exc:  # never the file name: it is a path on the server
        _error(err, f"{exc.strerror or type(exc).__name__}")
        return EXIT_FAILURE


def results(args: argparse.Namespace, engine: BenchService, out: TextIO) -> int:
    """Run `sshapp results`: stored runs of this host (or of the node the service drives)."""
    entries = engine.history(mine=args.mine, best=args.best, limit=args.limit, offset=args.offset)
    Printer(out, as_json=args.json, prog=args.prog).history(entries, full_users=args.full_users)
    return EXIT_OK


def _elsewhere(args: argparse.Namespace, out: TextIO, err: TextIO) -> int | None:
    """Run a gateway session's verb on its nodes (None: not a gateway, run it here)."""
    if os.environ.get("SSHAPP_FLEET"):
        from sshapp.cli import fleetcmd

        return fleetcmd.dispatch(args, _spec, out, err)
    if args.verb == "fleet" or getattr(args, "on", None):
        _error(err, "this host is not a gateway: 'fleet' and --on work through one")
        return EXIT_USAGE
    return None


def tui(settings: Settings, err: TextIO, *, at_host: bool = False) -> int:
    """Run the terminal app, if this build has it.

    at_host: started by `sshapp tui` at the host's own shell (never over SSH: `session`
    starts the app for SSH users), whose user owns the state directory and so counts as
    an operator of it.
    """
    try:
        tui_main = importlib.import_module("sshapp.tui.app").main
    except (ImportError, AttributeError) as exc:
        _error(err, f"the terminal app is not available in this build ({exc})")
        return EXIT_FAILURE
    user = current_user()
    if at_host:
        settings = replace(settings, operators=(*settings.operators, user))
    if not os.environ.get("SSHAPP_FLEET"):
        return int(tui_main(user=user, settings=settings))
    from sshapp.cli import fleetcmd

    fleet = fleetcmd.open_fleet(os.environ)
    try:
        service = fleetcmd.one_node(fleet, None)
        return int(tui_main(user=service.user, settings=settings, service=service))
    except (SpecError, RuntimeError) as exc:
        _error(err, str(exc))
        return EXIT_FAILURE
    finally:
        fleet.close()
