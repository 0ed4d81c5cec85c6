"""RemoteService against real `sshapp serve` nodes: plan, run, history, cancel, CLI, TUI."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import time

import pytest

from sshapp.bench.host.queue import QUEUE_DIR, HostQueue
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Event, Finished, Sampled
from sshapp.bench.protocol.spec import BenchSpec, Shape
from sshapp.cli import commands
from sshapp.cli.parser import build_parser
from sshapp.fleet.link import NodeError
from sshapp.fleet.remote import RemoteService, run_argv, spec_argv
from tests.fleet.conftest import Fleet, wait_until

pytestmark = pytest.mark.timeout(240)

SMALL = BenchSpec(("ref.reorder.f32",), (Shape(48, 40, 32),), repeats=3)


def test_the_node_says_hello_with_the_identity_it_records(fleet: Fleet) -> None:
    service = RemoteService(fleet.link(0))
    assert service.user == "alice"  # from the node's authorized_keys line, not the client
    hello = service.link.hello
    assert hello is not None
    assert hello["protocol"] == "1.0"


def test_kernels_come_from_the_node_so_masked_isas_show_there(fleet: Fleet) -> None:
    full = {r.id: r for r in RemoteService(fleet.link(0)).kernels()}
    bare = {r.id: r for r in RemoteService(fleet.link(2)).kernels()}
    assert full.keys() == bare.keys()
    avx2 = [kid for kid in bare if kid.startswith("avx2.")]
    assert avx2
    assert not any(bare[kid].supported for kid in avx2)  # SSHAPP_DISABLE_ISA=avx2 there
    assert all("avx2" in bare[kid].reason.lower() for kid in avx2)
    assert bare["ref.naive.f32"].supported


def test_a_spec_is_planned_on_the_node_and_a_bad_one_is_its_one_line(fleet: Fleet) -> None:
    service = RemoteService(fleet.link(1))
    runs = service.expand(BenchSpec(("ref.*",), (Shape(32, 32, 32), Shape(40, 8, 16)), dtype="f32"))
    assert {r.kernel_id for r in runs} >= {"ref.naive.f32", "ref.reorder.f32"}
    assert {str(r.shape) for r in runs} == {"32", "40x8x16"}
    with pytest.raises(SpecError) as caught:
        service.expand(BenchSpec(("nosuch.kernel",), (Shape(8, 8, 8),)))
    assert "nosuch.kernel" in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(SpecError, match=r"AVX-512|avx512"):  # masked on n2
        service.expand(BenchSpec(("avx512.packed_*",), (Shape(64, 64, 64),), dtype="f32"))


def test_argv_of_a_planned_run_asks_for_that_run_again(fleet: Fleet) -> None:
    service = RemoteService(fleet.link(0))
    spec = BenchSpec(("ref.naive.f32",), (Shape(24, 16, 8),), budget_seconds=0.5, repeats=1000)
    (run,) = service.expand(spec)
    assert "--time" in spec_argv(spec)
    again = service.link.call([*run_argv(run)[:-1], "--plan", "--json"])
    assert len(again) == 1
    assert again[0]["kernel"] == "ref.naive.f32"
    assert again[0]["budget_seconds"] == 0.5


async def _collect(service: RemoteService, spec: BenchSpec) -> list[Event]:
    events: list[Event] = []
    for run in service.expand(spec):
        async with contextlib.aclosing(service.run(run)) as stream:
            events += [event async for event in stream]
    return events


def test_a_run_streams_from_the_node_and_lands_in_its_history(fleet: Fleet) -> None:
    service = RemoteService(fleet.link(1))
    events = asyncio.run(_collect(service, SMALL))
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] in {"Queued", "Started"}
    assert kinds.count("Sampled") == 3
    final = events[-1]
    assert isinstance(final, Finished)
    assert final.result.check_ok
    assert final.result.run.kernel_id == "ref.reorder.f32"
    mine = service.history(mine=True, limit=5)
    assert mine
    assert mine[0].user == "alice"
    assert mine[0].result.samples == final.result.samples


def test_closing_the_stream_frees_the_nodes_queue_at_once(fleet: Fleet) -> None:
    service = RemoteService(fleet.link(0))
    queue = HostQueue(fleet.nodes[0].state_dir / QUEUE_DIR)
    # ~1 ms per sample: the node stops at the next one, so what is timed is the protocol.
    spec = BenchSpec(("ref.reorder.f32",), (Shape(128, 128, 128),), budget_seconds=20, repeats=1000)
    (run,) = service.expand(spec)

    async def start_then_close() -> float:
        stream = service.run(run)
        async for event in stream:
            if isinstance(event, Sampled):  # timing (a first run measures peaks before)
                break
        assert queue.holders(), "the run should hold the node's queue"
        began = time.monotonic()
        await stream.aclose()
        return began

    began = asyncio.run(start_then_close())
    closed = time.monotonic() - began
    waited = wait_until(lambda: not queue.holders(), 5.0)
    assert closed < 3.0, f"closing the stream took {closed:.2f} s"
    assert waited < 1.0, f"the node's queue was held {waited:.2f} s after close"


def test_an_unreachable_node_is_one_line_naming_it(fleet: Fleet) -> None:
    from sshapp.fleet.link import NodeAddress, NodeLink

    link = NodeLink(NodeAddress("gone", "127.0.0.9", 1), fleet.auth(connect_timeout=3.0))
    fleet.links.append(link)
    with pytest.raises(NodeError, match=r"^node gone: connection refused$"):
        RemoteService(link).kernels()


def _args(argv: list[str]) -> argparse.Namespace:
    return build_parser(io.StringIO()).parse_args(argv)


def test_the_cli_bench_and_results_run_unchanged_against_a_node(fleet: Fleet) -> None:
    service = RemoteService(fleet.link(2))
    out, err = io.StringIO(), io.StringIO()
    args = _args(["bench", "ref.naive.f32", "--size", "40", "--reps", "2"])
    assert commands.bench(args, service, out, err) == 0, err.getvalue()
    text = out.getvalue()
    assert "ref.naive.f32 40 (f32" in text
    assert "check ok" in text
    out = io.StringIO()
    assert commands.results(_args(["results", "--mine", "--limit", "3"]), service, out) == 0
    assert "ref.naive.f32" in out.getvalue()
    assert "alice" in out.getvalue()
