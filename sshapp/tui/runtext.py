"""Provides the run view's samples line: now, best, median and the share of peak."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from sshapp.bench.protocol.spec import RunSpec
from sshapp.bench.service import BenchService
from sshapp.kernels import dtype
from sshapp.tui import peaktext
from sshapp.tui.widgets.scale import short


def samples_line(
    samples: Sequence[float], run: RunSpec | None, service: BenchService, width: int
) -> str:
    """Return the samples' line, two spaces apart, in `width` columns.

    When it is longer, "now" goes first, then the second spaces: a threaded run's peak
    label made the line 82 columns with the repetition count (now in the title).
    """
    best = max(samples)
    unit = dtype(run.dtype).short_unit if run is not None else ""
    now = f"now {samples[-1]:.2f}"
    parts = [f"best {best:.2f}", f"median {statistics.median(samples):.2f} {unit}"]
    if run is not None:
        isa = run.kernel_id.split(".", 1)[0]
        held = peaktext.held_against(service, isa, run.dtype, run.threads)
        if held is not None:
            parts.append(f"{best / held[0]:.0%} of {held[1]} {short(held[0])}")
    for line in ("  ".join([now, *parts]), "  ".join(parts)):
        if len(line) <= width:
            return line
    return " ".join(parts)
