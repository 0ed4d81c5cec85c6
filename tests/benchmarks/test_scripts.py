"""The benchmark scripts still run against today's API (tiny sizes, results to a temp dir).

They are not tests of speed (benchmarks/ checks that); these only catch a script that an
API change broke, which nothing else runs until someone takes figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sshapp.kernels import probes

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
