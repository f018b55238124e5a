"""Property tests: the roll-up SQL equals a pure-Python evaluation with validity.certification_state,
and an incremental roll-up equals a full one, on random plants, requirements and results.

Both sources of validity are checked: raw results and the revocation history on any date
(plant_figures_compute, past snapshots), and the Certification rows the current tables read on
the plant's today, which is on or after every result and revocation (neither is dated in the
future). Certifications are revoked, restored by a later pass and revoked again.

Dates cluster on month ends (Jan 31 + 1 month = Feb 28, leap days) where SQL month
arithmetic goes wrong first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessments.models import (
    Assessment,
    Certification,
    CertificationRevocation,
    CourseReadiness,
    EmployeeReadiness,
    LineSnapshot,
    PlantSnapshot,
    ReadinessMark,
    StationCoverage,
    StationQualification,
)
from assessments.readiness.figures import plant_figures_compute
from assessments.readiness.recompute import drain_marks, plant_recompute
from assessments.readiness.store import EMPLOYEE_ROWS, QUALIFICATION_ROWS
from assessments.services.certifications import certifications_refresh
from assessments.validity import certification_state, revocation_in_force
from courses.models import Course, Requirement
from courses.selectors import required_course_ids_by_employee
from employees.models import Employee, Plant, Station
from tests import factories

EDGE_DATES = [
    dt.date(2024, 1, 31),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 31),
    dt.date(2024, 8, 31),
    dt.date(2024, 12, 31),
    dt.date(2025, 1, 31),
    dt.date(2025, 2, 28),
    dt.date(2025, 5, 31),
    dt.date(2025, 11, 30),
    dt.date(2026, 1, 31),
]
dates = st.one_of(
    st.sampled_from(EDGE_DATES), st.dates(min_value=dt.date(2023, 12, 1), max_value=dt.date(2026, 12, 31))
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclass
class Scenario:
    courses: list[tuple[str, int | None, bool]]  # needs ("theory"|"practical"|"both"), validity months, active
    lines: list[tuple[int, list[int | None]]]  # (shifts, station coverage targets)
    requirements: list[tuple[str, int, int]]  # (scope, course index, target index)
    employees: list[tuple[int | None, int | None, int, str, int]]  # line, station, role, status, plant
    results: list[tuple[int, int, str, dt.date, bool, bool]]  # employee, course, kind, date, passed, voided
    revocations: list[tuple[int, int, dt.date]]
    on_date: dt.date


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    courses = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["theory", "practical", "both"]),
                st.sampled_from([None, 1, 3, 12, 13, 24]),
                st.sampled_from([True, True, True, False]),
            ),
            min_size=1,
            max_size=4,
        )
    )
    lines = draw(
        st.lists(
            st.tuples(st.integers(1, 3), st.lists(st.sampled_from([None, 0, 1, 2]), min_size=1, max_size=3)),
            min_size=1,
            max_size=2,
        )
    )
    n_courses, n_stations = len(courses), sum(len(targets) for _s, targets in lines)
    requirements = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("plant"), st.integers(0, n_courses - 1), st.integers(0, 1)),
                st.tuples(st.just("role"), st.integers(0, n_courses - 1), st.integers(0, 5)),
                st.tuples(st.just("station"), st.integers(0, n_courses - 1), st.integers(0, n_stations - 1)),
            ),
            max_size=6,
        )
    )
    employees = draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.integers(0, len(lines) - 1)),
                st.one_of(st.none(), st.integers(0, n_stations - 1)),
                st.integers(0, 1),
                st.sampled_from(["active", "active", "active", "on_leave", "left"]),
                st.sampled_from([0, 0, 0, 1]),
            ),
            max_size=6,
        )
    )
    results = (
        draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(employees) - 1),
                    st.integers(0, n_courses - 1),
                    st.sampled_from(["theory", "practical"]),
                    dates,
                    st.sampled_from([True, True, False]),
                    st.sampled_from([False, False, False, True]),
                ),
                max_size=14,
            )
        )
        if employees
        else []
    )
    revocations = (
        draw(st.lists(st.tuples(st.integers(0, len(employees) - 1), st.integers(0, n_courses - 1), dates), max_size=2))
        if employees
        else []
    )
    # Revoked, restored by passes of both kinds dated after it (or on its day: no restore), revoked again.
    cycles = (
        draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(employees) - 1),
                    st.integers(0, n_courses - 1),
                    dates,
                    st.integers(0, 60),
                    st.integers(0, 120),
                ),
                max_size=2,
            )
        )
        if employees
        else []
    )
    for employee, course, revoked_on, restore_after, again_after in cycles:
        restored_on = revoked_on + dt.timedelta(days=restore_after)
        revocations.append((employee, course, revoked_on))
        results += [(employee, course, kind, restored_on, True, False) for kind in ("theory", "practical")]
        revocations.append((employee, course, restored_on + dt.timedelta(days=again_after)))
    return Scenario(courses, lines, requirements, employees, results, revocations, draw(dates))


def _today(scenario: Scenario, *more: dt.date) -> dt.date:
    """A plant's today for the scenario: on or after every result and revocation, as in production."""
    return max([scenario.on_date, *(r[3] for r in scenario.results), *(r[2] for r in scenario.revocations), *more])


