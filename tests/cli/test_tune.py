"""CLI: `tune`, blocking flags on `bench`, and what `kernels` and `cpu` report about it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import pytest

from sshapp.bench.blocking.jobs import TuneCandidate
from sshapp.bench.blocking.search import Candidate
from sshapp.cli.main import main
from sshapp.cli.tuning import _event_json, _event_text
from sshapp.kernels import Blocking, list_kernels

PACKED = next((k for k in list_kernels() if k.packed and k.supported), None)
needs_packed = pytest.mark.skipif(PACKED is None, reason="no packed kernel runs on this CPU")


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


@needs_packed
def test_tune_streams_each_candidate_within_its_budget(sub_env: dict[str, str]) -> None:
    assert PACKED is not None
    cmd = [sys.executable, "-m", "sshapp", "tune", PACKED.id, "--size", "128", "--budget", "3"]
    started = time.monotonic()
    with subprocess.Popen(
        [*cmd, "--json"], env=sub_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        lines = iter(proc.stdout.readline, "")
        first = json.loads(next(lines))
        second = json.loads(next(lines))  # streamed while the search goes on
        rest = [json.loads(line) for line in lines]
        code = proc.wait(timeout=60)
        assert code == 0, proc.stderr.read()
    assert time.monotonic() - started < 3 + 45  # budget, start-up, peaks; `best` on a busy host
    assert first["event"] == "tune_started"
    assert second == {**second, "event": "candidate", "phase": "model", "kernel": PACKED.id}
    kinds = [e["event"] for e in rest]
    assert "tuned" in kinds
    assert kinds[-1] == "host_best"


def test_tune_refuses_what_it_cannot_do() -> None:
    code, _, err = _main("tune", "ref.naive.f32")
    assert code == 2
    assert "only packed kernels can be tuned" in err
    code, _, err = _main("tune", "no.such.kernel")
    assert code == 2
    assert "unknown kernel" in err
    if PACKED is not None:
        code, _, err = _main("tune", PACKED.id, "--size", "4096", "--budget", "1")
        assert code == 2
        assert "too large for a 1 s budget" in err


@needs_packed
def test_bench_json_carries_the_blocking() -> None:
    assert PACKED is not None
    mr = PACKED.blocking.MR
    code, out, err = _main(
        "bench", PACKED.id, "--size", "40", "--reps", "1", "--kc", "24", "--mc", str(mr), "--json"
    )
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    finished = next(e for e in events if e["event"] == "finished")
    assert finished["blocking"] == {
        "mc": mr,
        "kc": 24,
        "nc": PACKED.blocking.NC,
        "source": "given",
    }
    code, _, err = _main("bench", PACKED.id, "--size", "40", "--mc", str(mr + 1))
    assert code == 2
    assert "MC must be a multiple of MR" in err


def test_bench_best_names_the_concrete_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    from sshapp.bench.blocking import hostbest
    from sshapp.bench.protocol.spec import Shape

    monkeypatch.setattr(hostbest, "CLASSES", {"small": (Shape(16, 16, 16),)})
    monkeypatch.setattr(hostbest, "ROUNDS", 1)
    code, out, err = _main(
        "bench", "best", "--dtype", "f64", "--size", "20", "--reps", "1", "--json"
    )
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    started = next(e for e in events if e["event"] == "started")
    assert started["kernel"] in hostbest.candidates("f64") or started["kernel"].startswith("ref.")
    assert started["dtype"] == "f64"
    code, out, _ = _main("kernels", "--json")
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert "small" in rows[started["kernel"]]["host_best"]


def test_cpu_json_reports_caches_and_the_model() -> None:
    code, out, err = _main("cpu", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["cache_source"]
    assert info["caches"]["l1d"]["bytes"] == info["l1d_bytes"]
    for kid, model in info["blocking_model"].items():
        assert model["KC"] * model["NR"] <= info["l1d_bytes"], kid
        assert "of L2" in model["explain"]


def test_the_final_line_names_the_kept_candidate_instead_of_repeating_an_index() -> None:
    b = Blocking(6, 16, 96, 256, 4080)
    other = Blocking(6, 16, 96, 128, 4080)
    lines = [
        _event_text(TuneCandidate(Candidate("k", 0, "model", b, 40.0, 40.0)))[0],
        _event_text(TuneCandidate(Candidate("k", 1, "KC", other, 39.0, 40.0)))[0],
        _event_text(TuneCandidate(Candidate("k", 0, "final", b, 41.0, 40.0)))[0],
    ]
    assert lines[0].split()[:2] == ["0", "model"]
    assert lines[1].split()[:2] == ["1", "KC"]
    assert lines[2].split()[0] == "final"  # no index of its own in the index column
    assert "(candidate 0, head to head with the model)" in lines[2]
    assert len({line.index("MC=") for line in lines}) == 1  # the columns still line up
    final = _event_json(TuneCandidate(Candidate("k", 0, "final", b, 41.0, 40.0)))
    assert (final["phase"], final["index"]) == ("final", 0)
