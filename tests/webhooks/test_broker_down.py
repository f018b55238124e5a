"""No event is lost when the broker is down while the change commits: the delivery waits in the outbox
and beat's every-minute sweep sends it once the broker is back."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.services.results import assessment_record
from certtrack.celery import app
from certtrack.queue import broker_pause_reset
from tests import factories
from tests.assessments.helpers import result
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.tasks import webhook_deliveries_sweep


@pytest.fixture
def dead_broker():
    """Celery pointed at a closed port, not eager: every publish fails. Returns a function that brings it back."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    def revive() -> None:
        app.conf.update(saved)
        reset_pools()
        broker_pause_reset()

    app.conf.broker_url = "redis://127.0.0.1:1/3"
    app.conf.task_always_eager = False
    reset_pools()
    yield revive
    revive()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_it_delivers_after_the_broker_comes_back(plant_sy, trainer, subscribe, receiver, dead_broker) -> None:
    receiver.secret = subscribe(receiver.url).secret
    course = factories.CourseFactory(code="HV-001", needs_theory=True, needs_practical=False)
    factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    operator = factories.EmployeeFactory(employee_no="E-1", plant=plant_sy)

    assessment_record(
        row=result(operator, course, "theory", dt.date(2026, 6, 1), trainer, score=50), recorded_by=trainer
    )

    event = WebhookEvent.objects.get(type="assessment.recorded")  # committed with the result
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert receiver.requests == []  # the after-commit send never reached a broker

    dead_broker()  # the broker is back; beat's next sweep runs
    assert webhook_deliveries_sweep() == 1

    assert receiver.event_ids == [event.public_id]
    assert receiver.requests[0].verified
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert webhook_deliveries_sweep() == 0
    assert len(receiver.requests) == 1
