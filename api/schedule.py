"""Celery beat entries of the api app (merged into the beat schedule by certtrack/celery.py)."""

from __future__ import annotations

BEAT_SCHEDULE = {
    # Idempotency keys older than 24 hours (api/idempotency.py KEEP).
    "api-idempotency-keys-purge": {
        "task": "api.tasks.idempotency_keys_purge",
        "schedule": 3600.0,
        "options": {"expires": 3300},
    },
}
