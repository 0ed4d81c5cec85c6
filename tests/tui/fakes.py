"""A deterministic BenchService for TUI tests: fixed kernels, fixed GFLOP/s, small delays."""

from __future__ import annotations

import asyncio
import fnmatch
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from sshapp.bench.blocking.jobs import Waiting
from sshapp.bench.blocking.live import (
    AutotuneEnded,
    BlasMeasured,
    LiveControl,
    LiveEvent,
    LiveSample,
)
from sshapp.bench.blocking.store import NOT_OPERATOR, Tuned
from sshapp.bench.lesson.model import Lesson, answer, build
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Cancelled, Event, Finished, Queued, Sampled, Started
from sshapp.bench.protocol.rows import HistoryEntry, KernelRow
from sshapp.bench.protocol.spec import BenchResult, BenchSpec, RunSpec, Shape, Stats
from sshapp.kernels import (
    Blocking,
    BlockingError,
    CpuInfo,
    ModelReport,
    UnknownKernelError,
    blocking_model,
    resolve_blocking,
)

KERNELS = [
    ("avx512.packed_16x14.f32", "f32", "packed 5-loop, AVX-512", "16x14 MC=... ", False),
    (
        "avx2.packed_6x16.f32",
        "f32",
        "packed, cache-blocked 5-loop (Goto)",
        "6x16 MC=72 KC=256 NC=4080",
        True,
    ),
    ("avx2.ukr_6x16.f32", "f32", "register-blocked 6x16 micro-kernel", "6x16", True),
    ("avx2.simd.f32", "f32", "vectorised inner loop, no blocking", "-", True),
    ("ref.reorder.f32", "f32", "ikj loop order: unit-stride inner loop", "-", True),
    ("ref.naive.f32", "f32", "the textbook ijk triple loop", "-", True),
    ("blas.numpy.f32", "f32", "host BLAS via numpy matmul, one thread", "-", True),
    (
        "avx2.packed_4x8.f64",
        "f64",
        "packed, cache-blocked 5-loop (Goto)",
        "4x8 MC=96 KC=256 NC=4080",
        True,
    ),
    ("ref.naive.f64", "f64", "the textbook ijk triple loop", "-", True),
    ("blas.numpy.f64", "f64", "host BLAS via numpy matmul, one thread", "-", True),
]
"""(id, dtype, summary, blocking, supported)."""
LOWP_KERNELS = [
    ("amx.tiles.bf16", "bf16", "AMX tiles, TDPBF16PS", "16x32", False),
    ("avx512.dot_14x32.bf16", "bf16", "packed GEMM on VDPBF16PS", "14x32", True),
    ("ref.naive.bf16", "bf16", "i-j-k triple loop in f32 on bf16 inputs", "-", True),
    ("amx.tiles.int8", "int8", "AMX tiles, TDPBSSD", "16x16", False),
    ("avx512.vnni_14x32.int8", "int8", "packed GEMM on VPDPBUSD", "14x32", True),
    ("ref.naive.int8", "int8", "i-j-k triple loop, int32 wrapping sum", "-", True),
]
"""Low-precision rows a Zen 4-like host would list (AMX unsupported)."""
SIDE_KERNELS = [
    (
        "avx2.skinny.f32",
        "f32",
        "skinny path (m=1, n=1, small k): streams the matrix once",
        "-",
        True,
    ),
]
"""A side path: a row of the table, not a step of the ladder (its row sits after simd)."""
RATES = {
    "avx2.packed_6x16.f32": 52.0,
    "avx2.ukr_6x16.f32": 31.0,
    "avx2.simd.f32": 9.5,
    "ref.reorder.f32": 4.1,
    "ref.naive.f32": 0.9,
    "blas.numpy.f32": 58.0,
    "avx2.packed_4x8.f64": 26.0,
    "ref.naive.f64": 0.8,
    "blas.numpy.f64": 29.0,
    "avx512.dot_14x32.bf16": 210.0,
    "ref.naive.bf16": 1.1,
    "avx512.vnni_14x32.int8": 420.0,
    "ref.naive.int8": 1.4,
}
"""Fixed best GFLOP/s per kernel."""
TEAM_EFFICIENCY = {2: 0.93, 4: 0.85}
"""Fake GFLOP/s per thread on N threads over one thread's."""


def team_rate(kernel_id: str, threads: int) -> float:
    """The fake rate of a kernel on `threads` threads."""
    return RATES.get(kernel_id, 1.0) * threads * TEAM_EFFICIENCY.get(threads, 1.0)


