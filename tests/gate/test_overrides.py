"""Granting and ending overrides: who may, what is refused, what is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import AuditEvent
from employees.models import Employee
from gate.models import Override
from gate.selectors import gate_check, overrides_active
from gate.services import override_end, override_grant
from tests import factories


@pytest.fixture
def window():
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    return start, start + dt.timedelta(hours=8)


def grant(example, user, window, **changes):
    starts_at, ends_at = window
    arguments = {
        "employee": example["S"],
        "station": example["t1"],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "reason": "Trainer beside S all shift",
        "granted_by": user,
    }
    return override_grant(**{**arguments, **changes})


def test_a_supervisor_grants_and_the_gate_allows_now(worked_example_2, supervisor, window):
    override = grant(worked_example_2, supervisor, window)
    decision = gate_check(station=worked_example_2["t1"], employee_no="S")
    assert (decision.decision, decision.override.id) == ("allow", override.id)
    event = AuditEvent.objects.get(action="override.granted")
    assert (event.actor, event.employee, event.plant_id) == (
        supervisor,
        worked_example_2["S"],
        worked_example_2["plant"].id,
    )
    assert "Trainer beside S all shift" in event.summary
    assert list(overrides_active(plant=worked_example_2["plant"])) == [override]


@pytest.mark.parametrize(
    ("hours", "field"),
    [(12.01, "ends_at"), (0, "ends_at"), (-1, "ends_at")],
)
def test_a_window_over_12_hours_or_empty_is_refused(worked_example_2, manager, window, hours, field):
    starts_at = window[0]
    with pytest.raises(ValidationError) as refused:
        grant(worked_example_2, manager, (starts_at, starts_at + dt.timedelta(hours=hours)))
    assert field in refused.value.message_dict
    assert not Override.objects.exists()


def test_exactly_12_hours_is_allowed(worked_example_2, manager, window):
    starts_at = window[0]
    grant(worked_example_2, manager, (starts_at, starts_at + dt.timedelta(hours=12)))
    assert Override.objects.count() == 1


def test_who_may_not_grant(worked_example_2, trainer, hr, auditor, manager_de, window):
    for user in (trainer, hr, auditor, manager_de):
        with pytest.raises(ValidationError):
            grant(worked_example_2, user, window)
    assert not Override.objects.exists()
    assert not AuditEvent.objects.filter(action="override.granted").exists()


def test_no_override_for_people_not_at_work_or_of_another_plant(worked_example_2, manager, window, plant_de):
    Employee.objects.filter(pk=worked_example_2["S"].pk).update(status="on_leave")
    worked_example_2["S"].refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        grant(worked_example_2, manager, window)
    assert "not active" in str(refused.value.message_dict["employee"])
    outsider = factories.EmployeeFactory(plant=plant_de)
    with pytest.raises(ValidationError):
        grant(worked_example_2, manager, window, employee=outsider)
    with pytest.raises(ValidationError) as no_reason:
        grant(worked_example_2, manager, window, employee=worked_example_2["Q"], reason="  ")
    assert "reason" in no_reason.value.message_dict
    assert not Override.objects.exists()


def test_ending_early_denies_again_and_is_audited_once(worked_example_2, manager, supervisor, window):
    override = grant(worked_example_2, manager, window)
    override_end(override=override, ended_by=supervisor, reason="Trainer called away")
    assert gate_check(station=worked_example_2["t1"], employee_no="S").decision == "deny"
    with pytest.raises(ValidationError):
        override_end(override=override, ended_by=manager)
    events = AuditEvent.objects.filter(action="override.ended")
    assert events.count() == 1
    assert "Trainer called away" in events.get().summary
    assert list(overrides_active(plant=worked_example_2["plant"])) == []


def test_an_override_ends_by_itself(worked_example_2, manager):
    start = timezone.now() - dt.timedelta(hours=10)
    grant(worked_example_2, manager, (start, start + dt.timedelta(hours=9)))
    assert gate_check(station=worked_example_2["t1"], employee_no="S").decision == "deny"
    assert list(overrides_active(plant=worked_example_2["plant"])) == []


def test_an_override_does_not_cover_a_person_who_has_left_since(worked_example_2, manager, window):
    grant(worked_example_2, manager, window)
    Employee.objects.filter(pk=worked_example_2["S"].pk).update(status="left")
    decision = gate_check(station=worked_example_2["t1"], employee_no="S")
    assert (decision.decision, decision.override) == ("deny", None)
