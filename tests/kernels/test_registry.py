"""The kernel table, lookups, globs and ladder_top()."""

from __future__ import annotations

import re

import pytest

from sshapp import kernels


def test_ids_are_unique_and_well_formed() -> None:
    ids = [k.id for k in kernels.list_kernels()]
    assert len(ids) == len(set(ids))
    for info in kernels.list_kernels():
        dtypes = "|".join(kernels.DTYPES)
        assert re.fullmatch(rf"[a-z0-9]+\.[a-z0-9_]+\.({dtypes})", info.id), info.id
        assert info.id.endswith(info.dtype)
        assert info.summary


def test_reference_kernels_exist_for_every_dtype() -> None:
    for dt in kernels.DTYPES:
        info = kernels.get(f"ref.naive.{dt}")
        assert info.supported
        assert info.requires == ()


def test_table_is_grouped_by_dtype_with_naive_last() -> None:
    table = kernels.list_kernels()
    for dt in kernels.DTYPES:
        group = [k.id for k in table if k.dtype == dt]
        assert group[-1] == f"ref.naive.{dt}"
        positions = [i for i, k in enumerate(table) if k.dtype == dt]
        assert positions == list(range(positions[0], positions[-1] + 1))


def test_ladder_top_is_first_supported_ladder_step_of_dtype() -> None:
    for dt in kernels.DTYPES:
        first = next(
            k for k in kernels.list_kernels() if k.dtype == dt and k.supported and k.ladder_step
        )
        assert kernels.ladder_top(dt) == first


def test_side_paths_are_not_ladder_steps() -> None:
    skinny = [k for k in kernels.list_kernels() if k.algorithm == "skinny"]
    assert skinny, "a skinny path exists for f32 and f64"
    assert not any(k.ladder_step for k in skinny)


def test_ladder_top_rejects_unknown_dtype() -> None:
    with pytest.raises(ValueError, match="unknown dtype 'f16'"):
        kernels.ladder_top("f16")


def test_unknown_id_suggests_close_matches() -> None:
    with pytest.raises(kernels.UnknownKernelError, match=r"did you mean .*ref\.naive\.f32"):
        kernels.get("ref.naiv.f32")


def test_glob_selects_in_table_order() -> None:
    chosen = kernels.select("ref.*")
    assert [k.id for k in chosen] == [k.id for k in kernels.list_kernels() if k.isa == "ref"]
    assert [k.id for k in kernels.select("ref.*", dtype="f64")] == [
        k.id for k in chosen if k.dtype == "f64"
    ]


def test_glob_without_match_is_an_error() -> None:
    with pytest.raises(kernels.UnknownKernelError, match=r"no kernel matches 'zzz\.\*'"):
        kernels.select("zzz.*")


def test_select_deduplicates() -> None:
    ids = [k.id for k in kernels.select(["ref.naive.f32", "ref.*.f32"])]
    assert ids.count("ref.naive.f32") == 1


def test_unsupported_kernels_carry_a_reason() -> None:
    for info in kernels.list_kernels():
        assert bool(info.reason) == (not info.supported)
        if not info.supported:
            with pytest.raises(kernels.UnsupportedKernelError, match="cannot run here"):
                kernels.require_supported(info.id)


def test_blocking_is_consistent() -> None:
    for info in kernels.list_kernels():
        b = info.blocking
        assert info.packed == (b.KC > 0)
        if b.KC:
            assert b.MC % b.MR == 0, info.id
            assert b.NC % b.NR == 0, info.id
