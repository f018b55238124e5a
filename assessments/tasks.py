"""Celery tasks of the assessments app: thin, take IDs, call services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="assessments.tasks.readiness_drain_marks", ignore_result=True)
def readiness_drain_marks() -> int:
    """Recompute readiness for the employees marked in the outbox (roll-up engine: issue #4)."""
    from assessments import rollup

    return rollup.drain_marks()
