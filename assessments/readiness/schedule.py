"""Celery beat entries of the readiness roll-up (merged into the beat schedule by certtrack/celery.py).

`expires` sits just under each interval: a run that could not start in time is
dropped rather than piling up behind a busy or restarted worker.
"""

from __future__ import annotations

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "readiness-drain-outbox": {
        "task": "assessments.tasks.readiness_drain_marks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "readiness-new-day": {
        "task": "assessments.tasks.readiness_new_day",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    "readiness-nightly-reconcile": {
        "task": "assessments.tasks.readiness_reconcile_all",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 3 * 3600},
    },
}
