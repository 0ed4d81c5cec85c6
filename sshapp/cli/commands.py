"""Provides the CLI verbs that talk to the engine: bench, kernels, cpu, results, tui."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from sshapp.bench.catalog import kernel_rows
from sshapp.bench.events import Failed
from sshapp.bench.history import HistoryError
from sshapp.bench.service import SpecError
from sshapp.bench.spec import BenchSpec, Shape
from sshapp.cli.main import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    current_user,
)
from sshapp.cli.output import Printer
from sshapp.config import Settings
from sshapp.kernels import allowed_cores, cpu_info, scaling_series

if TYPE_CHECKING:  # the engine pulls in asyncio: `kernels` starts faster without it
    from sshapp.bench.engine import Engine

DEFAULT_SIZE = 256
"""Square size when no size option is given."""


def _error(stderr: TextIO, message: str) -> None:
    stderr.write(f"sshapp: error: {message}\n")
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


def _spec(args: argparse.Namespace) -> BenchSpec:
    if args.sweep:
        shapes = tuple(args.sweep)
    elif args.mnk:
        shapes = (args.mnk,)
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
        threads=scaling_series() if args.scaling else args.threads,
    )


def bench(args: argparse.Namespace, engine: Engine, out: TextIO, err: TextIO) -> int:
    """Run `sshapp bench`: validate, then run each kernel × size through the queue."""
    try:
        runs = engine.expand(_spec(args))
    except SpecError as exc:
        _error(err, str(exc))
        return EXIT_USAGE
    printer = Printer(out, as_json=args.json)
    failed = False

    async def body() -> int:
        nonlocal failed
        for run in runs:
            async with contextlib.aclosing(engine.run(run)) as events:
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


def cpu(args: argparse.Namespace, engine: Engine, out: TextIO) -> int:
    """Run `sshapp cpu`: features, caches and (measured once, then cached) peaks."""
    info = cpu_info()
    if args.remeasure:
        engine.forget_peaks()
    peaks = run_async(lambda: _measure(engine))
    if peaks == EXIT_INTERRUPTED:
        return EXIT_INTERRUPTED
    measured = engine.host_peaks()
    printer = Printer(out, as_json=args.json)
    states = {name: info.state(name) for name in sorted(info.detected)}
    if args.json:
        printer.json(
            {
                "vendor": info.vendor,
                "brand": info.brand,
                "l1d_bytes": info.l1d_bytes,
                "l2_bytes": info.l2_bytes,
                "l3_bytes": info.l3_bytes,
                "allowed_cores": list(allowed_cores()),
                "features": states,
                "peak_gflops": measured.fma_gflops if measured else None,
                "team_peak_gflops": measured.team_gflops if measured else None,
                "bandwidth_gbs": measured.bandwidth_gbs if measured else None,
            }
        )
        return EXIT_OK
    printer.line(f"{info.brand} ({info.vendor})")
    printer.line(
        f"caches: L1d {info.l1d_bytes >> 10} KiB, L2 {info.l2_bytes >> 10} KiB, "
        f"L3 {info.l3_bytes >> 20} MiB"
    )
    cores = allowed_cores()
    printer.line(f"allowed cores: {len(cores)} ({','.join(map(str, cores))})")
    for state in ("present", "masked", "absent"):
        names = [n for n, s in states.items() if s == state]
        printer.line(f"{state}: {' '.join(names) if names else '-'}")
    if measured is None:
        printer.line("peaks: not measured (the probe failed; see the warning)")
    else:
        for key, value in sorted(measured.fma_gflops.items()):
            team = measured.team_gflops.get(key, {})
            more = "".join(
                f", {n} threads {v:.1f} ({v / value:.2f}x)" for n, v in sorted(team.items())
            )
            printer.line(f"peak {key}: {value:.1f} GFLOP/s{more}")
        bw = measured.bandwidth_gbs
        printer.line(f"bandwidth: {'-' if bw is None else f'{bw:.1f} GB/s'}")
    return EXIT_OK


async def _measure(engine: Engine) -> int:
    await engine.measure_peaks()
    return EXIT_OK


def dispatch(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run one engine-backed verb and return its exit code."""
    if args.verb == "kernels":
        Printer(out, as_json=args.json).kernels(kernel_rows())
        return EXIT_OK
    from sshapp.bench.engine import Engine

    engine = Engine(settings, current_user())
    handlers: dict[str, Callable[[], int]] = {
        "bench": lambda: bench(args, engine, out, err),
        "cpu": lambda: cpu(args, engine, out),
        "results": lambda: _results(args, engine, out),
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


def _results(args: argparse.Namespace, engine: Engine, out: TextIO) -> int:
    entries = engine.history(mine=args.mine, best=args.best, limit=args.limit, offset=args.offset)
    Printer(out, as_json=args.json).history(entries)
    return EXIT_OK


def tui(settings: Settings, err: TextIO) -> int:
    """Run the terminal app, if this build has it."""
    try:
        tui_main = importlib.import_module("sshapp.tui.app").main
    except (ImportError, AttributeError) as exc:
        _error(err, f"the terminal app is not available in this build ({exc})")
        return EXIT_FAILURE
    return int(tui_main(user=current_user(), settings=settings))
