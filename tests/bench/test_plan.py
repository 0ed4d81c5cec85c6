"""Spec validation and expansion: every bad spec is one readable SpecError line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import BenchSpec, RunSpec, Shape
from sshapp.bench.run import plan
from sshapp.bench.run.plan import Limits, estimate_seconds, expand
from sshapp.config import GIB
from sshapp.kernels import DTYPES, get, list_kernels

LIMITS = Limits(max_bytes=GIB, max_seconds=30.0)


def _spec(*kernels: str, size: int = 64, **kw: object) -> BenchSpec:
    return BenchSpec(kernels=kernels, shapes=(Shape(size, size, size),), **kw)  # type: ignore[arg-type]


def test_globs_and_sweeps_expand_kernel_major() -> None:
    shapes = (Shape(8, 8, 8), Shape(16, 16, 16))
    runs = expand(BenchSpec(("ref.*", "blas.*"), shapes, dtype="f64"), LIMITS)
    ids = [r.kernel_id for r in runs]
    assert ids == ["ref.reorder.f64"] * 2 + ["ref.naive.f64"] * 2 + ["blas.numpy.f64"] * 2
    assert [r.shape for r in runs[:2]] == list(shapes)
    assert all(r.dtype == "f64" for r in runs)


def test_duplicate_kernels_run_once() -> None:
    runs = expand(_spec("ref.naive.f32", "ref.naive.*"), LIMITS)
    assert [r.kernel_id for r in runs] == [f"ref.naive.{dt}" for dt in DTYPES]


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (_spec("ref.naive.f32", size=0), "at least 1"),
        (_spec("ref.naive.f32", size=-5), "at least 1"),
        (_spec("ref.naive.f32", size=100_000), "MiB"),
        (_spec("ref.naive.f32", size=8192), "would take"),
        (_spec("nope.kernel"), "unknown kernel"),
        (_spec("ref.naive.f3"), "did you mean"),
        (_spec("zzz.*"), "no kernel matches"),
        (_spec("ref.naive.f32", dtype="f64"), "works on f32, not f64"),
        (_spec("ref.*", dtype="f16"), "unknown dtype"),
        (_spec(), "no kernel given"),
        (_spec("ref.naive.f32", repeats=0), "repetitions"),
        (_spec("ref.naive.f32", warmup=-1), "warm-up"),
        (_spec("ref.naive.f32", budget_seconds=-1.0), "budget"),
        (_spec("ref.naive.f32", budget_seconds=3600.0), "over the limit"),
        (BenchSpec(("ref.naive.f32",), ()), "no size"),
    ],
)
def test_bad_specs_are_one_line(spec: BenchSpec, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        expand(spec, LIMITS)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_time_estimate_grows_with_size() -> None:
    small = RunSpec("ref.naive.f32", "f32", Shape(256, 256, 256))
    big = RunSpec("ref.naive.f32", "f32", Shape(8192, 8192, 8192))
    assert estimate_seconds(small) < 1
    assert estimate_seconds(big) > 30


MASKED = """
import json
from sshapp.bench.run.plan import Limits, expand
from sshapp.bench.protocol.errors import SpecError
from sshapp.bench.protocol.spec import BenchSpec, Shape
try:
    expand(BenchSpec((KERNEL,), (Shape(64, 64, 64),)), Limits(1 << 30, 30.0))
    print(json.dumps("accepted"))
except SpecError as exc:
    print(json.dumps(str(exc)))
"""


def test_unsupported_kernel_is_refused() -> None:
    """Masks the kernel's features with SSHAPP_DISABLE_ISA in a fresh process."""
    needy = [k for k in list_kernels() if k.requires and k.supported]
    if not needy:
        pytest.skip("no kernel in this build needs a CPU feature this host has to mask")
    kernel = needy[0]
    env = {**os.environ, "SSHAPP_DISABLE_ISA": ",".join(kernel.requires)}
    code = MASKED.replace("KERNEL", repr(kernel.id))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    message = json.loads(out.stdout)
    assert "cannot run here" in message
    assert "SSHAPP_DISABLE_ISA" in message


def test_unsupported_kernel_is_refused_with_a_faked_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs on any CPU: one kernel in the table pretends to need a feature it lacks.

    Its ISA prefix is one no real kernel uses, so the glob below matches only the fake on
    every CPU (an ``avx512.*`` glob matched the real AVX-512 kernels on AVX-512 hosts).
    """
    real = list_kernels()[0]
    fake = replace(real, id="fakeisa.fake.f32", requires=("avx512f",), missing=("avx512f",))
    monkeypatch.setattr(plan, "list_kernels", lambda: (*list_kernels(), fake))
    monkeypatch.setattr(plan, "get", lambda kid: fake if kid == fake.id else get(kid))
    with pytest.raises(SpecError, match=r"fakeisa.fake.f32 cannot run here: .*avx512f"):
        expand(_spec("fakeisa.fake.f32"), LIMITS)
    with pytest.raises(SpecError, match="can run here"):
        expand(_spec("fakeisa.*"), LIMITS)
    runs = expand(_spec("*.f32", dtype="f32"), LIMITS)
    assert fake.id not in {r.kernel_id for r in runs}
