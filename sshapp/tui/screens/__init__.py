"""Provides the TUI's screens; each has a .tcss of the same stem beside it."""

from __future__ import annotations
