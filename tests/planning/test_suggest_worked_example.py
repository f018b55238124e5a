"""Worked example 2 (DOMAIN.md) asks for a suggestion for line L2: Q (level L, needs U) and S (failed) miss
BAT-MOD-010 on the SOP date 2027-03-01; R's virtual pass still counts then. With confirmation wanted, R's
provisional pass needs an on-the-job session too. The service writes it as a draft scenario, audited."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import Assessment, AuditAction, AuditEvent, Certification
from employees.models import Plant
from planning.inputs import load_inputs
from planning.models import PlannedSession, PlanSource, Scenario, ScenarioAttendance, ScenarioSession
from planning.quality import suggest_with_quality
from planning.services.suggestions import suggestion_create
from tests.assessments.conftest import W2_TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def w2(worked_example_2, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    return worked_example_2


def _names(inputs, ids):
    by_id = {p.id: p.employee_no for p in inputs.people}
    return sorted(by_id[i] for i in ids)


def test_q_and_s_get_a_session_each_in_their_own_shift(w2, trainer):
    inputs = load_inputs(plant=w2["plant"])
    suggestion, figures = suggest_with_quality(inputs, line_ids={w2["line"].id}, time_limit=5)
    assert (figures["suggested"]["gaps"], figures["suggested"]["gaps_closed"]) == (2, 2)
    assert figures["checker"]["breaking"] == 0
    sessions = sorted(suggestion.sessions, key=lambda s: s.shift)
    assert [(s.shift, _names(inputs, s.attendee_ids)) for s in sessions] == [("A", ["Q"]), ("B", ["S"])]
    assert all(s.course_id == w2["mod"].id and s.trainer_id == trainer.id for s in sessions)
    # One trainer, one session a day: two different days, the earliest working days after today.
    assert sorted(s.on for s in sessions) == [dt.date(2026, 12, 2), dt.date(2026, 12, 3)]
    assert figures["baseline"]["gaps_closed"] == 2
    assert figures["bounds"]["min_sessions"] == 1  # two attendances fit one class: shifts cost a session


def test_confirmation_wanted_plans_r_on_the_job(w2):
    inputs = load_inputs(plant=w2["plant"])
    suggestion, figures = suggest_with_quality(inputs, line_ids={w2["line"].id}, confirm=True, time_limit=5)
    assert (figures["suggested"]["gaps"], figures["suggested"]["gaps_closed"]) == (3, 3)
    r = next(s for s in suggestion.sessions if w2["R"].id in s.attendee_ids)
    assert r.delivery_mode != "virtual" and r.shift == "B"
    assert figures["checker"]["breaking"] == 0


def test_the_live_session_of_the_example_leaves_nothing_to_suggest(w2, trainer):
    session = PlannedSession.objects.create(
        plant=w2["plant"],
        course=w2["mod"],
        planned_on=dt.date(2027, 1, 15),
        seats=8,
        trainer=trainer,
        delivery_mode="on_the_job",
        line=w2["line"],
        created_by=trainer,
    )
    session.attendees.set([w2["Q"], w2["S"]])
    inputs = load_inputs(plant=w2["plant"])
    suggestion, figures = suggest_with_quality(inputs, line_ids={w2["line"].id}, time_limit=5)
    assert figures["suggested"]["gaps"] == 0 and suggestion.sessions == []


def test_the_service_writes_a_draft_scenario_and_nothing_else(w2, manager):
    before = (Assessment.objects.count(), Certification.objects.count(), PlannedSession.objects.count())
    scenario = suggestion_create(plant=w2["plant"], line=w2["line"], buffer_days=14, confirm=True, actor=manager)
    assert (scenario.source, scenario.status, scenario.plant) == (PlanSource.SUGGESTION, "draft", w2["plant"])
    figures = scenario.suggestion
    assert figures["request"] == {
        "line": w2["line"].id,
        "line_code": "L2",
        "buffer_days": 14,
        "confirm": True,
        "today": "2026-12-01",
    }
    assert figures["state"] == "done" and figures["suggested"]["gaps_closed"] == 3
    assert ScenarioSession.objects.filter(scenario=scenario).count() == figures["suggested"]["sessions"] == 2
    assert set(
        ScenarioAttendance.objects.filter(scenario_session__scenario=scenario).values_list(
            "employee__employee_no", flat=True
        )
    ) == {"Q", "R", "S"}
    assert (Assessment.objects.count(), Certification.objects.count(), PlannedSession.objects.count()) == before
    event = AuditEvent.objects.get(action=AuditAction.SCENARIO_CHANGED)
    assert event.actor == manager and event.plant_id == w2["plant"].id
    assert "2 sessions, 3 of 3 gaps closed" in event.display_summary
    assert Scenario.objects.count() == 1


def test_a_line_of_another_plant_is_refused(w2, manager, plant_de):
    from tests import factories

    other = factories.ProductionLineFactory(plant=plant_de, code="X1")
    with pytest.raises(ValueError):
        suggestion_create(plant=w2["plant"], line=other, actor=manager)
    assert Scenario.objects.count() == 0
