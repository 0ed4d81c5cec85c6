"""Provides the benchmark engine: specs, runs, event streams, the host-wide queue, history."""

from __future__ import annotations