def _build(scenario: Scenario) -> dict:
    """Raw rows straight into the tables (the read side is under test, not the services)."""
    plants = [factories.PlantFactory(code="SY"), factories.PlantFactory(code="DE")]
    roles = [factories.JobRoleFactory(code="OP"), factories.JobRoleFactory(code="TL", name="Team leader")]
    area = factories.ProcessAreaFactory(code="PT")
    courses = [
        factories.CourseFactory(
            code=f"PT-{index}",
            process_area=area,
            needs_theory=needs in ("theory", "both"),
            needs_practical=needs in ("practical", "both"),
            validity_months=months,
            is_active=active,
        )
        for index, (needs, months, active) in enumerate(scenario.courses)
    ]
    lines, stations = [], []
    for index, (shifts, targets) in enumerate(scenario.lines):
        line = factories.ProductionLineFactory(plant=plants[0], code=f"L{index}", shifts=shifts)
        lines.append(line)
        stations += [
            factories.StationFactory(line=line, code=f"S{index}{k}", coverage_target=target)
            for k, target in enumerate(targets)
        ]
    seen = set()
    for scope, course_index, target in scenario.requirements:
        if (scope, course_index, target) in seen:
            continue
        seen.add((scope, course_index, target))
        course = courses[course_index]
        if scope == "plant":
            Requirement.objects.create(course=course, scope=scope, plant=plants[target])
        elif scope == "role":
            plant = [None, plants[0], plants[1]][target % 3]
            Requirement.objects.create(course=course, scope=scope, role=roles[target // 3], plant=plant)
        else:
            Requirement.objects.create(course=course, scope=scope, station=stations[target])
    employees = []
    for index, (line_index, station_index, role_index, status, plant_index) in enumerate(scenario.employees):
        on_sy = plant_index == 0
        employees.append(
            factories.EmployeeFactory(
                employee_no=f"P{index}",
                plant=plants[plant_index],
                line=lines[line_index] if on_sy and line_index is not None else None,
                station=stations[station_index] if on_sy and station_index is not None else None,
                role=roles[role_index],
                status=status,
            )
        )
    assessor = factories.UserFactory(username="assessor")
    now = timezone.now()
    Assessment.objects.bulk_create(
        [
            Assessment(
                employee=employees[e],
                course=courses[c],
                kind=kind,
                assessed_on=on,
                score=(90 if passed else 10) if kind == "theory" else None,
                passed=passed,
                assessor=assessor,
                recorded_by=assessor,
                recorded_at=now,
                voided_at=now if voided else None,
                void_reason="typo" if voided else "",
            )
            for e, c, kind, on, passed, voided in scenario.results
        ]
    )
    # Every revocation in the history; the certification keeps the latest (as certification_revoke does).
    revoked: dict[tuple[int, int], set[dt.date]] = defaultdict(set)
    for e, c, revoked_on in scenario.revocations:
        revoked[(e, c)].add(revoked_on)  # one a day at most
    for (e, c), days in revoked.items():
        CertificationRevocation.objects.bulk_create(
            CertificationRevocation(
                employee=employees[e],
                course=courses[c],
                revoked_on=day,
                revoked_at=now,
                revoked_by=assessor,
                reason="x",
            )
            for day in days
        )
        Certification.objects.update_or_create(
            employee=employees[e], course=courses[c], defaults={"revoked_on": max(days), "revoke_reason": "x"}
        )
    # As the services do with every result, void and revocation.
    certifications_refresh(
        pairs={(employees[e].id, courses[c].id) for e, c, *_rest in [*scenario.results, *scenario.revocations]}
    )
    return {"plants": plants, "lines": lines, "stations": stations, "employees": employees}


def _expected(plant: Plant, on_date: dt.date) -> dict:
    """Every figure the pure-Python way: the selector's required sets and certification_state."""
    employees = list(Employee.objects.filter(plant=plant, status="active"))
    courses = {c.id: c for c in Course.objects.all()}
    passes = defaultdict(list)
    for e, c, kind, on in Assessment.objects.filter(passed=True, voided_at__isnull=True).values_list(
        "employee_id", "course_id", "kind", "assessed_on"
    ):
        passes[(e, c)].append((kind, on))
    revocations = defaultdict(list)
    for e, c, r in CertificationRevocation.objects.values_list("employee_id", "course_id", "revoked_on"):
        revocations[(e, c)].append(r)

    def state(employee_id: int, course_id: int):
        course = courses[course_id]
        return certification_state(
            needed_kinds=course.needed_kinds,
            validity_months=course.validity_months,
            passes=passes[(employee_id, course_id)],
            revoked_on=revocation_in_force(revocations[(employee_id, course_id)], on_date),
            on_date=on_date,
        )

    required = required_course_ids_by_employee(employees=employees)
    per_employee, per_pair = {}, {}
    for employee in employees:
        valid, expiring = 0, [0, 0, 0]
        for course_id in required[employee.id]:
            result = state(employee.id, course_id)
            per_pair[(employee.id, course_id)] = (result.valid, result.expires_on if result.complete else None)
            if result.valid:
                valid += 1
                for index, days in enumerate((30, 60, 90)):
                    if result.expires_on and result.expires_on <= on_date + dt.timedelta(days=days):
                        expiring[index] += 1
        per_employee[employee.id] = (len(required[employee.id]), valid, *expiring)
    plant_wide = set(
        Requirement.objects.filter(scope="plant", plant=plant, course__is_active=True).values_list(
            "course_id", flat=True
        )
    )
    coverage, qualification = {}, set()
    for station in Station.objects.filter(line__plant=plant, is_active=True).select_related("line"):
        needs = plant_wide | set(
            Requirement.objects.filter(scope="station", station=station, course__is_active=True).values_list(
                "course_id", flat=True
            )
        )
        qualified = {
            e.id for e in employees if e.line_id == station.line_id and all(state(e.id, c).valid for c in needs)
        }
        coverage[station.id] = (len(qualified), station.effective_coverage_target)
        qualification |= {(e, station.id) for e in qualified}
    lines = {}
    for line in plant.lines.all():
        members = [e for e in employees if e.line_id == line.id]
        qualified = sum(per_employee[e.id][0] == per_employee[e.id][1] for e in members)
        lines[line.id] = (len(members), qualified, sum(per_employee[e.id][0] - per_employee[e.id][1] for e in members))
    return {
        "employees": per_employee,
        "pairs": per_pair,
        "coverage": coverage,
        "qualification": qualification,
        "lines": lines,
    }


# Revoked twice (issue #14 item 1's review): pass 01-10, revoked 03-01, pass 03-10 restores it, revoked
# again 06-01. On 03-05 the first revocation is in force: the certification is revoked, not valid.
REVOKED_TWICE = Scenario(
    courses=[("both", None, True)],
    lines=[(1, [None])],
    requirements=[("plant", 0, 0)],
    employees=[(0, 0, 0, "active", 0)],
    results=[
        (0, 0, "theory", dt.date(2026, 1, 10), True, False),
        (0, 0, "practical", dt.date(2026, 1, 10), True, False),
        (0, 0, "theory", dt.date(2026, 3, 10), True, False),
        (0, 0, "practical", dt.date(2026, 3, 10), True, False),
    ],
    revocations=[(0, 0, dt.date(2026, 3, 1)), (0, 0, dt.date(2026, 6, 1))],
    on_date=dt.date(2026, 3, 5),
)


@pytest.mark.django_db
@SETTINGS
@given(scenario=scenarios())
@example(scenario=REVOKED_TWICE)
def test_it_agrees_with_certification_state_on_random_data(scenario: Scenario) -> None:
    with transaction.atomic():
        objects = _build(scenario)
        plant, on_date = objects["plants"][0], scenario.on_date

        # Any date, from raw results (later results and revocations must not count).
        expected = _expected(plant, on_date)
        on_the_fly = plant_figures_compute(plant_id=plant.id, on_date=on_date)
        assert {s.station_id: (s.qualified, s.target) for s in on_the_fly.stations} == expected["coverage"]
        assert {k: (f.headcount, f.qualified, f.gaps) for k, f in on_the_fly.lines.items()} == expected["lines"]
        headcount = len(expected["employees"])
        qualified = sum(r == v for r, v, *_rest in expected["employees"].values())
        assert (on_the_fly.plant.headcount, on_the_fly.plant.qualified) == (headcount, qualified)

        # The current tables on the plant's today, from Certification.
        today = _today(scenario)
        expected = _expected(plant, today)
        plant_recompute(plant_id=plant.id, on_date=today)
        got_pairs = {
            (e, c): (valid, expires)
            for e, c, valid, expires in CourseReadiness.objects.filter(plant=plant).values_list(
                "employee_id", "course_id", "is_valid", "expires_on"
            )
        }
        assert got_pairs == expected["pairs"]
        got_employees = {
            r.employee_id: (r.required_count, r.valid_count, r.expiring_30, r.expiring_60, r.expiring_90)
            for r in EmployeeReadiness.objects.filter(plant=plant)
        }
        assert got_employees == expected["employees"]
        assert {c.station_id: (c.qualified, c.target) for c in StationCoverage.objects.filter(plant=plant)} == expected[
            "coverage"
        ]
        got_qualification = set(
            StationQualification.objects.filter(plant=plant).values_list("employee_id", "station_id")
        )
        assert got_qualification == expected["qualification"]
        got_lines = {s.line_id: (s.headcount, s.qualified, s.gaps) for s in LineSnapshot.objects.filter(on_date=today)}
        assert got_lines == expected["lines"]
        headcount = len(expected["employees"])
        snapshot = PlantSnapshot.objects.get(plant=plant, on_date=today)
        qualified = sum(r == v for r, v, *_rest in expected["employees"].values())
        assert (snapshot.headcount, snapshot.qualified) == (headcount, qualified)
        assert snapshot.readiness == (None if headcount == 0 else pytest.approx(qualified / headcount))
        on_the_fly = plant_figures_compute(plant_id=plant.id, on_date=today)
        assert {s.station_id: (s.qualified, s.target) for s in on_the_fly.stations} == expected["coverage"]
        transaction.set_rollback(True)


@dataclass
class Change:
    employee: int
    kind: str  # "result", "void", "move", "status", "requirement"
    value: int
    on: dt.date


changes = st.lists(
    st.builds(
        Change,
        employee=st.integers(0, 5),
        kind=st.sampled_from(["result", "result", "void", "move", "status", "plant", "requirement"]),
        value=st.integers(0, 7),
        on=dates,
    ),
    min_size=1,
    max_size=5,
)


def _rows() -> dict[str, list]:
    return {
        "course": sorted(
            CourseReadiness.objects.values_list(
                "employee_id", "course_id", "plant_id", "line_id", "is_valid", "expires_on"
            )
        ),
        "employee": sorted(EmployeeReadiness.objects.values_list(*EMPLOYEE_ROWS.keys, *EMPLOYEE_ROWS.values)),
        "station": sorted(StationCoverage.objects.values_list("station_id", "qualified", "target", "covered")),
        "qualification": sorted(
            StationQualification.objects.values_list(*QUALIFICATION_ROWS.keys, *QUALIFICATION_ROWS.values)
        ),
        "line": sorted(LineSnapshot.objects.values_list("line_id", "on_date", "headcount", "qualified", "gaps")),
        "plant": sorted(PlantSnapshot.objects.values_list("plant_id", "on_date", "headcount", "qualified", "gaps")),
    }


@pytest.mark.django_db
@SETTINGS
@given(scenario=scenarios(), changes=changes)
def test_it_gives_the_same_rows_incrementally_as_in_full(
    scenario: Scenario, changes: list[Change], monkeypatch
) -> None:
    if not scenario.employees:
        return
    today = _today(scenario, *(change.on for change in changes))
    monkeypatch.setattr(Plant, "local_today", lambda self: today)
    from courses import services as course_services

    with transaction.atomic():
        objects = _build(scenario)
        plants, employees, lines, stations = (objects[k] for k in ("plants", "employees", "lines", "stations"))
        for plant in plants:
            plant_recompute(plant_id=plant.id, on_date=today)
        courses = list(Course.objects.order_by("code"))
        assessor = factories.UserFactory(username="assessor")
        marked = set()  # (employee ID, the course whose certification changed, or None: anything changed)
        for change in changes:
            employee = employees[change.employee % len(employees)]
            employee.refresh_from_db()
            if change.kind == "result":
                result = Assessment.objects.create(
                    employee=employee,
                    course=courses[change.value % len(courses)],
                    kind="practical" if change.value % 2 else "theory",
                    assessed_on=change.on,
                    score=95,
                    passed=True,
                    assessor=assessor,
                    recorded_by=assessor,
                    recorded_at=timezone.now(),
                )
                certifications_refresh(pairs=[(employee.id, result.course_id)])
                marked.add((employee.id, result.course_id))
                continue
            if change.kind == "void":
                first = Assessment.objects.filter(employee=employee, voided_at__isnull=True).order_by("id").first()
                if first is not None:
                    Assessment.objects.filter(pk=first.pk).update(
                        voided_at=timezone.now(), voided_by=assessor, void_reason="wrong person"
                    )
                    certifications_refresh(pairs=[(employee.id, first.course_id)])
                    marked.add((employee.id, first.course_id))
                continue
            if change.kind == "move":
                if employee.plant_id == plants[0].id and lines:
                    employee.line = lines[change.value % len(lines)]
                    candidates = [s for s in stations if s.line_id == employee.line_id]
                    employee.station = candidates[change.value % len(candidates)] if change.value % 3 else None
                    employee.save()
            elif change.kind == "status":
                employee.status = ["active", "on_leave", "left"][change.value % 3]
                employee.save()
            elif change.kind == "plant":
                employee.plant = plants[1] if employee.plant_id == plants[0].id else plants[0]
                employee.line = employee.station = None
                employee.save()
            elif change.kind == "requirement":
                target = stations[change.value % len(stations)]
                course = courses[change.value % len(courses)]
                if not Requirement.objects.filter(scope="station", station=target, course=course).exists():
                    course_services.requirement_create(course=course, scope="station", station=target)
                continue  # the service marked everyone it affects
            marked.add((employee.id, None))
        # As the services mark: results and voids name their course (the roll-up may then recount only the
        # stations where a qualification changed), other changes none.
        plant_of = dict(Employee.objects.values_list("id", "plant_id"))
        for employee_id, course_id in marked:
            ReadinessMark.objects.create(
                employee_id=employee_id, plant_id=plant_of[employee_id], course_id=course_id, reason="test"
            )

        drain_marks()
        incremental = _rows()
        for plant in plants:
            plant_recompute(plant_id=plant.id, on_date=today)

        assert not ReadinessMark.objects.exists()
        assert _rows() == incremental
        transaction.set_rollback(True)
