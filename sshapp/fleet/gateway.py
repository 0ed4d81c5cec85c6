"""Provides Fleet: a gateway session's view of its nodes, their states and run placement.

A gateway session process builds one Fleet from its environment (the server passes
SSHAPP_FLEET, SSHAPP_FLEET_KEY, SSHAPP_FLEET_KNOWN_HOSTS and the user's identity): one
RemoteService per node, reused for the whole session, so each node has one connection.
Placement is the one choice the gateway makes: among up nodes that can run the spec
(and have the feature asked for), the one with the shortest queue.
"""

from __future__ import annotations

import concurrent.futures
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import BenchSpec, RunSpec
from sshapp.fleet.address import ClientAuth, NodeAddress, NodeError
from sshapp.fleet.link import NodeLink
from sshapp.fleet.remote import RemoteService
from sshapp.fleet.source import Source

FLEET_VARIABLE = "SSHAPP_FLEET"
"""The gateway's node source, passed to its sessions."""
KEY_VARIABLE = "SSHAPP_FLEET_KEY"
"""The gateway's client key file."""
KNOWN_HOSTS_VARIABLE = "SSHAPP_FLEET_KNOWN_HOSTS"
"""The known_hosts file node host keys are checked against."""
PROBE_SECONDS = 5.0
"""How long a node may take to connect and say hello when its state is asked."""
ISAS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile")
"""Features the fleet table shows."""


@dataclass(frozen=True, slots=True)
class NodeState:
    """One node as the fleet table shows it."""

    name: str
    """Its name."""
    address: str
    """host:port."""
    state: str
    """"up", or why not: "down", "refused", "incompatible", "bad"."""
    detail: str = ""
    """The one line behind a state that is not up."""
    cpu: str = ""
    """CPU brand string ("" when not up)."""
    features: tuple[str, ...] = ()
    """Of ISAS, those present on the node."""
    queue: int | None = None
    """Runs holding or waiting for the node's queue."""
    peaks: Mapping[str, float] | None = None
    """Measured peaks by "isa.dtype" (None: not measured)."""

    def as_json(self) -> dict[str, Any]:
        """Return the `fleet --json` line of this node."""
        return {
            "name": self.name,
            "address": self.address,
            "state": self.state,
            "detail": self.detail or None,
            "cpu": self.cpu or None,
            "features": list(self.features),
            "queue": self.queue,
            "peak_gflops": dict(self.peaks) if self.peaks else None,
        }


