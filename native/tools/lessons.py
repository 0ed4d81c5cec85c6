"""Generates the lesson table (issue 24): each kernel's header comment and marked loop as data.

Usage: python lessons.py REGISTRY_CPP SRC_DIR OUT_CPP

Every row of the kernel table (registry.cpp) names its function; the kernel file under
SRC_DIR/kernels/ that defines it must open with a comment (its lesson: what the step adds
and why) and mark its micro-kernel's inner loop with exactly these two comment lines:

    // [lesson:loop]
    ...
    // [/lesson:loop]

OUT_CPP gets one `mm::Lesson` row per kernel id: the id, the file (relative to SRC_DIR),
the header with its `//` markers removed and the loop's lines, dedented. A kernel whose file
lacks a header or the markers fails the build with the file's name, so a new kernel cannot
ship without its lesson. Standard library only: CMake runs it at build time.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BEGIN = "// [lesson:loop]"
"""The line before a kernel's inner loop."""
END = "// [/lesson:loop]"
"""The line after it."""
ROW_START = re.compile(r'\{\s*"([a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+)"')
"""The opening of a kernel table row: `{"<isa>.<algorithm>.<dtype>"`."""
DELIM = "mmlesson"
"""Raw string delimiter of the generated literals."""


class LessonError(Exception):
    """A kernel file without its lesson (one line naming the file)."""


def table_rows(registry: str) -> list[tuple[str, str]]:
    """Return (kernel id, function name) for every row of the kernel table, table order.

    The name keeps its namespace qualifier (`avx2::gemm_…`): two ISAs may define a
    kernel of the same shape under the same name in their own namespaces."""
    rows = []
    for match in ROW_START.finditer(registry):
        depth, pos, in_string = 1, match.end(), False
        while depth and pos < len(registry):
            ch = registry[pos]
            if in_string:
                in_string = ch != '"' or registry[pos - 1] == "\\"
            elif ch == '"':
                in_string = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            pos += 1
        body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', registry[match.end() : pos - 1])
        names = re.findall(r"[A-Za-z_][\w:]*", body)
        if not names:
            msg = f"registry.cpp: row {match.group(1)} names no function"
            raise LessonError(msg)
        rows.append((match.group(1), names[-1]))
    if not rows:
        msg = "registry.cpp: no kernel rows found"
        raise LessonError(msg)
    return rows


def defining_file(function: str, sources: list[Path], src_dir: Path) -> Path:
    """Return the kernel file that defines `function` (exactly one must).

    `function` may be qualified (`avx2::gemm_…`): when several files define its name,
    the one that opens that namespace (`namespace mm::avx2`) is meant."""
    qualifier, _, name = function.rpartition("::")
    pattern = re.compile(rf"^void\s+{re.escape(name)}\s*\(", re.MULTILINE)
    opens = re.compile(rf"^namespace\s+mm::{re.escape(qualifier)}\s*\{{", re.MULTILINE)
    found = [p for p in sources if pattern.search(p.read_text(encoding="utf-8"))]
    if len(found) > 1 and qualifier:
        found = [p for p in found if opens.search(p.read_text(encoding="utf-8"))]
    if len(found) != 1:
        where = ", ".join(str(p.relative_to(src_dir)) for p in found) or "no kernel file"
        msg = f"{function}: defined in {where} (expected exactly one file under kernels/)"
        raise LessonError(msg)
    return found[0]


def header(text: str, name: str) -> str:
    """Return the file's opening comment without its `//` markers."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        body = line[2:]
        lines.append(body[1:] if body.startswith(" ") else body)
    if not any(line.strip() for line in lines):
        msg = f"{name}: no header comment (the first lines must say what this step adds and why)"
        raise LessonError(msg)
    return "\n".join(lines)


def loop(text: str, name: str) -> str:
    """Return the lines between the two markers, dedented."""
    stripped = [line.strip() for line in text.splitlines()]
    begins = [i for i, s in enumerate(stripped) if s == BEGIN]
    ends = [i for i, s in enumerate(stripped) if s == END]
    if len(begins) != 1 or len(ends) != 1 or ends[0] <= begins[0] + 1:
        msg = (
            f"{name}: needs exactly one '{BEGIN}' line and one '{END}' line after it around "
            f"the micro-kernel's inner loop (found {len(begins)} and {len(ends)})"
        )
        raise LessonError(msg)
    lines = text.splitlines()[begins[0] + 1 : ends[0]]
    # Preprocessor lines (#pragma) sit at column 0: they do not count for the indent.
    code = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    indent = min((len(ln) - len(ln.lstrip()) for ln in code), default=0)
    return "\n".join(ln[indent:] if ln[:indent].isspace() else ln for ln in lines).strip("\n")


def literal(text: str) -> str:
    """Return `text` as a C++ raw string literal."""
    if f"){DELIM}" in text:
        msg = f"text contains the raw string delimiter ){DELIM}"
        raise LessonError(msg)
    return f'R"{DELIM}({text}){DELIM}"'


def generate(registry: Path, src_dir: Path) -> str:
    """Return the generated C++ source of the lesson table."""
    sources = sorted((src_dir / "kernels").rglob("*.cpp"))
    rows = []
    for kernel_id, function in table_rows(registry.read_text(encoding="utf-8")):
        path = defining_file(function, sources, src_dir)
        name = str(path.relative_to(src_dir))
        text = path.read_text(encoding="utf-8")
        rows.append(
            f'    {{"{kernel_id}", "{name}",\n     {literal(header(text, name))},\n'
            f"     {literal(loop(text, name))}}},\n"
        )
    return (
        "// Generated by native/tools/lessons.py from registry.cpp and the kernel files: do\n"
        "// not edit. Each row: id, kernel file, its header comment, its marked inner loop.\n"
        '#include "mm/lesson.hpp"\n\n'
        "namespace mm {\n\nconst Lesson LESSONS[] = {\n" + "".join(rows) + "};\n\n"
        "std::span<const Lesson> all_lessons() {\n    return LESSONS;\n}\n\n"
        "}  // namespace mm\n"
    )


def main(argv: list[str]) -> int:
    """Write the table; on a kernel without its lesson, print why and return 1."""
    if len(argv) != 3:
        sys.stderr.write("usage: lessons.py REGISTRY_CPP SRC_DIR OUT_CPP\n")
        return 2
    registry, src_dir, out = (Path(a) for a in argv)
    try:
        text = generate(registry, src_dir)
    except LessonError as exc:
        sys.stderr.write(f"lessons.py: error: {exc}\n")
        return 1
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
