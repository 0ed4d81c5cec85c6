"""Owns what the host remembers: the SQLite run history, storage checks, unsaved runs, JSON."""

from __future__ import annotations
