"""Celery beat entries of the spreadsheets app (merged into the beat schedule by certtrack/celery.py)."""

from __future__ import annotations

BEAT_SCHEDULE = {
    # Expired exports and unconfirmed uploads, with their files (EXPORT_KEEP_HOURS).
    "spreadsheet-jobs-purge": {
        "task": "certtrack.tasks.spreadsheet_jobs_purge",
        "schedule": 3600.0,
        "options": {"expires": 3300},
    },
}
