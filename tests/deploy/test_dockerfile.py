"""The Dockerfile's promises, checked statically (`make container-test` builds and runs it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "Dockerfile").read_text()
# Continuation lines joined, comments dropped: one instruction per entry.
INSTRUCTIONS = [
    line.strip()
    for line in re.sub(r"\\\n\s*", " ", TEXT).splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def _last(keyword: str) -> str:
    found = [i for i in INSTRUCTIONS if i.split(maxsplit=1)[0].upper() == keyword]
    assert found, f"no {keyword} instruction"
    return found[-1].split(maxsplit=1)[1]


def _runtime() -> list[str]:
    """The instructions of the final stage."""
    starts = [n for n, i in enumerate(INSTRUCTIONS) if i.upper().startswith("FROM ")]
    return INSTRUCTIONS[starts[-1] :]


def test_every_stage_uses_the_same_slim_base_without_a_digest() -> None:
    bases = [i.split()[1] for i in INSTRUCTIONS if i.upper().startswith("FROM ")]
    assert len(bases) >= 2  # multi-stage: build tools never reach the runtime
    assert set(bases) == {"python:3.11-slim-bookworm"}


def test_no_host_specific_code_generation() -> None:
    """The image must start on any x86-64 CPU (comments may mention the flag)."""
    code = " ".join(INSTRUCTIONS)
    assert "march=native" not in code
    assert "mtune=native" not in code


def test_runtime_is_unprivileged_with_tini_and_volumes() -> None:
    runtime = " ".join(_runtime())
    assert "g++" not in runtime  # no compiler in the final image
    assert "tini" in runtime
    assert _last("USER") == "10001:10001"
    assert json.loads(_last("ENTRYPOINT")) == ["tini", "--", "sshapp", "serve"]
    command = json.loads(_last("CMD"))
    assert command[command.index("--port") + 1] == _last("EXPOSE") == "2222"
    assert json.loads(_last("VOLUME")) == ["/var/lib/sshapp/hostkeys", "/var/lib/sshapp/state"]
    assert _last("STOPSIGNAL") == "SIGTERM"
    env = _last("ENV")
    assert "SSHAPP_STATE_DIR=/var/lib/sshapp/state" in env
    assert "SSHAPP_HOSTKEY_DIR=/var/lib/sshapp/hostkeys" in env


def test_healthcheck_is_exec_form_and_runs_the_probe() -> None:
    healthcheck = _last("HEALTHCHECK")
    exec_form = healthcheck[healthcheck.index("CMD ") + 4 :]
    assert json.loads(exec_form)[:3] == ["python", "-m", "sshapp.health"]


@pytest.mark.parametrize("secret", [".venv", "build", ".git", "hostkeys", "state", "*.key"])
def test_dockerignore_keeps_keys_and_local_builds_out(secret: str) -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert secret in ignored
