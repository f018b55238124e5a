"""The api app's periodic work."""

from __future__ import annotations

from celery import shared_task

from api.idempotency import idempotency_keys_purge as purge


@shared_task(name="api.tasks.idempotency_keys_purge")
def idempotency_keys_purge() -> int:
    return purge()
