"""Provides Session: what one TUI session knows (service, user, this session's runs)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sshapp.bench.protocol.rows import HistoryEntry
from sshapp.bench.protocol.spec import BenchResult, RunSpec
from sshapp.bench.service import BenchService
from sshapp.kernels import CpuInfo


@dataclass(slots=True)
class Session:
    """State shared by the screens of one app instance (plain data, no Textual)."""

    service: BenchService
    """The engine runs go through."""
    user: str
    """Who is driving (shown in the header; recorded by the service)."""
    host: str = ""
    """Host label for the title ("" = none)."""
    selected: list[str] = field(default_factory=list)
    """Kernel ids picked in the kernel table, in table order."""
    results: list[BenchResult] = field(default_factory=list)
    """Runs finished in this session, oldest first."""
    batch_start: int = 0
    """Index in `results` where the latest batch's results begin."""
    pending: list[RunSpec] = field(default_factory=list)
    """Runs submitted by the setup screen and not yet started by the run screen."""
    cpu: CpuInfo | None = None
    """CPU to describe (None = detect this host's with sshapp.kernels.cpu_info)."""
    tune_size: int = 1024
    """Square size the Tune screen re-times its kernel at."""
    finished: dict[int, float] = field(default_factory=dict)
    """UNIX time each result finished, by id(): this session's (as they arrive) and the
    stored ones all_results returned last."""

    def add_result(self, result: BenchResult) -> None:
        """Record a run that finished in this session, now."""
        self.results.append(result)
        self.finished[id(result)] = time.time()

    def finished_at(self, result: BenchResult) -> float | None:
        """Return when a result of this session or of the last all_results() finished."""
        return self.finished.get(id(result))

    def cpu_info(self) -> CpuInfo:
        """Return the CPU description (detected on first use)."""
        if self.cpu is None:
            from sshapp.kernels import cpu_info

            self.cpu = cpu_info()
        return self.cpu

    def history(self) -> list[HistoryEntry]:
        """Return the user's stored runs, or none if the history cannot be read."""
        try:
            return list(self.service.history(mine=True, limit=200))
        except Exception:
            return []

    def latest_batch(self) -> list[BenchResult]:
        """Return the results of the batch run last (or running) in this session."""
        return self.results[self.batch_start :]

    def newest_first(self) -> list[BenchResult]:
        """Return this session's results newest first, then the stored ones (newest first)."""
        mine = set(map(id, self.results))
        results = self.all_results()
        return list(reversed(self.results)) + [r for r in results if id(r) not in mine]

    def all_results(self) -> list[BenchResult]:
        """Return this session's results then stored ones not already among them."""
        seen = {id(r) for r in self.results}
        mine = list(self.results)
        keys = {(r.run, r.samples) for r in mine}
        # Stored results are new objects on each call: forget the ids of the last ones.
        self.finished = {i: t for i, t in self.finished.items() if i in seen}
        for entry in self.history():
            r = entry.result
            if id(r) not in seen and (r.run, r.samples) not in keys:
                mine.append(r)
                self.finished[id(r)] = entry.finished_at
        return mine
