"""The generated code stores the whole tile configuration before LDTILECFG (issue 25).

tiles.cpp is compiled to assembly with the project's AMX flags at -O2 and -O3 and read by
tilecfg_asm.check; so is the built extension (objdump: the configuration as LTO inlined
it into the kernels). The check is shown to fail on the same source without the wrapper's
fence (GCC 12 drops the tile shapes there) and on a snippet that stores 8 bytes. Only a
compiler is needed, not an AMX CPU. Also: no raw tile intrinsic outside tile_ops.hpp.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sshapp import _native
from tests.native import cxx
from tests.native.tilecfg_asm import check

TILES = cxx.NATIVE / "src/kernels/amx/tiles.cpp"
# native/CMakeLists.txt's flags for the amx/ folder (Release adds -O3; -O2 is checked too)
FLAGS = ("-std=c++20", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra", *cxx.AMX_FLAGS)
OPT_LEVELS = ["-O2", "-O3"]
DROPPED = "the shape stores were dropped"
EIGHT_BYTES = """
#include <immintrin.h>
#include <cstdint>
void configure_from_eight_bytes(std::uint64_t head) {
    alignas(64) unsigned char cfg[64];
    __builtin_memcpy(cfg, &head, 8);
    _tile_loadconfig(cfg);
}
"""


def assembly(src: Path, opt: str, out_dir: Path) -> str:
    out = out_dir / f"{src.stem}{opt}.s"
    cmd = [
        cxx.compiler(),
        *FLAGS,
        opt,
        f"-I{cxx.NATIVE / 'include'}",
        f"-I{cxx.NATIVE / 'src'}",
        "-S",
        str(src),
        "-o",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0 and "amx" in proc.stderr and "unrecognized" in proc.stderr:
        pytest.skip(f"this g++ has no AMX flags: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out.read_text()


@pytest.mark.parametrize("opt", OPT_LEVELS)
def test_tiles_cpp_stores_the_whole_config(opt: str, tmp_path: Path) -> None:
    verdicts = check(assembly(TILES, opt, tmp_path))
    assert len(verdicts) == 1, [v.where for v in verdicts]  # tiles.cpp: the one LDTILECFG
    assert verdicts[0].problems == [], verdicts[0]
    assert "TileScope" in verdicts[0].where


@pytest.mark.parametrize("opt", OPT_LEVELS)
def test_check_fails_without_the_fence(opt: str, tmp_path: Path) -> None:
    """tiles.cpp with the bare intrinsic for tile_config: GCC 12 keeps only the zeroes."""
    source = TILES.read_text()
    assert source.count("tile_config(&cfg);") == 1
    broken = tmp_path / "tiles_without_fence.cpp"
    broken.write_text(source.replace("tile_config(&cfg);", "_tile_loadconfig(&cfg);"))
    (verdict,) = check(assembly(broken, opt, tmp_path))
    if not verdict.problems:
        pytest.skip(f"this compiler keeps the shape stores without the fence at {opt}")
    assert any(DROPPED in p for p in verdict.problems), verdict
    assert verdict.cfg[0] == 1  # what makes it look plausible: palette 1, the rest zero
    assert all(b == 0 for b in verdict.cfg[1:])


@pytest.mark.parametrize("opt", OPT_LEVELS)
def test_check_fails_on_eight_stored_bytes(opt: str, tmp_path: Path) -> None:
    src = tmp_path / "eight.cpp"
    src.write_text(EIGHT_BYTES)
    (verdict,) = check(assembly(src, opt, tmp_path))
    assert "bytes never stored before ldtilecfg: 8..63" in verdict.problems, verdict


def test_built_extension_stores_the_whole_config() -> None:
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.skip("objdump not installed")
    proc = subprocess.run(
        [objdump, "-d", "--no-show-raw-insn", _native.__file__],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    verdicts = check(proc.stdout)
    if not verdicts:
        pytest.skip("the extension was built without the AMX kernels (no ldtilecfg)")
    for verdict in verdicts:
        assert verdict.problems == [], verdict


def test_no_raw_tile_intrinsics_outside_the_wrapper() -> None:
    """Every tile instruction of amx/ goes through tile_ops.hpp, which carries the fence."""
    raw = re.compile(r"\b_tile_\w+\s*\(")
    wrapped = re.compile(r"\b(MM_TILE_\w+|tile_config|tile_release)\s*\(")
    offenders, users = [], set()
    for path in sorted((cxx.NATIVE / "src/kernels/amx").iterdir()):
        if path.name == "tile_ops.hpp":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if raw.search(code):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
            if wrapped.search(code):
                users.add(path.name)
    assert offenders == []
    assert {"tiles.cpp", "tdp_peak.cpp", "amx_loops.hpp"} <= users
