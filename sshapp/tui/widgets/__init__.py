"""Provides the TUI's widgets: tables, charts and panels (no screen logic)."""

from __future__ import annotations
