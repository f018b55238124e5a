"""Celery tasks of the reminders: thin, they take ids, load and call a service."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from employees.models import Plant
from notifications.services.outbox import outbox_send
from notifications.services.runs import plant_run, plants_due

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.reminders_due", ignore_result=True)
def reminders_due() -> int:
    """Every 15 minutes (beat): queue the run of each plant past its local 06:00 whose run of today is not
    done, then send what the outbox holds (emails left pending by an SMTP outage go now)."""
    due = plants_due(now=timezone.now())
    for plant, local_date in due:
        reminders_plant_run.delay(plant.id, local_date.isoformat())
    outbox_send_task.delay()
    return len(due)


@shared_task(
    name="notifications.tasks.reminders_plant_run",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=300,  # within the broker's visibility timeout (tests/certtrack/test_task_claims.py)
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def reminders_plant_run(plant_id: int, local_date: str) -> None:
    plant = Plant.objects.filter(id=plant_id).first()
    if plant is None:
        logger.warning("reminders_plant_run: plant %s is gone", plant_id)
        return
    plant_run(plant=plant, on_date=datetime.date.fromisoformat(local_date))
    outbox_send()


@shared_task(name="notifications.tasks.outbox_send", ignore_result=True)
def outbox_send_task() -> int:
    return outbox_send()
