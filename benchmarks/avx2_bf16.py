"""The AVX2 bf16 kernels beside our best AVX2 f32 kernel and PyTorch's bf16 matmul.

Run (it takes the host-wide bench lock itself and pins every timed thread; do not wrap
it in ``flock``, which would hold the same lock and wait for ever)::

    .venv/bin/python benchmarks/avx2_bf16.py [--core 1] [--quick]

Writes ``benchmarks/results/avx2_bf16.{md,json}``. In one run, round-robin (each round
takes one sample of every contender, so a burst of load elsewhere hits all alike):

- ``ref.naive.bf16`` (up to 512³), ``avx2.packed_6x16.f32`` (our best AVX2 f32),
  ``avx2.widen_pack_6x16.bf16``,
  ``avx2.widen_ukr_6x16.bf16`` and, where the CPU has AVX512_BF16, our
  ``avx512.packed_14x32.bf16`` for scale, all with the analytical model's blocks (a
  fresh state directory: no tune result is read);
- torch's bf16 matmul twice, each in its own worker process pinned to the same core:
  oneDNN as it comes, and oneDNN held to AVX2 (``ONEDNN_MAX_CPU_ISA=AVX2`` in that
  process), which is what an AVX2-only CPU gets; which implementation each one ran is
  taken from a separate ``ONEDNN_VERBOSE=1`` process (none named: torch did not call
  oneDNN and used its own bf16 loops);
- 1 and 2 threads at 2048³ for the three AVX2 kernels;
- and, in a process with ``SSHAPP_DISABLE_ISA=avx512``, which bf16 kernels an AVX2-only
  host would offer and the top of its bf16 ladder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
LOCK = Path("/tmp/sshapp-bench.lock")
SQUARE = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048)]
SKINNY = [(200, 300, 500), (4096, 64, 4096), (64, 4096, 4096), (1, 4096, 4096)]
F32 = "avx2.packed_6x16.f32"
OURS = ["avx2.widen_pack_6x16.bf16", "avx2.widen_ukr_6x16.bf16"]
AVX512 = "avx512.packed_14x32.bf16"
NAIVE = "ref.naive.bf16"  # the ladder's first rung: timed up to NAIVE_MAX³, NAIVE_ROUNDS
NAIVE_MAX, NAIVE_ROUNDS = 512, 3
PEERS = {"torch": {}, "torch_avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2"}}
ROUNDS = 9
SLOW_ROUNDS = 2  # torch held to AVX2 takes a minute per 2048³ call: fewer samples of it
SAMPLE_SECONDS = 0.05


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------- the torch workers


def worker() -> None:
    """(Subprocess) answers "m n k" lines with the seconds of one bf16 matmul sample."""
    import torch

    torch.set_num_threads(1)
    shape, call = None, None
    for line in sys.stdin:
        m, n, k = map(int, line.split())
        if shape != (m, n, k):
            g = torch.Generator().manual_seed(0)
            a = (torch.rand(m, k, generator=g) * 2 - 1).bfloat16()
            b = (torch.rand(k, n, generator=g) * 2 - 1).bfloat16()
            c = torch.empty(m, n, dtype=torch.bfloat16)
            shape, call = (m, n, k), (lambda a=a, b=b, c=c: torch.matmul(a, b, out=c))
            call()  # warm-up
        assert call is not None
        calls, t0 = 0, time.perf_counter()
        while True:
            call()
            calls += 1
            spent = time.perf_counter() - t0
            if spent >= SAMPLE_SECONDS:
                break
        print(spent / calls, flush=True)


class Peer:
    """One torch worker process pinned to `core`, with `env` added to its environment."""

    def __init__(self, core: int, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(core), sys.executable, __file__, "--worker"],
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def sample(self, shape: tuple[int, int, int]) -> float:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(" ".join(map(str, shape)) + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def onednn_paths(env: dict[str, str]) -> dict[str, Any]:
    """oneDNN's verbose lines for one 256³ bf16 matmul under `env` (plus torch's CPU level)."""
    code = (
        "import torch; torch.set_num_threads(1); "
        "a = torch.rand(256, 256).bfloat16(); c = torch.empty(256, 256, dtype=torch.bfloat16); "
        "torch.matmul(a, a, out=c); print('capability', torch.backends.cpu.get_cpu_capability())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env, "ONEDNN_VERBOSE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = proc.stdout.splitlines()
    execs = [ln.split(",")[6] for ln in lines if ",primitive,exec," in ln]
    isa = [ln for ln in lines if ",info,cpu,isa:" in ln]
    return {
        "env": env,
        "capability": next((ln.split()[1] for ln in lines if ln.startswith("capability")), "?"),
        "isa": isa[0].split("isa:")[1] if isa else None,
        "implementations": sorted(set(execs)) or ["none: torch's own bf16 gemm, not oneDNN"],
    }


# ----------------------------------------------------------------------------- ours


def _sample(
    kid: str, shape: tuple[int, int, int], core: int, first: bool, threads: int = 1
) -> float:
    from sshapp import kernels

    t = kernels.time_kernel(
        kid,
        *shape,
        warmup=1 if first else 0,
        repeats=1,
        pin_core=core,
        min_sample_seconds=SAMPLE_SECONDS,
        threads=threads,
    )
    return float(t.samples[0])


def _stats(seconds: list[float], flops: float) -> dict[str, Any]:
    ordered = sorted(seconds)
    return {
        "samples_s": seconds,
        "best_gflops": flops / ordered[0] / 1e9,
        "median_gflops": flops / ordered[len(ordered) // 2] / 1e9,
    }


def measure(core: int, shapes: list[tuple[int, int, int]], peers: dict[str, Peer]) -> list[Any]:
    """Every contender at every shape, round-robin; our kernels ROUNDS samples each."""
    from sshapp import kernels

    ids = [kid for kid in [F32, *OURS, AVX512] if kernels.get(kid).supported]
    rows = []
    for shape in shapes:
        naive = [NAIVE] if math.prod(shape) <= NAIVE_MAX**3 else []
        samples: dict[str, list[float]] = {name: [] for name in [*naive, *ids, *peers]}
        big = math.prod(shape) >= 2048**3
        for round_ in range(ROUNDS):
            for kid in [*naive, *ids]:
                if kid != NAIVE or round_ < NAIVE_ROUNDS:
                    samples[kid].append(_sample(kid, shape, core, first=round_ == 0))
            for name, peer in peers.items():
                if name == "torch_avx2" and round_ >= (1 if big else SLOW_ROUNDS):
                    continue
                samples[name].append(peer.sample(shape))
        flops = 2.0 * math.prod(shape)
        rows.append({"shape": list(shape), **{k: _stats(v, flops) for k, v in samples.items()}})
        _progress(f"{'×'.join(map(str, shape))} done")
    return rows


def scaling(core: int) -> dict[str, Any]:
    """1 and 2 threads at 2048³, round-robin, ROUNDS samples each."""
    shape = (2048, 2048, 2048)
    samples: dict[str, list[float]] = {f"{kid} x{t}": [] for kid in [F32, *OURS] for t in (1, 2)}
    for round_ in range(ROUNDS):
        for name, got in samples.items():
            kid, threads = name.split(" x")
            got.append(_sample(kid, shape, core, round_ == 0, int(threads)))
    flops = 2.0 * math.prod(shape)
    return {name: _stats(s, flops) for name, s in samples.items()}


def avx2_host_view() -> dict[str, Any]:
    """What an AVX2-only host offers for bf16 (this CPU with AVX-512 masked)."""
    code = (
        "import json; from sshapp import kernels; "
        "print(json.dumps({'top': kernels.ladder_top('bf16').id, 'supported': "
        "[k.id for k in kernels.list_kernels() if k.dtype == 'bf16' and k.supported]}))"
    )
    env = {**os.environ, "SSHAPP_DISABLE_ISA": "avx512"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    return dict(json.loads(out.stdout))


# --------------------------------------------------------------------------- report


def _best_avx2(row: dict[str, Any]) -> tuple[str, float]:
    kid = max(OURS, key=lambda k: row[k]["best_gflops"])
    return kid, row[kid]["best_gflops"]


def checks(report: dict[str, Any]) -> list[str]:
    """The issue's AVX2 bf16 targets, each with its figures and a verdict."""
    out = []
    for row in report["rows"]:
        if row["shape"][0] not in (1024, 2048) or len(set(row["shape"])) != 1:
            continue
        n = row["shape"][0]
        kid, best = _best_avx2(row)
        f32 = row[F32]["best_gflops"]
        out.append(
            f"{n}³: best AVX2 bf16 `{kid}` {best:.1f} = {best / f32:.2f}× `{F32}` {f32:.1f} "
            f"(target ≥ 0.90×: {'met' if best / f32 >= 0.9 else 'NOT met'})"
        )
        for peer, label in (("torch_avx2", "oneDNN held to AVX2"), ("torch", "oneDNN as is")):
            if peer in row:
                ratio = best / row[peer]["best_gflops"]
                verdict = f" (target ≥ 50×: {'met' if ratio >= 50 else 'NOT met'})"
                out.append(
                    f"{n}³: {ratio:.1f}× torch bf16 ({label}, {row[peer]['best_gflops']:.2f})"
                    + (verdict if peer == "torch_avx2" else "")
                )
    for kid in [F32, *OURS]:
        one, two = (report["scaling"][f"{kid} x{t}"]["best_gflops"] for t in (1, 2))
        mark = f" (target ≥ 1.8×: {'met' if two / one >= 1.8 else 'NOT met'})" if kid != F32 else ""
        out.append(
            f"2048³ `{kid}`: 2 threads {two:.1f} / 1 thread {one:.1f} = {two / one:.2f}×{mark}"
        )
    return out


