"""Owns the plain data front ends and engine share: specs, results, events, errors, rows."""

from __future__ import annotations