WIGGLE = (0.81, 0.97, 1.0, 0.95, 0.98, 0.93, 0.99, 0.96, 0.94, 0.97, 0.92, 0.98)
"""Per-repetition factors, so the chart has some texture but never changes."""
PEAKS = {("avx2", "f32"): 64.0, ("avx2", "f64"): 32.0, ("blas", "f32"): 64.0, ("blas", "f64"): 32.0}
"""Fake measured FMA peaks."""
LOWP_PEAKS = {**PEAKS, ("avx512", "bf16"): 235.0, ("avx512", "int8"): 470.0}
"""The same with the AVX-512 BF16 and VNNI probes measured (a Zen 4-like host)."""

FAKE_CPU = CpuInfo(
    vendor="AuthenticAMD",
    brand="AMD EPYC 7B13 (fake)",
    l1d_bytes=32 << 10,
    l2_bytes=512 << 10,
    l3_bytes=32 << 20,
    family=25,
    model=1,
    caches={
        "l1d": {"bytes": 32 << 10, "ways": 8, "line": 64},
        "l2": {"bytes": 512 << 10, "ways": 8, "line": 64},
        "l3": {"bytes": 32 << 20, "ways": 16, "line": 64},
    },
    cache_source="cpuid 0x8000001d",
    features={
        "sse4_2": True,
        "avx": True,
        "avx2": True,
        "fma": True,
        "avx512f": False,
        "amx_tile": False,
    },
    detected={
        "sse4_2": True,
        "avx": True,
        "avx2": True,
        "fma": True,
        "avx512f": False,
        "amx_tile": False,
    },
    amx_note="",
    unknown_disable_names=(),
    allowed_cores=(0, 1, 2, 3),
)
"""A fixed CPU description for deterministic screens."""


def fake_peak(
    peaks: dict[tuple[str, str], float], isa: str, dtype: str, threads: int
) -> float | None:
    """The engine's rule on fake peaks: the ISA's own probe, else (ref) the best of the
    dtype; N threads are held against N cores' peak (the fake's: N times one core's)."""
    own = peaks.get((isa, dtype))
    best = max((v for (_, d), v in peaks.items() if d == dtype), default=None)
    one = own if own is not None else best if isa == "ref" else None
    return one * threads if one else None


def result_of(run: RunSpec, gflops: list[float]) -> BenchResult:
    """Build the result a run with these GFLOP/s samples would have."""
    seconds = tuple(run.shape.flops / g / 1e9 for g in gflops)
    stats = Stats.of(seconds)
    best = run.shape.flops / stats.best_seconds / 1e9
    isa = run.kernel_id.split(".", 1)[0]
    peak = fake_peak(LOWP_PEAKS, isa, run.dtype, run.threads)
    blas = RATES.get(f"blas.numpy.{run.dtype}")
    return BenchResult(
        run=run,
        samples=seconds,
        stats=stats,
        best_gflops=best,
        median_gflops=run.shape.flops / stats.median_seconds / 1e9,
        peak_fraction=best / peak if peak else None,
        blas_ratio=best / blas if blas else None,
        check_error=1e-7,
        check_ok=True,
    )


LESSON_PEAKS = {"avx2.f32": 64.0, "avx2.f64": 32.0}
"""Peaks a lesson sees on the fake host (the PEAKS above, keyed as the probes are)."""
LESSON_BANDWIDTHS = {"L1": 200.0, "L2": 100.0, "L3": 50.0, "memory": 12.5}
"""Read bandwidths per level on the fake host, GB/s."""
LESSON_BLOCKS = (72, 256, 4080)
"""MC, KC, NC of a packed kernel's lesson (fixed: the model's depend on the CPU)."""


