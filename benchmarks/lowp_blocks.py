"""The dot-product kernels under chosen cache blocks, beside torch, in one run.

Run: ``flock /tmp/sshapp-bench.lock .venv/bin/python benchmarks/lowp_blocks.py
--shapes 1024,2048 --blocks avx512.packed_14x32.bf16=672,384,10912 ...`` (pins itself
to one core, one thread unless --threads). A focused experiment tool for issue 21: every
variant (a kernel with one set of blocks, "model" for the model's) and the torch peer
of its dtype take one sample per round, round-robin, so the ratios printed compare the
same moments of a shared host. Prints best / median GFLOP/s (GOP/s for int8) and
best × peer; writes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from lowp import SAMPLE_SECONDS, Peer, _torch

DEFAULT = ("avx512.packed_14x32.bf16=model", "avx512.packed_14x32.int8=model")


def _variant(text: str) -> tuple[str, Any]:
    from sshapp import kernels

    kid, _, blocks = text.partition("=")
    if blocks in ("", "model"):
        return kid, None
    mc, kc, nc = (int(x) for x in blocks.split(","))
    return kid, kernels.resolve_blocking(kid, mc=mc, kc=kc, nc=nc)


def _median(base: list[float], got: list[float]) -> float:
    """Median over rounds of base[r] / got[r] (> 1: `got` is faster)."""
    ratios = sorted(b / g for b, g in zip(base, got, strict=True))
    return ratios[len(ratios) // 2]


def main(argv: list[str] | None = None) -> int:
    """Times the variants and the peers round-robin; prints one line per variant."""
    from sshapp import kernels

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)))
    p.add_argument("--shapes", default="1024,2048", help="sides of square shapes, or MxNxK")
    p.add_argument("--blocks", nargs="*", default=list(DEFAULT), help="kernel=MC,KC,NC|model")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-peer", action="store_true")
    args = p.parse_args(argv)
    os.sched_setaffinity(0, {args.core} if args.threads == 1 else os.sched_getaffinity(0))
    torch = None if args.no_peer else _torch()
    if torch is not None:
        torch.set_num_threads(args.threads)
    variants = [_variant(v) for v in args.blocks]
    for text in args.shapes.split(","):
        dims = [int(x) for x in text.split("x")]
        shape = (dims[0],) * 3 if len(dims) == 1 else (dims[0], dims[1], dims[2])
        dtypes = sorted({kernels.get(kid).dtype for kid, _ in variants})
        peers = {d: Peer(torch, d, shape) for d in dtypes} if torch is not None else {}
        samples: list[list[float]] = [[] for _ in variants]
        for r in range(args.rounds):
            for (kid, blk), got in zip(variants, samples, strict=True):
                t = kernels.time_kernel(
                    kid,
                    *shape,
                    warmup=1 if r == 0 else 0,
                    repeats=1,
                    pin_core=args.core,
                    min_sample_seconds=SAMPLE_SECONDS,
                    blocking=blk,
                    threads=args.threads,
                )
                got.append(t.samples[0])
            for peer in peers.values():
                peer.sample()
        flops = 2.0 * shape[0] * shape[1] * shape[2]
        name = "×".join(map(str, shape))
        best_peer = {d: flops / min(pe.samples) / 1e9 for d, pe in peers.items()}
        for d, g in best_peer.items():
            print(f"{name} peer {d}: best {g:.1f}")
        first = samples[0]
        for (kid, blk), got in zip(variants, samples, strict=True):
            best, med = flops / min(got) / 1e9, flops / sorted(got)[len(got) // 2] / 1e9
            peer = peers.get(kernels.get(kid).dtype)
            vs_peer = f"×peer best {best / best_peer[kernels.get(kid).dtype]:.3f} " if peer else ""
            # Same-round ratios: a burst of load elsewhere slows both sides of a pair alike.
            paired = f"paired ×peer {_median(peer.samples, got):.3f} " if peer else ""
            print(
                f"{name} {kid} {blk or 'model'}: best {best:.1f} median {med:.1f} {vs_peer}"
                f"{paired}paired ×first {_median(first, got):.3f}"
            )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
