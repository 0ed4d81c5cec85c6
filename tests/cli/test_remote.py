"""Over SSH, hints and usage lines name `ssh HOST …`, never `sshapp …` (issue 26, item 17)."""

from __future__ import annotations

import io
import json
import time

import pytest

from sshapp.cli.main import main
from sshapp.cli.output import when
from sshapp.cli.remote import ssh_program
from sshapp.cli.session import run_session
from sshapp.config import ConfigError, Settings
from sshapp.kernels import list_kernels, probes

CONNECTED = {"SSH_CONNECTION": "203.0.113.9 50022 192.0.2.7 2222", "SSHAPP_LOGIN": "alice"}
"""What `sshapp serve` (and sshd) tell a session about its connection."""
PROG = "ssh -p 2222 alice@192.0.2.7"
"""What the user typed to get here."""


def _session(command: str | None, settings: Settings, **env: str) -> tuple[int, str, str]:
    full = {**CONNECTED, **env}
    if command is not None:
        full["SSH_ORIGINAL_COMMAND"] = command
    out, err = io.StringIO(), io.StringIO()
    code = run_session(
        io.StringIO(),
        out,
        err,
        settings,
        env=full,
        run_command=lambda argv, prog: main(argv, None, out, err, prog=prog),
    )
    return code, out.getvalue(), err.getvalue()


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("env", "public_name", "expected"),
    [
        (CONNECTED, "", PROG),
        (
            {"SSH_CONNECTION": "10.0.0.1 4000 10.0.0.2 22", "USER": "bench"},
            "",
            "ssh bench@10.0.0.2",
        ),
        ({"SSH_CONNECTION": "::1 4000 ::1 2222"}, "", "ssh -p 2222 ::1"),
        ({**CONNECTED, "SSHAPP_LOGIN": "a;rm -rf"}, "", "ssh -p 2222 192.0.2.7"),
        ({"SSH_CONNECTION": "1 2 $(id) 22"}, "", "ssh HOST"),
        ({}, "", "ssh HOST"),
        (CONNECTED, "bench.example.org", "ssh bench.example.org"),
        (CONNECTED, "bob@bench.example.org:2200", "ssh -p 2200 bob@bench.example.org"),
        (CONNECTED, "[2001:db8::7]:2222", "ssh -p 2222 2001:db8::7"),
    ],
)
def test_the_program_names_the_host_the_client_reached(
    env: dict[str, str], public_name: str, expected: str
) -> None:
    assert ssh_program(env, public_name) == expected


@pytest.mark.parametrize("bad", ["a b", "host;id", "host:99999", "host:", "@host", "a@b@c"])
def test_a_bad_public_name_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="SSHAPP_PUBLIC_NAME"):
        Settings.from_env({"SSHAPP_PUBLIC_NAME": bad})


def test_empty_results_hint_names_ssh(settings: Settings) -> None:
    code, out, _ = _session("results", settings)
    assert code == 0
    assert f"try: {PROG} bench ref.reorder.f32 --size 256" in out
    assert "sshapp" not in out


def test_the_public_name_wins(settings: Settings) -> None:
    named = Settings.from_env({"SSHAPP_STATE_DIR": str(settings.state_dir)}, public_name="b.host")
    _, out, _ = _session("results", named)
    assert "try: ssh b.host bench ref.reorder.f32" in out


def test_help_usage_names_ssh(settings: Settings) -> None:
    code, out, _ = _session("help bench", settings)
    assert code == 0
    assert out.startswith(f"usage: {PROG} bench ")
    code, out, _ = _session("help", settings)
    assert code == 0
    assert f"usage: {PROG} COMMAND" in out


def test_no_command_usage_names_the_host(settings: Settings) -> None:
    code, out, err = _session(None, settings)
    assert (code, out) == (2, "")
    assert f"usage: {PROG} COMMAND" in err
    assert f"example: {PROG} bench ref.reorder.f32 --size 256" in err


def test_bench_without_a_kernel_prints_a_usage_line_naming_ssh(settings: Settings) -> None:
    code, out, err = _session("bench --size 64", settings)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert "required: KERNEL" in err
    assert f"usage: {PROG} bench KERNEL [KERNEL ...] [options]" in err
    assert f"'{PROG} kernels' the kernels" in err


def test_bench_without_a_kernel_locally_names_sshapp() -> None:
    code, out, err = _main("bench", "--size", "64")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert "usage: sshapp bench KERNEL [KERNEL ...] [options]" in err


def test_unknown_kernel_hint_names_ssh(settings: Settings) -> None:
    code, _, err = _session("bench 'nosuch.*' --size 64", settings)
    assert code == 2
    assert f"'{PROG} kernels' lists them" in err
    assert "'sshapp" not in err


def test_tune_hint_names_ssh(settings: Settings) -> None:
    code, _, err = _session("tune 'ref.*'", settings)
    assert code == 2
    assert err.count("\n") == 1, err
    assert f"'{PROG} kernels' lists them" in err


def test_cpu_hint_names_ssh(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def unmeasured() -> None:
        raise RuntimeError("not in this test")

    monkeypatch.setattr(probes, "measure_peaks", unmeasured)
    code, out, _ = _session("cpu", settings)
    assert code == 0
    assert f"({PROG} cpu --remeasure, or {PROG} tune)" in out
    assert "sshapp cpu" not in out


FINGERPRINT = "SHA256:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"
"""A key's identity as `sshapp serve` records it (43 base64 characters)."""


def _packed_kernel() -> str:
    packed = sorted((k.id for k in list_kernels() if k.packed and k.supported), key=len)
    if not packed:
        pytest.skip("no packed kernel runs on this CPU")
    return packed[-1]


def test_old_runs_show_their_year_recent_ones_the_time() -> None:
    now = time.mktime((2026, 12, 2, 16, 28, 0, 0, 0, -1))
    assert when(now - 3600, now) == "Dec 02 15:28"
    assert when(now - 365 * 86400, now) == "Dec 02  2025"


def test_results_fit_120_columns_with_a_short_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kid = _packed_kernel()
    for user in (FINGERPRINT, "guest:alice"):
        monkeypatch.setenv("SSHAPP_USER", user)
        code, _, err = _main("bench", kid, "ref.reorder.f32", "--size", "96", "--reps", "2")
        assert code == 0, err
    code, out, _ = _main("results")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 5
    assert max(len(line) for line in lines) <= 120, "\n".join(lines)
    assert FINGERPRINT not in out
    assert sum(FINGERPRINT[:13] in line for line in lines) == 2  # SHA256: + 6 characters
    header = lines[0].split()
    assert header[:3] == ["when", "user", "kernel"]
    assert "MC/KC/NC" in header
    code, out, _ = _main("results", "--full-users")
    assert sum(FINGERPRINT in line for line in out.splitlines()) == 2
    code, out, _ = _main("results", "--json")
    assert {json.loads(line)["user"] for line in out.splitlines()} == {FINGERPRINT, "guest:alice"}
