"""The roll-up's Celery tasks: thin, take IDs, call readiness.recompute.

Their registered names stay `assessments.tasks.*` (beat entries, queued messages and task claims
name them): assessments/tasks.py imports this module, so that autodiscovery and a web process that
imports a task's module by its name (certtrack.queue, certtrack.claims) both register them.

Every task is idempotent (it recomputes from source and upserts), so a redelivery
after a worker crash (acks_late + reject_on_worker_lost) or a retry is harmless.
The long and the scheduled ones are ClaimedTask: killed with their whole worker (an OOM
kill, a reboot), they are sent again by the every-minute claims sweep within minutes,
not after the broker's visibility timeout (certtrack/claims.py).
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from assessments.readiness import recompute
from certtrack.claims import ClaimedTask
from employees.models import Plant

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerOperationalError, ConnectionError, TimeoutError)

ROLLUP_TASK_OPTIONS = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="assessments.tasks.readiness_drain_marks", soft_time_limit=110, time_limit=120, **ROLLUP_TASK_OPTIONS)
def readiness_drain_marks() -> int:
    """Recompute readiness for the employees marked in the outbox (enqueued on commit and every minute)."""
    return recompute.drain_marks()


@shared_task(
    name="assessments.tasks.readiness_recompute_plant",
    base=ClaimedTask,
    soft_time_limit=1500,
    time_limit=1800,
    **ROLLUP_TASK_OPTIONS,
)
def readiness_recompute_plant(plant_id: int, on_date: str | None = None) -> None:
    """Full recompute of one plant for its local today (or an ISO date) and that day's snapshots."""
    if not Plant.objects.filter(pk=plant_id).exists():
        logger.info("readiness: plant %s is gone, nothing to do", plant_id)
        return
    recompute.plant_recompute(plant_id=plant_id, on_date=datetime.date.fromisoformat(on_date) if on_date else None)


@shared_task(
    name="assessments.tasks.readiness_reconcile_all",
    base=ClaimedTask,
    soft_time_limit=110,
    time_limit=120,
    **ROLLUP_TASK_OPTIONS,
)
def readiness_reconcile_all() -> int:
    """Nightly: one full recompute task per active plant (stores the day's snapshots)."""
    plant_ids = list(Plant.objects.filter(is_active=True).values_list("id", flat=True))
    for plant_id in plant_ids:
        readiness_recompute_plant.delay(plant_id)
    return len(plant_ids)


@shared_task(
    name="assessments.tasks.readiness_new_day",
    base=ClaimedTask,
    soft_time_limit=110,
    time_limit=120,
    **ROLLUP_TASK_OPTIONS,
)
def readiness_new_day() -> int:
    """Every 15 minutes: recompute the plants whose local date changed since their roll-up.

    Certifications expire at a plant's local midnight without anybody writing; plants
    sit in many time zones (some at :30 and :45 offsets), hence a frequent cheap check.
    """
    plant_ids = recompute.plants_due_for_new_day()
    for plant_id in plant_ids:
        readiness_recompute_plant.delay(plant_id)
    return len(plant_ids)
