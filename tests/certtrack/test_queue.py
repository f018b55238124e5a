"""Background jobs during a broker outage: the job waits, its send is kept, and the every-minute sweep
makes it once a worker runs again. Nothing is lost and the job never fails for the outage."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from django.urls import reverse

from certtrack import claims, queue
from certtrack.celery import app
from certtrack.models import ClaimState, TaskClaim
from spreadsheets import services
from spreadsheets.models import JobStatus, SpreadsheetJob
from tests import factories

EXPORT = "certtrack.tasks.spreadsheet_export_run"


@pytest.fixture
def dead_broker() -> Iterator[None]:
    """Celery pointed at a closed port, not eager: every send fails (connection refused).

    Restored here, not by monkeypatch, which would undo its changes after the autouse fixture that
    makes Celery eager has restored its own (and leave Celery eager for the tests that follow).
    """
    keys = ("task_always_eager", "broker_url")
    saved = ({key: app.conf[key] for key in keys}, app._pool, app.amqp._producer_pool)
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    app._pool = app.amqp._producer_pool = None
    queue.broker_pause_reset()
    yield
    queue.broker_pause_reset()
    conf, app._pool, app.amqp._producer_pool = saved
    app.conf.update(conf)


def _export_job(plant, hr, capture: Callable) -> SpreadsheetJob:
    """What the roster export view does for a large plant."""
    job = services.export_job_create(plant=plant, line=None, requester=hr)
    with capture(execute=True):
        services.job_enqueue(EXPORT, job)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_job_waits_through_a_broker_outage_and_runs_when_the_sweep_sends_it(
    client, plant_sy, hr, dead_broker, monkeypatch, caplog, django_capture_on_commit_callbacks
) -> None:
    factories.EmployeeFactory(employee_no="SY1", plant=plant_sy)
    caplog.set_level(logging.WARNING, logger="certtrack.queue")

    first = _export_job(plant_sy, hr, django_capture_on_commit_callbacks)  # the send fails
    second = _export_job(plant_sy, hr, django_capture_on_commit_callbacks)  # paused: not even tried

    assert [(j.status, j.message) for j in (first, second)] == [(JobStatus.PENDING, ""), (JobStatus.PENDING, "")]
    assert list(TaskClaim.objects.values_list("task_name", "args", "state")) == [
        (EXPORT, [first.pk], ClaimState.UNSENT),
        (EXPORT, [second.pk], ClaimState.UNSENT),
    ]
    assert len([r for r in caplog.records if "could not enqueue" in r.getMessage()]) == 1
    client.force_login(hr)
    assert "Waiting" in client.get(reverse("hr:job", args=[first.pk])).content.decode()

    # The sweep, in a worker once the broker answers: each kept send goes out once and runs.
    monkeypatch.setattr(claims, "_send", lambda claim, task_id: app.tasks[claim.task_name].apply(args=claim.args))
    assert claims.claims_sweep() == 2
    assert claims.claims_sweep() == 0

    for job in (first, second):
        job.refresh_from_db()
        assert (job.status, job.counts) == (JobStatus.DONE, {"employees": 1})
    assert not TaskClaim.objects.exists()
