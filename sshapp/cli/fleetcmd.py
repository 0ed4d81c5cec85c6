"""Provides the verbs of a gateway session: `fleet`, `bench --on`, `results --on`, and the rest.

A gateway session (SSHAPP_FLEET set by `sshapp serve --fleet`) has no engine of its own:
every verb goes to nodes through sshapp.fleet, which this module reaches through
importlib (the CLI never imports the network stack at module scope). Runs placed on
several nodes proceed at once, each through its own node's queue; every line names its
node.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TextIO

from sshapp.bench.protocol import wire
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Failed
from sshapp.bench.protocol.rows import HistoryEntry
from sshapp.bench.protocol.spec import RunSpec
from sshapp.bench.service import BenchService
from sshapp.cli.base import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, error, run_async
from sshapp.cli.output import Printer, table


class NodeService(BenchService, Protocol):
    """A node's BenchService (sshapp.fleet.remote.RemoteService) as these verbs use it."""

    @property
    def node(self) -> str:
        """The node's name."""
        ...

    def cpu_report(self) -> dict[str, Any]:
        """The node's `cpu --json` object."""
        ...


class FleetView(Protocol):
    """What these verbs need of sshapp.fleet.gateway.Fleet."""

    def states(self, *, full: bool = True) -> list[tuple[NodeService, Any]]:
        """Every node and its NodeState."""
        ...

    def first_up(self, name: str | None = None) -> NodeService:
        """The named node, or the first up one."""
        ...

    def place(self, on: str, spec: Any) -> list[tuple[NodeService, list[RunSpec]]]:
        """Nodes a spec runs on, with its plan on each."""
        ...

    def close(self) -> None:
        """Close every node's connection."""
        ...


def dispatch(
    args: argparse.Namespace,
    spec_of: Callable[[argparse.Namespace], Any],
    out: TextIO,
    err: TextIO,
) -> int:
    """Run one verb of a gateway session on its nodes and return its exit code."""
    try:
        fleet = open_fleet(os.environ)
    except ValueError as exc:  # the source became unreadable since the gateway started
        error(err, str(exc))
        return EXIT_FAILURE
    verbs: dict[str, Callable[[], int]] = {
        "fleet": lambda: fleet_table(args, fleet, out),
        "bench": lambda: bench_on(args, spec_of(args), fleet, out, err),
        "results": lambda: results_on(args, fleet, out, err),
        "kernels": lambda: _on_one(args, fleet, out),
        "cpu": lambda: _on_one(args, fleet, out),
    }
    try:
        if args.verb not in verbs:  # tune
            error(err, f"{args.verb} runs on a node itself (ssh NODE {args.verb}), not a gateway")
            return EXIT_USAGE
        return verbs[args.verb]()
    except SpecError as exc:
        error(err, str(exc))
        return EXIT_USAGE
    except RuntimeError as exc:  # a node failed (sshapp.fleet's NodeError)
        error(err, str(exc))
        return EXIT_FAILURE
    finally:
        fleet.close()


def _on_one(args: argparse.Namespace, fleet: FleetView, out: TextIO) -> int:
    service = one_node(fleet, args.on)
    printer = Printer(out, as_json=args.json, node=service.node)
    if args.verb == "kernels":
        printer.kernels(service.kernels())
        return EXIT_OK
    report = service.cpu_report()
    if args.json:
        printer.json(report)
        return EXIT_OK
    features = report.get("features") or {}
    present = sorted(k for k, v in features.items() if v == "present")
    printer.line(f"{report.get('brand')}: {' '.join(present)}")
    return EXIT_OK


def open_fleet(env: Mapping[str, str]) -> FleetView:
    """Build the session's fleet from the environment the gateway gave it."""
    fleet: FleetView = importlib.import_module("sshapp.fleet.gateway").Fleet.from_env(env)
    return fleet


