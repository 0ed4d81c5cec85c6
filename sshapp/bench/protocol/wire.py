"""Provides the JSON-lines protocol of the headless verbs: encode and decode (docs/protocol.md).

Every `--json` line a node writes is one object made here, and every line a remote front
end reads is decoded here, so both directions are one table. A decoder checks the kind
and type of each field it needs and ignores fields it does not know (a newer minor
version may add some); anything else is a ProtocolError of one line.
"""

from __future__ import annotations

import math
from typing import Any

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

PROTOCOL = (1, 0)
"""(major, minor) of this protocol: a minor adds fields or verbs, a major changes meaning."""
MAX_LINE_BYTES = 1 << 20
"""Longest line a reader accepts (a `finished` line of 1000 samples is ~25 KiB)."""


class ProtocolError(ValueError):
    """A line that is not this protocol (one readable line)."""


def version_text(version: tuple[int, int] = PROTOCOL) -> str:
    """Return "major.minor"."""
    return f"{version[0]}.{version[1]}"


def hello(sshapp_version: str, verbs: tuple[str, ...], user: str = "") -> dict[str, Any]:
    """Return the object `version --json` writes: who speaks which protocol, and the
    identity this connection's runs are recorded under."""
    return {
        "event": "hello",
        "protocol": version_text(),
        "sshapp": sshapp_version,
        "verbs": list(verbs),
        "user": user,
    }


def check_hello(obj: object, peer: str) -> tuple[int, int]:
    """Return the peer's protocol version if this side can talk to it.

    Raises:
        ProtocolError: Not a hello, or another major version (says both versions).
    """
    if not isinstance(obj, dict) or obj.get("event") != "hello":
        msg = f"{peer} did not say hello (not an sshapp node, or older than protocol 1.0)"
        raise ProtocolError(msg)
    text = obj.get("protocol")
    if not isinstance(text, str):
        msg = f"{peer} sent a hello without a protocol version"
        raise ProtocolError(msg)
    try:
        major, minor = (int(part) for part in text.split(".", 1))
    except ValueError:
        msg = f"{peer} speaks protocol {text[:20]!r}, not major.minor"
        raise ProtocolError(msg) from None
    if major != PROTOCOL[0]:
        msg = (
            f"{peer} speaks protocol {major}.{minor}, this side {version_text()}: "
            "incompatible major versions"
        )
        raise ProtocolError(msg)
    return major, minor


def _field(obj: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(key)
    ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in _kinds(kind))
    if not ok:
        msg = f"field {key!r} is {type(value).__name__}, expected {_names(kind)}"
        raise ProtocolError(msg)
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple[type, ...]) -> str:
    return " or ".join("null" if k is type(None) else k.__name__ for k in _kinds(kind))


def _num(obj: dict[str, Any], key: str) -> float:
    return float(_field(obj, key, (int, float)))


def _opt_num(obj: dict[str, Any], key: str) -> float | None:
    value = _field(obj, key, (int, float, type(None)))
    return None if value is None else float(value)


def encode_run(run: RunSpec) -> dict[str, Any]:
    """Return a run's identity as JSON fields (blocking: null for unblocked kernels)."""
    s, b = run.shape, run.blocking
    blocking = None if b is None else {"mc": b.mc, "kc": b.kc, "nc": b.nc, "source": b.source}
    return {
        "kernel": run.kernel_id,
        "dtype": run.dtype,
        "m": s.m,
        "n": s.n,
        "k": s.k,
        "blocking": blocking,
        "threads": run.threads,
        "repeats": run.repeats,
        "budget_seconds": run.budget_seconds,
        "warmup": run.warmup,
        "blocking_mode": run.blocking_mode,
    }


def decode_run(obj: dict[str, Any]) -> RunSpec:
    """Return the RunSpec of a line's run fields.

    Raises:
        ProtocolError: A field is missing or of the wrong type.
    """
    raw = _field(obj, "blocking", (dict, type(None)))
    blocking = None
    if raw is not None:
        blocking = RunBlocking(
            _field(raw, "mc", int),
            _field(raw, "kc", int),
            _field(raw, "nc", int),
            _field(raw, "source", str),
        )
    return RunSpec(
        kernel_id=_field(obj, "kernel", str),
        dtype=_field(obj, "dtype", str),
        shape=Shape(_field(obj, "m", int), _field(obj, "n", int), _field(obj, "k", int)),
        repeats=_field(obj, "repeats", int) if "repeats" in obj else 5,
        budget_seconds=_opt_num(obj, "budget_seconds") if "budget_seconds" in obj else None,
        warmup=_field(obj, "warmup", int) if "warmup" in obj else 1,
        blocking=blocking,
        blocking_mode=_field(obj, "blocking_mode", str) if "blocking_mode" in obj else "auto",
        threads=_field(obj, "threads", int),
    )


def encode_result(result: BenchResult) -> dict[str, Any]:
    """Return a result's run and statistics as JSON fields (non-finite error: null)."""
    st = result.stats
    return {
        **encode_run(result.run),
        "samples": list(result.samples),
        "best_seconds": st.best_seconds,
        "median_seconds": st.median_seconds,
        "spread": st.spread,
        "best_gflops": result.best_gflops,
        "median_gflops": result.median_gflops,
        "peak_fraction": result.peak_fraction,
        "blas_ratio": result.blas_ratio,
        "check_error": result.check_error if math.isfinite(result.check_error) else None,
        "check_ok": result.check_ok,
        "notice": result.notice or None,
    }


