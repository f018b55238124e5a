"""The suggested plan's rules on a small plant built for them: a 2-level prerequisite chain (TOP needs MID
needs BASE, only TOP required), two shifts and a person without one, seats, one session a day per trainer
(the live plan counts), a closed day, the buffer, and gaps the live plan covers already."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from employees.models import Plant
from planning.feasibility import check_plan
from planning.inputs import load_inputs
from planning.models import PlannedSession, PlantClosure
from planning.quality import suggest_with_quality
from planning.suggest import suggest
from tests import factories
from tests.assessments.conftest import W2_TODAY

pytestmark = pytest.mark.django_db

SOP = dt.date(2027, 3, 1)
CLOSED = dt.date(2026, 12, 2)  # a Wednesday


@pytest.fixture
def ramp(plant_sy, trainer, monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    line = factories.ProductionLineFactory(plant=plant_sy, code="L9", shifts=2, sop_date=SOP)
    station = factories.StationFactory(line=line, code="T9")
    base = factories.CourseFactory(code="BASE", class_size=3)
    mid = factories.CourseFactory(code="MID", class_size=3, prerequisites=[base])
    top = factories.CourseFactory(code="TOP", class_size=3, prerequisites=[mid])
    factories.RequirementFactory(course=top, scope="station", station=station)
    other = factories.UserFactory(username="base-trainer")
    for course in (base, mid, top):
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    factories.TrainerAuthorisationFactory(user=other, course=base, plant=plant_sy)
    people = {}
    for name, shift in (("A1", "A"), ("A2", "A"), ("A3", "A"), ("A4", "A"), ("B1", "B"), ("B2", "B"), ("B3", "B")):
        people[name] = factories.EmployeeFactory(
            employee_no=name, plant=plant_sy, line=line, station=station, shift=shift
        )
    people["D1"] = factories.EmployeeFactory(employee_no="D1", plant=plant_sy, line=line, station=station, shift="")
    PlantClosure.objects.create(plant=plant_sy, closed_on=CLOSED)
    # The live plan: A1's TOP and A2's BASE, both by the main trainer (busy on those days).
    live_top = PlannedSession.objects.create(
        plant=plant_sy,
        course=top,
        planned_on=dt.date(2027, 2, 1),
        seats=3,
        trainer=trainer,
        delivery_mode="classroom",
        line=line,
        created_by=trainer,
    )
    live_top.attendees.set([people["A1"]])
    live_base = PlannedSession.objects.create(
        plant=plant_sy,
        course=base,
        planned_on=dt.date(2026, 12, 3),
        seats=3,
        trainer=trainer,
        delivery_mode="classroom",
        line=line,
        created_by=trainer,
    )
    live_base.attendees.set([people["A2"]])
    return {
        "plant": plant_sy,
        "line": line,
        "base": base,
        "mid": mid,
        "top": top,
        "people": people,
        "trainer": trainer,
        "other": other,
        "live": [live_top, live_base],
    }


def _run(ramp, **options):
    inputs = load_inputs(plant=ramp["plant"])
    suggestion, figures = suggest_with_quality(inputs, line_ids={ramp["line"].id}, time_limit=5, **options)
    return inputs, suggestion, figures


def test_every_gap_is_closed_and_the_checker_finds_nothing(ramp):
    inputs, suggestion, figures = _run(ramp)
    # A1's TOP is planned live already: 7 gaps (TOP for everyone else), prerequisites besides.
    assert figures["suggested"]["gaps"] == 7
    assert figures["suggested"]["gaps_closed"] == 7
    assert figures["checker"] == {**figures["checker"], "breaking": 0, "warnings": 0}
    combined = [*inputs.sessions, *suggestion.sessions]
    inputs.sessions = combined
    assert [p for p in check_plan(inputs) if p.session_key.startswith("n")] == []


def test_the_live_plan_is_not_planned_twice(ramp):
    _inputs, suggestion, _figures = _run(ramp)
    people, courses = ramp["people"], {c.id: c.code for c in (ramp["base"], ramp["mid"], ramp["top"])}
    planned = defaultdict(set)
    for s in suggestion.sessions:
        for person_id in s.attendee_ids:
            planned[person_id].add(courses[s.course_id])
    assert people["A1"].id not in planned  # TOP planned live, nothing else to do for A1's gap
    assert planned[people["A2"].id] == {"MID", "TOP"}  # BASE planned live
    for name in ("A3", "A4", "B1", "B2", "B3", "D1"):
        assert planned[people[name].id] == {"BASE", "MID", "TOP"}, name


def test_prerequisite_chain_seats_days_trainers_shifts_and_buffer(ramp):
    inputs, suggestion, _figures = _run(ramp, buffer_days=30)
    people = {p.id: p for p in inputs.people}
    code = {ramp["base"].id: "BASE", ramp["mid"].id: "MID", ramp["top"].id: "TOP"}
    passes: dict[tuple[int, str], dt.date] = {(ramp["people"]["A2"].id, "BASE"): dt.date(2026, 12, 3)}
    busy = {(s.trainer_id, s.on) for s in inputs.sessions}
    attending = set()
    for s in suggestion.sessions:
        assert len(s.attendee_ids) <= s.seats == 3
        assert s.on.isoweekday() <= 5 and s.on != CLOSED and s.on > W2_TODAY
        assert s.on <= SOP - dt.timedelta(days=30)
        assert (s.trainer_id, s.on) not in busy  # one a day, the live plan's sessions included
        busy.add((s.trainer_id, s.on))
        assert inputs.authorised(s.trainer_id, s.course_id, s.on)
        # One shift's people (those without a shift join any; a session of theirs alone has no shift).
        assert {people[i].shift for i in s.attendee_ids} <= {s.shift, ""}
        for person_id in s.attendee_ids:
            assert (person_id, s.on) not in attending
            attending.add((person_id, s.on))
            passes[(person_id, code[s.course_id])] = s.on
    for name in ("A2", "A3", "A4", "B1", "B2", "B3", "D1"):
        person_id = ramp["people"][name].id
        assert passes[(person_id, "BASE")] < passes[(person_id, "MID")] < passes[(person_id, "TOP")], name
    # The BASE-only trainer takes BASE sessions so the main trainer is free for the rest.
    assert any(s.trainer_id == ramp["other"].id for s in suggestion.sessions)


def test_as_early_as_capacity_allows(ramp):
    _inputs, suggestion, _figures = _run(ramp)
    # The first working day after today is Thursday 3 December (the 2nd is closed); the main trainer holds
    # the live BASE session then, the BASE trainer is free: a BASE session that day.
    first = min(s.on for s in suggestion.sessions)
    assert first == dt.date(2026, 12, 3)
    assert {s.trainer_id for s in suggestion.sessions if s.on == first} == {ramp["other"].id}


def test_a_buffer_leaving_no_room_closes_nothing(ramp):
    # SOP less 86 days is 5 December: Thursday 3 and Friday 4 are left, too few for a 3-course chain.
    _inputs, suggestion, figures = _run(ramp, buffer_days=86)
    assert figures["suggested"]["gaps_closed"] == 0
    assert all(s.on <= dt.date(2026, 12, 4) for s in suggestion.sessions)
    assert figures["checker"]["breaking"] == 0


def test_quality_figures_are_real_numbers(ramp):
    _inputs, suggestion, figures = _run(ramp)
    suggested, baseline, bounds = figures["suggested"], figures["baseline"], figures["bounds"]
    # 7 TOP, 6 MID (A2's BASE is live... MID for all 7), 6 BASE attendances: 7 + 7 + 6 = 20.
    assert suggested["attendances"] == bounds["attendances_needed"] == 20
    assert bounds["min_sessions"] == 3 + 3 + 2  # ceil(7/3) + ceil(7/3) + ceil(6/3)
    assert suggested["min_sessions_for_its_attendances"] <= suggested["sessions"] == len(suggestion.sessions)
    assert bounds["min_sessions"] <= suggested["sessions"]
    assert baseline["gaps"] == 7 and baseline["sessions"] > 0
    assert bounds["trainer_days_available"] > suggested["trainer_days_used"] > 0
    assert 0 < bounds["load"] < 1


def test_the_pure_function_needs_no_database_after_loading(ramp, django_assert_num_queries):
    inputs = load_inputs(plant=ramp["plant"])
    with django_assert_num_queries(0):
        suggestion = suggest(inputs, line_ids={ramp["line"].id}, time_limit=5)
    assert len(suggestion.gaps) == 7
