"""Provides the CLI verbs about this host's CPU: `cpu` (caches, model, peaks, best) and `tune`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
from typing import TYPE_CHECKING, Any, TextIO

from sshapp.bench.blocking.jobs import (
    BestMeasured,
    TuneCandidate,
    TuneDone,
    TuneEvent,
    TuneStarted,
    Waiting,
)
from sshapp.bench.blocking.search import Candidate
from sshapp.bench.blocking.store import HostBest
from sshapp.bench.protocol.spec import Shape
from sshapp.cli.base import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, error, run_async
from sshapp.cli.output import Printer
from sshapp.cli.remote import named
from sshapp.kernels import (
    UnknownKernelError,
    allowed_cores,
    blocking_model,
    check_size,
    cpu_info,
    get,
    list_kernels,
    select,
)

if TYPE_CHECKING:
    from sshapp.bench.engine import Engine

TUNE_RATE_GFLOPS = 50.0
"""Pessimistic GFLOP/s of a packed kernel, to refuse a size the budget cannot cover."""


def _models() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in list_kernels():
        if k.packed and k.supported:
            r = blocking_model(k.id)
            b = r.blocking
            out[k.id] = {
                "MR": b.MR,
                "NR": b.NR,
                "MC": b.MC,
                "KC": b.KC,
                "NC": b.NC,
                "shares": r.shares,
                "block_bytes": r.block_bytes(),
                "cache_bytes": r.cache_bytes,
                "element_bytes": r.element_bytes,
                "tile": r.tile,
                "explain": r.explain(),
            }
    return out


def _best_lines(best: HostBest | None, prog: str) -> list[str]:
    if best is None:
        return [f"host best: not measured yet ({prog} cpu --remeasure, or {prog} tune)"]
    return [
        f"host best {dtype}: "
        + ", ".join(f"{cls} {kid} ({best.gflops[dtype][cls]:.1f} GF/s)" for cls, kid in by.items())
        for dtype, by in best.choices.items()
    ]


async def _measure(engine: Engine, remeasure: bool) -> int:
    await engine.measure_peaks()
    if remeasure:
        async with contextlib.aclosing(engine.measure_best()) as events:
            async for _ in events:
                pass
    return EXIT_OK


def cpu(args: argparse.Namespace, engine: Engine, out: TextIO) -> int:
    """Run `sshapp cpu`: features, caches, the blocking model, peaks and best kernels."""
    info = cpu_info()
    if args.remeasure:
        engine.forget_peaks()
    if run_async(lambda: _measure(engine, args.remeasure)) == EXIT_INTERRUPTED:
        return EXIT_INTERRUPTED
    measured = engine.host_peaks()
    best = engine.host_best()
    printer = Printer(out, as_json=args.json)
    states = {name: info.state(name) for name in sorted(info.detected)}
    if args.json:
        printer.json(
            {
                "vendor": info.vendor,
                "brand": info.brand,
                "family": info.family,
                "model": info.model,
                "l1d_bytes": info.l1d_bytes,
                "l2_bytes": info.l2_bytes,
                "l3_bytes": info.l3_bytes,
                "caches": info.caches,
                "cache_source": info.cache_source,
                "allowed_cores": list(allowed_cores()),
                "features": states,
                "peak_gflops": measured.fma_gflops if measured else None,
                "team_peak_gflops": measured.team_gflops if measured else None,
                "bandwidth_gbs": measured.bandwidth_gbs if measured else None,
                "blocking_model": _models(),
                "host_best": best.choices if best else None,
                "tuned": {
                    k: dataclasses.asdict(t) for k, t in engine.tune_cache.all_tuned().items()
                },
            }
        )
        return EXIT_OK
    printer.line(f"{info.brand} ({info.vendor}, family {info.family} model {info.model})")
    ways = {name: level.get("ways", 0) for name, level in info.caches.items()}
    printer.line(
        f"caches ({info.cache_source or 'unknown source'}): L1d {info.l1d_bytes >> 10} KiB "
        f"{ways.get('l1d', 0)}-way, L2 {info.l2_bytes >> 10} KiB {ways.get('l2', 0)}-way, "
        f"L3 {info.l3_bytes >> 20} MiB"
    )
    cores = allowed_cores()
    printer.line(f"allowed cores: {len(cores)} ({','.join(map(str, cores))})")
    for state in ("present", "masked", "absent"):
        names = [n for n, s in states.items() if s == state]
        printer.line(f"{state}: {' '.join(names) if names else '-'}")
    for model in _models().values():
        printer.line(f"model {model['explain']}")
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
    for text in _best_lines(best, args.prog):
        printer.line(text)
    return EXIT_OK


def _packed(args: argparse.Namespace) -> list[str]:
    """Return the packed, supported kernels `tune` was asked for (all of them by default)."""
    chosen = select(args.kernels or ["*"], dtype=args.dtype)
    packed = [k for k in chosen if k.packed and k.supported]
    named = [k for k in chosen if k.id in args.kernels]
    for k in named:
        if not k.packed:
            msg = f"{k.id} does not use cache blocks; only packed kernels can be tuned"
            raise ValueError(msg)
        if not k.supported:
            msg = f"kernel {k.id} cannot run here: {k.reason}"
            raise ValueError(msg)
    if not packed:
        msg = "no packed kernel to tune here; 'sshapp kernels' lists them"
        raise ValueError(msg)
    return [k.id for k in packed]


def _event_json(event: TuneEvent) -> dict[str, Any]:
    match event:
        case Waiting(position=pos):
            return {"event": "queued", "position": pos}
        case TuneStarted(kernel_id=kid, size=size, budget_seconds=budget):
            return {"event": "tune_started", "kernel": kid, "size": size, "budget_s": budget}
        case TuneCandidate(candidate=c):
            b = c.blocking
            return {
                "event": "candidate",
                "kernel": c.kernel_id,
                "index": c.index,
                "phase": c.phase,
                "blocking": {"mc": b.MC, "kc": b.KC, "nc": b.NC},
                "gflops": c.gflops,
                "best_gflops": c.best_gflops,
            }
        case TuneDone(tuned=t):
            return {
                "event": "tuned",
                "kernel": t.kernel_id,
                "blocking": {"mc": t.mc, "kc": t.kc, "nc": t.nc},
                "gflops": t.gflops,
                "model_gflops": t.model_gflops,
                "size": t.size,
            }
        case BestMeasured(best=best):
            return {"event": "host_best", "choices": best.choices, "gflops": best.gflops}
    msg = f"unknown event {event!r}"
    raise TypeError(msg)


def _candidate_text(c: Candidate) -> str:
    b = c.blocking
    blocks = f"MC={b.MC:<5} KC={b.KC:<5} NC={b.NC:<6} {c.gflops:8.2f} GFLOP/s"
    if c.phase == "final":  # not a new candidate: the kept one, timed against the model
        return f"      final {blocks} (candidate {c.index}, head to head with the model)"
    return f"  {c.index:>3} {c.phase:<5} {blocks} (best {max(c.best_gflops, c.gflops):.2f})"


def _event_text(event: TuneEvent, prog: str = "sshapp") -> list[str]:
    match event:
        case Waiting(position=pos):
            return [f"waiting, {pos} ahead in the queue"]
        case TuneStarted(kernel_id=kid, size=size, budget_seconds=budget):
            return [f"{kid} at {Shape(size, size, size)}: coordinate descent, {budget:.0f} s"]
        case TuneCandidate(candidate=c):
            return [_candidate_text(c)]
        case TuneDone(tuned=t):
            gain = t.gflops / t.model_gflops if t.model_gflops else 1.0
            verdict = (
                "the model was already as good"
                if gain < 1.005
                else f"{gain:.3f}x the model ({t.model_gflops:.2f} GFLOP/s)"
            )
            return [
                f"  tuned: MC={t.mc} KC={t.kc} NC={t.nc} {t.gflops:.2f} GFLOP/s, {verdict}; "
                "now the default here"
            ]
        case BestMeasured(best=best):
            return _best_lines(best, prog)
    return []


def tune(args: argparse.Namespace, engine: Engine, out: TextIO, err: TextIO) -> int:
    """Run `sshapp tune`: search blocks per packed kernel, store winners, re-measure best."""
    try:
        kernel_ids = _packed(args)
        for kid in kernel_ids:
            check_size(
                args.size, args.size, args.size, get(kid).dtype, engine.settings.max_run_bytes
            )
    except (UnknownKernelError, ValueError) as exc:
        error(err, named(str(exc), args.prog))
        return EXIT_USAGE
    per_candidate = 2 * args.size**3 / (TUNE_RATE_GFLOPS * 1e9) * 5  # warm-up, 3 reps, check
    if per_candidate > args.budget / (4 * len(kernel_ids)):
        error(
            err,
            f"--size {args.size} is too large for a {args.budget:g} s budget over "
            f"{len(kernel_ids)} kernel(s); try --size 1024 or a larger --budget",
        )
        return EXIT_USAGE
    printer = Printer(out, as_json=args.json)

    async def body() -> int:
        async with contextlib.aclosing(engine.tune(kernel_ids, args.size, args.budget)) as events:
            async for event in events:
                if args.json:
                    printer.json(_event_json(event))
                else:
                    for text in _event_text(event, args.prog):
                        printer.line(text)
        return EXIT_OK

    code = run_async(body)
    if code == EXIT_INTERRUPTED:
        with contextlib.suppress(OSError, ValueError):
            error(err, "cancelled")
    return code
