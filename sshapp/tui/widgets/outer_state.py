"""Provides OuterSteps: where one micro-kernel is in its k loop (the plain data of OuterProduct).

One tick is one row of the register block: broadcast A[r, p], then one FMA per B vector
into that row's accumulators. MR ticks make one step p of k, after which the next row of B
is loaded. The pace (ticks per second) is the user's; the widget repaints at most MAX_FPS.
"""

from __future__ import annotations

from dataclasses import dataclass

PACES = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
"""Ticks per second the user steps through (- and + move along it)."""


@dataclass(slots=True)
class OuterSteps:
    """State of the animated outer product."""

    mr: int
    """Rows of the register block (A broadcasts per step of k)."""
    vectors: int
    """B vectors per row (NR / lanes): FMAs per broadcast."""
    lanes: int
    """C elements per vector."""
    k: int
    """Steps of k shown before it starts over (the KC of a packed kernel)."""
    p: int = 0
    """Current step of k."""
    r: int = 0
    """Current row: its broadcast and FMAs are what the next tick does."""
    pace_index: int = 2
    """Index into PACES."""
    playing: bool = True
    """Whether time moves it (else only `tick` by hand)."""
    due: float = 0.0
    """Ticks owed by elapsed time, not yet applied."""
    ticks: int = 0
    """Rows done since the start (never wraps)."""

    @property
    def pace(self) -> float:
        """Ticks per second."""
        return PACES[self.pace_index]

    def faster(self, by: int) -> None:
        """Move the pace by `by` steps of PACES (clamped)."""
        self.pace_index = min(max(self.pace_index + by, 0), len(PACES) - 1)

    def tick(self) -> None:
        """Do one row: after the last row of a step, go on to the next p (wrapping at k)."""
        self.ticks += 1
        self.r += 1
        if self.r == self.mr:
            self.r = 0
            self.p = (self.p + 1) % self.k

    def elapse(self, seconds: float) -> int:
        """Advance by the ticks `seconds` of play are worth; return how many were done."""
        if not self.playing:
            return 0
        self.due += seconds * self.pace
        done = int(self.due)
        self.due -= done
        for _ in range(done):
            self.tick()
        return done

    def filled(self, row: int) -> int:
        """Return how many steps of k have been accumulated into `row`'s registers."""
        return self.p + (1 if row < self.r else 0)

    @property
    def fmas(self) -> int:
        """FMAs done so far in this pass over k."""
        return (self.p * self.mr + self.r) * self.vectors
