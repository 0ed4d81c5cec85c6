"""The exact int8 AMX kernel, over and over, beside a busy process on the same core.

Why: a possible Sapphire Rapids erratum in VMs ("SPR4", cited in openzfs PR #15168; see
../shared/AMX_NOTES.md) may save a guest thread's AMX state as zeroes when a VM exit
lands during the FPU state save, so a thread descheduled mid-kernel could come back to
zeroed tiles. A busy neighbour pinned to the kernel's core makes the scheduler preempt
the kernel thread every few milliseconds: each preemption saves its tile state. Two
neighbours, half the time each: a plain spinner, and one running TDPBSSD itself (so the
tile state really changes hands at every switch). int8 is exact, so any difference from
the reference is a lost tile, not rounding. Used by amx_check.py (section "stress").
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

KERNEL = "amx.tiles_32x32.int8"
SHAPE = (1024, 1024, 1024)
"""≈ 1 ms of tile work per call: long enough to be preempted mid-call, short enough for
thousands of calls."""
NEIGHBOURS = {
    "spinner": "import os\nos.sched_setaffinity(0, {{{core}}})\nwhile True:\n    pass\n",
    "TDPBSSD neighbour": (
        "import os\nos.sched_setaffinity(0, {{{core}}})\n"
        "from sshapp.kernels import measure_fma\n"
        "while True:\n    measure_fma('amx', 'int8', seconds=2.0, pin_core={core})\n"
    ),
}
EXAMPLES = 5
"""Mismatching calls described one by one (the rest are counted)."""


def _status_switches() -> dict[str, int]:
    """voluntary / nonvoluntary_ctxt_switches of this thread from /proc (Linux)."""
    out = {}
    for line in (
        Path(f"/proc/self/task/{threading.get_native_id()}/status").read_text().splitlines()
    ):
        key, _, value = line.partition(":")
        if key.endswith("ctxt_switches"):
            out[key] = int(value)
    return out


def _phase(name: str, code: str, core: int, seconds: float, operands: Any) -> dict[str, Any]:
    import numpy as np

    from sshapp import kernels

    a, b, ref = operands
    neighbour = subprocess.Popen(
        [sys.executable, "-c", code.format(core=core)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)  # let it import and start spinning before the first call
        calls = preempted = mismatches = wrong = zeros = 0
        examples: list[dict[str, Any]] = []
        usage0, status0 = resource.getrusage(resource.RUSAGE_THREAD), _status_switches()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            before = resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw
            c = kernels.gemm(KERNEL, a, b)
            hit = resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw > before
            calls += 1
            preempted += hit
            if np.array_equal(c, ref):
                continue
            diff = c != ref
            mismatches += 1
            wrong += int(diff.sum())
            zeros += int((diff & (c == 0)).sum())
            if len(examples) < EXAMPLES:
                rows, cols = np.nonzero(diff)
                examples.append(
                    {
                        "call": calls,
                        "wrong": int(diff.sum()),
                        "zeros": int((diff & (c == 0)).sum()),
                        "rows": [int(rows.min()), int(rows.max())],
                        "cols": [int(cols.min()), int(cols.max())],
                        "preempted_mid_call": bool(hit),
                    }
                )
        usage1, status1 = resource.getrusage(resource.RUSAGE_THREAD), _status_switches()
        alive = neighbour.poll() is None
    finally:
        neighbour.kill()
        _, err = neighbour.communicate()
    return {
        "neighbour": name,
        "seconds": seconds,
        "calls": calls,
        "preempted_calls": preempted,
        "involuntary_switches": usage1.ru_nivcsw - usage0.ru_nivcsw,
        "voluntary_switches": usage1.ru_nvcsw - usage0.ru_nvcsw,
        "proc_status": {k: status1[k] - status0.get(k, 0) for k in status1},
        "mismatches": mismatches,
        "wrong_elements": wrong,
        "wrong_zeros": zeros,
        "examples": examples,
        "neighbour_alive": alive,
        "neighbour_stderr": (err or "").strip()[-300:],
    }


def run(core: int, seconds: float) -> dict[str, Any]:
    """Run the stress on `core` for about `seconds` in all; returns its counts."""
    import numpy as np

    from sshapp import kernels

    rng = np.random.default_rng(4)
    m, n, k = SHAPE
    row = kernels.dtype("int8")
    a, b = row.draw(rng, (m, k)), row.draw(rng, (k, n))
    # Exact in float64: |a·b| ≤ 128² · k < 2^53, so BLAS gives the integers.
    ref = (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int32)
    if not kernels.check_product(ref, a, b).ok:
        msg = "the stress's own reference failed its check"
        raise RuntimeError(msg)
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        phases = [
            _phase(name, code, core, seconds / len(NEIGHBOURS), (a, b, ref))
            for name, code in NEIGHBOURS.items()
        ]
    finally:
        os.sched_setaffinity(0, saved)
    total = {
        key: sum(p[key] for p in phases)
        for key in ("calls", "preempted_calls", "involuntary_switches", "mismatches")
    }
    return {"kernel": KERNEL, "shape": list(SHAPE), "core": core, **total, "phases": phases}


def summary(out: dict[str, Any]) -> str:
    """One line: calls, mid-call preemptions, switches, mismatches."""
    return (
        f"{out['calls']} calls of {out['kernel']} at {'×'.join(map(str, out['shape']))}, "
        f"{out['preempted_calls']} preempted mid-call ({out['involuntary_switches']} "
        f"involuntary context switches): {out['mismatches']} mismatches"
    )


def lines(out: dict[str, Any]) -> list[str]:
    """The report's detail lines, one per neighbour and per example mismatch."""
    text = [
        "| neighbour on the same core | s | calls | preempted mid-call | involuntary / "
        "voluntary switches | mismatching calls | wrong elements (zeros) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in out["phases"]:
        died = "" if p["neighbour_alive"] else f" (DIED: {p['neighbour_stderr']})"
        text.append(
            f"| {p['neighbour']}{died} "
            f"| {p['seconds']:.0f} | {p['calls']} | {p['preempted_calls']} | "
            f"{p['involuntary_switches']} / {p['voluntary_switches']} | {p['mismatches']} | "
            f"{p['wrong_elements']} ({p['wrong_zeros']}) |"
        )
    for p in out["phases"]:
        for e in p["examples"]:
            text.append(
                f"- {p['neighbour']}, call {e['call']}: {e['wrong']} wrong ({e['zeros']} zero), "
                f"rows {e['rows'][0]}-{e['rows'][1]}, cols {e['cols'][0]}-{e['cols'][1]}, "
                f"preempted mid-call: {e['preempted_mid_call']}"
            )
    text.append(
        "- switches from getrusage(RUSAGE_THREAD) of the calling thread (the kernel runs on "
        "it); /proc/self/task/<tid>/status agrees: "
        + "; ".join(
            f"{p['neighbour']} {p['proc_status'].get('nonvoluntary_ctxt_switches', '?')}"
            for p in out["phases"]
        )
    )
    return text
