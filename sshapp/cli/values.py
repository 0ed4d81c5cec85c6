"""Provides argparse value types shared by the verbs: bounded whole numbers and seconds."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sshapp.bench.run import bounds


def whole_in(lowest: int, highest: int) -> Callable[[str], int]:
    """Return an argparse type: a whole number in lowest..highest (checked before any use)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also for numbers of more than 4300 digits
            msg = f"{bounds.shown(text)!r} is not a whole number"
            raise argparse.ArgumentTypeError(msg) from None
        if why := bounds.out_of_range("it", value, lowest, highest):
            raise argparse.ArgumentTypeError(why.removeprefix("it "))
        return value

    return parse


def seconds(text: str) -> float:
    """Parse a positive, finite number of seconds (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        msg = f"{bounds.shown(text)!r} is not a number of seconds"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 < value < float("inf"):
        msg = f"must be > 0, got {bounds.shown(text)}"
        raise argparse.ArgumentTypeError(msg)
    return value


def tune_budget(text: str) -> float:
    """Parse `tune --budget`: seconds, at most MAX_TUNE_SECONDS (a tune holds the host)."""
    value = seconds(text)
    if value > bounds.MAX_TUNE_SECONDS:
        msg = f"must be at most {bounds.MAX_TUNE_SECONDS:g} s, got {bounds.shown(text)}"
        raise argparse.ArgumentTypeError(msg)
    return value


MAX_MESSAGE_CHARS = 240
"""Longest usage error line (argparse echoes every unrecognised argument in full)."""


def clipped(message: str) -> str:
    """`message` with each long word shortened (bounds.shown) and the whole line capped."""
    words = (bounds.shown(word) if len(word) > 40 else word for word in message.split(" "))
    line = " ".join(words)
    return line if len(line) <= MAX_MESSAGE_CHARS else f"{line[: MAX_MESSAGE_CHARS - 3]}..."
