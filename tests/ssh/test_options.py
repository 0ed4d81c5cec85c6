"""`sshapp serve` arguments: defaults, auth policy, bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshapp.ssh.options import parse


def test_defaults_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSHAPP_PORT", raising=False)
    settings, options, level = parse([])
    assert settings.port == 2222
    assert options.auth == "open"
    assert level == "INFO"
    settings, options, _ = parse(
        ["--port", "0", "--host", "127.0.0.1", "--authorized-keys", "ak", "--max-per-ip", "3"]
    )
    assert (settings.port, settings.host) == (0, "127.0.0.1")
    assert (options.auth, options.authorized_keys, options.max_per_ip) == ("keys", Path("ak"), 3)


@pytest.mark.parametrize(
    "argv",
    [
        ["--session-command", "relative/path"],
        ["--auth", "keys"],
        ["--port", "70000"],
        ["--max-sessions", "0"],
        ["--idle-timeout", "x"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(argv)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_session_command_is_split_without_a_shell() -> None:
    _, options, _ = parse(["--session-command", "/usr/bin/python3 -m 'sshapp' session"])
    assert options.session_argv == ("/usr/bin/python3", "-m", "sshapp", "session")