class Fleet:
    """A gateway session's nodes: one RemoteService each, reused."""

    def __init__(self, source: Source, auth: ClientAuth) -> None:
        """Keep the source and the client settings; nothing connects yet."""
        self.source = source
        """Where the nodes come from."""
        self.auth = auth
        """How nodes are logged in to (the gateway's key, the user's identity)."""
        self._services: dict[NodeAddress, RemoteService] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Fleet:
        """Build the fleet a gateway server described to this session.

        Raises:
            SourceError: The source cannot be read.
        """
        key, known = env.get(KEY_VARIABLE), env.get(KNOWN_HOSTS_VARIABLE)
        auth = ClientAuth(
            username="gateway",
            key_file=Path(key) if key else None,
            known_hosts=Path(known) if known else None,
            assert_user=env.get("SSHAPP_USER") or None,
        )
        return cls(Source(env[FLEET_VARIABLE], env), auth)

    def services(self) -> list[RemoteService]:
        """Return a RemoteService per current node (source order)."""
        nodes = self.source.nodes()
        for gone in set(self._services) - set(nodes):
            self._services.pop(gone).close()
        for node in nodes:
            if node not in self._services:
                self._services[node] = RemoteService(NodeLink(node, self.auth))
        return [self._services[n] for n in nodes]

    def close(self) -> None:
        """Close every node's connection."""
        for service in self._services.values():
            service.close()
        self._services.clear()

    def _state(self, service: RemoteService, *, full: bool) -> NodeState:
        addr = service.link.address
        where = f"{addr.host}:{addr.port}"
        try:
            (hello,) = service.link.call(["version", "--json"])
            cpu = service.cpu_report() if full else {}
        except (NodeError, ValueError) as exc:
            state = exc.state if isinstance(exc, NodeError) else "bad"
            return NodeState(addr.name, where, "down" if state == "failed" else state, str(exc))
        features = cpu.get("features") or {}
        peaks = cpu.get("peak_gflops")
        queue = hello.get("queue")
        return NodeState(
            addr.name,
            where,
            "up",
            cpu=str(cpu.get("brand") or ""),
            features=tuple(f for f in ISAS if features.get(f) == "present"),
            queue=queue if isinstance(queue, int) else None,
            peaks=peaks if isinstance(peaks, dict) else None,
        )

    def states(self, *, full: bool = True) -> list[tuple[RemoteService, NodeState]]:
        """Ask every node at once; return each with its state (source order)."""
        services = self.services()
        if not services:
            return []
        with concurrent.futures.ThreadPoolExecutor(len(services)) as pool:
            states = list(pool.map(lambda s: self._state(s, full=full), services))
        return list(zip(services, states, strict=True))

    def first_up(self, name: str | None = None) -> RemoteService:
        """The node a single-node verb drives: `name`, or the first up in source order.

        Nodes are asked one after the other, so a healthy first node costs one hello.

        Raises:
            SpecError: No such node, it is not up, or none is.
        """
        services = self.services()
        if name is not None:
            services = [s for s in services if s.node == name]
            if not services:
                msg = f"no node named {name!r}; 'fleet' lists them"
                raise SpecError(msg)
        why = "the fleet has no nodes"
        for service in services:
            state = self._state(service, full=False)
            if state.state == "up":
                return service
            why = f"node {service.node} is {state.state}: {state.detail}"
        msg = why if name is not None else f"no node of the fleet is up ({why})"
        raise SpecError(msg)

    def place(self, on: str, spec: BenchSpec) -> list[tuple[RemoteService, list[RunSpec]]]:
        """Choose the nodes a spec runs on and plan it there.

        Args:
            on: "NODE[,NODE...]", "all", "any" or "any:FEATURE".
            spec: What to run.

        Raises:
            SpecError: No such node, no up node can run it, or a named node refused it.
        """
        named = [] if on == "all" or on.startswith("any") else on.split(",")
        feature = on.partition(":")[2] if on.startswith("any:") else ""
        states = self.states(full=bool(feature))
        known = {s.node for s, _ in states}
        for name in named:
            if name not in known:
                msg = f"no node named {name!r}; 'fleet' lists them"
                raise SpecError(msg)
        candidates: list[tuple[RemoteService, int]] = []
        refusals: list[str] = []
        for service, state in states:
            if named and service.node not in named:
                continue
            if state.state != "up":
                refusals.append(f"{service.node} is {state.state}")
            elif feature and feature not in _present(service):
                refusals.append(f"{service.node} has no {feature}")
            else:
                candidates.append((service, state.queue or 0))
        if on.startswith("any"):
            # Shortest queue first; ties (idle nodes) at random, or sessions placing at the
            # same moment would all see the same queues and pile onto the first node. The
            # spec is planned on one node at a time, until one accepts it.
            random.shuffle(candidates)
            candidates.sort(key=lambda c: c[1])
        chosen = self._plan(candidates, spec, refusals, first=on.startswith("any"))
        if named and len(chosen) < len(named):
            raise SpecError(refusals[0] if refusals else "a named node cannot run this")
        if not chosen:
            why = "; ".join(refusals[:3]) or "the fleet has no nodes"
            msg = f"no node can run this: {why}"
            raise SpecError(msg)
        return chosen

    @staticmethod
    def _plan(
        candidates: list[tuple[RemoteService, int]],
        spec: BenchSpec,
        refusals: list[str],
        *,
        first: bool,
    ) -> list[tuple[RemoteService, list[RunSpec]]]:
        """Plan `spec` on candidates (all at once; or in order until one accepts)."""
        if first:
            for service, _ in candidates:
                try:
                    return [(service, service.expand(spec))]
                except SpecError as exc:
                    refusals.append(str(exc))
            return []
        services = [service for service, _ in candidates]
        if not services:
            return []

        def plan(service: RemoteService) -> list[RunSpec] | SpecError:
            try:
                return service.expand(spec)
            except SpecError as exc:
                return exc

        with concurrent.futures.ThreadPoolExecutor(len(services)) as pool:
            plans = list(pool.map(plan, services))
        chosen = []
        for service, runs in zip(services, plans, strict=True):
            if isinstance(runs, SpecError):
                refusals.append(str(runs))
            else:
                chosen.append((service, runs))
        return chosen


def _present(service: RemoteService) -> Sequence[str]:
    features = service.cpu_report().get("features") or {}
    return [name for name, state in features.items() if state == "present"]
