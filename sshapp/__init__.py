"""sshapp: a matrix-multiply benchmark served over SSH."""

from __future__ import annotations

__version__ = "0.1.0"
