"""Which subscriptions get a delivery of an event: active ones, of the event's plant (or all plants),
of its type (or all types); an event nobody wants is not stored; a dedupe key emits once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Certification
from assessments.services.certifications import certification_revoke
from assessments.services.results import assessment_record, assessment_void
from tests import factories
from tests.assessments.helpers import result
from webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEvent
from webhooks.services import EventInput, webhook_event_emit, webhook_events_emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(plant_sy, trainer):
    course = factories.CourseFactory(code="HV-001", needs_theory=True, needs_practical=False, validity_months=12)
    factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    return course


@pytest.fixture
def operator(plant_sy):
    return factories.EmployeeFactory(employee_no="E-1", plant=plant_sy)


def _deliveries() -> set[tuple[str, str]]:
    return set(WebhookDelivery.objects.values_list("event__type", "subscription__url"))


def test_it_delivers_to_matching_active_subscriptions_only(
    plant_sy, plant_de, subscribe, trainer, course, operator
) -> None:
    subscribe("https://all.example/h")
    subscribe("https://sy.example/h", plants=[plant_sy])
    subscribe("https://de.example/h", plants=[plant_de])
    subscribe("https://granted.example/h", types=[EventType.CERTIFICATION_GRANTED])
    subscribe("https://off.example/h", active=False)

    assessment_record(
        row=result(operator, course, "theory", dt.date(2026, 6, 1), trainer, score=90), recorded_by=trainer
    )

    assert _deliveries() == {
        ("assessment.recorded", "https://all.example/h"),
        ("assessment.recorded", "https://sy.example/h"),
        ("certification.granted", "https://all.example/h"),
        ("certification.granted", "https://sy.example/h"),
        ("certification.granted", "https://granted.example/h"),
    }
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    recorded = WebhookEvent.objects.get(type=EventType.ASSESSMENT_RECORDED)
    assert recorded.public_id.startswith("evt_")
    assert recorded.plant == plant_sy
    assert recorded.data | {"assessment": None} == {
        "assessment": None,
        "employee": "E-1",
        "course": "HV-001",
        "kind": "theory",
        "assessed_on": "2026-06-01",
        "score": 90,
        "passed": True,
        "level": None,
        "attempt": 1,
        "delivery_mode": "classroom",
        "source": "web",
    }
    granted = WebhookEvent.objects.get(type=EventType.CERTIFICATION_GRANTED)
    assert granted.data["certified_on"] == "2026-06-01"
    assert granted.data["expires_on"] == "2027-06-01"


def test_it_grants_only_when_the_certification_becomes_valid_or_is_renewed(
    plant_sy, subscribe, trainer, course, operator
) -> None:
    subscribe("https://all.example/h", types=[EventType.CERTIFICATION_GRANTED])

    def record(on: dt.date, score: int) -> None:
        assessment_record(row=result(operator, course, "theory", on, trainer, score=score), recorded_by=trainer)

    record(dt.date(2026, 5, 1), 50)  # a fail: nothing granted
    assert not WebhookEvent.objects.exists()
    record(dt.date(2026, 5, 2), 90)
    record(dt.date(2026, 6, 2), 95)  # a renewal
    assert list(WebhookEvent.objects.order_by("id").values_list("data__certified_on", flat=True)) == [
        "2026-05-02",
        "2026-06-02",
    ]


def test_it_emits_void_and_revocation(plant_sy, subscribe, trainer, manager, course, operator) -> None:
    subscribe("https://all.example/h", types=[EventType.ASSESSMENT_VOIDED, EventType.CERTIFICATION_REVOKED])
    first = assessment_record(
        row=result(operator, course, "theory", dt.date(2026, 6, 1), trainer, score=90), recorded_by=trainer
    )
    assessment_void(assessment=first, actor=trainer, reason="wrong person")
    assessment_record(
        row=result(operator, course, "theory", dt.date(2026, 6, 2), trainer, score=90), recorded_by=trainer
    )
    certification_revoke(certification=Certification.objects.get(employee=operator), actor=manager, reason="incident")

    voided, revoked = WebhookEvent.objects.order_by("id")
    assert (voided.type, voided.data["assessment"], voided.data["reason"]) == (
        "assessment.voided",
        first.pk,
        "wrong person",
    )
    assert revoked.type == "certification.revoked"
    assert revoked.data == {
        "employee": "E-1",
        "course": "HV-001",
        "revoked_on": plant_sy.local_today().isoformat(),
        "reason": "incident",
    }


def test_it_stores_nothing_nobody_wants_with_one_query(plant_sy, plant_de, subscribe) -> None:
    events = [EventInput(type=EventType.READINESS_CHANGED, plant_id=plant_sy.id, data={"line": "L1"})] * 50
    with CaptureQueriesContext(connection) as queries:
        assert webhook_events_emit(events=events) == 0
    assert len(queries) == 1  # the active subscriptions: none

    subscribe("https://de.example/h", plants=[plant_de])
    assert webhook_events_emit(events=events) == 0
    assert not WebhookEvent.objects.exists()


def test_it_emits_a_deduplicated_event_once(plant_sy, subscribe) -> None:
    subscribe("https://all.example/h")
    for _run in range(2):
        webhook_event_emit(
            type=EventType.CERTIFICATION_EXPIRED,
            plant_id=plant_sy.id,
            data={"employee": "E-1"},
            dedupe_key="certification.expired:1:2026-10-01",
        )
    assert WebhookEvent.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_it_refuses_an_unknown_event_type(plant_sy) -> None:
    with pytest.raises(ValueError, match="unknown webhook event type"):
        webhook_event_emit(type="certification.eaten", plant_id=plant_sy.id, data={})


def test_it_emits_override_events_for_the_gate(plant_sy, subscribe) -> None:
    subscribe("https://all.example/h", types=[EventType.OVERRIDE_GRANTED, EventType.OVERRIDE_ENDED])
    webhook_event_emit(type="override.granted", plant_id=plant_sy.id, data={"override": 1})
    webhook_event_emit(type="override.ended", plant_id=plant_sy.id, data={"override": 1})
    assert list(WebhookEvent.objects.order_by("id").values_list("type", flat=True)) == [
        "override.granted",
        "override.ended",
    ]
