"""Every kernel's lesson is its file's own text: the header comment and the marked loop."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sshapp import kernels

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "native" / "src"
TOOL = ROOT / "native" / "tools" / "lessons.py"


def opening_comment(path: Path) -> str:
    """The file's leading `//` lines, markers removed (read here, not by the build's tool)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("//"):
            break
        lines.append(line[3:] if line.startswith("// ") else line[2:])
    return "\n".join(lines)


@pytest.mark.parametrize("info", kernels.list_kernels(), ids=lambda k: k.id)
def test_the_lesson_shown_is_the_kernel_files_header(info: kernels.KernelInfo) -> None:
    lesson = kernels.lesson_source(info.id)
    path = SRC / lesson.source
    assert path.is_file(), lesson.source
    assert lesson.header == opening_comment(path)
    assert len(lesson.header.splitlines()) >= 3, "a lesson says what the step adds and why"


@pytest.mark.parametrize("info", kernels.list_kernels(), ids=lambda k: k.id)
def test_the_loop_shown_is_in_the_kernel_files_source(info: kernels.KernelInfo) -> None:
    lesson = kernels.lesson_source(info.id)
    source = [line.strip() for line in (SRC / lesson.source).read_text().splitlines()]
    shown = [line.strip() for line in lesson.loop.splitlines()]
    assert len(shown) >= 3
    start = source.index("// [lesson:loop]") + 1
    assert source[start : start + len(shown)] == shown
    assert source[start + len(shown)] == "// [/lesson:loop]"
    assert any(fn in lesson.loop for fn in ("fmadd", "dp", "+=", "fma(", "DP")), lesson.loop


def test_every_kernel_of_the_table_has_a_lesson() -> None:
    # The tool reads every row of registry.cpp, compiled here or not (an AMX row under a
    # compiler without AMX flags), so the lessons are a superset of this build's table.
    compiled = [k.id for k in kernels.list_kernels()]
    assert [kid for kid in kernels.lesson_ids() if kid in compiled] == compiled


def test_an_unknown_kernel_has_no_lesson() -> None:
    with pytest.raises(kernels.UnknownKernelError, match="no native kernel"):
        kernels.lesson_source("avx9.nope.f32")


def tree(tmp_path: Path, kernel_text: str) -> tuple[Path, Path]:
    """A one-row kernel table and its kernel file, laid out like native/src."""
    src = tmp_path / "src"
    (src / "kernels" / "avx2").mkdir(parents=True)
    registry = src / "registry.cpp"
    registry.write_text(
        'const KernelInfo KERNELS[] = {\n    {"avx2.new_8x8.f32", "a new step", DType::F32, AVX2,\n'
        "     {8, 8, 0, 0, 0}, avx2::gemm_new_8x8_f32},\n};\n"
    )
    (src / "kernels" / "avx2" / "new_8x8.cpp").write_text(kernel_text)
    return registry, src


GOOD = (
    "// Step 9: what it adds.\n// Why: because.\n#include <x>\n"
    "void gemm_new_8x8_f32(const GemmArgs& args, const Blocking& blk) {\n"
    "    // [lesson:loop]\n    for (;;) acc += a * b;\n    // [/lesson:loop]\n}\n"
)


def run_tool(registry: Path, src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, str(TOOL), str(registry), str(src), str(out)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_the_build_tool_carries_header_and_loop(tmp_path: Path) -> None:
    registry, src = tree(tmp_path, GOOD)
    out = tmp_path / "lessons_gen.cpp"
    done = run_tool(registry, src, out)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert '{"avx2.new_8x8.f32", "kernels/avx2/new_8x8.cpp"' in text
    assert 'R"mmlesson(Step 9: what it adds.\nWhy: because.)mmlesson"' in text
    assert 'R"mmlesson(for (;;) acc += a * b;)mmlesson"' in text


def test_two_isas_may_name_a_kernel_alike_in_their_own_namespaces(tmp_path: Path) -> None:
    """avx2::gemm_x and avx_vnni::gemm_x: the row's qualifier picks the file."""
    head, body = GOOD.split("#include <x>\n")
    registry, src = tree(tmp_path, head + "namespace mm::avx2 {\n" + body + "}\n")
    (src / "kernels" / "avx_vnni").mkdir()
    other = "// Another step.\nnamespace mm::avx_vnni {\n" + body + "}\n"
    (src / "kernels" / "avx_vnni" / "new_8x8.cpp").write_text(other)
    out = tmp_path / "lessons_gen.cpp"
    done = run_tool(registry, src, out)
    assert done.returncode == 0, done.stderr
    assert '{"avx2.new_8x8.f32", "kernels/avx2/new_8x8.cpp"' in out.read_text()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param(
            GOOD.replace("    // [/lesson:loop]\n", ""), "lesson:loop", id="no-end-marker"
        ),
        pytest.param(GOOD.replace("// [lesson:loop]", "// loop"), "lesson:loop", id="no-marker"),
        pytest.param(GOOD.split("\n", 2)[2], "no header comment", id="no-header"),
    ],
)
def test_a_kernel_file_without_its_lesson_fails_the_build_by_name(
    tmp_path: Path, text: str, why: str
) -> None:
    registry, src = tree(tmp_path, text)
    done = run_tool(registry, src, tmp_path / "out.cpp")
    assert done.returncode == 1
    assert "kernels/avx2/new_8x8.cpp" in done.stderr
    assert why in done.stderr
    assert not (tmp_path / "out.cpp").exists()
