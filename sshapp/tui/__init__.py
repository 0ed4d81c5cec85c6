"""Provides the Textual front end (never imported by the headless layers)."""

from __future__ import annotations
