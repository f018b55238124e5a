"""Celery beat entries of the reminders (merged into the beat schedule by certtrack/celery.py)."""

from __future__ import annotations

BEAT_SCHEDULE = {
    # Each plant's reminder run once a day after its local 06:00 (the weekly digest on its Monday), and the
    # outbox's pending emails (notifications/tasks.py).
    "notifications-reminders-due": {
        "task": "notifications.tasks.reminders_due",
        "schedule": 15 * 60.0,
        "options": {"expires": 14 * 60},
    },
}
