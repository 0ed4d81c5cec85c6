"""Provides each native kernel's lesson source: its file's header comment and marked loop.

The build generates the table from the kernel files (native/tools/lessons.py), so the text
here is the file's own text: nobody copies it into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sshapp import _native
from sshapp.kernels.errors import UnknownKernelError


@dataclass(frozen=True, slots=True)
class LessonSource:
    """What a kernel's source file says about itself."""

    id: str
    """Kernel id."""
    source: str
    """The kernel file, relative to native/src ("kernels/avx2/ukr_5x16.cpp")."""
    header: str
    """The file's opening comment, `//` markers removed: what the step adds and why."""
    loop: str
    """The micro-kernel's inner loop: the lines between the file's lesson markers."""


@cache
def _table() -> dict[str, LessonSource]:
    return {
        row["id"]: LessonSource(row["id"], row["source"], row["header"], row["loop"])
        for row in _native.list_lessons()
    }


def lesson_source(kernel_id: str) -> LessonSource:
    """Return the lesson source of a native kernel.

    Raises:
        UnknownKernelError: No native kernel has this id.
    """
    try:
        return _table()[kernel_id]
    except KeyError:
        msg = f"no native kernel {kernel_id!r} (so no lesson); 'sshapp kernels' lists them"
        raise UnknownKernelError(msg) from None


def lesson_ids() -> tuple[str, ...]:
    """Return every kernel id the lesson table has, table order."""
    return tuple(_table())
