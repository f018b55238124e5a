"""Readiness roll-up engine (set-based SQL into roll-up tables)."""

from __future__ import annotations


def drain_marks() -> int:
    """Placeholder until the roll-up engine lands: keeps the outbox rows for it."""
    return 0
