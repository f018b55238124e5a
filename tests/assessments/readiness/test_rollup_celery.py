"""The roll-up through Celery: a real worker on Redis, and a dead broker that must not fail a save.

The worker test needs a worker that uses the *test* database (pytest-django's
test_<NAME>). Start one beside the test run, e.g.:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_certtrack REDIS_URL=redis://127.0.0.1:6379/0 \
        DB_CONN_MAX_AGE=0 celery -A certtrack worker --concurrency=1
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from assessments.models import Assessment, LineSnapshot, ReadinessMark, ReadinessState
from assessments.readiness.recompute import drain_marks, plant_recompute
from assessments.services.result_rules import ResultInput
from assessments.services.results import assessment_record
from certtrack.celery import app
from employees.models import Plant
from tests.assessments.conftest import D1


def _wait_for(predicate, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _qualified_today(line) -> int | None:
    today = line.plant.local_today()
    snapshot = LineSnapshot.objects.filter(line=line, on_date=today).first()
    return None if snapshot is None else snapshot.qualified


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_it_shows_a_recorded_assessment_within_seconds(worked_example, trainer) -> None:
    line, b = worked_example["line"], worked_example["B"]
    today = line.plant.local_today()
    # Today A holds HV-001 until 2027-01-10 at the latest; B failed theory; C's expired 2026-10-01 (or will).
    assert _wait_for(lambda: _qualified_today(line) is not None, seconds=20), "the worker never rolled up"
    before = _qualified_today(line)

    started = time.monotonic()
    assessment_record(
        row=ResultInput(
            employee=b,
            course=worked_example["hv"],
            kind="theory",
            assessed_on=today - dt.timedelta(days=1),
            assessor=trainer,
            score=95,
        ),
        recorded_by=trainer,
    )

    assert _wait_for(lambda: _qualified_today(line) == before + 1, seconds=15)
    assert time.monotonic() - started < 15
    assert _wait_for(lambda: not ReadinessMark.objects.exists(), seconds=5)


@pytest.fixture
def dead_broker():
    """Celery pointed at a closed port, not eager: every publish fails."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = "redis://127.0.0.1:1/3"
    app.conf.task_always_eager = False
    reset_pools()
    yield
    app.conf.update(saved)
    reset_pools()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_mark_when_the_broker_is_down(worked_example, trainer, dead_broker, monkeypatch) -> None:
    monkeypatch.setattr(Plant, "local_today", lambda self: D1)
    plant, line, b = worked_example["plant"], worked_example["line"], worked_example["B"]
    plant_recompute(plant_id=plant.id)  # the fixture's own (eager) drain ran for the real today
    assert LineSnapshot.objects.get(line=line, on_date=D1).qualified == 2
    computed_at = ReadinessState.objects.get(plant=plant).computed_at

    started = time.monotonic()
    assessment_record(
        row=ResultInput(
            employee=b,
            course=worked_example["hv"],
            kind="theory",
            assessed_on=dt.date(2026, 6, 1),
            assessor=trainer,
            score=95,
        ),
        recorded_by=trainer,
    )
    elapsed = time.monotonic() - started

    assert elapsed < 5, f"the save waited {elapsed:.1f}s for a dead broker"
    assert Assessment.objects.filter(employee=b, score=95).exists()
    assert list(ReadinessMark.objects.values_list("employee_id", flat=True)) == [b.id]
    assert ReadinessState.objects.get(plant=plant).computed_at == computed_at  # nothing ran yet

    assert drain_marks() == 1  # what beat does every minute once the broker is back
    assert LineSnapshot.objects.get(line=line, on_date=D1).qualified == 3
    assert not ReadinessMark.objects.exists()
