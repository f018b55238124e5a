"""What-if scenario services: each input refused with nothing written, each write audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import AuditAction, AuditEvent
from employees.models import EmployeeStatus
from planning.models import ChangeKind, ScenarioAttendance, ScenarioChange, ScenarioSession, ScenarioStatus
from planning.services.scenarios import (
    SessionInput,
    scenario_change_add,
    scenario_change_edit,
    scenario_change_remove,
    scenario_create,
    scenario_discard,
    scenario_rename,
    scenario_session_add,
    scenario_session_edit,
    scenario_session_remove,
)
from tests import factories
from tests.assessments.conftest import W2_TODAY
from tests.planning.scenario_fixtures import JAN_15, planned_session

pytestmark = pytest.mark.django_db


def _written() -> tuple[int, int, int, int]:
    return (
        ScenarioChange.objects.count(),
        ScenarioSession.objects.count(),
        ScenarioAttendance.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def scenario(w2, manager):
    return scenario_create(plant=w2["plant"], name="Draft", actor=manager)


def test_it_creates_renames_and_discards_a_scenario_audited(w2, manager):
    scenario = scenario_create(plant=w2["plant"], name="  Two trainers  ", notes="why", actor=manager)
    assert (scenario.name, scenario.status, scenario.source) == ("Two trainers", ScenarioStatus.DRAFT, "manual")
    scenario_rename(scenario=scenario, name="Three trainers", actor=manager)
    scenario_discard(scenario=scenario, actor=manager)
    scenario.refresh_from_db()
    assert (scenario.name, scenario.status) == ("Three trainers", ScenarioStatus.DISCARDED)
    summaries = list(
        AuditEvent.objects.filter(action=AuditAction.SCENARIO_CHANGED).order_by("id").values_list("summary", flat=True)
    )
    assert summaries == [
        "What-if scenario Two trainers created at SY",
        "What-if scenario Two trainers at SY renamed Three trainers",
        "What-if scenario Three trainers at SY discarded",
    ]


def test_it_refuses_an_empty_name(w2, manager):
    with pytest.raises(ValidationError):
        scenario_create(plant=w2["plant"], name="   ", actor=manager)
    assert AuditEvent.objects.filter(action=AuditAction.SCENARIO_CHANGED).count() == 0


def test_every_kind_of_change_is_stored_with_only_its_fields(full_scenario, w2):
    changes = {c.kind: c for c in full_scenario.changes.all()}
    assert set(changes) == set(ChangeKind.values)
    assert changes[ChangeKind.PASS_RATE].pass_rate == Decimal("0.800")
    assert changes[ChangeKind.PASS_RATE].on_date is None
    assert changes[ChangeKind.HIRE].headcount == 3
    assert changes[ChangeKind.LEAVE].employee == w2["P"]
    assert changes[ChangeKind.SOP_MOVED].trainer is None
    assert AuditEvent.objects.filter(action=AuditAction.SCENARIO_CHANGED).count() == 1 + 8 + 1


def test_validity_never_expires_is_a_change(scenario, w2, manager):
    change = scenario_change_add(
        scenario=scenario, kind=ChangeKind.VALIDITY, actor=manager, course=w2["hv"], validity_months=None
    )
    assert change.validity_months is None
    assert AuditEvent.objects.latest("id").summary.endswith("change added (validity HV-001 -)")


def _refusals(w, trainer, hr, manager, plant_de, live) -> list[tuple[str, dict, str]]:
    line_de = factories.ProductionLineFactory(plant=plant_de, code="L9")
    other_line = factories.ProductionLineFactory(plant=w["plant"], code="L3")
    station_elsewhere = factories.StationFactory(line=other_line, code="X1")
    employee_de = factories.EmployeeFactory(employee_no="DE-1", plant=plant_de)
    gone = factories.EmployeeFactory(employee_no="GONE", plant=w["plant"], status=EmployeeStatus.LEFT)
    course_de = factories.CourseFactory(code="DE-ONLY", owner_plant=plant_de)
    cancelled = planned_session(w, trainer, manager, on=dt.date(2027, 2, 3))
    cancelled.cancelled_at, cancelled.cancelled_by, cancelled.cancel_reason = dt.datetime.now(dt.UTC), manager, "x"
    cancelled.save()
    past = planned_session(w, trainer, manager, on=W2_TODAY)
    later = dt.date(2027, 2, 1)
    return [
        (ChangeKind.TRAINER_AWAY, {"trainer": hr, "on_date": later}, "trainer"),
        (ChangeKind.TRAINER_AWAY, {"trainer": trainer, "on_date": W2_TODAY}, "on_date"),
        (ChangeKind.TRAINER_AWAY, {"trainer": trainer}, "on_date"),
        (ChangeKind.SOP_MOVED, {"line": line_de, "on_date": later}, "line"),
        (ChangeKind.SOP_MOVED, {"line": w["line"], "on_date": dt.date(2026, 11, 1)}, "on_date"),
        (ChangeKind.PASS_RATE, {"course": w["mod"], "pass_rate": "1.5"}, "pass_rate"),
        (ChangeKind.PASS_RATE, {"course": w["mod"], "pass_rate": "-0.1"}, "pass_rate"),
        (ChangeKind.PASS_RATE, {"course": w["mod"], "pass_rate": "NaN"}, "pass_rate"),
        (ChangeKind.PASS_RATE, {"course": course_de, "pass_rate": "0.5"}, "course"),
        (ChangeKind.VALIDITY, {"course": w["hv"], "validity_months": 0}, "validity_months"),
        (ChangeKind.VALIDITY, {"course": course_de, "validity_months": 12}, "course"),
        (ChangeKind.SESSION_MOVED, {"planned_session": cancelled, "on_date": later}, "planned_session"),
        (ChangeKind.SESSION_MOVED, {"planned_session": past, "on_date": later}, "planned_session"),
        (ChangeKind.SESSION_MOVED, {"planned_session": live, "on_date": W2_TODAY}, "on_date"),
        (ChangeKind.SESSION_REMOVED, {"planned_session": cancelled}, "planned_session"),
        (ChangeKind.HIRE, {"line": w["line"], "shift": "A", "headcount": 0, "on_date": later}, "headcount"),
        (ChangeKind.HIRE, {"line": w["line"], "shift": "C", "headcount": 2, "on_date": later}, "shift"),
        (ChangeKind.HIRE, {"line": line_de, "shift": "A", "headcount": 2, "on_date": later}, "line"),
        (
            ChangeKind.HIRE,
            {"line": w["line"], "station": station_elsewhere, "shift": "A", "headcount": 2, "on_date": later},
            "station",
        ),
        (ChangeKind.LEAVE, {"employee": employee_de, "on_date": later}, "employee"),
        (ChangeKind.LEAVE, {"employee": gone, "on_date": later}, "employee"),
        ("no_such_kind", {}, "kind"),
    ]


def test_each_invalid_change_is_refused_and_writes_nothing(scenario, w2, trainer, hr, manager, plant_de, live_session):
    for kind, fields, field in _refusals(w2, trainer, hr, manager, plant_de, live_session):
        before = _written()
        with pytest.raises(ValidationError) as refused:
            scenario_change_add(scenario=scenario, kind=kind, actor=manager, **fields)
        assert field in refused.value.message_dict, (kind, fields)
        assert _written() == before, (kind, fields)


def test_a_session_is_moved_or_removed_once_per_scenario(scenario, w2, manager, live_session):
    scenario_change_add(scenario=scenario, kind=ChangeKind.SESSION_REMOVED, actor=manager, planned_session=live_session)
    with pytest.raises(ValidationError, match="already moves or removes"):
        scenario_change_add(
            scenario=scenario,
            kind=ChangeKind.SESSION_MOVED,
            actor=manager,
            planned_session=live_session,
            on_date=dt.date(2027, 2, 1),
        )


def test_a_change_is_edited_and_removed_audited(scenario, w2, manager):
    change = scenario_change_add(
        scenario=scenario, kind=ChangeKind.SOP_MOVED, actor=manager, line=w2["line"], on_date=dt.date(2027, 4, 1)
    )
    scenario_change_edit(change=change, actor=manager, line=w2["line"], on_date=dt.date(2027, 5, 1))
    change.refresh_from_db()
    assert change.on_date == dt.date(2027, 5, 1)
    with pytest.raises(ValidationError):
        scenario_change_edit(change=change, actor=manager, line=w2["line"], on_date=W2_TODAY)
    change.refresh_from_db()
    assert change.on_date == dt.date(2027, 5, 1)
    scenario_change_remove(change=change, actor=manager)
    assert not ScenarioChange.objects.filter(pk=change.pk).exists()
    assert [e.summary for e in AuditEvent.objects.order_by("id")][-2:] == [
        "What-if scenario Draft at SY: change edited (sop_moved L2 2027-05-01)",
        "What-if scenario Draft at SY: change removed (sop_moved L2 2027-05-01)",
    ]


def _session(w, trainer, **overrides) -> SessionInput:
    fields = {"course": w["mod"], "planned_on": JAN_15, "seats": 2, "trainer": trainer, "attendees": [w["Q"]]}
    return SessionInput(**{**fields, **overrides})


def test_a_session_is_added_edited_and_removed(scenario, w2, trainer, manager):
    session = scenario_session_add(scenario=scenario, actor=manager, data=_session(w2, trainer))
    assert session.delivery_mode == w2["mod"].delivery_mode  # the course's own when none is given
    assert list(session.attendees.all()) == [w2["Q"]]
    scenario_session_edit(
        session=session, actor=manager, data=_session(w2, trainer, attendees=[w2["Q"], w2["S"]], shift="A")
    )
    session.refresh_from_db()
    assert sorted(e.employee_no for e in session.attendees.all()) == ["Q", "S"]
    assert session.shift == "A"
    scenario_session_remove(session=session, actor=manager)
    assert ScenarioSession.objects.count() == 0
    assert ScenarioAttendance.objects.count() == 0
    assert AuditEvent.objects.latest("id").summary == (
        "What-if scenario Draft at SY: BAT-MOD-010 session on 2027-01-15 removed"
    )


def test_each_invalid_session_is_refused_and_writes_nothing(scenario, w2, trainer, manager, plant_de):
    employee_de = factories.EmployeeFactory(employee_no="DE-1", plant=plant_de)
    gone = factories.EmployeeFactory(employee_no="GONE", plant=w2["plant"], status=EmployeeStatus.LEFT)
    course_de = factories.CourseFactory(code="DE-ONLY", owner_plant=plant_de)
    refusals = [
        (_session(w2, manager), "trainer"),  # not authorised for the course
        (_session(w2, trainer, course=course_de), "course"),
        (_session(w2, trainer, planned_on=W2_TODAY), "planned_on"),
        (_session(w2, trainer, seats=1, attendees=[w2["Q"], w2["S"]]), "attendees"),
        (_session(w2, trainer, seats=0, attendees=[]), "seats"),
        (_session(w2, trainer, attendees=[employee_de]), "attendees"),
        (_session(w2, trainer, attendees=[gone]), "attendees"),
        (_session(w2, trainer, shift="Z"), "shift"),
        (_session(w2, trainer, delivery_mode="carrier_pigeon"), "delivery_mode"),
    ]
    for data, field in refusals:
        before = _written()
        with pytest.raises(ValidationError) as refused:
            scenario_session_add(scenario=scenario, actor=manager, data=data)
        assert field in refused.value.message_dict, data
        assert _written() == before, data


def test_an_expired_authorisation_refuses_the_session(scenario, w2, trainer, manager):
    w2["mod"].trainer_authorisations.filter(user=trainer).update(valid_until=dt.date(2027, 1, 10))
    with pytest.raises(ValidationError) as refused:
        scenario_session_add(scenario=scenario, actor=manager, data=_session(w2, trainer))
    assert "trainer" in refused.value.message_dict


def test_a_discarded_scenario_can_no_longer_change(scenario, w2, trainer, manager):
    scenario_discard(scenario=scenario, actor=manager)
    before = _written()
    with pytest.raises(ValidationError, match="can no longer change"):
        scenario_change_add(scenario=scenario, kind=ChangeKind.PASS_RATE, actor=manager, course=w2["mod"], pass_rate=1)
    with pytest.raises(ValidationError, match="can no longer change"):
        scenario_session_add(scenario=scenario, actor=manager, data=_session(w2, trainer))
    with pytest.raises(ValidationError, match="can no longer change"):
        scenario_rename(scenario=scenario, name="Again", actor=manager)
    assert _written() == before
