"""`sshapp session`: allow-listed commands only, split with shlex, never a shell."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from sshapp.cli.main import main
from sshapp.cli.session import parse_command, run_session
from sshapp.config import Settings


class FakeTty(io.StringIO):
    """A text stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def _session(command: str | None, settings: Settings) -> tuple[int, str, str]:
    env = {} if command is None else {"SSH_ORIGINAL_COMMAND": command}
    out, err = io.StringIO(), io.StringIO()
    code = run_session(
        io.StringIO(),
        out,
        err,
        settings,
        env=env,
        run_command=lambda argv, prog: main(argv, None, out, err, prog=prog),
    )
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("kernels --json", ["kernels", "--json"]),
        ("bench 'ref.*' --size 64", ["bench", "ref.*", "--size", "64"]),
        ('bench "a b"', ["bench", "a b"]),
    ],
)
def test_allowed_commands_are_split_without_a_shell(command: str, argv: list[str]) -> None:
    assert parse_command(command) == argv


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("sh -c id", "not an sshapp command"),
        ("serve --port 22", "not an sshapp command"),
        ("tui", "not an sshapp command"),
        ("session", "not an sshapp command"),
        ("/bin/bash", "not an sshapp command"),
        ("kernels\nid", "control characters"),
        ("kernels\rid", "control characters"),
        ("bench 'unterminated", "cannot parse"),
        ("   ", "empty"),
        ("x" * 5000, "longer than"),
    ],
)
def test_refused_commands(command: str, fragment: str) -> None:
    reason = parse_command(command)
    assert isinstance(reason, str)
    assert fragment in reason


def test_refusal_is_one_line_exit_2(settings: Settings) -> None:
    code, out, err = _session("sh -c id", settings)
    assert (code, out) == (2, "")
    assert err.startswith("sshapp: refused: ")
    assert err.count("\n") == 1


def test_shell_metacharacters_are_just_bad_arguments(settings: Settings) -> None:
    """`bench x; id` is the kernel name 'x;' and the kernel 'id': nothing runs."""
    code, out, err = _session("bench x; id", settings)
    assert code == 2
    assert out == ""
    assert "unknown kernel 'x;'" in err


def test_allowed_command_runs_in_process(settings: Settings) -> None:
    code, out, _ = _session("bench ref.reorder.f32 --size 16 --reps 2 --json", settings)
    assert code == 0
    assert [json.loads(line)["event"] for line in out.splitlines()][-1] == "finished"


def test_no_command_and_no_terminal_prints_usage(settings: Settings) -> None:
    code, out, err = _session(None, settings)
    assert code == 2
    assert out == ""
    assert "usage: ssh HOST COMMAND" in err


def test_no_command_with_a_terminal_starts_the_tui(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, Settings | None]] = []

    def fake_tui_main(user: str, settings: Settings | None = None) -> int:
        seen.append((user, settings))
        return 0

    fake = type(sys)("sshapp.tui.app")
    fake.main = fake_tui_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sshapp.tui.app", fake)
    monkeypatch.setenv("SSHAPP_USER", "carol")
    code = run_session(
        FakeTty(),
        FakeTty(),
        io.StringIO(),
        settings,
        env={},
        run_command=lambda argv, prog: main(argv, prog=prog),
    )
    assert code == 0
    assert seen == [("carol", settings)]


def test_session_verb_reads_ssh_original_command(sub_env: dict[str, str]) -> None:
    env = {**sub_env, "SSH_ORIGINAL_COMMAND": "version"}
    proc = subprocess.run(
        [sys.executable, "-m", "sshapp", "session"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout == "sshapp 0.1.0\n"


def test_remote_help_lists_only_remote_verbs(settings: Settings) -> None:
    code, out, _ = _session("help", settings)
    assert code == 0
    assert "bench" in out
    assert "serve" not in out
    code, out, _ = _session("help bench", settings)
    assert code == 0
    assert "--sweep" in out


def test_an_ssh_user_is_no_operator_but_the_host_shell_user_is(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 26.8: who may store hand-picked blocks as the host's defaults."""
    seen: list[Settings | None] = []

    def fake_tui_main(user: str, settings: Settings | None = None) -> int:
        seen.append(settings)
        return 0

    fake = type(sys)("sshapp.tui.app")
    fake.main = fake_tui_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sshapp.tui.app", fake)
    monkeypatch.setenv("SSHAPP_USER", "carol")
    assert run_session(FakeTty(), FakeTty(), io.StringIO(), settings, env={}, run_command=main) == 0
    from sshapp.cli.commands import tui

    assert tui(settings, io.StringIO(), at_host=True) == 0
    assert [s.operators if s else None for s in seen] == [(), ("carol",)]
