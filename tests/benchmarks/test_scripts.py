"""The benchmark scripts still run against today's API (tiny sizes, results to a temp dir).

They are not tests of speed (benchmarks/ checks that); these only catch a script that an
API change broke, which nothing else runs until someone takes figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sshapp.kernels import cpu_info, probes

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_scaling_script_writes_its_report(tmp_path: Path) -> None:
    done = _run(
        "scaling.py", "--size", "48", "--rounds", "1", "--reps", "1", "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "scaling.json").read_text())
    kernels_seen = {(r["dtype"], r["kernel"]) for r in data["rows"]}
    assert ("f32", "numpy") in kernels_seen
    assert ("f64", "numpy") in kernels_seen
    assert all(r["gflops"] > 0 and r["median_gflops"] > 0 for r in data["rows"])
    want = {f"{isa}.{dtype}" for isa, dtype in probes.supported_probes()}
    assert {p["probe"] for p in data["probes"]} == want
    assert "## Targets" in (tmp_path / "scaling.md").read_text()


def test_lowp_script_quick_run_writes_its_report(tmp_path: Path) -> None:
    done = _run("lowp.py", "--quick", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "lowp.json").read_text())
    assert data["rows"], data
    assert (tmp_path / "lowp.md").read_text().startswith("#")


def _lowp_report(peer_ops: dict[str, str], peer_best: float) -> dict[str, object]:
    row = {
        "shape": [2048, 2048, 2048],
        "bf16": {
            "ours": [{"id": "avx512.packed_14x32.bf16", "best_gflops": 110.0}],
            "peer": {"best_gflops": peer_best},
        },
        "int8": {
            "ours": [{"id": "avx512.packed_14x32.int8", "best_gflops": 600.0}],
            "peer": {"best_gflops": peer_best},
        },
        "f32": {"best_gflops": 200.0},
    }
    return {
        "rows": [row],
        "peaks": {"avx512.f32": 246.0, "avx512_bf16.bf16": 123.0, "avx512_vnni.int8": 988.0},
        "peer": {"ops": peer_ops},
    }


def test_lowp_targets_out_of_reach_say_why() -> None:
    """An AVX-512 target against a peer on AMX tiles, or above its own probe, is a SKIP."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import lowp  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    amx = _lowp_report({"matmul src:bf16 2048": "brg_matmul:avx10_1_512_amx"}, 1400.0)
    why = lowp._out_of_reach(amx, "avx512", "bf16", "peer", 0.9)
    assert why is not None
    assert "AMX tiles" in why
    assert "above the avx512_vnni.int8 probe" in (
        lowp._out_of_reach(amx, "avx512", "int8", "peer", 0.9) or ""
    )
    assert "0.50× the best f32" in (lowp._out_of_reach(amx, "avx512", "bf16", "f32", 1.8) or "")
    # Zen 4's case: the peer on AVX512_BF16 below the probe, VDPBF16PS at 2x f32: measured.
    zen4 = _lowp_report({"matmul src:bf16 2048": "brg_matmul:avx512_core_bf16"}, 210.0)
    zen4["peaks"] = {"avx512.f32": 117.0, "avx512_bf16.bf16": 235.0, "avx512_vnni.int8": 470.0}
    assert lowp._out_of_reach(zen4, "avx512", "bf16", "peer", 0.9) is None
    assert lowp._out_of_reach(zen4, "avx512", "bf16", "f32", 1.8) is None
    assert lowp._out_of_reach(amx, "amx", "bf16", "peer", 1.0) is None


def test_amx_check_without_amx_says_so_and_writes_every_section(tmp_path: Path) -> None:
    env = {**os.environ, "SSHAPP_DISABLE_ISA": "amx", "SSHAPP_STATE_DIR": str(tmp_path / "s")}
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "amx_check.py"),  # the full run: no AMX, under a minute
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started < 60
    (line,) = done.stdout.splitlines()  # the one line; progress goes to stderr
    assert line.startswith("amx-check: no AMX here: "), line
    if cpu_info().detected.get("amx_tile"):  # an AMX CPU: the mask is the reason
        assert "masked by SSHAPP_DISABLE_ISA=amx (the CPU has it)" in line
    data = json.loads((tmp_path / "amx_check.json").read_text())
    sections = data["sections"]
    assert list(sections) == [
        "host",
        "permission",
        "probes",
        "correctness",
        "stress",
        "stand-ins",
        "tune",
        "lowp",
    ]
    for name in ("probes", "stress", "tune", "lowp"):
        assert sections[name]["status"] == "skip", sections[name]
    assert sections["correctness"]["status"] in ("ok", "skip")
    assert sections["stand-ins"]["status"] == "ok", sections["stand-ins"]
    assert sections["host"]["data"]["kernel"] == os.uname().release
    text = (tmp_path / "amx_check.md").read_text()
    assert text.startswith("# AMX check — ")
    for name in sections:
        assert f"\n## {name}\n" in text


def test_fleet_script_writes_its_report(tmp_path: Path) -> None:
    done = _run(
        "fleet.py", "--screens", "1", "--clients", "2", "--runs", "1", "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "fleet.json").read_text())
    assert data["clients"]["failures"] == 0, data["clients"]
    assert data["first_screen"]["gateway_p50"] > 0
    assert data["makespan"]["any"]["failures"] == data["makespan"]["one_node"]["failures"] == 0
    assert "first screen p50" in (tmp_path / "fleet.md").read_text()
