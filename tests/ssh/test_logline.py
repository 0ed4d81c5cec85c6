"""Structured log lines stay one parseable line whatever clients send."""

from __future__ import annotations

from sshapp.logfmt import format_event


def test_plain_values_are_bare_and_odd_ones_quoted() -> None:
    line = format_event("auth", user="alice", peer="127.0.0.1", command="bench x\n--json", n=None)
    assert line == 'event=auth user=alice peer=127.0.0.1 command="bench x\\n--json"'
    assert "\n" not in format_event("x", user="a\nb\x1b[2J")
