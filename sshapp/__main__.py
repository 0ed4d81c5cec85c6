"""Runs the command line: `python -m sshapp ...`."""

from __future__ import annotations

from sshapp.cli.main import entry

if __name__ == "__main__":
    entry()
