"""A scenario's changes move the forecast and write nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from employees.models import Plant
from planning.forecast import forecast
from planning.inputs import load_inputs
from planning.models import ChangeKind, PlannedSession, Scenario, ScenarioChange, ScenarioSession
from planning.whatif import apply_scenario
from tests.assessments.conftest import W2_TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def w2(worked_example_2, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    return worked_example_2


def _scenario(w, manager, *changes, sessions=()):
    scenario = Scenario.objects.create(plant=w["plant"], name="what if", created_by=manager)
    for change in changes:
        ScenarioChange.objects.create(scenario=scenario, **change)
    for attendees, fields in sessions:
        session = ScenarioSession.objects.create(scenario=scenario, **fields)
        session.attendees.set(attendees)
    return scenario


def test_an_added_session_with_a_pass_rate_gives_worked_example_2s_figures(w2, manager, trainer):
    scenario = _scenario(
        w2,
        manager,
        {"kind": ChangeKind.PASS_RATE, "course": w2["mod"], "pass_rate": "0.800"},
        sessions=[
            (
                [w2["Q"], w2["S"]],
                {
                    "course": w2["mod"],
                    "planned_on": dt.date(2027, 1, 15),
                    "seats": 4,
                    "trainer": trainer,
                    "delivery_mode": "on_the_job",
                },
            )
        ],
    )
    live = load_inputs(plant=w2["plant"])
    line = forecast(apply_scenario(live, scenario)).lines[w2["line"].id]
    assert line.on(dt.date(2027, 2, 1)).expected_qualified == pytest.approx(3.6)
    assert line.on(dt.date(2027, 3, 31)).planned_qualified == 3
    # The live inputs are untouched: no session, the pass rate from the records (fewer than 20: 0.9).
    assert live.sessions == []
    assert forecast(live).lines[w2["line"].id].on(dt.date(2027, 2, 1)).planned_qualified == 2


def test_trainer_away_removes_their_sessions_from_that_day(w2, manager, trainer):
    PlannedSession.objects.create(
        plant=w2["plant"],
        course=w2["mod"],
        planned_on=dt.date(2027, 1, 15),
        seats=4,
        trainer=trainer,
        delivery_mode="on_the_job",
        created_by=manager,
    ).attendees.set([w2["Q"], w2["S"]])
    scenario = _scenario(
        w2, manager, {"kind": ChangeKind.TRAINER_AWAY, "trainer": trainer, "on_date": dt.date(2027, 1, 1)}
    )
    changed = apply_scenario(load_inputs(plant=w2["plant"]), scenario)
    assert changed.sessions == []
    assert forecast(changed).lines[w2["line"].id].on(dt.date(2027, 2, 1)).planned_qualified == 2


def test_sop_moved_moves_the_window_and_the_horizon(w2, manager):
    scenario = _scenario(
        w2, manager, {"kind": ChangeKind.SOP_MOVED, "line": w2["line"], "on_date": dt.date(2027, 5, 1)}
    )
    line = forecast(apply_scenario(load_inputs(plant=w2["plant"]), scenario)).lines[w2["line"].id]
    assert line.sop_date == dt.date(2027, 5, 1)
    assert line.on(dt.date(2027, 3, 31)).planned_qualified == 2  # R still counts: the window closes 2027-05-31
    assert line.days[-1].date == dt.date(2027, 5, 31)


def test_hires_and_leavers_change_the_headcount_on_their_day(w2, manager):
    scenario = _scenario(
        w2,
        manager,
        {
            "kind": ChangeKind.HIRE,
            "line": w2["line"],
            "station": w2["t1"],
            "shift": "A",
            "headcount": 3,
            "on_date": dt.date(2027, 1, 4),
        },
        {"kind": ChangeKind.LEAVE, "employee": w2["P"], "on_date": dt.date(2027, 2, 1)},
    )
    line = forecast(apply_scenario(load_inputs(plant=w2["plant"]), scenario)).lines[w2["line"].id]
    assert line.on(dt.date(2027, 1, 3)).headcount == 4
    assert line.on(dt.date(2027, 1, 4)).headcount == 7
    assert line.on(dt.date(2027, 2, 1)).headcount == 6
    assert line.on(dt.date(2027, 2, 1)).planned_qualified == 1  # R only: P left, the hires hold nothing
