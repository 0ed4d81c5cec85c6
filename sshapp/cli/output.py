"""Provides the CLI's plain-text tables and JSON lines (no rich, no textual), flushed per line."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, TextIO

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
from sshapp.bench.protocol.spec import BenchResult, RunSpec
from sshapp.kernels import dtype


def _of_peak(result: BenchResult) -> str:
    if result.peak_fraction is None:
        return f"{result.run.dtype} peak not measured"
    return f"{_pct(result.peak_fraction)} of the {result.run.dtype} peak"


run_fields = wire.encode_run
"""A run's identity as JSON fields (sshapp.bench.protocol.wire)."""
result_fields = wire.encode_result
"""A result's statistics as JSON fields."""
event_json = wire.encode_event
"""One event as a JSON object (the `event` field names its kind)."""


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def _secs(s: float) -> str:
    if s >= 1:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3f} ms"
    return f"{s * 1e6:.1f} us"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Return a left-aligned text table (last column unpadded)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = []
    for cells in [headers, *rows]:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths, strict=False)]
        lines.append("  ".join([*padded, cells[-1]]).rstrip())
    return lines


RESULT_HEADERS = (
    "kernel",
    "size",
    "thr",
    "best GF/s",
    "median",
    "spread",
    "% peak",
    "x BLAS",
    "check",
)
"""Columns of the result tables."""


def result_row(result: BenchResult) -> list[str]:
    """Return one result as table cells."""
    return [
        result.run.kernel_id,
        str(result.run.shape),
        str(result.run.threads),
        f"{result.best_gflops:.2f}",
        f"{result.median_gflops:.2f}",
        _pct(result.stats.spread),
        _pct(result.peak_fraction),
        _ratio(result.blas_ratio),
        f"ok {result.check_error:.1e}" if result.check_ok else "WRONG",
    ]


