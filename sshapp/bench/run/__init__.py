"""Owns running one benchmark: expansion, bounds, the runner, the pipeline, the run log."""

from __future__ import annotations
