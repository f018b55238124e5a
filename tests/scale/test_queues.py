"""Queues per workload: every task's route, resends on the queue of their workload, /healthz's queue lengths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from certtrack import claims
from certtrack.celery import app
from certtrack.models import ClaimState, TaskClaim
from certtrack.queue import task_queue
from tests.processes import broker_prefixed, new_prefix


def test_every_task_goes_to_the_queue_of_its_workload() -> None:
    app.loader.import_default_modules()  # autodiscovery, as the worker does at start
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert {name: task_queue(name) for name in ours} == {
        "api.tasks.idempotency_keys_purge": "celery",
        "assessments.tasks.readiness_drain_marks": "rollup",
        "assessments.tasks.readiness_new_day": "rollup",
        "assessments.tasks.readiness_reconcile_all": "rollup",
        "assessments.tasks.readiness_recompute_plant": "rollup",
        "certtrack.tasks.spreadsheet_export_run": "spreadsheets",
        "certtrack.tasks.spreadsheet_import_commit": "spreadsheets",
        "certtrack.tasks.spreadsheet_import_preview": "spreadsheets",
        "certtrack.tasks.spreadsheet_jobs_purge": "spreadsheets",
        "certtrack.tasks.task_claims_sweep": "celery",
        "planning.tasks.suggestion_run": "celery",
        "webhooks.tasks.webhook_deliver": "webhooks",
        "webhooks.tasks.webhook_deliveries_sweep": "webhooks",
    } | {name: "notify" for name in ours if name.startswith("notifications.")}


def test_notifications_go_to_the_notify_queue_by_pattern() -> None:
    assert task_queue("notifications.tasks.notification_send") == "notify"
    assert task_queue("notifications.tasks.anything_added_later") == "notify"


def test_a_worker_without_queues_serves_every_queue() -> None:
    # The configured queues (a worker started without -Q consumes them all); tests that start their own
    # workers add queues of their own to the app at run time (tests/assessments/test_task_claims_worker.py).
    assert set(app.conf.task_queues) == {"rollup", "spreadsheets", "notify", "webhooks", "celery"}
    assert set(django_settings.WORKER_QUEUES) == set(app.conf.task_queues)
    assert set(django_settings.WORKER_QUEUES) <= set(app.amqp.queues)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """What the sweep sends (task name, options), recorded instead of published."""
    messages: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(app, "send_task", lambda name, **options: messages.append((name, options)))
    return messages


@pytest.mark.django_db
def test_the_sweep_resends_work_on_its_queue_and_routes_what_has_none(sent) -> None:
    stale = timezone.now() - dt.timedelta(minutes=10)
    for task_name, recorded, state in [
        ("assessments.tasks.readiness_recompute_plant", "rollup", ClaimState.RUNNING),  # killed on a roll-up worker
        ("assessments.tasks.readiness_reconcile_all", "claims-test-1", ClaimState.RUNNING),  # a queue of its own
        ("certtrack.tasks.spreadsheet_import_commit", "spreadsheets", ClaimState.UNSENT),  # kept by certtrack.queue
        ("certtrack.tasks.spreadsheet_export_run", "", ClaimState.UNSENT),  # kept before queues were recorded
    ]:
        TaskClaim.objects.create(
            origin_id=task_name,
            task_id=task_name,
            task_name=task_name,
            args=[7],
            queue=recorded,
            state=state,
            claimed_at=stale,
            heartbeat_at=stale,
        )

    assert claims.claims_sweep() == 4

    assert sorted((name, options["queue"]) for name, options in sent) == [
        ("assessments.tasks.readiness_recompute_plant", "rollup"),
        ("assessments.tasks.readiness_reconcile_all", "claims-test-1"),
        ("certtrack.tasks.spreadsheet_export_run", "spreadsheets"),
        ("certtrack.tasks.spreadsheet_import_commit", "spreadsheets"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_send_kept_for_later_records_its_queue() -> None:
    from certtrack.queue import broker_pause_reset, enqueue_on_commit

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False  # nothing listens on port 1
    app._pool = None
    app.amqp._producer_pool = None
    try:
        enqueue_on_commit("certtrack.tasks.spreadsheet_export_run", 5, durable=True)
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool = None
        app.amqp._producer_pool = None
        broker_pause_reset()
    assert list(TaskClaim.objects.values_list("task_name", "queue", "state")) == [
        ("certtrack.tasks.spreadsheet_export_run", "spreadsheets", ClaimState.UNSENT)
    ]


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_reports_the_tasks_waiting_in_each_queue(client) -> None:
    """No worker reads the test's prefix: what is sent waits, and /healthz counts it per queue."""
    with broker_prefixed(new_prefix()):
        for plant_id in (1, 2, 3):
            app.send_task("assessments.tasks.readiness_recompute_plant", args=[plant_id])
        app.send_task("certtrack.tasks.spreadsheet_export_run", args=[9])

        first = client.get("/healthz").json()
        app.send_task("webhooks.tasks.webhook_deliver", args=[1])
        cached = client.get("/healthz").json()  # read again within BROKER_STATE_SECONDS: not re-read

    assert first["queues"] == {"rollup": 3, "spreadsheets": 1, "notify": 0, "webhooks": 0, "celery": 0}
    assert cached["queues"] == first["queues"]
