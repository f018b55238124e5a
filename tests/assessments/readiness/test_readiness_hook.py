"""The readiness outbox: a write marks its employees in the same transaction and enqueues the drain after
commit; a broker that is down or hanging never fails the save, and only the first save after a failure
waits for it: the next ones, for BROKER_RETRY_SECONDS, leave the work to the outbox without a connection."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import redis
from django.conf import settings as django_settings
from kombu.exceptions import OperationalError

from assessments.models import Assessment, ReadinessMark
from assessments.services.results import assessments_record
from certtrack import queue
from certtrack.celery import app
from tests.assessments.helpers import result

ENQUEUE_LOGGER = "certtrack.queue"


@pytest.fixture
def broker_at() -> Iterator:
    """Point Celery at a real broker URL, not eager, with fresh connection pools (restored afterwards).

    Restored here, not by monkeypatch: monkeypatch undoes its changes after the autouse fixture that
    makes Celery eager has restored its own, and would leave Celery eager for the tests that follow.
    """
    keys = ("task_always_eager", "broker_url")
    saved = ({key: app.conf[key] for key in keys}, app._pool, app.amqp._producer_pool)

    def point(url: str) -> None:
        app.conf.update(task_always_eager=False, broker_url=url)
        app._pool = None
        app.amqp._producer_pool = None

    queue.broker_pause_reset()
    yield point
    queue.broker_pause_reset()  # a dead test broker must not pause another test's sends
    conf, app._pool, app.amqp._producer_pool = saved
    app.conf.update(conf)


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A TCP port that accepts connections (kernel backlog) and never answers: a hung broker."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def _record_and_time(team, hv_course, trainer, today) -> float:
    started = time.monotonic()
    assessments_record(rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer)
    return time.monotonic() - started


def _enqueue_failures(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ENQUEUE_LOGGER and "could not enqueue" in r.getMessage()]


@pytest.mark.django_db(transaction=True)
def test_it_saves_quickly_and_keeps_the_mark_when_the_broker_is_down(
    broker_at, team, hv_course, trainer, today, caplog
) -> None:
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
) -> None:
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
) -> None:
    caplog.set_level(logging.WARNING, logger=ENQUEUE_LOGGER)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assessments_record(rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer)

    assert len(callbacks) == 1
    assert _enqueue_failures(caplog) == []
    assert "assessments.tasks.readiness_drain_marks" in app.tasks


# --- A hung broker: one save pays, the next ones do not even connect ------------------------------------


class _Broker:
    """A TCP server on 127.0.0.1 that counts the connections it accepts and never answers them (hung)
    or, once healthy, relays them to the real Redis of REDIS_URL."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.healthy = False
        self.sockets: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self.sockets.append(conn)  # hung: held open, never read, never answered
            if self.healthy:
                upstream = urlparse(django_settings.REDIS_URL)
                real = socket.create_connection((upstream.hostname or "127.0.0.1", upstream.port or 6379))
                self.sockets.append(real)
                for source, target in ((conn, real), (real, conn)):
                    threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for side in (source, target):
                side.close()

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def hung_broker() -> Iterator[_Broker]:
    broker = _Broker()
    yield broker
    broker.stop()


def _save(employee, hv_course, trainer, today, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessments_record(rows=[result(employee, hv_course, "theory", today, trainer, score=90)], recorded_by=trainer)


@pytest.mark.django_db
def test_it_stops_sending_to_a_hung_broker_after_one_failure_and_tries_again_later(
    broker_at,
    hung_broker,
    team,
    hv_course,
    trainer,
    today,
    caplog,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:
    settings.BROKER_RETRY_SECONDS = 30
    broker_at(hung_broker.url())
    caplog.set_level(logging.WARNING, logger=ENQUEUE_LOGGER)

    _save(team[0], hv_course, trainer, today, django_capture_on_commit_callbacks)  # pays the timeout
    after_first = hung_broker.accepted
    assert after_first >= 1
    for employee in team[1:4]:
        _save(employee, hv_course, trainer, today, django_capture_on_commit_callbacks)

    assert hung_broker.accepted == after_first  # saves 2-4 never connected
    assert Assessment.objects.count() == 4
    assert set(ReadinessMark.objects.values_list("employee_id", flat=True)) == {e.id for e in team[:4]}
    assert len(_enqueue_failures(caplog)) == 1  # one warning, not one per save
    assert "sending nothing to the broker for 30 s" in _enqueue_failures(caplog)[0].getMessage()

    real_clock = queue.monotonic
    monkeypatch.setattr(queue, "monotonic", lambda: real_clock() + 31)  # the retry interval has passed
    _save(team[4], hv_course, trainer, today, django_capture_on_commit_callbacks)

    assert hung_broker.accepted > after_first  # it tried the broker again
    assert len(_enqueue_failures(caplog)) == 2
    assert ReadinessMark.objects.filter(employee=team[4]).exists()


def _spare_redis_db() -> int:
    """A Redis database no worker consumes (CI's worker takes db 15, its cache 14)."""
    return int(os.environ.get("CERTTRACK_TEST_SPARE_REDIS_DB", "13"))


@pytest.mark.redis
@pytest.mark.django_db
def test_it_sends_normally_once_the_broker_answers_again(
    broker_at,
    hung_broker,
    team,
    hv_course,
    trainer,
    today,
    caplog,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:
    spare = _spare_redis_db()
    # Not from_url(REDIS_URL, db=spare): the database in the URL's path wins over the keyword (redis-py).
    real = urlparse(django_settings.REDIS_URL)
    broker_redis = redis.Redis(host=real.hostname or "127.0.0.1", port=real.port or 6379, db=spare)
    drains = queue.task_queue("assessments.tasks.readiness_drain_marks")  # the roll-up queue (issue #20)
    assert drains == "rollup"
    broker_redis.delete(drains)
    settings.BROKER_RETRY_SECONDS = 30
    broker_at(hung_broker.url(spare))
    caplog.set_level(logging.WARNING, logger=ENQUEUE_LOGGER)
    _save(team[0], hv_course, trainer, today, django_capture_on_commit_callbacks)
    hung_broker.healthy = True
    _save(team[1], hv_course, trainer, today, django_capture_on_commit_callbacks)  # still inside the interval
    assert broker_redis.llen(drains) == 0
    before = hung_broker.accepted

    real_clock = queue.monotonic
    monkeypatch.setattr(queue, "monotonic", lambda: real_clock() + 31)
    try:
        _save(team[2], hv_course, trainer, today, django_capture_on_commit_callbacks)
        _save(team[3], hv_course, trainer, today, django_capture_on_commit_callbacks)

        assert hung_broker.accepted > before
        assert broker_redis.llen(drains) == 2  # both drains sent: nothing paused a healthy broker
        assert len(_enqueue_failures(caplog)) == 1
    finally:
        broker_redis.delete(drains)
        broker_redis.close()
