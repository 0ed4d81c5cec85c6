"""Runs a Python script in a fresh process under a given SSHAPP_DISABLE_ISA.

CPU detection (and the AMX permission request) happens once per process, at import:
a mask can only be tried in a new one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_json(script: str, disable: str | None) -> dict[str, object]:
    """Run `script` (which prints one JSON object) with SSHAPP_DISABLE_ISA=`disable`.

    None runs it with the variable unset.
    """
    env = {k: v for k, v in os.environ.items() if k != "SSHAPP_DISABLE_ISA"}
    if disable is not None:
        env["SSHAPP_DISABLE_ISA"] = disable
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result