class FakeService:
    """Implements BenchService with fixed data; runs sleep `delay` between samples."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        queue_ahead: int = 0,
        queue_delay: float = 0.3,
        history: list[HistoryEntry] | None = None,
        measured: bool = True,
        lowp: bool = False,
        side_paths: bool = False,
        operators: tuple[str, ...] = (),
    ) -> None:
        """Create the fake.

        Args:
            delay: Seconds between samples (asyncio.sleep: never blocks the loop).
            queue_ahead: Queue positions reported before the run starts (0 = none).
            queue_delay: Seconds each queue position lasts.
            history: Stored runs to report.
            measured: Whether peaks and bandwidth are known.
            lowp: Also list the bf16 / int8 kernels and their peaks.
            side_paths: Also list avx2.skinny.f32 (after avx2.simd.f32, as the table does).
            operators: Users who may store hand-picked blocks as host defaults.
        """
        self.operators = operators
        rows = list(KERNELS)
        if side_paths:
            at = next(i for i, row in enumerate(rows) if row[0] == "avx2.simd.f32") + 1
            rows[at:at] = SIDE_KERNELS
        self.rows = rows + (LOWP_KERNELS if lowp else [])
        self.peaks = LOWP_PEAKS if lowp else PEAKS
        self.delay = delay
        self.queue_ahead = queue_ahead
        self.queue_delay = queue_delay
        self.stored = history or []
        self.measured = measured
        self.started: list[RunSpec] = []
        self.cancelled: list[RunSpec] = []
        self.cancel_requested = asyncio.Event()
        """Set by cancel(): every run ends with Cancelled after its current sample."""
        self.stop_delay = 0.0
        """Seconds a cancelled run still takes (the repetition it is in), as the engine's
        worker finishing its sample."""
        self.live_delay = 0.02
        """Seconds between live tuning samples."""
        self.saved: dict[str, Tuned] = {}
        """Blocks stored with save_tuned, by kernel id."""
        self.save_calls: list[tuple[Tuned, bool]] = []
        """Every save_tuned call: (verdict, searched)."""
        self.live_per_change: int | None = None
        """Samples per change of blocks, then the fake waits for the next (None: no limit);
        makes the trace deterministic for snapshots."""
        self.live_runs: list[str] = []
        """Kernels a live job started for."""
        self.live_closed: list[str] = []
        """Kernels whose live job was closed or cancelled."""
        self.explained: list[tuple[str, int, bool]] = []
        """(kernel, size, measured) of every lesson asked for."""

    @property
    def user(self) -> str:
        return "tester"

    def kernels(self) -> Sequence[KernelRow]:
        return [
            KernelRow(
                id=kid,
                isa=kid.split(".", 1)[0],
                dtype=dtype,
                summary=summary,
                blocking=self._blocking(kid, blocking),
                supported=ok,
                ladder_step=".skinny." not in kid and not kid.startswith("blas."),
                reason=""
                if ok
                else f"CPU has no {'amx_tile' if kid.startswith('amx') else 'avx512f'}",
            )
            for kid, dtype, summary, blocking, ok in self.rows
        ]

    async def explain(self, kernel_id: str, size: int, *, measure: bool = False) -> Lesson:
        """The real lesson of a real kernel on the fake host's caches and numbers."""
        self.explained.append((kernel_id, size, measure))
        try:
            lesson = build(
                kernel_id,
                size,
                caches={"L1": FAKE_CPU.l1d_bytes, "L2": FAKE_CPU.l2_bytes, "L3": FAKE_CPU.l3_bytes},
                peaks=LESSON_PEAKS if self.measured else {},
                bandwidths=LESSON_BANDWIDTHS if self.measured else {},
                blocking=LESSON_BLOCKS,
            )
        except UnknownKernelError as exc:
            raise SpecError(str(exc)) from None
        if not measure:
            return lesson
        await asyncio.sleep(self.delay)
        before = RATES.get(lesson.previous, 0.0) if lesson.previous else 0.0
        return answer(lesson, RATES.get(kernel_id, 10.0), before or None)

    def _blocking(self, kernel_id: str, text: str) -> str:
        """The row's blocking text; saved blocks replace it as the catalog does."""
        t = self.saved.get(kernel_id)
        return f"{text.split(maxsplit=1)[0]} MC={t.mc} KC={t.kc} NC={t.nc} (tuned)" if t else text

    @property
    def may_set_defaults(self) -> bool:
        return self.user in self.operators

    def expand(self, spec: BenchSpec) -> list[RunSpec]:
        rows = {r.id: r for r in self.kernels()}
        chosen: list[KernelRow] = []
        for pattern in spec.kernels:
            matches = [r for r in rows.values() if fnmatch.fnmatchcase(r.id, pattern)]
            if not matches:
                msg = f"unknown kernel {pattern!r}; 'sshapp kernels' lists them"
                raise SpecError(msg)
            chosen.extend(m for m in matches if m not in chosen)
        if spec.dtype:
            chosen = [r for r in chosen if r.dtype == spec.dtype]
            if not chosen:
                msg = f"no chosen kernel has dtype {spec.dtype}"
                raise SpecError(msg)
        for row in chosen:
            if not row.supported:
                msg = f"kernel {row.id} cannot run here: {row.reason}"
                raise SpecError(msg)
        for shape in spec.shapes:
            if shape.m * shape.n + shape.n * shape.k + shape.m * shape.k > 64 << 20:
                msg = f"{shape} needs more memory than the 1,024 MiB limit"
                raise SpecError(msg)
        return [
            RunSpec(
                row.id, row.dtype, shape, spec.repeats, spec.budget_seconds, spec.warmup, threads=n
            )
            for shape in spec.shapes
            for row in chosen
            for n in spec.threads
        ]

    async def run(self, run: RunSpec) -> AsyncIterator[Event]:
        self.started.append(run)
        cancel = self.cancel_requested  # the one in force when this run was asked for
        try:
            for ahead in range(self.queue_ahead, 0, -1):
                yield Queued(run, ahead)
                await asyncio.sleep(self.queue_delay)
                if cancel.is_set():
                    self.cancelled.append(run)
                    yield Cancelled(run)
                    return
            yield Started(run)
            rate = team_rate(run.kernel_id, run.threads)
            gflops: list[float] = []
            for index in range(run.repeats):
                await asyncio.sleep(self.delay)
                if cancel.is_set():
                    await asyncio.sleep(self.stop_delay)
                    self.cancelled.append(run)
                    yield Cancelled(run)
                    return
                value = rate * WIGGLE[index % len(WIGGLE)]
                gflops.append(value)
                yield Sampled(run, index, run.shape.flops / value / 1e9, value)
            result = result_of(run, gflops)
            yield Finished(result if self.measured else replace(result, peak_fraction=None))
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled.append(run)
            raise

    def cancel(self) -> None:
        self.cancel_requested.set()
        self.cancel_requested = asyncio.Event()  # runs started later are not affected

    def history(
        self,
        *,
        mine: bool = True,  # noqa: ARG002
        best: bool = False,  # noqa: ARG002
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[HistoryEntry]:
        return self.stored[offset : offset + limit]

    def peak_gflops(self, isa: str, dtype: str, threads: int = 1) -> float | None:
        return fake_peak(self.peaks, isa, dtype, threads) if self.measured else None

    def bandwidth_gbs(self) -> float | None:
        return 12.5 if self.measured else None

    def blocking_model(self, kernel_id: str) -> ModelReport:
        try:
            return blocking_model(
                kernel_id, l1=FAKE_CPU.l1d_bytes, l2=FAKE_CPU.l2_bytes, l3=FAKE_CPU.l3_bytes
            )
        except UnknownKernelError as exc:
            raise SpecError(str(exc)) from None

    def check_blocking(self, kernel_id: str, mc: int, kc: int, nc: int) -> Blocking:
        try:
            return resolve_blocking(kernel_id, mc=mc, kc=kc, nc=nc)
        except (BlockingError, UnknownKernelError) as exc:
            raise SpecError(str(exc)) from None

    def tuned(self, kernel_id: str) -> Tuned | None:
        return self.saved.get(kernel_id)

    def save_tuned(self, tuned: Tuned, *, searched: bool = False) -> None:
        self.save_calls.append((tuned, searched))
        if not searched and not self.may_set_defaults:
            raise PermissionError(NOT_OPERATOR)
        model = self.blocking_model(tuned.kernel_id).blocking
        if (tuned.mc, tuned.kc, tuned.nc) == (model.MC, model.KC, model.NC):
            self.saved.pop(tuned.kernel_id, None)
            return
        self.saved[tuned.kernel_id] = tuned

    async def live(
        self,
        kernel_id: str,
        size: int,  # noqa: ARG002 - the fake's rate does not depend on it
        control: LiveControl,
    ) -> AsyncIterator[Waiting | LiveEvent]:
        self.live_runs.append(kernel_id)
        try:
            for ahead in range(self.queue_ahead, 0, -1):
                yield Waiting(ahead)
                await asyncio.sleep(self.queue_delay)
            yield BlasMeasured(RATES["blas.numpy.f32"])
            index = 0
            counts: dict[int, int] = {}
            while True:
                if control.take_autotune() is not None:
                    async for sample in self._autotune(kernel_id, control):
                        yield sample
                await asyncio.sleep(self.live_delay)
                b, change, label = control.current()
                counts[change] = counts.get(change, 0) + 1
                if self.live_per_change is not None and counts[change] > self.live_per_change:
                    continue
                index += 1
                yield LiveSample(b, fake_rate(b) * WIGGLE[index % len(WIGGLE)], change, label)
        except (asyncio.CancelledError, GeneratorExit):
            self.live_closed.append(kernel_id)
            raise

    async def _autotune(self, kernel_id: str, control: LiveControl) -> AsyncIterator[LiveEvent]:
        """A short deterministic search: KC, MC, NC halved and doubled once each."""
        best, _, _ = control.current()
        start = best
        for phase in ("KC", "MC", "NC"):
            for factor in (0.5, 2.0):
                await asyncio.sleep(self.live_delay * 3)
                if control.autotune_cancelled():
                    yield AutotuneEnded(None)
                    return
                value = max(1, int(getattr(best, phase) * factor))
                blocks = {"mc": best.MC, "kc": best.KC, "nc": best.NC, phase.lower(): value}
                try:
                    cand = resolve_blocking(kernel_id, **blocks)
                except BlockingError:
                    continue
                label = f"tune {phase} {getattr(cand, phase)}"
                yield LiveSample(cand, fake_rate(cand), control.next_change(), label)
                if fake_rate(cand) > fake_rate(best):
                    best = cand
        control.set(best, "winner")
        yield AutotuneEnded(
            Tuned(kernel_id, best.MC, best.KC, best.NC, fake_rate(best), fake_rate(start), 1024)
        )


def fake_rate(b: Blocking) -> float:
    """GFLOP/s of the fake packed kernel: drops once a block overflows its (fake) cache."""
    rate = 56.0 * b.KC / (b.KC + 24) * b.MC / (b.MC + 12)
    for used, cache in (
        (b.KC * b.NR * 4, FAKE_CPU.l1d_bytes),
        (b.MC * b.KC * 4, FAKE_CPU.l2_bytes),
        (b.KC * b.NC * 4, FAKE_CPU.l3_bytes),
    ):
        if used > 0.75 * cache:
            rate *= 0.7
    return rate


def ladder_history() -> list[HistoryEntry]:
    """Stored runs: the f32 ladder at 1024 and a small sweep, enough for every view."""
    entries: list[HistoryEntry] = []
    for kid, dtype, *_ in KERNELS:
        if kid not in RATES:
            continue
        for side in (256, 512, 1024):
            if side != 1024 and kid.startswith("ref.naive.f64"):
                continue
            scale = {256: 0.8, 512: 0.95, 1024: 1.0}[side]
            run = RunSpec(kid, dtype, Shape(side, side, side), 5)
            gflops = [RATES[kid] * scale * w for w in WIGGLE[:5]]
            entries.append(HistoryEntry(result_of(run, gflops), "tester", 1.7e9, FAKE_CPU.brand))
    for kid in ("avx2.packed_6x16.f32", "blas.numpy.f32"):  # a scaling series at 1024
        for threads in (2, 4):
            run = RunSpec(kid, "f32", Shape(1024, 1024, 1024), 5, threads=threads)
            gflops = [team_rate(kid, threads) * w for w in WIGGLE[:5]]
            entries.append(HistoryEntry(result_of(run, gflops), "tester", 1.7e9, FAKE_CPU.brand))
    return entries


def rerun_history() -> list[HistoryEntry]:
    """Newest first: a rerun of the f32 ladder at 1024 in which the packed kernel ran slow
    (20 GF/s), then the older ladder history and a skinny-path run at 1024 (40 GF/s)."""
    newest: list[HistoryEntry] = []
    for kid, dtype, *_ in KERNELS:
        if dtype == "f32" and kid in RATES:
            rate = 20.0 if kid == "avx2.packed_6x16.f32" else RATES[kid]
            run = RunSpec(kid, dtype, Shape(1024, 1024, 1024), 2)
            newest.append(HistoryEntry(result_of(run, [rate, rate * 0.9]), "tester", 1.8e9, ""))
    skinny = RunSpec("avx2.skinny.f32", "f32", Shape(1024, 1024, 1024), 2)
    older = [HistoryEntry(result_of(skinny, [40.0, 39.0]), "tester", 1.6e9, FAKE_CPU.brand)]
    return newest + ladder_history() + older


def lowp_history() -> list[HistoryEntry]:
    """The f32 ladder history plus the bf16 and int8 ladders at 1024 and 512."""
    entries = ladder_history()
    for kid, dtype, *_, ok in LOWP_KERNELS:
        for side in (512, 1024) if ok else ():
            run = RunSpec(kid, dtype, Shape(side, side, side), 5)
            gflops = [RATES[kid] * w for w in WIGGLE[:5]]
            entries.append(HistoryEntry(result_of(run, gflops), "tester", 1.7e9, FAKE_CPU.brand))
    return entries


def oracle_history() -> list[HistoryEntry]:
    """The f32/f64 ladders plus bf16 and int8 at 1024 where only the oracles ran."""
    entries = ladder_history()
    for kid, dtype in (("ref.naive.bf16", "bf16"), ("ref.naive.int8", "int8")):
        run = RunSpec(kid, dtype, Shape(1024, 1024, 1024), 2)
        entries.append(HistoryEntry(result_of(run, [RATES[kid]] * 2), "tester", 1.8e9, ""))
    return entries
