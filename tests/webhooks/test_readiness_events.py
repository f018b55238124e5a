"""The roll-up's events: certification.expired at a plant's day change (once, however often the job
runs) and readiness.changed per line whose figures changed."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import ReadinessState
from assessments.readiness.recompute import drain_marks, plant_recompute
from assessments.tasks import readiness_tasks
from employees.models import Plant
from tests.assessments.conftest import D1, D2, W2_LAST_COUNTING_DAY, W2_WINDOW_CLOSED, b_passes_hv_theory
from webhooks.models import EventType, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

SEP30 = dt.date(2026, 9, 30)


def _events(type: str) -> list[dict]:
    return list(WebhookEvent.objects.filter(type=type).order_by("id").values_list("data", flat=True))


def test_it_emits_each_expiry_once_at_the_day_change(worked_example, subscribe, monkeypatch) -> None:
    plant = worked_example["plant"]
    subscribe("https://mes.example/h", types=[EventType.CERTIFICATION_EXPIRED])
    monkeypatch.setattr(Plant, "local_today", lambda self: D2)
    plant_recompute(plant_id=plant.id, on_date=SEP30)  # the tables describe 30 September
    assert not WebhookEvent.objects.exists()

    plant_recompute(plant_id=plant.id)  # the day change to 1 October: C's HV-001 expires that day
    expected = [{"employee": "C", "course": "HV-001", "expired_on": "2026-10-01", "reason": "expired"}]
    assert _events(EventType.CERTIFICATION_EXPIRED) == expected

    # The day change runs again (a rerun, a resumed task): nothing is emitted twice.
    ReadinessState.objects.filter(plant=plant).update(on_date=SEP30)
    assert readiness_tasks.readiness_new_day() == 1
    assert ReadinessState.objects.get(plant=plant).on_date == D2
    plant_recompute(plant_id=plant.id)
    assert _events(EventType.CERTIFICATION_EXPIRED) == expected
    assert WebhookDelivery.objects.count() == 1


def test_it_reads_nothing_for_expiries_when_nobody_listens(worked_example, subscribe, monkeypatch) -> None:
    plant = worked_example["plant"]
    subscribe("https://mes.example/h", types=[EventType.ASSESSMENT_RECORDED])
    monkeypatch.setattr(Plant, "local_today", lambda self: D2)
    plant_recompute(plant_id=plant.id, on_date=SEP30)
    plant_recompute(plant_id=plant.id)
    assert not WebhookEvent.objects.exists()


def test_it_emits_readiness_changed_per_line_whose_figures_changed(
    worked_example, subscribe, trainer, monkeypatch
) -> None:
    plant = worked_example["plant"]
    subscribe("https://mes.example/h", types=[EventType.READINESS_CHANGED])
    monkeypatch.setattr(Plant, "local_today", lambda self: D1)
    plant_recompute(plant_id=plant.id)  # the first roll-up: every line is new
    first = {"line": "L1", "date": "2026-06-30", "headcount": 3, "qualified": 2, "qualified_confirmed": 2}
    assert _events(EventType.READINESS_CHANGED) == [first | {"previous": None}]

    plant_recompute(plant_id=plant.id)  # the same figures: nothing
    assert len(_events(EventType.READINESS_CHANGED)) == 1

    b_passes_hv_theory(worked_example, trainer)
    assert drain_marks() == 1
    assert _events(EventType.READINESS_CHANGED)[1] == first | {
        "qualified": 3,
        "qualified_confirmed": 3,
        "previous": {"headcount": 3, "qualified": 2, "qualified_confirmed": 2},
    }


def test_it_emits_a_provisional_pass_lapsing_when_the_confirmation_window_closes(
    worked_example_2, subscribe, monkeypatch
) -> None:
    plant = worked_example_2["plant"]
    subscribe("https://mes.example/h", types=[EventType.CERTIFICATION_EXPIRED])
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_WINDOW_CLOSED)
    plant_recompute(plant_id=plant.id, on_date=W2_LAST_COUNTING_DAY)
    assert not WebhookEvent.objects.exists()

    plant_recompute(plant_id=plant.id)  # SOP + 30 days: R's virtual-model pass no longer counts
    assert _events(EventType.CERTIFICATION_EXPIRED) == [
        {"employee": "R", "course": "BAT-MOD-010", "expired_on": "2027-03-31", "reason": "provisional_lapsed"}
    ]
