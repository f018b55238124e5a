"""The Celery app. Tasks live in each app's tasks.py and are found by autodiscovery.

Periodic jobs live next to their tasks in each app's schedule.py (plain dicts, no
Django imports) and are merged into the beat schedule here.
"""

from __future__ import annotations

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")

SCHEDULE_MODULES = [
    "assessments.readiness.schedule",
    "certtrack.schedule",
    "spreadsheets.schedule",
    "webhooks.schedule",
    "api.schedule",
    "notifications.schedule",
]

app = Celery("certtrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _merge_beat_schedules(sender: Celery, **kwargs: object) -> None:
    schedule = dict(sender.conf.beat_schedule or {})
    for module_name in SCHEDULE_MODULES:
        schedule.update(importlib.import_module(module_name).BEAT_SCHEDULE)
    sender.conf.beat_schedule = schedule
