"""Tests of the JSON-lines protocol (sshapp.bench.protocol.wire, docs/protocol.md)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sshapp.bench.protocol import wire
from sshapp.bench.protocol.events import (
    Cancelled,
    Event,
    Failed,
    Finished,
    Queued,
    Sampled,
    Started,
)
from sshapp.bench.protocol.rows import HistoryEntry, KernelRow
from sshapp.bench.protocol.spec import BenchResult, RunBlocking, RunSpec, Shape, Stats

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"

PACKED = RunSpec(
    "avx2.packed_6x16.f32",
    "f32",
    Shape(96, 80, 72),
    repeats=7,
    budget_seconds=1.5,
    warmup=2,
    blocking=RunBlocking(48, 256, 1024, "tuned"),
    blocking_mode="model",
    threads=2,
)
PLAIN = RunSpec("ref.naive.f32", "f32", Shape(33, 33, 33))
RESULT = BenchResult(
    run=PACKED,
    samples=(0.002, 0.0021, 0.0025),
    stats=Stats.of((0.002, 0.0021, 0.0025)),
    best_gflops=55.3,
    median_gflops=52.1,
    peak_fraction=0.61,
    blas_ratio=None,
    check_error=3.2e-7,
    check_ok=True,
    notice="re-run on AVX-512",
)

EVENTS: list[Event] = [
    Queued(PACKED, 3),
    Started(PLAIN),
    Sampled(PACKED, 4, 0.0021, 52.0),
    Finished(RESULT),
    Failed(PLAIN, "over the queue quota", final=True),
    Failed(PACKED, "wrong answer"),
    Cancelled(PLAIN),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_survives_a_round_trip_through_json_text(event: Event) -> None:
    line = json.dumps(wire.encode_event(event), allow_nan=False)
    assert wire.decode_event(json.loads(line)) == event


def test_every_event_kind_is_in_the_round_trip_and_in_the_document() -> None:
    kinds = {wire.encode_event(e)["event"] for e in EVENTS}
    assert kinds == {"queued", "started", "sample", "finished", "failed", "cancelled"}
    text = DOC.read_text()
    for kind in [*kinds, "hello", "planned"]:
        assert f"`{kind}`" in text, kind


def test_a_non_finite_check_error_travels_as_null_and_comes_back_infinite() -> None:
    bad = Finished(BenchResult(**{**_fields(RESULT), "check_error": math.nan, "check_ok": False}))
    obj = wire.encode_event(bad)
    assert obj["check_error"] is None
    back = wire.decode_event(json.loads(json.dumps(obj, allow_nan=False)))
    assert isinstance(back, Finished)
    assert math.isinf(back.result.check_error)
    assert not back.result.check_ok


def _fields(result: BenchResult) -> dict[str, Any]:
    return {f: getattr(result, f) for f in BenchResult.__dataclass_fields__}


def test_kernel_rows_and_history_entries_round_trip() -> None:
    row = KernelRow(
        "avx2.packed_6x16.f32", "avx2", "f32", "packs", "6x16", True, "", host_best=("large",)
    )
    assert wire.decode_row(json.loads(json.dumps(wire.encode_row(row)))) == row
    side = replace(row, id="avx2.skinny.f32", ladder_step=False)
    assert wire.decode_row(json.loads(json.dumps(wire.encode_row(side)))) == side
    entry = HistoryEntry(RESULT, "alice", 1_700_000_000.5, "AMD EPYC")
    obj = wire.encode_entry(entry, node="n1")
    assert obj["node"] == "n1"
    assert wire.decode_entry(json.loads(json.dumps(obj))) == entry


def test_a_newer_minor_version_may_add_fields_the_decoder_ignores() -> None:
    obj = {**wire.encode_event(Started(PLAIN)), "node": "n2", "added_in_1_9": [1, 2]}
    assert wire.decode_event(obj) == Started(PLAIN)


@pytest.mark.parametrize(
    ("obj", "says"),
    [
        ([1, 2], "expected a JSON object, got list"),
        ({"event": "exploded"}, "unknown event 'exploded'"),
        ({"event": 7}, "unknown event 'int'"),
        ({**wire.encode_event(Started(PLAIN)), "m": "33"}, "field 'm' is str, expected int"),
        ({**wire.encode_event(Started(PLAIN)), "threads": True}, "field 'threads' is bool"),
        ({**wire.encode_event(Queued(PLAIN, 1)), "position": None}, "field 'position'"),
        ({**wire.encode_event(Finished(RESULT)), "samples": ["x"]}, "other than numbers"),
        ({**wire.encode_event(Finished(RESULT)), "blocking": {"mc": 1}}, "field 'kc'"),
    ],
)
def test_a_malformed_line_is_one_protocol_error_line(obj: object, says: str) -> None:
    with pytest.raises(wire.ProtocolError, match=re.escape(says)) as caught:
        wire.decode_event(obj)
    assert "\n" not in str(caught.value)


def test_hello_of_the_same_major_version_is_accepted_whatever_its_minor() -> None:
    hello = wire.hello("0.1.0", ("bench", "kernels"))
    assert hello["protocol"] == wire.version_text()
    assert wire.check_hello(json.loads(json.dumps(hello)), "node n1") == wire.PROTOCOL
    newer = {**hello, "protocol": f"{wire.PROTOCOL[0]}.{wire.PROTOCOL[1] + 5}"}
    assert wire.check_hello(newer, "node n1") == (wire.PROTOCOL[0], wire.PROTOCOL[1] + 5)


@pytest.mark.parametrize("major", [wire.PROTOCOL[0] - 1, wire.PROTOCOL[0] + 1])
def test_another_major_version_is_refused_in_one_line_naming_both(major: int) -> None:
    other = {**wire.hello("9.9", ()), "protocol": f"{major}.3"}
    with pytest.raises(wire.ProtocolError) as caught:
        wire.check_hello(other, "node n3")
    text = str(caught.value)
    assert text == (
        f"node n3 speaks protocol {major}.3, this side {wire.version_text()}: "
        "incompatible major versions"
    )


@pytest.mark.parametrize("obj", [{"event": "started"}, "sshapp 0.1.0", {"event": "hello"}])
def test_something_that_is_no_hello_is_refused(obj: object) -> None:
    with pytest.raises(wire.ProtocolError, match="node n1"):
        wire.check_hello(obj, "node n1")
