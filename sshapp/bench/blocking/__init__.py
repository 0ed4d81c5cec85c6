"""Owns cache blocks and tuning: per-run blocks, search, jobs, live re-timing, host-best, store."""

from __future__ import annotations
