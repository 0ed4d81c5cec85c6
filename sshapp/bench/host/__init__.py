"""Owns the machine: the host-wide queue, measured peaks, the host BLAS and run cost estimates."""

from __future__ import annotations
