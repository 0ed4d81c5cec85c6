"""Provides the errors the engine raises to front ends as one readable line."""

from __future__ import annotations


class SpecError(ValueError):
    """A spec cannot run: one readable line saying why (bad size, unknown kernel...)."""
