"""Provides RemoteService: the BenchService of one node, driven over its headless verbs.

Every answer comes from the node (its CPU decides what can run, its queue orders the
runs, its history keeps them); this side only encodes calls as argv and decodes the
JSON lines (docs/protocol.md). What cannot change during a session — the kernel table,
the CPU report with peaks, models and tuned blocks — is fetched once and kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any

from sshapp.bench.host.peaks import HostPeaks
from sshapp.bench.protocol import wire
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Cancelled, Event, Failed, Finished
from sshapp.bench.protocol.rows import HistoryEntry, KernelRow
from sshapp.bench.protocol.spec import BenchSpec, RunSpec
from sshapp.fleet.link import NodeError, NodeExit, NodeLink
from sshapp.kernels import Blocking, ModelReport, blocking_model

if TYPE_CHECKING:
    from sshapp.bench.blocking.jobs import Waiting
    from sshapp.bench.blocking.live import LiveControl, LiveEvent
    from sshapp.bench.blocking.store import Tuned

TERMINAL = (Finished, Failed, Cancelled)
"""Events that end a run's stream."""


def _shape_args(spec: BenchSpec) -> list[str]:
    out: list[str] = []
    for s in spec.shapes:
        out += ["--mnk", f"{s.m},{s.n},{s.k}"]
    return out


def _stop_args(repeats: int, budget: float | None) -> list[str]:
    return ["--time", repr(budget)] if budget is not None else ["--reps", str(repeats)]


def spec_argv(spec: BenchSpec) -> list[str]:
    """Return the `bench` argv (without --json or --plan) that asks a node for `spec`."""
    argv = ["bench", *spec.kernels, *_shape_args(spec)]
    if spec.dtype is not None:
        argv += ["--dtype", spec.dtype]
    argv += _stop_args(spec.repeats, spec.budget_seconds)
    argv += ["--warmup", str(spec.warmup), "--blocking", spec.blocking]
    for name in ("mc", "kc", "nc"):
        if getattr(spec, name) > 0:
            argv += [f"--{name}", str(getattr(spec, name))]
    return [*argv, "--threads", ",".join(map(str, spec.threads))]


def run_argv(run: RunSpec) -> list[str]:
    """Return the `bench … --json` argv that makes a node run exactly `run` once more.

    The node expands it again (its limits and its CPU apply), to this one run: blocks are
    sent only when they were given, so the node resolves model or tuned blocks itself.
    """
    s, b = run.shape, run.blocking
    argv = ["bench", run.kernel_id, "--mnk", f"{s.m},{s.n},{s.k}", "--dtype", run.dtype]
    argv += _stop_args(run.repeats, run.budget_seconds)
    argv += ["--warmup", str(run.warmup), "--blocking", run.blocking_mode]
    if b is not None and b.source == "given":
        argv += ["--mc", str(b.mc), "--kc", str(b.kc), "--nc", str(b.nc)]
    return [*argv, "--threads", str(run.threads), "--json"]


