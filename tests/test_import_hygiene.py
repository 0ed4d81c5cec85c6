"""Headless layers must not pull in the UI or network stacks (checked in a fresh process)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sshapp

HEAVY = ("textual", "rich", "asyncssh")


@pytest.mark.parametrize(
    "module",
    [
        "sshapp.config",
        "sshapp.kernels",
        "sshapp.bench.engine",
        "sshapp.cli.main",
        "sshapp.cli.commands",
    ],
)
def test_headless_import_is_light(module: str) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    for heavy in HEAVY:
        assert heavy not in loaded, f"{module} imported {heavy}"


def test_only_kernels_imports_native() -> None:
    """import-linter cannot see the compiled module, so the rule is checked on the source."""
    root = Path(sshapp.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "kernels" not in path.relative_to(root).parts
        and re.search(
            r"^\s*(from sshapp import _native|import sshapp\._native|from sshapp\._native)",
            path.read_text(),
            re.MULTILINE,
        )
    ]
    assert offenders == []
