"""Provides warm_up(): run the app once, headless, so a forked session starts warm.

The SSH server forks every session from a zygote (`sshapp.ssh.zygote`) that lists
`sshapp.tui.warmup:warm_up` among its preloads. Visiting each screen once fills the
shared CSS parse cache (`sshapp.tui.css_cache`) and Textual's and Rich's own module-level
caches; every session then inherits them through fork instead of rebuilding them while
its user waits for the first screen.

The warm-up uses a stand-in service with the real kernel table and no history, runs, or
files: nothing may be left open (a database, a thread) for forked children to share.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.events import Event
from sshapp.bench.protocol.rows import HistoryEntry, KernelRow
from sshapp.bench.protocol.spec import BenchSpec, RunSpec
from sshapp.tui.app import SCREENS, BenchApp

if TYPE_CHECKING:
    from sshapp.bench.blocking.jobs import Waiting
    from sshapp.bench.blocking.live import LiveControl, LiveEvent
    from sshapp.bench.blocking.store import Tuned
    from sshapp.bench.lesson.model import Lesson
    from sshapp.kernels import Blocking, ModelReport

WARM_UP_SIZE = (100, 30)
"""Terminal size of the headless warm-up run (any size fills the caches)."""


class _WarmUpService:
    """A BenchService with this host's kernel table that never runs or stores anything."""

    user = "warm-up"

    def kernels(self) -> Sequence[KernelRow]:
        from sshapp.bench import catalog

        return catalog.kernel_rows()

    def expand(self, spec: BenchSpec) -> list[RunSpec]:  # noqa: ARG002 - protocol
        msg = "the warm-up runs nothing"
        raise SpecError(msg)

    async def run(self, run: RunSpec) -> AsyncIterator[Event]:  # noqa: ARG002 - protocol
        msg = "the warm-up runs nothing"
        raise SpecError(msg)
        yield  # pragma: no cover - makes this an async generator

    async def explain(self, kernel_id: str, size: int, *, measure: bool = False) -> Lesson:  # noqa: ARG002
        msg = "the warm-up explains nothing"
        raise SpecError(msg)

    def cancel(self) -> None:
        """Nothing runs, nothing to cancel."""

    def history(
        self,
        *,
        mine: bool = True,  # noqa: ARG002 - protocol signature
        best: bool = False,  # noqa: ARG002
        limit: int = 100,  # noqa: ARG002
        offset: int = 0,  # noqa: ARG002
    ) -> Sequence[HistoryEntry]:
        return []

    def peak_gflops(self, isa: str, dtype: str, threads: int = 1) -> float | None:  # noqa: ARG002
        return None

    def bandwidth_gbs(self) -> float | None:
        return None

    def blocking_model(self, kernel_id: str) -> ModelReport:
        from sshapp.kernels import blocking_model

        return blocking_model(kernel_id)

    def check_blocking(self, kernel_id: str, mc: int, kc: int, nc: int) -> Blocking:
        msg = f"the warm-up runs nothing ({kernel_id} {mc} {kc} {nc})"
        raise SpecError(msg)

    def tuned(self, kernel_id: str) -> Tuned | None:  # noqa: ARG002 - protocol
        return None

    @property
    def may_set_defaults(self) -> bool:
        return False

    def save_tuned(self, tuned: Tuned, *, searched: bool = False) -> None:  # noqa: ARG002
        return

    async def live(
        self,
        kernel_id: str,  # noqa: ARG002 - protocol
        size: int,  # noqa: ARG002
        control: LiveControl,  # noqa: ARG002
    ) -> AsyncIterator[Waiting | LiveEvent]:
        return
        yield  # pragma: no cover - makes this an async generator


class _WarmUpApp(BenchApp):
    """Shows every mode for one frame each, then exits."""

    def on_mount(self) -> None:
        self.call_next(self._visit_every_screen)

    async def _visit_every_screen(self) -> None:
        for mode in SCREENS:
            await self.switch_mode(mode)
        await self.switch_mode("kernels")
        self.call_after_refresh(self.exit)


def warm_up() -> None:
    """Run the app headless through every screen, then return (about 0.5 s)."""
    _WarmUpApp(_WarmUpService(), "warm-up").run(headless=True, size=WARM_UP_SIZE)