class RemoteService:
    """BenchService of a node reached through a NodeLink."""

    def __init__(self, link: NodeLink) -> None:
        """Wrap a link (nothing is asked of the node until a method needs it)."""
        self.link = link
        """The node's connection."""
        self._rows: list[KernelRow] | None = None
        self._cpu: dict[str, Any] | None = None

    @property
    def node(self) -> str:
        """The node's name."""
        return self.link.address.name

    @property
    def user(self) -> str:
        """The identity the node records runs under (from its hello)."""
        if self.link.hello is None:
            with contextlib.suppress(NodeError):
                self.link.call(["version", "--json"])
        hello = self.link.hello or {}
        user = hello.get("user")
        return user if isinstance(user, str) else "?"

    def kernels(self) -> Sequence[KernelRow]:
        """Return the node's kernel rows (asked once).

        Raises:
            NodeError: The node cannot be reached or answered garbage.
        """
        if self._rows is None:
            try:
                self._rows = [wire.decode_row(o) for o in self.link.call(["kernels", "--json"])]
            except wire.ProtocolError as exc:
                msg = f"node {self.node}: bad kernel row: {exc}"
                raise NodeError(msg) from None
        return self._rows

    def cpu_report(self) -> dict[str, Any]:
        """Return the node's `cpu --json` object (asked once; measures peaks if needed)."""
        if self._cpu is None:
            lines = self.link.call(["cpu", "--json"])
            if len(lines) != 1:
                msg = f"node {self.node}: cpu --json gave {len(lines)} objects, not 1"
                raise NodeError(msg)
            self._cpu = lines[0]
        return self._cpu

    def expand(self, spec: BenchSpec) -> list[RunSpec]:
        """Plan `spec` on the node.

        Raises:
            SpecError: The node refused the spec (its line), or cannot be reached.
        """
        try:
            lines = self.link.call([*spec_argv(spec), "--plan", "--json"])
            return [wire.decode_run(o) for o in lines if o.get("event") == "planned"]
        except NodeExit as exc:
            raise SpecError(str(exc)) from None
        except (NodeError, wire.ProtocolError) as exc:
            raise SpecError(str(exc)) from None

    async def run(self, run: RunSpec) -> AsyncGenerator[Event, None]:
        """Run one planned run on the node, yielding its events as they arrive.

        A stream that breaks (node lost, bad line) ends with one Failed naming the node.
        Closing this generator closes the channel: the node cancels the run.
        """
        ended = False
        try:
            async with contextlib.aclosing(self.link.stream(run_argv(run))) as lines:
                async for obj in lines:
                    event = wire.decode_event(obj)
                    ended = ended or isinstance(event, TERMINAL)
                    yield event
        except NodeExit as exc:
            if not ended:
                yield Failed(run, f"node {self.node}: {exc}")
        except (NodeError, wire.ProtocolError) as exc:
            if not ended:
                text = str(exc)
                yield Failed(run, text if text.startswith("node ") else f"node {self.node}: {text}")
        else:
            if not ended:
                yield Failed(run, f"node {self.node}: the run's stream ended without a result")

    def history(
        self, *, mine: bool = True, best: bool = False, limit: int = 100, offset: int = 0
    ) -> Sequence[HistoryEntry]:
        """Return the node's stored runs, newest first.

        Raises:
            NodeError: The node cannot be reached or answered garbage.
        """
        argv = ["results", "--json", "--limit", str(max(1, limit)), "--offset", str(offset)]
        argv += ["--mine"] * mine + ["--best"] * best
        try:
            return [wire.decode_entry(o) for o in self.link.call(argv)]
        except wire.ProtocolError as exc:
            msg = f"node {self.node}: bad history line: {exc}"
            raise NodeError(msg) from None

    def _peaks(self) -> HostPeaks | None:
        cpu = self.cpu_report()
        fma = cpu.get("peak_gflops")
        if not isinstance(fma, dict):
            return None
        team_raw = cpu.get("team_peak_gflops") or {}
        team = {
            key: {int(n): float(v) for n, v in by.items()}
            for key, by in team_raw.items()
            if isinstance(by, dict)
        }
        bandwidth = cpu.get("bandwidth_gbs")
        return HostPeaks(
            {k: float(v) for k, v in fma.items()},
            float(bandwidth) if isinstance(bandwidth, int | float) else None,
            team,
        )

    def peak_gflops(self, isa: str, dtype: str, threads: int = 1) -> float | None:
        """Return the node's measured peak for an ISA and dtype (None if unknown)."""
        peaks = self._peaks()
        return peaks.peak(isa, dtype, threads) if peaks else None

    def bandwidth_gbs(self) -> float | None:
        """Return the node's measured single-core bandwidth (None if unknown)."""
        peaks = self._peaks()
        return peaks.bandwidth_gbs if peaks else None

    def blocking_model(self, kernel_id: str) -> ModelReport:
        """Return the node's model of a packed kernel (for its caches)."""
        entry = (self.cpu_report().get("blocking_model") or {}).get(kernel_id)
        if not isinstance(entry, dict) or "cache_bytes" not in entry:
            return blocking_model(kernel_id)  # not packed there: no blocks to model
        return ModelReport(
            kernel_id=kernel_id,
            blocking=Blocking(entry["MR"], entry["NR"], entry["MC"], entry["KC"], entry["NC"]),
            packed=True,
            shares={k: float(v) for k, v in entry["shares"].items()},
            cache_bytes={k: int(v) for k, v in entry["cache_bytes"].items()},
            element_bytes=int(entry["element_bytes"]),
            tile=bool(entry.get("tile", False)),
        )

    def check_blocking(self, kernel_id: str, mc: int, kc: int, nc: int) -> Blocking:
        """Return the blocking a packed kernel would run with (the kernel table is the
        same on every node of one version, so this is checked here).

        Raises:
            SpecError: The blocks are invalid for this kernel (one line).
        """
        from sshapp.bench.blocking.blocks import run_blocking
        from sshapp.kernels import get

        blocks = run_blocking(kernel_id, mc=mc, kc=kc, nc=nc)
        if blocks is None:
            msg = f"{kernel_id} does not use cache blocks"
            raise SpecError(msg)
        b = get(kernel_id).blocking
        return Blocking(b.MR, b.NR, blocks.mc, blocks.kc, blocks.nc)

    def tuned(self, kernel_id: str) -> Tuned | None:
        """Return the node's stored blocks of a kernel (None: the model's)."""
        from sshapp.bench.blocking.store import Tuned

        entry = (self.cpu_report().get("tuned") or {}).get(kernel_id)
        return Tuned(**entry) if isinstance(entry, dict) else None

    def save_tuned(self, tuned: Tuned) -> None:
        """Refused: a node's defaults change only through `tune` on that node."""
        del tuned
        msg = f"node {self.node}: blocks are saved on a node by `tune` there, not remotely"
        raise SpecError(msg)

    def live(
        self, kernel_id: str, size: int, control: LiveControl
    ) -> AsyncGenerator[Waiting | LiveEvent, None]:
        """Not offered by protocol 1.0 (the Tune screen needs a local engine)."""
        del kernel_id, size, control
        msg = f"node {self.node}: live tuning is not part of protocol 1.0"
        raise SpecError(msg)

    def close(self) -> None:
        """Close the node's connection."""
        self.link.close()
