"""Help where a user looks: `--json` is JSON lines, and how to read it (issue 26, item 11)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from sshapp.cli.main import main

README = Path(__file__).resolve().parents[2] / "README.md"
JSON_VERBS = ["bench", "tune", "kernels", "cpu", "results"]
"""Every verb with a `--json` option."""


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("verb", JSON_VERBS)
def test_every_json_option_says_json_lines_and_how_to_read_them(verb: str) -> None:
    code, out, _ = _main(verb, "--help")
    assert code == 0
    text = " ".join(out.split())  # argparse wraps lines where it likes
    assert "JSON lines" in text
    assert "jq -c ." in text
    assert "python3 -m json.tool --json-lines" in text


def test_top_level_help_says_json_lines() -> None:
    code, out, _ = _main("help")
    assert code == 0
    text = " ".join(out.split())
    assert "--json prints JSON lines" in text
    assert "python3 -m json.tool --json-lines" in text


def test_readme_says_json_lines_with_both_readers() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "JSON lines" in text
    assert "jq -c ." in text
    assert "python3 -m json.tool --json-lines" in text


def test_the_advice_is_right_json_tool_needs_json_lines() -> None:
    """Plain `json.tool` refuses our output (why the note exists); `--json-lines` reads it."""
    code, out, _ = _main("kernels", "--json")
    assert code == 0
    assert out.count("\n") > 1

    def json_tool(*flags: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "json.tool", *flags]
        return subprocess.run(
            argv, input=out, capture_output=True, text=True, timeout=30, check=False
        )

    assert json_tool().returncode != 0
    lines = json_tool("--json-lines", "--compact")
    assert lines.returncode == 0, lines.stderr
    assert lines.stdout.count("\n") == out.count("\n")
