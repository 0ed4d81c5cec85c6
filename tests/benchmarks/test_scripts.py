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


def test_amx_check_without_amx_says_so_and_writes_every_section(tmp_path: Path) -> None:
    env = {**os.environ, "SSHAPP_DISABLE_ISA": "amx", "SSHAPP_STATE_DIR": str(tmp_path / "s")}
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "amx_check.py"),
            "--quick",
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
