"""Provides the `sshapp` command line (no textual, rich or asyncssh at import time)."""

from __future__ import annotations
