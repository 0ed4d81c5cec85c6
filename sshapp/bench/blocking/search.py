"""Provides the autotuner: a bounded coordinate descent over KC, MC, NC from two starts.

Measure the analytical model's blocks and the blocks the kernel's source file states
(measured by its author on one CPU: the model's cache shares do not fit every kernel,
e.g. the bf16 kernel gains from a B micro-panel deeper than L1), and start from the
faster. For each of KC, MC, NC in turn, try the value × 1/2, 3/4, 3/2 and 2 (rounded
to a valid block: KC a multiple of 8, MC of MR, NC of NR) and move to any that is over
MOVE_GAIN faster, then try the next; a second pass repeats while time is left. Every
candidate is one timed call series at the tune size. Noise on a shared host is a few %,
so the winner is not trusted on its search figure: a final head-to-head times the model
and the winner alternately, and the winner is kept only if it beats the model there by
KEEP_GAIN; otherwise the model stands.
Call `tune_kernel` only while holding the host queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sshapp.bench.blocking.store import Tuned
from sshapp.kernels import Blocking, BlockingError, get, resolve_blocking, time_kernel

FACTORS = (0.5, 0.75, 1.5, 2.0)
"""Multipliers tried around the current value of each block."""
PASSES = 2
"""Passes over KC, MC, NC at most."""
MOVE_GAIN = 1.01
"""A candidate must be this much faster than the current best to move there."""
KEEP_GAIN = 1.01
"""The winner must beat the model by this much in the head-to-head to be stored."""
HEAD_TO_HEAD_ROUNDS = 4
"""Alternating samples of model and winner in the final comparison."""
MAX_CANDIDATES = 2 + PASSES * 3 * len(FACTORS) + 1
"""Most candidates one search reports: model, file, each factor of each block per pass,
and the final head-to-head (a budget or no gain ends it sooner)."""
DEFAULT_BUDGET = 60.0
"""Seconds `sshapp tune` spends in total by default."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One measured blocking."""

    kernel_id: str
    """The kernel."""
    index: int
    """0-based candidate number for this kernel; on the "final" row, the number of the
    candidate whose blocks are kept (the model's is 0), so one index is one blocking."""
    phase: str
    """What was varied: "model", "file" (the kernel file's blocks), "KC", "MC", "NC" or
    "final"."""
    blocking: Blocking
    """The blocks measured."""
    gflops: float
    """Best GFLOP/s of its samples."""
    best_gflops: float
    """Best GFLOP/s seen so far for this kernel (search figures)."""


def _valid(kernel_id: str, b: Blocking) -> Blocking | None:
    """Return `b` checked for the kernel, or None when it is not a valid blocking."""
    try:
        return resolve_blocking(kernel_id, mc=b.MC, kc=b.KC, nc=b.NC)
    except BlockingError:
        return None


def _round(kernel_id: str, b: Blocking, phase: str, factor: float) -> Blocking | None:
    value = {"KC": b.KC, "MC": b.MC, "NC": b.NC}[phase] * factor
    step = {"KC": 8, "MC": b.MR, "NC": b.NR}[phase]
    new = max(step, round(value / step) * step)
    blocks = {"MC": b.MC, "KC": b.KC, "NC": b.NC} | {phase: new}
    return _valid(kernel_id, Blocking(b.MR, b.NR, blocks["MC"], blocks["KC"], blocks["NC"]))


def _gflops(kernel_id: str, size: int, b: Blocking, pin_core: int, repeats: int) -> float:
    t = time_kernel(
        kernel_id,
        size,
        size,
        size,
        warmup=1,
        repeats=repeats,
        pin_core=pin_core,
        min_sample_seconds=0.02,
        blocking=b,
    )
    return 2.0 * size**3 / min(t.samples) / 1e9


def _head_to_head(
    kernel_id: str, size: int, model: Blocking, winner: Blocking, pin_core: int
) -> tuple[Blocking, float, float]:
    """Time model and winner alternately; return the one kept, its and the model's GFLOP/s."""
    model_g = win_g = 0.0
    rounds = HEAD_TO_HEAD_ROUNDS if winner != model else 1
    for _ in range(rounds):
        model_g = max(model_g, _gflops(kernel_id, size, model, pin_core, repeats=1))
        if winner != model:
            win_g = max(win_g, _gflops(kernel_id, size, winner, pin_core, repeats=1))
    if winner == model or win_g < model_g * KEEP_GAIN:
        return model, model_g, model_g
    return winner, win_g, model_g


def tune_kernel(
    kernel_id: str,
    size: int,
    budget_seconds: float,
    *,
    pin_core: int = -1,
    on_candidate: Callable[[Candidate], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Tuned | None:
    """Search blocks for one packed kernel at size³; return the verdict (None if stopped).

    Raises:
        UnknownKernelError: No such kernel.
        ValueError: The kernel does not pack.
    """
    info = get(kernel_id)
    if not info.packed:
        msg = f"{kernel_id} does not use cache blocks; only packed kernels can be tuned"
        raise ValueError(msg)
    deadline = time.monotonic() + budget_seconds
    # The head-to-head needs about as long as a few candidates: keep it out of the search.
    reserve = [0.0]
    seen: dict[Blocking, float] = {}
    model = info.blocking
    current = model
    best = 0.0

    def report(phase: str, b: Blocking, g: float) -> None:
        if on_candidate is not None:
            index = list(seen).index(b)  # the final row re-times a candidate: its number
            on_candidate(Candidate(kernel_id, index, phase, b, g, best))

    def measure(b: Blocking) -> float:
        started = time.monotonic()
        g = _gflops(kernel_id, size, b, pin_core, repeats=3)
        reserve[0] = max(reserve[0], (time.monotonic() - started) * HEAD_TO_HEAD_ROUNDS * 2 / 4)
        seen[b] = g
        return g

    _gflops(kernel_id, size, model, pin_core, repeats=1)  # clocks up, pages faulted in
    best = measure(model)
    report("model", model, best)
    file = _valid(kernel_id, info.file_blocking)
    if file is not None and file != model:
        g = measure(file)
        if g > best * MOVE_GAIN:
            best, current = g, file
        report("file", file, g)
    for _ in range(PASSES):
        moved = False
        for phase in ("KC", "MC", "NC"):
            for factor in FACTORS:
                if (stop is not None and stop()) or time.monotonic() + reserve[0] > deadline:
                    break
                cand = _round(kernel_id, current, phase, factor)
                if cand is None or cand in seen:
                    continue
                g = measure(cand)
                if g > best * MOVE_GAIN:
                    best, current, moved = g, cand, True
                report(phase, cand, g)
        if not moved:
            break
    if stop is not None and stop():
        return None
    current, win_g, model_g = _head_to_head(kernel_id, size, model, current, pin_core)
    seen[current] = win_g
    report("final", current, win_g)
    return Tuned(kernel_id, current.MC, current.KC, current.NC, win_g, model_g, size)
