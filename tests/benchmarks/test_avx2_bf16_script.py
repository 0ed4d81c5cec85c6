"""benchmarks/avx2_bf16.py's verdicts and report, and bench-lowp's AVX2 bf16 targets.

Synthetic figures (the script itself takes the bench lock and minutes: not a test).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


def _stats(gflops: float) -> dict[str, Any]:
    return {"samples_s": [1.0], "best_gflops": gflops, "median_gflops": gflops}


def _report(bf16: float, torch_avx2: float, two_threads: float) -> dict[str, Any]:
    mod = _script("avx2_bf16")
    row = {
        "shape": [1024, 1024, 1024],
        mod.F32: _stats(100.0),
        mod.OURS[0]: _stats(bf16),
        mod.OURS[1]: _stats(bf16 - 1),
        "torch": _stats(400.0),
        "torch_avx2": _stats(torch_avx2),
    }
    scaling = {
        f"{k} x{t}": _stats(100.0 * (two_threads if t == 2 else 1.0))
        for k in [mod.F32, *mod.OURS]
        for t in (1, 2)
    }
    return {"rows": [row], "scaling": scaling}


def test_verdicts_follow_the_issue_targets() -> None:
    mod = _script("avx2_bf16")
    good = mod.checks(_report(95.0, 1.0, 1.9))
    assert any("0.95×" in c and "≥ 0.90×: met" in c for c in good), good
    assert any("95.0× torch bf16 (oneDNN held to AVX2" in c and "met" in c for c in good), good
    assert sum("≥ 1.8×: met" in c for c in good) == 2, good
    bad = mod.checks(_report(85.0, 2.0, 1.5))
    assert any("0.85×" in c and "NOT met" in c for c in bad), bad
    assert any("42.5× torch bf16" in c and "NOT met" in c for c in bad), bad
    assert sum("≥ 1.8×: NOT met" in c for c in bad) == 2, bad


def test_report_renders_every_row_and_the_winner() -> None:
    mod = _script("avx2_bf16")
    report = _report(95.0, 1.0, 1.9)
    report.update(
        when="now",
        cpu="cpu",
        core=1,
        loadavg="0",
        minutes=1.0,
        command="c",
        torch="2.13",
        blocks={mod.F32: "6x16"},
        checks=mod.checks(report),
        peers={
            "torch_avx2": {
                "env": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
                "capability": "AVX2",
                "isa": None,
                "implementations": ["none"],
            }
        },
        avx2_host={"supported": mod.OURS, "top": mod.OURS[1]},
    )
    text = mod.render(report)
    assert "widen_ukr / widen_pack = 0.99" in text
    assert "ONEDNN_MAX_CPU_ISA" in text
    assert f"| 1024×1024×1024 | `{mod.OURS[0]}` | 95.0 |" in text


def test_lowp_avx2_targets_skip_where_f32_or_torch_is_not_avx2() -> None:
    """On an AVX-512 CPU the AVX2 bf16 targets say why they are avx2_bf16.py's to show."""
    lowp = _script("lowp")
    wide: dict[str, Any] = {
        "best_f32": "avx512.packed_14x32.f32",
        "peer": {"ops": {"matmul src:bf16 1024": "brg_matmul:avx512_core_bf16"}},
        "peaks": {},
        "rows": [],
    }
    assert "not AVX2" in (lowp._out_of_reach(wide, "avx2", "bf16", "f32", 0.9) or "")
    assert "avx512_core_bf16" in (lowp._out_of_reach(wide, "avx2", "bf16", "peer", 50) or "")
    avx2_only = {**wide, "best_f32": "avx2.packed_6x16.f32", "peer": {"ops": {}}}
    assert lowp._out_of_reach(avx2_only, "avx2", "bf16", "f32", 0.9) is None
    assert lowp._out_of_reach(avx2_only, "avx2", "bf16", "peer", 50) is None
