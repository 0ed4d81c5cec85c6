"""The equal cut of m and k into blocks (native/src/slicing.cpp), which every packed driver
of the dot products and the AMX tiles runs after the model or `tune` chose MC and KC."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.native import cxx

# (k or m, KC or MC, align or MR) -> depth or rows; each line says what the cut was before.
DEPTHS = [
    (1024, 768, 64, 512),  # was 768 + 256: a short slice stores C once more for 1/4 the work
    (2048, 384, 8, 344),  # was 5 x 384 + 128
    (2048, 768, 16, 688),  # was 768 + 768 + 512
    (2048, 1536, 16, 1024),  # was 1536 + 512
    (768, 768, 8, 768),  # one slice: unchanged
    (100, 768, 8, 104),  # shallower than KC: one slice (the driver cuts it at k)
    (1001, 1000, 8, 504),  # was 1000 + 1: now 504 + 497
    (7, 3, 4, 3),  # 3 + 3 + 1: rounding to 4 would exceed KC, so unrounded
]
ROWS = [
    (2048, 672, 14, 518),  # was 3 x 672 + 32: now 3 x 518 + 494
    (1024, 672, 14, 518),  # was 672 + 352: now 518 + 506
    (300, 672, 14, 308),  # one block (the driver cuts it at m)
    (5, 14, 14, 14),  # fewer rows than MR: one padded panel
]


def _source(tmp_path: Path) -> Path:
    checks = [
        f'    fails += check("even_depth({k}, {kc}, {a})", mm::even_depth({k}, {kc}, {a}), {w});'
        for k, kc, a, w in DEPTHS
    ] + [
        f'    fails += check("even_rows({m}, {mc}, {mr})", mm::even_rows({m}, {mc}, {mr}), {w});'
        for m, mc, mr, w in ROWS
    ]
    src = tmp_path / "check_slicing.cpp"
    src.write_text(
        "\n".join(
            [
                "#include <cstdio>",
                '#include "mm/slicing.hpp"',
                "int check(const char* what, long got, long want) {",
                '    std::printf("%s = %ld (want %ld): %s\\n", what, got, want,',
                '                got == want ? "ok" : "FAIL");',
                "    return got == want ? 0 : 1;",
                "}",
                "int main() {",
                "    int fails = 0;",
                *checks,
                "    return fails;",
                "}",
            ]
        )
    )
    return src


@pytest.mark.timeout(120)
def test_blocks_are_cut_into_equal_pieces(tmp_path: Path) -> None:
    exe = cxx.build(tmp_path / "check", [_source(tmp_path), cxx.SLICING])
    run = cxx.run(exe)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count(": ok") == len(DEPTHS) + len(ROWS), run.stdout
