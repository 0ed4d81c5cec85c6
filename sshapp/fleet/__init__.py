"""Owns the fleet: a node's engine over SSH (RemoteService) and the gateway's nodes."""

from __future__ import annotations
