"""Provides ResultsScreen: table, ladder, sweep, roofline, precision and scaling views."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from sshapp.bench.protocol.rows import KernelRow
from sshapp.bench.protocol.spec import BenchResult
from sshapp.kernels import dtype as dtype_row
from sshapp.tui.analysis import (
    ladder,
    ladder_groups,
    oracle_footnote,
    plotted,
    precision_rungs,
    precision_shapes,
    roofline_series,
    sweep_series,
)
from sshapp.tui.scaling import scaling_chart
from sshapp.tui.session import Session
from sshapp.tui.widgets import result_rows
from sshapp.tui.widgets.key_bar import KeyBar
from sshapp.tui.widgets.ladder import LadderChart
from sshapp.tui.widgets.line_chart import LineChart

SORTS: list[tuple[str, Callable[[BenchResult], object]]] = [
    ("best", lambda r: -r.best_gflops),
    ("kernel", lambda r: r.run.kernel_id),
    ("size", lambda r: r.run.shape.flops),
    ("% peak", lambda r: -(r.peak_fraction or 0.0)),
    ("vs BLAS", lambda r: -(r.blas_ratio or 0.0)),
    ("newest", lambda _r: 0),
]
"""Sort orders the `o` key cycles through: (column, key)."""
UNITS = "GF/s, int8: GOP/s"
"""What the best and median columns count."""
PRECISION_NOTE = "fastest kernel that ran per dtype (newest runs; int8 GOP/s): what it buys"
"""The line above the precision view."""
TABS = ("table", "ladder", "sweep", "roofline", "precision", "scaling")
"""Tab ids, in order."""


class ResultsScreen(Screen[None]):
    """This session's runs and the user's history, six ways."""

    CSS_PATH = "results.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "tab('table')", "Table"),
        Binding("2", "tab('ladder')", "Ladder"),
        Binding("3", "tab('sweep')", "Sweep"),
        Binding("4", "tab('roofline')", "Roofline"),
        Binding("5", "tab('precision')", "Precision"),
        Binding("6", "tab('scaling')", "Scaling"),
        Binding("o", "sort", "Sort"),
        Binding("i", "invert", "Invert", show=False),
        Binding("right_square_bracket", "group(1)", "Next size", show=False),
        Binding("left_square_bracket", "group(-1)", "Prev size", show=False),
        Binding("d", "next_dtype", "Next dtype", show=False),
        Binding("e", "explain", "Explain", show=False),
    ]

    def __init__(self, session: Session) -> None:
        """Create the screen for one session."""
        super().__init__()
        self.session = session
        """The app's session."""
        self.results: list[BenchResult] = []
        """Session results (newest first) then history (newest first), as last loaded."""
        self.rows: list[KernelRow] = []
        """The kernel table (its order is the ladder's), as last loaded."""
        self.sort_index = 0
        """Index into SORTS."""
        self.reverse = False
        """Invert the sort."""
        self.group_index = 0
        """Which (dtype, size) the ladder shows."""
        self.precision_index = 0
        """Which size the precision view shows."""
        self.shown: list[BenchResult] = []
        """The table's results, in row order."""
        self.left_out: list[str] = []
        """Columns too wide for the terminal (the highlighted row's line shows them)."""

    def compose(self) -> ComposeResult:
        """Six tabs."""
        yield Header()
        with TabbedContent(id="results-tabs"):
            with TabPane("1 Table", id="table"):
                yield Static(id="sort-line")
                yield DataTable(id="results-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="row-detail")
            with TabPane("2 Ladder", id="ladder"):
                yield LadderChart(id="ladder-chart")
            with TabPane("3 Sweep", id="sweep"):
                yield Static(id="sweep-caption")
                yield LineChart(id="sweep-chart")
            with TabPane("4 Roofline", id="roofline"):
                yield Static(id="roof-caption")
                yield LineChart(id="roof-chart")
            with TabPane("5 Precision", id="precision"):
                yield Static(PRECISION_NOTE, id="precision-note")
                yield LadderChart(id="precision-chart")
            with TabPane("6 Scaling", id="scaling"):
                yield Static(id="scaling-caption")
                yield LineChart(log_x=False, log_y=False, id="scaling-chart")
                yield Static(id="scaling-notes")
        yield KeyBar()

    def on_mount(self) -> None:
        """Columns, then the data."""
        self.query_one("#sweep-chart", LineChart).empty_text = "no runs yet: try a sweep"
        self.query_one("#roof-chart", LineChart).empty_text = "no runs yet"
        self.query_one(
            "#scaling-chart", LineChart
        ).empty_text = "no kernel ran on several thread counts yet: try threads 1,2 or scaling"
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        """Reload session results and history (they change while other screens run)."""
        self.results = self.session.newest_first()
        self.rows = list(self.session.service.kernels())
        self._fill_table()
        self._fill_ladder()
        # Ladder, sweep, roofline and precision are about one core; teams have their own view.
        single = self._single()
        self._fill_precision()
        shown, source = plotted(self.session.latest_batch(), single)
        series = sweep_series(shown)
        self.query_one("#sweep-chart", LineChart).set_series(series, "size ∛(m·n·k) → GF/s")
        self.query_one("#sweep-caption", Static).update(source)
        service = self.session.service
        roof, caption = roofline_series(shown, service.peak_gflops, service.bandwidth_gbs())
        self.query_one("#roof-chart", LineChart).set_series(roof, "flops/byte → GF/s")
        self.query_one("#roof-caption", Static).update(f"{caption}\n{source}" if caption else "")
        lines, caption, notes = scaling_chart(self.results, service.peak_gflops)
        self.query_one("#scaling-chart", LineChart).set_series(lines, "threads → GF/s")
        self.query_one("#scaling-caption", Static).update(caption)
        self.query_one("#scaling-notes", Static).update("\n".join(notes))

    def _fill_table(self) -> None:
        table = self.query_one("#results-table", DataTable)
        when = self.session.finished_at
        name, key = SORTS[self.sort_index]
        session_ids = {id(r) for r in self.session.results}
        ordered = list(self.results)
        if name == "newest":
            ordered = list(reversed(self.session.results)) + [
                r for r in self.results if id(r) not in session_ids
            ]
        else:
            ordered.sort(key=key)  # type: ignore[arg-type]
        if self.reverse:
            ordered.reverse()
        self.shown = ordered
        now = time.time()
        rows = [
            result_rows.cells(r, "session" if id(r) in session_ids else "history", when(r), now)
            for r in ordered
        ]
        kept = result_rows.fit(rows, self.app.size.width - 2)  # 2: the vertical scrollbar
        self.left_out = [c for c in result_rows.COLUMNS if c not in kept]
        if [c.label.plain for c in table.ordered_columns] != kept:
            table.clear(columns=True)
            for column in kept:
                table.add_column(column, key=column)
        else:
            table.clear()
        index = [result_rows.COLUMNS.index(column) for column in kept]
        for cells in rows:
            table.add_row(*(cells[i] for i in index))
        self._show_detail(table.cursor_row)
        order = " (inverted)" if self.reverse else ""
        self.query_one("#sort-line", Static).update(
            f"{len(ordered)} runs ({UNITS}) · sorted by {name}{order} · o: next sort, i: invert"
        )

    def on_resize(self) -> None:
        """Choose again which columns fit."""
        self._fill_table()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Say what the left-out columns hold for the highlighted row."""
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        line = self.query_one("#row-detail", Static)
        line.display = bool(self.left_out and self.shown)
        if line.display and 0 <= row < len(self.shown):
            r = self.shown[row]
            line.update(result_rows.detail(r, self.session.finished_at(r), self.left_out))

    def _single(self) -> list[BenchResult]:
        """Return the one-thread results (the views of one core)."""
        return [r for r in self.results if r.run.threads == 1]

    def _fill_ladder(self) -> None:
        single = self._single()
        groups = ladder_groups(single, self.rows)
        chart = self.query_one("#ladder-chart", LadderChart)
        if not groups:
            chart.set_rungs([], "")
            return
        self.group_index %= len(groups)
        dtype, shape = groups[self.group_index]
        caption = f"{dtype} at {shape} ({self.group_index + 1}/{len(groups)}, [ ] sizes, d dtype)"
        footnote = "each step's newest run; └ what the step adds"
        rungs = ladder(single, self.rows, dtype, shape)
        chart.set_rungs(rungs, caption, footnote, unit=dtype_row(dtype).short_unit)

    def _fill_precision(self) -> None:
        single = self._single()
        shapes = precision_shapes(single)
        chart = self.query_one("#precision-chart", LadderChart)
        if not shapes:
            chart.set_rungs([], "")
            return
        self.precision_index %= len(shapes)
        shape = shapes[self.precision_index]
        caption = f"precision at {shape} ({self.precision_index + 1}/{len(shapes)}, [ ] sizes)"
        rungs = precision_rungs(single, shape)
        chart.set_rungs(rungs, caption, oracle_footnote(rungs))

    def action_tab(self, tab: str) -> None:
        """Show one of the six views."""
        self.query_one(TabbedContent).active = tab

    def action_sort(self) -> None:
        """Sort the table by the next column."""
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._fill_table()

    def action_invert(self) -> None:
        """Invert the table's order."""
        self.reverse = not self.reverse
        self._fill_table()

    def action_group(self, step: int) -> None:
        """Show the ladder (or the precision view) at the next or previous size."""
        if self.query_one(TabbedContent).active == "precision":
            self.precision_index += step
            self._fill_precision()
            return
        self.group_index += step
        self._fill_ladder()

    def action_next_dtype(self) -> None:
        """Show the ladder of the next dtype that has results (its most-run size)."""
        groups = ladder_groups(self._single(), self.rows)
        if not groups:
            return
        current = groups[self.group_index % len(groups)][0]
        names = list(dict.fromkeys(dtype for dtype, _ in groups))
        following = names[(names.index(current) + 1) % len(names)]
        self.group_index = next(i for i, (dtype, _) in enumerate(groups) if dtype == following)
        self._fill_ladder()

    def action_explain(self) -> None:
        """Open a lesson: the fastest step the ladder shows, or the table's cursor row."""
        tab = self.query_one("#results-tabs", TabbedContent).active
        kernel_id = ""
        if tab == "ladder":
            steps = [
                r for r in self.query_one("#ladder-chart", LadderChart).rungs if not r.reference
            ]
            kernel_id = steps[-1].label if steps else ""
        elif tab == "table":
            table = self.query_one("#results-table", DataTable)
            if table.row_count:
                kernel_id = str(table.get_row_at(table.cursor_row)[0])
        if kernel_id:
            from sshapp.tui.screens.lesson import LessonScreen

            self.app.push_screen(LessonScreen(self.session, kernel_id))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a column header sorts by it (clicking again inverts)."""
        names = [n for n, _ in SORTS]
        label = str(event.label)
        if label in names:
            index = names.index(label)
            self.reverse = not self.reverse if index == self.sort_index else False
            self.sort_index = index
            self._fill_table()