class Printer:
    """Writes events and tables to one stream, as text or JSON lines, flushing each line."""

    def __init__(
        self, out: TextIO, *, as_json: bool, prog: str = "sshapp", node: str | None = None
    ) -> None:
        """Wrap a stream.

        Args:
            out: Where to write.
            as_json: One JSON object per line instead of text.
            prog: What hints tell the user to type (`ssh [-p PORT] HOST` over SSH).
            node: The fleet node these lines are about (a `node` field, a `[node]` prefix).
        """
        self.node = node
        """The node named in every line (None: this host)."""
        self.out = out
        """The stream."""
        self.as_json = as_json
        """Whether to write JSON lines."""
        self.finished: list[BenchResult] = []
        """Results seen so far (for the closing table)."""
        self.prog = prog
        """What hints tell the user to type before a verb."""

    def line(self, text: str = "") -> None:
        """Write one text line and flush it."""
        if self.node is not None and text:
            text = f"[{self.node}] {text}"
        print(text, file=self.out, flush=True)

    def json(self, obj: dict[str, Any]) -> None:
        """Write one JSON object on one line and flush it."""
        if self.node is not None:
            obj = {**obj, "node": self.node}
        print(json.dumps(obj, allow_nan=False, default=str), file=self.out, flush=True)

    def event(self, event: Event) -> None:
        """Write one benchmark event."""
        if isinstance(event, Finished):
            self.finished.append(event.result)
        if self.as_json:
            self.json(event_json(event))
            return
        match event:
            case Queued(run=run, position=pos):
                ahead = "1 run" if pos == 1 else f"{pos} runs"
                self.line(f"{run.kernel_id} {run.shape}: waiting, {ahead} ahead in the queue")
            case Started(run=run):
                blocks = "" if run.blocking is None else f", {run.blocking}"
                on = "" if run.threads == 1 else f", {run.threads} threads"
                self.line(f"{run.kernel_id} {run.shape} ({run.dtype}{blocks}{on}): running")
            case Sampled(run=run, index=i, seconds=sec, gflops=g):
                self.line(f"  rep {i + 1:>3}  {_secs(sec):>12}  {g:10.2f} {dtype(run.dtype).unit}")
            case Finished(result=r):
                self.line(
                    f"  best {r.best_gflops:.2f} {dtype(r.run.dtype).unit}, median "
                    f"{r.median_gflops:.2f}, spread {_pct(r.stats.spread)}, "
                    f"{_of_peak(r)}, "
                    f"BLAS {_ratio(r.blas_ratio)}, check ok (error {r.check_error:.1e})"
                )
                if r.notice:
                    self.line(f"  NOTICE: {r.notice}")
            case Failed(run=run, error=error):
                self.line(f"  FAILED {run.kernel_id} {run.shape}: {error}")
            case Cancelled(run=run):
                self.line(f"  cancelled {run.kernel_id} {run.shape}")

    def plan(self, runs: Sequence[RunSpec]) -> None:
        """Write the runs a spec expands to (`bench --plan`), one per line."""
        for run in runs:
            if self.as_json:
                self.json({"event": "planned", **wire.encode_run(run)})
                continue
            blocks = "" if run.blocking is None else f", {run.blocking}"
            self.line(f"{run.kernel_id} {run.shape} ({run.dtype}{blocks}, {run.threads} thr)")

    def summary(self) -> None:
        """Write the table of every finished result (text mode, more than one result)."""
        if self.as_json or len(self.finished) < 2:
            return
        self.line()
        for text in table(RESULT_HEADERS, [result_row(r) for r in self.finished]):
            self.line(text)

    def kernels(self, rows: Sequence[KernelRow]) -> None:
        """Write the kernel table."""
        if self.as_json:
            for r in rows:
                self.json(wire.encode_row(r))
            return
        cells = [
            [
                r.id,
                r.dtype,
                "yes" if r.supported else "no",
                ",".join(r.host_best) or "-",
                r.blocking,
                r.summary or r.reason,
            ]
            for r in rows
        ]
        headers = ("kernel", "dtype", "here", "host best", "blocking", "what it adds")
        for text in table(headers, cells):
            self.line(text)
        for r in rows:
            if not r.supported:
                self.line(f"  {r.id}: {r.reason}")

    def history(self, entries: Sequence[HistoryEntry], *, full_users: bool = False) -> None:
        """Write stored runs (keys shortened to `SHA256:` + 6 characters unless `full_users`)."""
        if self.as_json:
            for e in entries:
                self.json(wire.encode_entry(e))
            return
        if not entries:
            self.line(f"no runs recorded yet; try: {self.prog} bench ref.reorder.f32 --size 256")
            return
        now = time.time()
        rows = [
            [
                when(e.finished_at, now),
                e.user if full_users else short_user(e.user),
                *history_row(e.result),
            ]
            for e in entries
        ]
        for text in table(HISTORY_HEADERS, rows):
            self.line(text)


HISTORY_HEADERS = (
    "when",
    "user",
    "kernel",
    "size",
    "thr",
    "best GF/s",
    "% peak",
    "x BLAS",
    "check",
    "MC/KC/NC",
)
"""Columns of `results`: what fits 120 columns (median, spread, the check's error and the
full key fingerprint are in --json)."""
SHORT_FINGERPRINT = len("SHA256:") + 6
"""Characters of a key's identity `results` shows: 36 bits tell a host's users apart, as a
short git hash tells commits."""


RECENT_SECONDS = 182 * 86400
"""Runs newer than this show the time of day, older ones the year (as `ls -l` does)."""


def when(finished_at: float, now: float) -> str:
    """Return `Dec 02 16:28` for a run of the last six months, else `Dec 02  2025`."""
    recent = now - RECENT_SECONDS < finished_at <= now + 86400
    return time.strftime("%b %d %H:%M" if recent else "%b %d  %Y", time.localtime(finished_at))


def short_user(user: str) -> str:
    """Return `user`, with a key fingerprint cut to `SHA256:` and its first 6 characters."""
    return user[:SHORT_FINGERPRINT] if user.startswith("SHA256:") else user


def history_row(result: BenchResult) -> list[str]:
    """Return a stored run as the cells of HISTORY_HEADERS after when and user."""
    run, b = result.run, result.run.blocking
    return [
        run.kernel_id,
        str(run.shape),
        str(run.threads),
        f"{result.best_gflops:.2f}",
        _pct(result.peak_fraction),
        _ratio(result.blas_ratio),
        "ok" if result.check_ok else "WRONG",
        "-" if b is None else f"{b.mc}/{b.kc}/{b.nc} {b.source}",
    ]
