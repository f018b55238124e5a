"""The beat schedule: every periodic job, each expiring before its next run."""

from __future__ import annotations

from certtrack.celery import app


def test_it_schedules_every_periodic_job() -> None:
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks == {
        "assessments.tasks.readiness_drain_marks",
        "assessments.tasks.readiness_new_day",
        "assessments.tasks.readiness_reconcile_all",
        "certtrack.tasks.spreadsheet_jobs_purge",
        "certtrack.tasks.task_claims_sweep",
        "webhooks.tasks.webhook_deliveries_sweep",
        "api.tasks.idempotency_keys_purge",
        "notifications.tasks.reminders_due",
    }
    app.loader.import_default_modules()  # autodiscovery, as the worker does at start
    assert tasks <= set(app.tasks)


def test_the_outbox_drain_runs_every_minute_and_expires_before_the_next_run() -> None:
    drain = app.conf.beat_schedule["readiness-drain-outbox"]
    assert drain["schedule"] == 60.0
    assert 0 < drain["options"]["expires"] < 60
    webhooks = app.conf.beat_schedule["webhook-deliveries-sweep"]
    assert webhooks["schedule"] == 60.0
    assert 0 < webhooks["options"]["expires"] < 60
    purge = app.conf.beat_schedule["spreadsheet-jobs-purge"]
    assert 0 < purge["options"]["expires"] < purge["schedule"]
    keys = app.conf.beat_schedule["api-idempotency-keys-purge"]
    assert 0 < keys["options"]["expires"] < keys["schedule"]
    reminders = app.conf.beat_schedule["notifications-reminders-due"]
    assert reminders["schedule"] == 15 * 60.0
    assert 0 < reminders["options"]["expires"] < reminders["schedule"]
