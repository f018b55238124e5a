"""Celery beat entries of the webhooks app (merged into the beat schedule by certtrack/celery.py)."""

from __future__ import annotations

BEAT_SCHEDULE = {
    # Deliveries due for a retry, and those whose after-commit send never reached the broker.
    "webhook-deliveries-sweep": {
        "task": "webhooks.tasks.webhook_deliveries_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
