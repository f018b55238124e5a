"""The readiness outbox: a write marks its employees in the same transaction and enqueues the drain after
commit; a broker that is down or hanging never fails the save nor slows it beyond a few seconds."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from kombu.exceptions import OperationalError

from assessments import services
from assessments.models import Assessment, ReadinessMark
from certtrack.celery import app
from tests.assessments.helpers import result

ENQUEUE_LOGGER = "certtrack.queue"


@pytest.fixture
def broker_at(monkeypatch):  # noqa: ANN001, ANN201
    """Point Celery at a real broker URL, not eager, with fresh connection pools (restored afterwards)."""

    def point(url: str) -> None:
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        monkeypatch.setitem(app.conf, "broker_url", url)
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)

    return point


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A TCP port that accepts connections (kernel backlog) and never answers: a hung broker."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def _record_and_time(team, hv_course, trainer, today) -> float:  # noqa: ANN001
    started = time.monotonic()
    services.assessments_record(
        rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer
    )
    return time.monotonic() - started


def _enqueue_failures(caplog) -> list[logging.LogRecord]:  # noqa: ANN001
    return [r for r in caplog.records if r.name == ENQUEUE_LOGGER and "could not enqueue" in r.getMessage()]


@pytest.mark.django_db(transaction=True)
def test_it_saves_quickly_and_keeps_the_mark_when_the_broker_is_down(
    broker_at, team, hv_course, trainer, today, caplog
) -> None:  # noqa: ANN001
    broker_at("redis://127.0.0.1:1/0")  # nothing listens on port 1: connection refused
    caplog.set_level(logging.WARNING, logger=ENQUEUE_LOGGER)

    elapsed = _record_and_time(team, hv_course, trainer, today)

    assert elapsed < 5
    assert Assessment.objects.filter(employee=team[0]).count() == 1
    assert ReadinessMark.objects.filter(employee=team[0]).count() == 1
    failures = _enqueue_failures(caplog)
    assert len(failures) == 1
    # The broker itself refused: the task was found and really sent (not NotRegistered).
    assert issubclass(failures[0].exc_info[0], OperationalError)


@pytest.mark.django_db(transaction=True)
def test_it_saves_within_seconds_when_the_broker_hangs(
    broker_at, hanging_port, team, hv_course, trainer, today, caplog
) -> None:  # noqa: ANN001
    broker_at(f"redis://127.0.0.1:{hanging_port}/0")
    caplog.set_level(logging.WARNING, logger=ENQUEUE_LOGGER)

    elapsed = _record_and_time(team, hv_course, trainer, today)

    assert elapsed < 5
    assert Assessment.objects.filter(employee=team[0]).count() == 1
    assert ReadinessMark.objects.filter(employee=team[0]).count() == 1
    assert len(_enqueue_failures(caplog)) == 1


@pytest.mark.django_db
def test_it_enqueues_the_drain_after_commit_without_a_warning(
    team, hv_course, trainer, today, caplog, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    caplog.set_level(logging.WARNING, logger=ENQUEUE_LOGGER)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.assessments_record(
            rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer
        )

    assert len(callbacks) == 1
    assert _enqueue_failures(caplog) == []
    assert "assessments.tasks.readiness_drain_marks" in app.tasks
