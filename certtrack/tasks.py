"""Celery tasks of the shell: the task claims sweep (certtrack/claims.py)."""

from __future__ import annotations

from celery import shared_task

from certtrack import claims


@shared_task(name="certtrack.tasks.task_claims_sweep", ignore_result=True, soft_time_limit=50, time_limit=55)
def task_claims_sweep() -> int:
    """Every minute: send again the work of killed workers and of sends a web process could not make."""
    return claims.claims_sweep()
