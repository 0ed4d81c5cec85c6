"""A newcomer over OpenSSH in tmux (issue 26): keys in a burst, the kernel table at 80×24,
labels that fit, and a cancel that waits for the host."""

from __future__ import annotations

import shutil

import pytest

from tests.tui.tmux_kit import Tmux, open_app

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
