"""Celery beat entries of the certtrack app (merged into the beat schedule by certtrack/celery.py)."""

from __future__ import annotations

BEAT_SCHEDULE = {
    # Work of a worker killed outright (stale TaskClaim heartbeat) and sends that failed (certtrack/claims.py).
    "task-claims-sweep": {
        "task": "certtrack.tasks.task_claims_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
