"""Runs ssh-audit (a test extra, from PyPI) against a server on 127.0.0.1 and reads its text."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ALGORITHM = re.compile(r"^\((\w+)\) (\S+)")
NOTE = re.compile(r"\[(fail|warn)\] (.*)$")


def ssh_audit() -> str | None:
    """The ssh-audit script beside this Python (or on PATH), or None."""
    beside = Path(sys.executable).with_name("ssh-audit")
    return str(beside) if beside.exists() else shutil.which("ssh-audit")


def findings(port: int) -> tuple[int, list[tuple[str, str, str, str]]]:
    """Audit 127.0.0.1:port (no rate test); exit status and (level, kind, algorithm, text)."""
    argv = [str(ssh_audit()), "--skip-rate-test", "-p", str(port), "127.0.0.1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    found: list[tuple[str, str, str, str]] = []
    kind = name = ""
    for raw in done.stdout.splitlines():
        line = ANSI.sub("", raw)
        if match := ALGORITHM.match(line):
            kind, name = match.groups()
        if note := NOTE.search(line):
            found.append((note.group(1), kind, name, note.group(2)))
    return done.returncode, found


def connection_rate(port: int, sockets: int, seconds: float) -> tuple[float, str]:
    """`ssh-audit --conn-rate-test=SOCKETS` for `seconds`, then Ctrl+C (SIGINT).

    Returns:
        Its last "Compl. conns/sec" figure and its whole output.
    """
    env = {**os.environ, "SHELL": "/bin/sh"}  # one progress line, not bash's multi-line view
    argv = [str(ssh_audit()), f"--conn-rate-test={sockets}", "-p", str(port), "127.0.0.1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    text = ANSI.sub("", out.decode(errors="replace")).replace("\r", "\n")
    rates = re.findall(r"Compl\. conns/sec: ([\d,.]+)", text)
    assert rates, text[-2000:]
    return float(rates[-1].replace(",", "")), text