def fleet_table(args: argparse.Namespace, fleet: FleetView, out: TextIO) -> int:
    """Run `fleet`: one row (or JSON object) per node."""
    printer = Printer(out, as_json=args.json)
    states = [state for _, state in fleet.states()]
    if args.json:
        for state in states:
            printer.json(state.as_json())
        return EXIT_OK
    rows = [
        [
            s.name,
            s.state,
            "-" if s.queue is None else str(s.queue),
            " ".join(s.features) or "-",
            s.cpu or s.detail or "-",
        ]
        for s in states
    ]
    for text in table(("node", "state", "queue", "features", "cpu / why"), rows):
        printer.line(text)
    if not states:
        printer.line("the fleet has no nodes (check the gateway's --fleet source)")
    return EXIT_OK


def one_node(fleet: FleetView, on: str | None) -> NodeService:
    """The node a single-node verb (kernels, cpu, the TUI) drives: named, or the first up.

    Raises:
        SpecError: No such node, or none is up.
    """
    return fleet.first_up(on)


def bench_on(
    args: argparse.Namespace, spec: Any, fleet: FleetView, out: TextIO, err: TextIO
) -> int:
    """Run `bench --on …` through the gateway: place, then run on every chosen node at once."""
    try:
        placed = fleet.place(args.on or "any", spec)
    except SpecError as exc:
        error(err, str(exc))
        return EXIT_USAGE
    printers = [Printer(out, as_json=args.json, node=service.node) for service, _ in placed]
    if args.plan:
        for printer, (_, runs) in zip(printers, placed, strict=True):
            printer.plan(runs)
        return EXIT_OK
    failed = False

    async def on_node(service: NodeService, runs: list[RunSpec], printer: Printer) -> None:
        nonlocal failed
        for run in runs:
            async with contextlib.aclosing(service.run(run)) as events:  # type: ignore[type-var]
                async for event in events:
                    printer.event(event)
                    failed = failed or isinstance(event, Failed)
                    if isinstance(event, Failed) and event.final:
                        return

    async def body() -> int:
        jobs = [on_node(s, runs, p) for (s, runs), p in zip(placed, printers, strict=True)]
        await asyncio.gather(*jobs)
        return EXIT_OK

    code = run_async(body)
    if code == EXIT_INTERRUPTED:
        with contextlib.suppress(OSError, ValueError):
            error(err, "cancelled")
        return code
    for printer in printers:
        printer.summary()
    return EXIT_FAILURE if failed else EXIT_OK


def results_on(args: argparse.Namespace, fleet: FleetView, out: TextIO, err: TextIO) -> int:
    """Run `results --on NODE|all`: every chosen node's history, merged, newest first."""
    on = args.on or "all"
    merged: list[tuple[str, HistoryEntry]] = []
    for service, state in fleet.states(full=False):
        if on not in ("all", service.node):
            continue
        if state.state != "up":
            error(err, f"node {service.node} is {state.state}; its history is not shown")
            continue
        entries = service.history(
            mine=args.mine, best=args.best, limit=args.offset + args.limit, offset=0
        )
        merged += [(service.node, e) for e in entries]
    merged.sort(key=lambda pair: pair[1].finished_at, reverse=True)
    page = merged[args.offset : args.offset + args.limit]
    printer = Printer(out, as_json=args.json)
    if args.json:
        for node, entry in page:
            printer.json(wire.encode_entry(entry, node=node))
        return EXIT_OK
    _history_table(printer, page)
    return EXIT_OK


def _history_table(printer: Printer, page: Sequence[tuple[str, HistoryEntry]]) -> None:
    from sshapp.cli.output import RESULT_HEADERS, result_row

    if not page:
        printer.line("no runs recorded yet on these nodes")
        return
    rows = [
        [time.strftime("%Y-%m-%d %H:%M", time.localtime(e.finished_at)), node, e.user, *cells]
        for node, e in page
        for cells in [result_row(e.result)]
    ]
    for text in table(("when", "node", "user", *RESULT_HEADERS), rows):
        printer.line(text)
