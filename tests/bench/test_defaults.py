"""Who may change a host's default cache blocks, and going back to the model (issue 26.8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshapp.bench.blocking.store import Tuned
from sshapp.bench.engine import Engine
from sshapp.config import Settings
from sshapp.kernels import list_kernels

PACKED = next((k for k in list_kernels() if k.packed), None)


def engine(tmp_path: Path, user: str, operators: str = "") -> Engine:
    env = {"SSHAPP_STATE_DIR": str(tmp_path), "SSHAPP_OPERATORS": operators}
    return Engine(Settings.from_env(env), user)


def test_operators_come_from_the_environment() -> None:
    assert Settings.from_env({"SSHAPP_OPERATORS": "ann, bob,"}).operators == ("ann", "bob")
    assert Settings.from_env({}).operators == ()


@pytest.mark.skipif(PACKED is None, reason="this build has no packed kernel")
def test_hand_picked_blocks_need_an_operator_a_search_verdict_does_not(tmp_path: Path) -> None:
    assert PACKED is not None
    b = PACKED.blocking
    picked = Tuned(PACKED.id, b.MC, b.KC // 2, b.NC, 1.0, 1.0, 256)
    guest = engine(tmp_path, "guest", operators="ann")
    assert not guest.may_set_defaults
    with pytest.raises(PermissionError, match="SSHAPP_OPERATORS"):
        guest.save_tuned(picked)
    assert guest.tuned(PACKED.id) is None
    guest.save_tuned(picked, searched=True)  # as `sshapp tune` stores its verdict
    assert guest.tuned(PACKED.id) is not None


@pytest.mark.skipif(PACKED is None, reason="this build has no packed kernel")
def test_saving_the_models_blocks_goes_back_to_the_model(tmp_path: Path) -> None:
    assert PACKED is not None
    b = PACKED.blocking
    ann = engine(tmp_path, "ann", operators="ann")
    assert ann.may_set_defaults
    ann.save_tuned(Tuned(PACKED.id, b.MC, b.KC // 2, b.NC, 1.0, 1.0, 256))
    row = next(r for r in ann.kernels() if r.id == PACKED.id)
    assert row.blocking.endswith("(tuned)")
    ann.save_tuned(Tuned(PACKED.id, b.MC, b.KC, b.NC, 1.0, 1.0, 256))
    assert ann.tuned(PACKED.id) is None
    row = next(r for r in ann.kernels() if r.id == PACKED.id)
    assert row.blocking.endswith("(model)")
