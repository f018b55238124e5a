"""Fixtures of the what-if scenario tests (imported by tests/planning/test_scenarios_*.py): worked example 2's
plant on its today, a live planned session to move or remove, and a scenario that changes every kind of input."""

from __future__ import annotations

import datetime as dt

import pytest

from employees.models import Plant
from planning.models import ChangeKind, PlannedSession, Scenario
from planning.services.scenarios import SessionInput, scenario_change_add, scenario_create, scenario_session_add
from tests import factories
from tests.assessments.conftest import W2_TODAY

JAN_15 = dt.date(2027, 1, 15)


@pytest.fixture
def w2(worked_example_2, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    return worked_example_2


def planned_session(w, trainer, manager, *, on=dt.date(2027, 1, 20), attendees=(), course=None) -> PlannedSession:
    session = PlannedSession.objects.create(
        plant=w["plant"],
        course=course or w["mod"],
        planned_on=on,
        seats=4,
        trainer=trainer,
        delivery_mode="on_the_job",
        created_by=manager,
    )
    for employee in attendees:
        session.attendances.create(employee=employee)
    return session


@pytest.fixture
def live_session(w2, trainer, manager) -> PlannedSession:
    return planned_session(w2, trainer, manager, attendees=[w2["S"]])


@pytest.fixture
def full_scenario(w2, trainer, manager, live_session) -> Scenario:
    return build_full_scenario(w2, trainer, manager, live_session)


def build_full_scenario(w2, trainer, manager, live_session) -> Scenario:
    """A scenario with one change of every kind and an added session with attendees."""
    other = planned_session(w2, trainer, manager, on=dt.date(2027, 1, 25), attendees=[w2["Q"]])
    factories.EmployeeFactory(employee_no="Z", plant=w2["plant"], line=w2["line"], station=w2["t1"], shift="A")
    scenario = scenario_create(plant=w2["plant"], name="Everything", actor=manager)
    changes = [
        {"kind": ChangeKind.TRAINER_AWAY, "trainer": trainer, "on_date": dt.date(2027, 2, 20)},
        {"kind": ChangeKind.SOP_MOVED, "line": w2["line"], "on_date": dt.date(2027, 4, 1)},
        {"kind": ChangeKind.PASS_RATE, "course": w2["mod"], "pass_rate": "0.8"},
        {"kind": ChangeKind.VALIDITY, "course": w2["hv"], "validity_months": 24},
        {"kind": ChangeKind.SESSION_MOVED, "planned_session": live_session, "on_date": dt.date(2027, 1, 22)},
        {"kind": ChangeKind.SESSION_REMOVED, "planned_session": other},
        {
            "kind": ChangeKind.HIRE,
            "line": w2["line"],
            "station": w2["t1"],
            "shift": "A",
            "headcount": 3,
            "on_date": dt.date(2027, 1, 4),
        },
        {"kind": ChangeKind.LEAVE, "employee": w2["P"], "on_date": dt.date(2027, 2, 1)},
    ]
    for change in changes:
        scenario_change_add(scenario=scenario, actor=manager, **change)
    scenario_session_add(
        scenario=scenario,
        actor=manager,
        data=SessionInput(
            course=w2["mod"], planned_on=JAN_15, seats=4, trainer=trainer, shift="A", attendees=[w2["Q"]]
        ),
    )
    return scenario
