"""Property: on random plans, the forecast's planned figures equal a brute-force replay of the plan through
the validity rule (assessments/validity.py) on every day: each planned attendance replayed as a pass of
every kind the course needs, at the requirement's minimum level, provisional on a virtual model."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import validity
from planning.forecast import forecast
from planning.inputs import CourseInfo, LineInfo, Person, PlanInputs, PlanSession

TODAY = dt.date(2027, 1, 1)
KINDS = [("theory",), ("practical",), ("theory", "practical")]


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


@st.composite
def plans(draw):
    n_courses = draw(st.integers(1, 4))
    courses = {}
    for cid in range(1, n_courses + 1):
        courses[cid] = CourseInfo(
            id=cid,
            code=f"C{cid}",
            title="",
            validity_months=draw(st.one_of(st.none(), st.integers(1, 14))),
            needed_kinds=draw(st.sampled_from(KINDS)),
            prerequisites=(),
            class_size=10,
            delivery_mode="classroom",
        )
    sop = draw(st.one_of(st.none(), st.integers(5, 200).map(day)))
    window = draw(st.integers(0, 40))
    people, raw = [], {}
    for pid in range(1, draw(st.integers(1, 5)) + 1):
        required = {}
        for cid in draw(st.lists(st.sampled_from(sorted(courses)), max_size=n_courses, unique=True)):
            required[cid] = draw(st.sampled_from(["L", "U", "O"]))
        person = Person(
            id=pid, employee_no=f"E{pid}", name="", line_id=1, station_id=None, shift="A", required=required
        )
        for cid in required:
            kinds = courses[cid].needed_kinds
            passes = []
            for _ in range(draw(st.integers(0, 3))):
                kind = draw(st.sampled_from(kinds))
                level = draw(st.sampled_from(["L", "U", "O"])) if kind == "practical" else None
                provisional = kind == "practical" and draw(st.booleans())
                passes.append((kind, day(-draw(st.integers(0, 500))), level, provisional))
            revoked = draw(st.one_of(st.none(), st.integers(0, 400).map(lambda n: day(-n))))
            raw[(pid, cid)] = (passes, revoked)
            states = [
                validity.certification_state(
                    needed_kinds=kinds,
                    validity_months=courses[cid].validity_months,
                    passes=passes,
                    revoked_on=revoked,
                    provisional_counts=counts,
                )
                for counts in (True, False)
            ]
            person.held[cid] = tuple(
                validity.Held(s.certified_on, s.expires_on, s.level, s.provisional) for s in states
            )
        people.append(person)
    sessions = []
    for i in range(draw(st.integers(0, 6))):
        cid = draw(st.sampled_from(sorted(courses)))
        # A virtual-model session of a course needing both kinds is the forecast's one simplification
        # (planning/forecast.py): generated only for single-kind courses.
        virtual = len(courses[cid].needed_kinds) == 1 and draw(st.booleans())
        sessions.append(
            PlanSession(
                key=f"n{i}",
                course_id=cid,
                on=day(draw(st.integers(-3, 260))),
                seats=10,
                trainer_id=1,
                delivery_mode="virtual" if virtual else "classroom",
                shift="",
                line_id=1,
                attendee_ids=draw(st.lists(st.sampled_from([p.id for p in people]), unique=True)),
            )
        )
    inputs = PlanInputs(
        plant_id=1,
        plant_code="SY",
        today=TODAY,
        confirmation_window_days=window,
        working_weekdays=frozenset(range(1, 8)),
        closures=frozenset(),
        lines={1: LineInfo(id=1, code="L1", name="", sop_date=sop, target_pct=100, shift_codes=["A"])},
        courses=courses,
        people=people,
        sessions=sessions,
        pass_rates={},
        plant_pass_rate=0.9,
        authorisations={},
        trainer_names={},
        attendees={},
        plant_required={},
        station_required={},
    )
    return inputs, raw


def replay(inputs: PlanInputs, raw, on: dt.date, *, confirmed: bool) -> int:
    closes_on = inputs.closes_on(1)
    qualified = 0
    for person in inputs.people:
        met = True
        for cid, min_level in person.required.items():
            course = inputs.courses[cid]
            passes, revoked = raw[(person.id, cid)]
            planned = [
                (kind, s.on, min_level if kind == "practical" else None, s.virtual and kind == "practical")
                for s in inputs.sessions
                if person.id in s.attendee_ids and s.course_id == cid and inputs.today < s.on
                for kind in course.needed_kinds
            ]
            state = validity.certification_on(
                needed_kinds=course.needed_kinds,
                validity_months=course.validity_months,
                passes=[*passes, *planned],
                revoked_on=revoked,
                on_date=on,
                closes_on=closes_on,
                confirmed=confirmed,
            )
            if not state.meets(min_level):
                met = False
                break
        qualified += met
    return qualified


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_planned_qualified_equals_a_replay_of_the_plan(plan):
    inputs, raw = plan
    line = forecast(inputs).lines[1]
    for d in line.days:
        assert d.planned_qualified == replay(inputs, raw, d.date, confirmed=False), d.date
        assert d.planned_qualified_confirmed == replay(inputs, raw, d.date, confirmed=True), d.date
        assert d.expected_qualified <= d.planned_qualified + 1e-9
