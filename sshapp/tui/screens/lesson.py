"""Provides LessonScreen: why one step of the ladder is faster, on this CPU (issue 24).

Everything shown comes from one place each: the kernel file's header and marked loop (carried
by the build), the register budget and reuse computed from the kernel's shape, this host's
measured peak and bandwidths, and a measured answer with its verdict (bench.lesson).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Static, TabbedContent, TabPane

from sshapp.bench.protocol.errors import SpecError
from sshapp.tui.lessontext import answer_text, reuse_text, title_text
from sshapp.tui.widgets.key_bar import KeyBar
from sshapp.tui.widgets.outer_product import OuterProduct
from sshapp.tui.widgets.outer_state import OuterSteps
from sshapp.tui.widgets.register_grid import RegisterGrid

if TYPE_CHECKING:
    from sshapp.bench.lesson.model import Lesson
    from sshapp.tui.session import Session

TABS = ("why", "loop", "outer", "reuse", "host")
"""Tab ids, in order (keys 1-5)."""
DEFAULT_SIZE = 512
"""N the reuse is shown for, and measured at, until the user picks another."""
ANIMATED_K = 16
"""Steps of k the animation shows before it starts over."""


class LessonScreen(Screen[None]):
    """One kernel's lesson; [ and ] walk down and up the ladder."""

    CSS_PATH = "lesson.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "tab('why')", "Why"),
        Binding("2", "tab('loop')", "Loop"),
        Binding("3", "tab('outer')", "Outer product"),
        Binding("4", "tab('reuse')", "Reuse"),
        Binding("5", "tab('host')", "This host"),
        Binding("m", "measure", "Measure"),
        Binding("left_square_bracket", "walk(-1)", "Step before", show=False),
        Binding("right_square_bracket", "walk(1)", "Step after", show=False),
        Binding("space", "outer('toggle')", "Play/pause", show=False),
        Binding("full_stop", "outer('step')", "Step", show=False),
        Binding("plus,equals_sign", "outer('faster')", "Faster", show=False),
        Binding("minus", "outer('slower')", "Slower", show=False),
    ]

    def __init__(self, session: Session, kernel_id: str) -> None:
        """Create the lesson of `kernel_id` for one session."""
        super().__init__()
        self.session = session
        """The app's session."""
        self.kernel_id = kernel_id
        """Whose lesson this is."""
        self.lesson: Lesson | None = None
        """The lesson as last loaded (None until it is)."""
        self.side = DEFAULT_SIZE
        """N of the reuse shown and of the next measurement."""
        self.loop_view: Syntax | None = None
        """The inner loop as shown (highlighted C++)."""

    def compose(self) -> ComposeResult:
        """Title and register budget on top; the parts of the lesson in tabs."""
        yield Header()
        yield Static(id="lesson-title")
        yield RegisterGrid(None, id="lesson-registers")
        with TabbedContent(id="lesson-tabs"):
            with TabPane("1 Why", id="why"), ScrollableContainer():
                yield Static(id="lesson-header")
            with TabPane("2 Loop", id="loop"), ScrollableContainer():
                yield Static(id="lesson-loop")
            with TabPane("3 Outer product", id="outer"):
                yield Static(id="outer-note")
            with TabPane("4 Reuse", id="reuse"), VerticalScroll():
                yield Static(id="lesson-reuse")
            with TabPane("5 This host", id="host"):
                with Horizontal(id="size-row"):
                    yield Static("size N ", id="size-label")
                    yield Input(str(self.side), id="lesson-size", restrict=r"\d{0,5}")
                    yield Static(" enter or m: time it and the step before", id="size-hint")
                yield Static(id="lesson-answer")
        yield KeyBar()

    def on_mount(self) -> None:
        """Load the lesson (nothing is measured until asked)."""
        self._load(measure=False)

    @work(exclusive=True, group="lesson")
    async def _load(self, *, measure: bool) -> None:
        answer = self.query_one("#lesson-answer", Static)
        if measure:
            answer.update(f"measuring {self.kernel_id} and the step before at {self.side}³ …")
        try:
            lesson = await self.session.service.explain(self.kernel_id, self.side, measure=measure)
        except (SpecError, RuntimeError) as exc:
            (answer if measure else self.query_one("#lesson-title", Static)).update(
                Text(str(exc).splitlines()[0], "bold red")
            )
            return
        self._show(lesson)

    def _show(self, lesson: Lesson) -> None:
        first = self.lesson is None or self.lesson.id != lesson.id
        self.lesson = lesson
        self.kernel_id = lesson.id
        self.query_one("#lesson-title", Static).update(title_text(lesson))
        grid = self.query_one(RegisterGrid)
        grid.budget = lesson.budget
        grid.refresh(layout=True)
        self.query_one("#lesson-header", Static).update(Text(lesson.header, no_wrap=True))
        loop = self.query_one("#lesson-loop", Static)
        if lesson.loop:
            self.loop_view = Syntax(
                lesson.loop, "cpp", theme="ansi_dark", background_color="default"
            )
            loop.update(self.loop_view)
        else:
            loop.update("not ours to show: the host BLAS's kernels are its own assembly")
        self.query_one("#lesson-reuse", Static).update(reuse_text(lesson))
        self.query_one("#lesson-answer", Static).update(answer_text(lesson))
        if first:
            self._mount_outer(lesson)

    def _mount_outer(self, lesson: Lesson) -> None:
        pane = self.query_one("#outer", TabPane)
        for old in pane.query(OuterProduct):
            old.remove()
        note = self.query_one("#outer-note", Static)
        b = lesson.budget
        if b is None or not b.blocked or b.file.name == "tmm":
            why = (
                "the AMX plan is drawn with the registers above: 4 TDPs per step of k"
                if b is not None and b.file.name == "tmm"
                else "no register block here: C goes back to memory after every multiply-add"
            )
            note.update(
                f"The outer product is animated for register-blocked and packed steps; {why}."
            )
            return
        note.update("")
        kc = lesson.blocks[3]
        k = min(kc, ANIMATED_K) if kc else ANIMATED_K
        steps = OuterSteps(mr=lesson.blocks[0], vectors=b.b_loads, lanes=b.lanes, k=k)
        pane.mount(OuterProduct(steps, packed=kc > 0, reg=b.file.name, id="outer-product"))

    def action_tab(self, tab: str) -> None:
        """Show one part of the lesson."""
        self.query_one("#lesson-tabs", TabbedContent).active = tab

    def action_outer(self, what: str) -> None:
        """Drive the animation: toggle, step, faster, slower."""
        found = self.query(OuterProduct)
        if not found:
            return
        widget = found.first()
        if what == "toggle":
            widget.toggle()
        elif what == "step":
            widget.step()
        else:
            widget.faster(1 if what == "faster" else -1)

    def action_measure(self) -> None:
        """Time the kernel and the step before it at the chosen size."""
        self.action_tab("host")
        self._load(measure=True)

    @on(Input.Submitted, "#lesson-size")
    def _size_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text.isdigit() or int(text) < 1:
            self.query_one("#lesson-answer", Static).update(
                Text("size must be a whole number ≥ 1", "bold red")
            )
            return
        self.side = int(text)
        self.action_measure()

    def action_walk(self, direction: int) -> None:
        """Open the step before (-1) or after (+1) this one in its ladder."""
        lesson = self.lesson
        if lesson is None:
            return
        ids = [r.id for r in self.session.service.kernels() if r.dtype == lesson.dtype]
        ids = [i for i in ids if not i.startswith("blas.") and ".skinny." not in i]
        if lesson.id not in ids:
            return
        at = ids.index(lesson.id) - direction  # table order: top step first
        if 0 <= at < len(ids):
            self.kernel_id = ids[at]
            self._load(measure=False)
