"""A newcomer over OpenSSH in tmux (issue 26): keys in a burst, the kernel table at 80×24,
labels that fit, and a cancel that waits for the host."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sshapp.kernels import list_kernels
from tests.tui.tmux_kit import Tmux, open_app, serve

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(shutil.which("ssh") is None, reason="openssh-client is not installed"),
    pytest.mark.timeout(180),
]


def size_line(screen: str) -> str:
    return next(line for line in screen.splitlines() if line.strip().startswith("size"))


def test_keys_sent_together_into_a_setup_field_all_arrive(tmux: Tmux, server_port: int) -> None:
    """`9 BSpace 8` in one write on `512` gives 5128 (it gave 5129: the backspace ran
    after the 8 had been typed)."""
    open_app(tmux, server_port, "erin")
    tmux("send-keys", "-t", "app", "s")
    tmux.wait_for("app", "kernels", "presets", "sweep")
    tmux("send-keys", "-t", "app", "Tab")  # into m, its text selected
    tmux("send-keys", "-t", "app", "-l", "512")
    tmux.wait_for("app", "m 512 ")
    tmux("send-keys", "-t", "app", "9", "BSpace", "8")
    screen = tmux.wait_for("app", "m 5128 ", timeout=10)
    assert "n 5128 " in size_line(screen)  # square: n follows m
    tmux("send-keys", "-t", "app", "BSpace", "7")
    tmux.wait_for("app", "m 5127 ", timeout=10)
    tmux("send-keys", "-t", "app", "Left", "Left", "BSpace", "6")
    tmux.wait_for("app", "m 5627 ", timeout=10)


def highlighted(screen: str) -> str:
    """Return the kernel id the details pane (under the table's rule) names."""
    lines = screen.splitlines()
    rule = max(i for i, line in enumerate(lines) if line.startswith("────"))
    return lines[rule + 1].split()[0]


def table_rows(screen: str) -> list[str]:
    """Return the table's lines (between the header and the details pane's rule)."""
    lines = screen.splitlines()
    rule = max(i for i, line in enumerate(lines) if line.startswith("────"))
    return lines[2:rule]


def test_the_kernel_table_at_80x24_shows_the_cursor_row_down_to_the_last(
    tmux: Tmux, server_port: int
) -> None:
    """↓ through every kernel, then End: the highlighted kernel is always a visible row
    (a horizontal scrollbar hid the bottom row, so the last kernel was never seen)."""
    open_app(tmux, server_port, "frank")
    seen: list[str] = []
    for _ in range(30):  # more than the table's lines
        tmux("send-keys", "-t", "app", "Down")
        screen = tmux.capture("app")
        kernel = highlighted(screen)
        assert any(f" {kernel} " in row for row in table_rows(screen)), screen
        seen.append(kernel)
    tmux("send-keys", "-t", "app", "Home", "End")
    screen = tmux.wait_for("app", f"\n {seen[-1]}  [")  # ↓ had reached the last kernel
    assert any(f" {seen[-1]} " in row for row in table_rows(screen)), screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_results_and_tune_keep_help_and_quit_in_the_footer(
    tmux: Tmux, server_port: int, size: tuple[int, int]
) -> None:
    """Too many keys for the line: the other screens' keys give way, not Help and Quit."""
    open_app(tmux, server_port, "gina", size)
    for key, title in (("r", "1 Table"), ("t", "Tune ")):
        tmux("send-keys", "-t", "app", key)
        screen = tmux.wait_for("app", title, timeout=90)
        footer = screen.rstrip("\n").splitlines()[-1]
        assert "? Help" in footer, footer
        assert "q Quit" in footer, footer


@pytest.fixture
def amx_masked_port(tmp_path: Path) -> Iterator[int]:
    """A server whose sessions mask AMX, so every CPU has unsupported rows to show."""
    yield from serve(tmp_path, SSHAPP_DISABLE_ISA="amx")


def summary_cells(screen: str) -> dict[str, str]:
    """Return kernel id → the summary cell as shown, for every kernel row in the pane."""
    ids = {k.id for k in list_kernels()}
    cells = {}
    for row in table_rows(screen):
        parts = re.split(r" {2,}", row.strip(" ▁▃▇█▏▕"))
        if parts and parts[0] in ids:
            cells[parts[0]] = parts[-1].strip()
    return cells


def test_kernel_summaries_at_80_columns_end_in_whole_words(
    tmux: Tmux, amx_masked_port: int
) -> None:
    """A summary that does not fit is cut after a whole word and marked with …; an
    unsupported row says so in full ("unsupporte" and "packed, ca" before)."""
    open_app(tmux, amx_masked_port, "hana")
    summaries = {k.id: k.summary for k in list_kernels()}
    cells = summary_cells(tmux.capture("app"))
    tmux("send-keys", "-t", "app", "End")
    cells |= summary_cells(tmux.wait_for("app", "ref.naive.int8  [int8]"))
    assert len(cells) == len(summaries)
    for kid, cell in cells.items():
        if kid.startswith("amx."):
            assert cell.startswith("unsupported: CPU has no amx"), (kid, cell)
            continue
        if cell.startswith("unsupported: "):
            continue  # masked or absent on this CPU (AVX2-only: the AVX-512 rows)
        full = summaries[kid]
        assert cell == full or (
            cell.endswith("…") and full.startswith(cell[:-1]) and not full[len(cell) - 1].isalnum()
        ), (kid, cell)
        # The summary column keeps its room: 80 columns less the longest id (25 cells since
        # avx2.widen_pack_6x16.bf16), the short blocking and the gaps leave 24, less at
        # most one cut word.
        assert len(cell) >= 20, (kid, cell)


def test_setup_shows_every_picked_kernel_at_80_columns(tmux: Tmux, server_port: int) -> None:
    """`a` marks the whole f32 group, enter: setup names every one (cut at "avx2" before)."""
    open_app(tmux, server_port, "ines")
    tmux("send-keys", "-t", "app", "a")
    tmux("send-keys", "-t", "app", "Enter")
    screen = tmux.wait_for("app", "presets", "runs starting with")
    picked = [k.id for k in list_kernels() if k.dtype == "f32" and k.supported]
    picked.append("blas.numpy.f32")
    words = set(re.split(r"[\s,]+", screen))
    missing = [kid for kid in picked if kid not in words]
    assert not missing, screen


@pytest.mark.timeout(300)
def test_cancel_says_cancelling_until_the_host_has_stopped(tmux: Tmux, server_port: int) -> None:
    """x mid-repetition: "cancelling…" while the worker finishes the repetition it is in,
    "cancelled" once the host is free (it said "cancelled" at once, the core still busy)."""
    open_app(tmux, server_port, "jack")
    tmux("send-keys", "-t", "app", "s")
    tmux.wait_for("app", "presets")
    # 1024: about 1 s of CPU per call on an idle Zen 5 (at 768 the 0.4 s "cancelling"
    # window fell between two captures there), several on a loaded host; under the
    # 30 s run limit either way (1280 is refused).
    tmux("send-keys", "-t", "app", "-l", "ref.naive.f32")
    tmux("send-keys", "-t", "app", "Tab")
    tmux("send-keys", "-t", "app", "-l", "1024")
    tmux.wait_for("app", "1 run starting with ref.naive.f32 at 1024")
    tmux("send-keys", "-t", "app", "C-r")
    tmux.wait_for("app", "rep 1/5", timeout=150)  # a loaded 2-core host is slow
    tmux("send-keys", "-t", "app", "x")
    screen = tmux.wait_for("app", "cancelling", timeout=10)
    assert "cancelled ref.naive.f32" not in screen
    screen = tmux.wait_for("app", "cancelled ref.naive.f32", timeout=90)
    assert "cancelling" not in screen
