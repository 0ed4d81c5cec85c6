"""A run whose AMX product loses a tile: re-run notice on Finished, rejection on Failed.

The native call is wrapped to zero one 16×16 block of C (what a lost tile state would
do). The AMX tests need an AMX CPU; the `ref` ones treat ref.naive.int8 as a retried
kernel so the same path through the engine and the CLI runs on any CPU.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from sshapp import _native, kernels
from sshapp.bench.engine import Engine
from sshapp.bench.protocol.events import Event, Failed, Finished
from sshapp.bench.protocol.spec import BenchSpec, RunSpec, Shape
from sshapp.cli.main import main
from sshapp.config import Settings
from sshapp.kernels import guard
from sshapp.kernels.dtypes import Array

TILE = 16


def zero_tile(monkeypatch: pytest.MonkeyPatch, prefix: str, times: int) -> list[str]:
    """Zero C[16:32, 16:32] after native products of kernels named `prefix`*, `times`
    times (-1: always); returns the ids of every native product call."""
    real = _native.gemm
    left = [times]
    calls: list[str] = []

    def zeroing(kernel_id: str, a: Array, b: Array, c: Array, **kw: Any) -> None:
        calls.append(kernel_id)
        real(kernel_id, a, b, c, **kw)
        if kernel_id.startswith(prefix) and left[0] != 0:
            left[0] -= 1
            c[TILE : 2 * TILE, TILE : 2 * TILE] = 0

    monkeypatch.setattr(_native, "gemm", zeroing)
    return calls


def _retry_ref(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat ref.* as a retried family (so this runs without AMX)."""
    monkeypatch.setattr(guard, "RETRIED_FAMILIES", ("amx", "ref"))


async def _events(settings: Settings, kernel: str, size: int) -> list[Event]:
    engine = Engine(settings, "u")
    run: RunSpec
    (run,) = engine.expand(BenchSpec((kernel,), (Shape(size, size, size),), repeats=2))
    return [event async for event in engine.run(run)]


def _need(kernel_id: str) -> None:
    info = kernels.get(kernel_id)
    if not info.supported:
        pytest.skip(f"{kernel_id}: {info.reason}")


def _under_test(monkeypatch: pytest.MonkeyPatch, kernel: str) -> str:
    """The kernel id a parametrized case runs ("ref": ref.naive.int8 as if retried)."""
    if kernel == "ref":
        _retry_ref(monkeypatch)
        kernel = "ref.naive.int8"
    _need(kernel)
    return kernel


@pytest.mark.parametrize("kernel", ["amx.tiles_32x32.int8", "amx.tiles_32x32.bf16", "ref"])
async def test_wrong_once_finishes_with_the_rerun_notice(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, kernel: str
) -> None:
    kernel = _under_test(monkeypatch, kernel)
    calls = zero_tile(monkeypatch, kernel.split(".")[0] + ".", times=1)
    events = await _events(settings, kernel, 48)
    done = events[-1]
    assert isinstance(done, Finished), done
    assert calls == [kernel, kernel]  # the check's product, then its re-run
    assert done.result.check_ok
    assert done.result.notice.startswith("AMX product was wrong once")
    assert "right on re-run" in done.result.notice


@pytest.mark.parametrize("kernel", ["amx.tiles_32x32.int8", "amx.tiles_32x32.bf16", "ref"])
async def test_wrong_twice_fails_with_the_rejection(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, kernel: str
) -> None:
    kernel = _under_test(monkeypatch, kernel)
    calls = zero_tile(monkeypatch, kernel.split(".")[0] + ".", times=-1)
    events = await _events(settings, kernel, 48)
    failed = events[-1]
    assert isinstance(failed, Failed), failed
    assert not [e for e in events if isinstance(e, Finished)]  # never "checked ok"
    assert failed.error.startswith(f"WRONG ANSWER from {kernel}")
    assert f"AMX result rejected: {kernel} was wrong twice" in failed.error
    alt = guard.fallback_kernel(kernel)
    if alt is None:
        assert failed.error.endswith("runs here")
        assert calls == [kernel, kernel]
    else:
        assert f"computed by {alt} instead (check ok" in failed.error
        assert calls == [kernel, kernel, alt]
    assert "\n" not in failed.error


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), io.StringIO(), out, io.StringIO()), out.getvalue()


@pytest.mark.usefixtures("settings")
def test_cli_shows_the_notice_in_text_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    _retry_ref(monkeypatch)
    zero_tile(monkeypatch, "ref.", times=1)
    code, out = _cli("bench", "ref.naive.int8", "--size", "40", "--reps", "2")
    assert code == 0, out
    (line,) = [x for x in out.splitlines() if "NOTICE" in x]
    assert line.startswith("  NOTICE: AMX product was wrong once")
    zero_tile(monkeypatch, "ref.", times=1)
    code, out = _cli("bench", "ref.naive.int8", "--size", "40", "--reps", "2", "--json")
    assert code == 0, out
    done = json.loads(out.splitlines()[-1])
    assert (done["event"], done["check_ok"]) == ("finished", True)
    assert "right on re-run" in done["notice"]


@pytest.mark.usefixtures("settings")
def test_cli_json_notice_is_null_when_nothing_happened() -> None:
    code, out = _cli("bench", "ref.naive.int8", "--size", "24", "--reps", "1", "--json")
    assert code == 0, out
    done = json.loads(out.splitlines()[-1])
    assert (done["event"], done["notice"]) == ("finished", None)