def decode_result(obj: dict[str, Any]) -> BenchResult:
    """Return the BenchResult of a `finished` (or history) line; null error is +inf.

    Raises:
        ProtocolError: A field is missing or of the wrong type.
    """
    samples = _field(obj, "samples", list)
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in samples):
        msg = "field 'samples' holds something other than numbers"
        raise ProtocolError(msg)
    error = _opt_num(obj, "check_error")
    return BenchResult(
        run=decode_run(obj),
        samples=tuple(float(x) for x in samples),
        stats=Stats(_num(obj, "best_seconds"), _num(obj, "median_seconds"), _num(obj, "spread")),
        best_gflops=_num(obj, "best_gflops"),
        median_gflops=_num(obj, "median_gflops"),
        peak_fraction=_opt_num(obj, "peak_fraction"),
        blas_ratio=_opt_num(obj, "blas_ratio"),
        check_error=math.inf if error is None else error,
        check_ok=_field(obj, "check_ok", bool),
        notice=_field(obj, "notice", (str, type(None))) or "",
    )


def encode_event(event: Event) -> dict[str, Any]:
    """Return one run event as a JSON object (the `event` field names its kind)."""
    match event:
        case Queued(run=run, position=pos):
            return {"event": "queued", **encode_run(run), "position": pos}
        case Started(run=run):
            return {"event": "started", **encode_run(run)}
        case Sampled(run=run, index=i, seconds=sec, gflops=g):
            return {"event": "sample", **encode_run(run), "index": i, "seconds": sec, "gflops": g}
        case Finished(result=result):
            return {"event": "finished", **encode_result(result)}
        case Failed(run=run, error=error, final=final):
            return {"event": "failed", **encode_run(run), "error": error, "final": final}
        case Cancelled(run=run):
            return {"event": "cancelled", **encode_run(run)}
    msg = f"unknown event {event!r}"
    raise TypeError(msg)


def decode_event(obj: object) -> Event:
    """Return the run event of one decoded JSON line.

    Raises:
        ProtocolError: Not an object, an unknown kind, or a bad field.
    """
    if not isinstance(obj, dict):
        msg = f"expected a JSON object, got {type(obj).__name__}"
        raise ProtocolError(msg)
    kind = obj.get("event")
    match kind:
        case "queued":
            return Queued(decode_run(obj), _field(obj, "position", int))
        case "started":
            return Started(decode_run(obj))
        case "sample":
            run = decode_run(obj)
            return Sampled(
                run, _field(obj, "index", int), _num(obj, "seconds"), _num(obj, "gflops")
            )
        case "finished":
            return Finished(decode_result(obj))
        case "failed":
            final = obj.get("final", False)
            return Failed(decode_run(obj), _field(obj, "error", str), final is True)
        case "cancelled":
            return Cancelled(decode_run(obj))
    shown = kind if isinstance(kind, str) else type(kind).__name__
    msg = f"unknown event {shown[:40]!r}"
    raise ProtocolError(msg)


def encode_row(row: KernelRow) -> dict[str, Any]:
    """Return one `kernels --json` line."""
    return {f: getattr(row, f) for f in KernelRow.__dataclass_fields__} | {
        "host_best": list(row.host_best)
    }


def decode_row(obj: object) -> KernelRow:
    """Return the KernelRow of one `kernels --json` line.

    Raises:
        ProtocolError: Not a kernel row.
    """
    if not isinstance(obj, dict):
        msg = f"expected a JSON object, got {type(obj).__name__}"
        raise ProtocolError(msg)
    best = obj.get("host_best", [])
    step = obj.get("ladder_step", True)
    return KernelRow(
        id=_field(obj, "id", str),
        isa=_field(obj, "isa", str),
        dtype=_field(obj, "dtype", str),
        summary=_field(obj, "summary", str),
        blocking=_field(obj, "blocking", str),
        supported=_field(obj, "supported", bool),
        reason=_field(obj, "reason", str),
        ladder_step=step if isinstance(step, bool) else True,
        host_best=tuple(str(x) for x in best) if isinstance(best, list) else (),
    )


def encode_entry(entry: HistoryEntry, node: str | None = None) -> dict[str, Any]:
    """Return one `results --json` line (with the node that ran it, when known)."""
    obj = {"user": entry.user, "finished_at": entry.finished_at, "cpu": entry.cpu}
    if node is not None:
        obj["node"] = node
    return {**obj, **encode_result(entry.result)}


def decode_entry(obj: object) -> HistoryEntry:
    """Return the HistoryEntry of one `results --json` line.

    Raises:
        ProtocolError: Not a history line.
    """
    if not isinstance(obj, dict):
        msg = f"expected a JSON object, got {type(obj).__name__}"
        raise ProtocolError(msg)
    return HistoryEntry(
        result=decode_result(obj),
        user=_field(obj, "user", str),
        finished_at=_num(obj, "finished_at"),
        cpu=_field(obj, "cpu", str),
    )
