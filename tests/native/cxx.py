"""Build and run the test-only C++ harnesses under native/tests/ (g++, ASan + UBSan).

Kernel sources are compiled either as they are (real intrinsics, ISA flags) or with
their `#include <immintrin.h>` replaced by an emulator header, so the very same source
runs on any x86-64 CPU.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from sshapp import _native

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "native"
SANITIZE = ("-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all")
AVX512_FLAGS = ("-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma")
LOWP_FLAGS = (*AVX512_FLAGS, "-mavx512bf16", "-mavx512vnni")
AMX_FLAGS = (*AVX512_FLAGS, "-mamx-tile", "-mamx-bf16", "-mamx-int8")
TEAM = NATIVE / "src/threads.cpp"
"""The thread team (baseline code): every harness that runs a kernel driver links it."""
SLICING = NATIVE / "src/slicing.cpp"
"""The equal cut of m and k into blocks (baseline code): the packed drivers call it."""


def compiler() -> str:
    """The g++ to use, or skip the test (with the reason) when there is none."""
    cxx = shutil.which("g++")
    if cxx is None:
        pytest.skip("g++ not installed")
    return cxx


def emulated(sources: Sequence[Path], header: str, out_dir: Path) -> list[Path]:
    """Copies of `sources` that include `header` instead of <immintrin.h>."""
    out = []
    for src in sources:
        patched, count = re.subn(r"#include <immintrin.h>", f'#include "{header}"', src.read_text())
        assert count == 1, src
        dst = out_dir / f"emu_{src.name}"
        dst.write_text(patched)
        out.append(dst)
    return out


def build(
    out: Path,
    sources: Sequence[Path],
    *,
    flags: Sequence[str] = (),
    defines: Sequence[str] = (),
) -> Path:
    """Compile `sources` (with the native include paths) into the executable `out`."""
    cmd = [
        compiler(),
        "-std=c++20",
        "-Wall",
        "-Wextra",
        *SANITIZE,
        "-pthread",
        *flags,
        *(f"-D{d}" for d in defines),
        f"-I{NATIVE / 'tests/emu512'}",
        f"-I{NATIVE / 'tests/amx_emu'}",
        f"-I{NATIVE / 'include'}",
        f"-I{NATIVE / 'src'}",
        *map(str, sources),
        "-o",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


def run(
    exe: Path, *args: str, timeout: float = 120, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a harness (with `env` added to the environment); exit status = failures."""
    return subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **env} if env else None,
    )


def require_features(*names: str, reason: str) -> None:
    """Skip unless this CPU (after SSHAPP_DISABLE_ISA) has every feature in `names`."""
    info = _native.cpu_info()
    missing = [n for n in names if not info["features"][n]]
    if missing:
        note = f" ({info['amx_note']})" if info["amx_note"] and "amx" in reason.lower() else ""
        pytest.skip(f"{reason}{note}: missing {', '.join(missing)}")


def assert_all_ok(proc: subprocess.CompletedProcess[str], ids: Sequence[str]) -> None:
    """A harness run passed: exit status 0 and an "<id>: ok" line for every id."""
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    for kid in ids:
        assert f"{kid}: ok" in out, out[-4000:]