def render(report: dict[str, Any]) -> str:
    """The Markdown report."""
    lines = [
        "# AVX2 bf16 kernels beside AVX2 f32 and torch",
        "",
        f"- when: {report['when']} UTC, CPU {report['cpu']}, core {report['core']}, "
        f"load average before {report['loadavg']}, {report['minutes']:.1f} min",
        f"- command: `{report['command']}` (takes the bench lock itself)",
        "- blocks (the model, fresh state directory): "
        + ", ".join(f"`{k}` {v}" for k, v in report["blocks"].items()),
        f"- torch {report['torch']}, {ROUNDS} rounds (torch held to AVX2: {SLOW_ROUNDS}, "
        "1 at 2048³)",
    ]
    for name, path in report["peers"].items():
        lines.append(
            f"- peer `{name}` (env {path['env'] or 'none'}): torch CPU capability "
            f"{path['capability']}, oneDNN ISA {path['isa']}, "
            f"ran {', '.join(path['implementations'])}"
        )
    view = report["avx2_host"]
    lines += [
        f"- with `SSHAPP_DISABLE_ISA=avx512`: bf16 kernels {', '.join(view['supported'])}; "
        f"ladder top `{view['top']}`",
        "",
        "| shape | contender | best GFLOP/s | median | × f32 | × torch | × torch AVX2 |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        shape = "×".join(map(str, row["shape"]))
        f32 = row[F32]["best_gflops"]
        for name in [k for k in row if k != "shape"]:
            r = row[name]
            vs = [
                f"{r['best_gflops'] / row[p]['best_gflops']:.2f}" if p in row else "-"
                for p in ("torch", "torch_avx2")
            ]
            lines.append(
                f"| {shape} | `{name}` | {r['best_gflops']:.1f} | {r['median_gflops']:.1f} | "
                f"{r['best_gflops'] / f32:.2f} | {vs[0]} | {vs[1]} |"
            )
    lines += ["", "## Which AVX2 bf16 step wins where", ""]
    for row in report["rows"]:
        (a, b), shape = (row[k]["best_gflops"] for k in OURS), "×".join(map(str, row["shape"]))
        lines.append(f"- {shape}: widen_ukr / widen_pack = {b / a:.2f} ({b:.1f} / {a:.1f})")
    lines += ["", "## 1 and 2 threads, 2048³", "", "| kernel | threads | best | median |"]
    lines.append("|---|---|---|---|")
    for name, r in report["scaling"].items():
        kid, t = name.split(" x")
        lines.append(f"| `{kid}` | {t} | {r['best_gflops']:.1f} | {r['median_gflops']:.1f} |")
    lines += ["", "## Targets (issue 21, AVX2 bf16)", "", *(f"- {c}" for c in report["checks"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Takes the bench lock, measures, writes the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where avx2_bf16.{md,json} go")
    parser.add_argument("--quick", action="store_true", help="256³ and 200×300×500 only")
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    with LOCK.open("a") as lock:
        _progress(f"waiting for {LOCK}")
        fcntl.flock(lock, fcntl.LOCK_EX)
        report = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "avx2_bf16.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / "avx2_bf16.md").write_text(render(report))
    _progress(f"wrote {args.out / 'avx2_bf16.md'}")
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole measurement (under the lock)."""
    from sshapp import kernels

    started = time.monotonic()
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    os.environ.pop("OPENBLAS_CORETYPE", None)
    import torch

    paths = {name: onednn_paths(env) for name, env in PEERS.items()}
    peers = {name: Peer(args.core, env) for name, env in PEERS.items()}
    shapes = [SQUARE[0], SKINNY[0]] if args.quick else [*SQUARE, *SKINNY]
    try:
        rows = measure(args.core, shapes, peers)
    finally:
        for peer in peers.values():
            peer.close()
    report: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "cpu": kernels.cpu_info().brand,
        "core": args.core,
        "loadavg": loadavg,
        "command": ".venv/bin/python benchmarks/avx2_bf16.py" + (" --quick" if args.quick else ""),
        "torch": torch.__version__,
        "peers": paths,
        "blocks": {kid: str(kernels.blocking_model(kid).blocking) for kid in [F32, *OURS]},
        "avx2_host": avx2_host_view(),
        "rows": rows,
        "scaling": scaling(args.core),
    }
    report["checks"] = checks(report)
    report["minutes"] = (time.monotonic() - started) / 60
    return report


if __name__ == "__main__":
    sys.exit(main())
