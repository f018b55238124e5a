"""The webhooks' Celery tasks: thin, take IDs, call webhooks.services.

Sending is claimed in the database (a conditional UPDATE), so a message delivered twice (acks_late after
a worker crash, the after-commit send racing the sweep) sends a delivery once. A failed send is not a
task retry: the delivery's next_attempt_at holds the backoff, and the every-minute sweep sends it when
due (a countdown of hours would sit in Redis past its visibility timeout).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from webhooks import services
from webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)

TASK_OPTIONS = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="webhooks.tasks.webhook_deliver", soft_time_limit=50, time_limit=60, **TASK_OPTIONS)
def webhook_deliver(delivery_id: int) -> str | None:
    """Send one delivery (enqueued after the commit that wrote it, and by a redelivery)."""
    if not WebhookDelivery.objects.filter(pk=delivery_id).exists():
        logger.info("webhooks: delivery %s is gone, nothing to send", delivery_id)
        return None
    return services.webhook_delivery_send(delivery_id=delivery_id)


@shared_task(name="webhooks.tasks.webhook_deliveries_sweep", soft_time_limit=110, time_limit=120, **TASK_OPTIONS)
def webhook_deliveries_sweep() -> int:
    """Every minute: send the due pending deliveries (retries, and those the broker never got)."""
    return services.webhook_deliveries_send_due()
