"""Worked example 2 with its planned session (DOMAIN.md: BAT-MOD-010 on 2027-01-15 with Q and S), and the
pass rate 0.8 either from recorded results (the DOMAIN.md way) or from a scenario's PASS_RATE change."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.services.result_rules import ResultInput
from assessments.services.results import assessments_record
from employees.models import Plant
from planning.models import ChangeKind, PlannedSession, Scenario, ScenarioChange
from tests import factories
from tests.assessments.conftest import ALL_OK, W2_TODAY

SESSION_DAY = dt.date(2027, 1, 15)
FEB_1 = dt.date(2027, 2, 1)
MAR_31 = dt.date(2027, 3, 31)
FAIL_MARKS = [True, True, False, True]


@pytest.fixture
def planned(worked_example_2, trainer, monkeypatch):
    """Worked example 2 on its today with the live planned session of Q and S."""
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    w = worked_example_2
    session = PlannedSession.objects.create(
        plant=w["plant"],
        course=w["mod"],
        planned_on=SESSION_DAY,
        seats=8,
        trainer=trainer,
        delivery_mode="on_the_job",
        line=w["line"],
        created_by=trainer,
    )
    session.attendees.set([w["Q"], w["S"]])
    return {**w, "session": session}


@pytest.fixture
def pass_rate_recorded(planned, trainer):
    """BAT-MOD-010's pass rate at SY made 0.8 from results: L2's four (3 passed) and 16 more on plant
    employees without a line (13 passed, 3 failed), all within the 365 days before today: 16 of 20."""
    w = planned
    rows = []
    for index in range(16):
        employee = factories.EmployeeFactory(employee_no=f"X{index:02}", plant=w["plant"], line=None, station=None)
        passed = index >= 3
        rows.append(
            ResultInput(
                employee=employee,
                course=w["mod"],
                kind="practical",
                assessed_on=dt.date(2026, 6, 1) + dt.timedelta(days=index),
                assessor=trainer,
                level="U" if passed else None,
                delivery_mode="on_the_job",
                checklist_marks=ALL_OK if passed else FAIL_MARKS,
            )
        )
    assessments_record(rows=rows, recorded_by=trainer)
    return w


@pytest.fixture
def pass_rate_scenario(planned, manager):
    """A draft scenario of SY that sets BAT-MOD-010's pass rate to 0.8."""
    w = planned
    scenario = Scenario.objects.create(plant=w["plant"], name="Pass rate 0.8", created_by=manager)
    ScenarioChange.objects.create(scenario=scenario, kind=ChangeKind.PASS_RATE, course=w["mod"], pass_rate=0.8)
    return {**w, "scenario": scenario}
