"""Linux's AMX tile permission (native/src/amx_permission.cpp): refusal reasons by errno,
and no request at all when SSHAPP_DISABLE_ISA masks AMX (checked in fresh processes,
since the permission is per process and inherited by fork)."""

from __future__ import annotations

import errno
import os

import pytest

from sshapp import _native
from tests.masked import run_json

# The child reads the process's permitted xstate features with ARCH_GET_XCOMP_PERM
# before and after detection; bit 18 is XTILEDATA (AMX tile data).
CHILD = """
import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
def permitted():
    mask = ctypes.c_uint64(0)
    if libc.syscall(158, 0x1022, ctypes.byref(mask)) != 0:  # SYS_arch_prctl, GET_XCOMP_PERM
        return None
    return mask.value
before = permitted()
from sshapp import kernels
cpu = kernels.cpu_info()
print(json.dumps({
    "before": before,
    "after": permitted(),
    "detected": cpu.detected["amx_tile"],
    "usable": cpu.features["amx_tile"],
    "state": cpu.state("amx_tile"),
    "note": cpu.amx_note,
}))
"""
XTILEDATA = 1 << 18


def child(disable: str | None) -> dict[str, object]:
    result = run_json(CHILD, disable)
    if result["before"] is None:
        pytest.skip("arch_prctl(ARCH_GET_XCOMP_PERM) unsupported: Linux older than 5.16")
    return result


def granted(mask: object) -> bool:
    assert isinstance(mask, int)
    return bool(mask & XTILEDATA)


@pytest.mark.parametrize(
    ("err", "reason"),
    [
        (errno.EINVAL, "EINVAL): kernel older than 5.16"),
        (
            errno.EOPNOTSUPP,
            "EOPNOTSUPP): the kernel does not offer AMX tile data (not built in, or disabled "
            "at boot)",
        ),
        (errno.EPERM, "EPERM): a seccomp profile filters arch_prctl"),
        (errno.ENOSPC, "ENOSPC): a thread has a sigaltstack smaller than the AMX signal frame"),
    ],
    ids=["EINVAL", "EOPNOTSUPP", "EPERM", "ENOSPC"],
)
def test_refusal_reason_names_the_cause(err: int, reason: str) -> None:
    text = _native.amx_refusal_reason(err)
    assert text == f"Linux refused AMX tile permission (arch_prctl {reason}"
    assert "\n" not in text


@pytest.mark.parametrize("err", [errno.EBUSY, errno.ENOMEM, 12345])
def test_other_refusals_quote_strerror(err: int) -> None:
    text = _native.amx_refusal_reason(err)
    assert text == (
        f"Linux refused AMX tile permission (arch_prctl errno {err}): {os.strerror(err)}"
    )


def test_masked_amx_is_not_requested() -> None:
    result = child("amx")
    assert not granted(result["before"])
    assert not granted(result["after"]), result
    assert not result["usable"]
    if result["detected"]:
        assert result["state"] == "masked"
        assert result["note"] == "AMX tile permission not requested: SSHAPP_DISABLE_ISA masks it"


def test_unmasked_amx_is_requested_and_granted() -> None:
    result = child(None)
    assert not granted(result["before"]), "something asked for AMX before detection"
    if not result["detected"]:
        pytest.skip(f"CPU has no AMX{': ' + str(result['note']) if result['note'] else ''}")
    if not result["usable"]:
        # Refused: no grant, and the reason is one of amx_refusal_reason's lines.
        assert not granted(result["after"])
        assert str(result["note"]).startswith("Linux refused AMX tile permission")
        pytest.skip(f"AMX present but not granted here: {result['note']}")
    assert granted(result["after"]), result
    assert result["note"] == ""
