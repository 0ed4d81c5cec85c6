"""Shared fixtures for the whole suite."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator so failures reproduce."""
    return np.random.default_rng(20261125)
