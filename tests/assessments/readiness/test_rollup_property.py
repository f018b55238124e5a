"""Property tests: the roll-up SQL equals a pure-Python evaluation with validity.certification_on (met at
the minimum level, provisional passes counting while the confirmation window is open, and not at all for
the confirmed figures; coverage per shift with trainers), and an incremental roll-up equals a full one, on
random plants, requirements (with minimum levels), shifts, SOP dates and results (with levels, some on the
virtual model). Checklist marks are not drawn: the roll-up reads a practical's outcome and level only.

Both sources of validity are checked: raw results and the revocation history on any date
(plant_figures_compute, past snapshots), and the Certification rows the current tables read on
the plant's today, which is on or after every result and revocation (neither is dated in the
future). Certifications are revoked, restored by a later pass and revoked again.

Dates cluster on month ends (Jan 31 + 1 month = Feb 28, leap days) where SQL month
arithmetic goes wrong first.
"""

from __future__ import annotations

import dataclasses
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
    StationShiftCoverage,
)
from assessments.readiness.figures import plant_figures_compute
from assessments.readiness.recompute import drain_marks, plant_recompute
from assessments.readiness.store import EMPLOYEE_ROWS, QUALIFICATION_ROWS
from assessments.services.certifications import certifications_refresh
from assessments.validity import certification_on, level_rank, revocation_in_force
from courses.models import Course, Requirement
from courses.selectors import required_levels_by_employee
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
    lines: list[tuple[int, list[tuple[int, int]], dt.date | None]]  # shifts, stations (t, k), SOP date
    requirements: list[tuple[str, int, int, str]]  # (scope, course index, target index, min level)
    employees: list[tuple[int | None, int | None, int, str, int, str]]  # line, station, role, status, plant, shift
    results: list[tuple]  # employee, course, kind, date, passed, voided[, level, virtual]
    revocations: list[tuple[int, int, dt.date]]
    on_date: dt.date
    window_days: int = 30  # the plant's confirmation window


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
            st.tuples(
                st.integers(1, 3),
                st.lists(st.tuples(st.sampled_from([0, 1, 1, 2]), st.sampled_from([0, 0, 1])), min_size=1, max_size=3),
                st.one_of(st.none(), dates),
            ),
            min_size=1,
            max_size=2,
        )
    )
    n_courses, n_stations = len(courses), sum(len(targets) for _s, targets, _sop in lines)
    levels = st.sampled_from(["U", "U", "L", "O"])
    requirements = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("plant"), st.integers(0, n_courses - 1), st.integers(0, 1), levels),
                st.tuples(st.just("role"), st.integers(0, n_courses - 1), st.integers(0, 5), levels),
                st.tuples(st.just("station"), st.integers(0, n_courses - 1), st.integers(0, n_stations - 1), levels),
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
                st.sampled_from(["A", "A", "B", "C", ""]),
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
                    st.sampled_from([None, "L", "U", "O", "O"]),
                    st.sampled_from([False, False, True]),
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
    return Scenario(
        courses, lines, requirements, employees, results, revocations, draw(dates), draw(st.sampled_from([0, 30, 90]))
    )


def _today(scenario: Scenario, *more: dt.date) -> dt.date:
    """A plant's today for the scenario: on or after every result and revocation, as in production."""
    return max([scenario.on_date, *(r[3] for r in scenario.results), *(r[2] for r in scenario.revocations), *more])


def _build(scenario: Scenario) -> dict:
    """Raw rows straight into the tables (the read side is under test, not the services)."""
    plants = [
        factories.PlantFactory(code="SY", shift_codes="A,B,C", confirmation_window_days=scenario.window_days),
        factories.PlantFactory(code="DE"),
    ]
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
    for index, (shifts, targets, sop_date) in enumerate(scenario.lines):
        line = factories.ProductionLineFactory(plant=plants[0], code=f"L{index}", shifts=shifts, sop_date=sop_date)
        lines.append(line)
        stations += [
            factories.StationFactory(line=line, code=f"S{index}{k}", per_shift_target=target, trainers_needed=needed)
            for k, (target, needed) in enumerate(targets)
        ]
    seen = set()
    for scope, course_index, target, min_level in scenario.requirements:
        if (scope, course_index, target) in seen:
            continue
        seen.add((scope, course_index, target))
        course = courses[course_index]
        if scope == "plant":
            Requirement.objects.create(course=course, scope=scope, plant=plants[target], min_level=min_level)
        elif scope == "role":
            plant = [None, plants[0], plants[1]][target % 3]
            Requirement.objects.create(
                course=course, scope=scope, role=roles[target // 3], plant=plant, min_level=min_level
            )
        else:
            Requirement.objects.create(course=course, scope=scope, station=stations[target], min_level=min_level)
    employees = []
    for index, (line_index, station_index, role_index, status, plant_index, shift) in enumerate(scenario.employees):
        on_sy = plant_index == 0
        employees.append(
            factories.EmployeeFactory(
                employee_no=f"P{index}",
                plant=plants[plant_index],
                line=lines[line_index] if on_sy and line_index is not None else None,
                station=stations[station_index] if on_sy and station_index is not None else None,
                role=roles[role_index],
                status=status,
                shift=shift if on_sy else "",
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
                level=(level if kind == "practical" and passed else None),
                delivery_mode="virtual" if virtual else "",
            )
            for e, c, kind, on, passed, voided, level, virtual in (
                (*result, None, False)[:8] for result in scenario.results
            )
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
    """Every figure the pure-Python way: the selector's required sets with their minimum levels and
    validity.certification_on with each employee's confirmation close date (and confirmed)."""
    employees = list(Employee.objects.filter(plant=plant, status="active").select_related("line"))
    courses = {c.id: c for c in Course.objects.all()}
    passes = defaultdict(list)
    for e, c, kind, on, level, mode in Assessment.objects.filter(passed=True, voided_at__isnull=True).values_list(
        "employee_id", "course_id", "kind", "assessed_on", "level", "delivery_mode"
    ):
        passes[(e, c)].append((kind, on, level, mode == "virtual"))
    revocations = defaultdict(list)
    for e, c, r in CertificationRevocation.objects.values_list("employee_id", "course_id", "revoked_on"):
        revocations[(e, c)].append(r)
    closes = {
        e.id: (e.line.sop_date + dt.timedelta(days=plant.confirmation_window_days))
        if e.line and e.line.sop_date
        else None
        for e in employees
    }

    def state(employee_id: int, course_id: int, confirmed: bool = False):
        course = courses[course_id]
        return certification_on(
            needed_kinds=course.needed_kinds,
            validity_months=course.validity_months,
            passes=passes[(employee_id, course_id)],
            revoked_on=revocation_in_force(revocations[(employee_id, course_id)], on_date),
            on_date=on_date,
            closes_on=closes[employee_id],
            confirmed=confirmed,
        )

    required = required_levels_by_employee(employees=employees)
    per_employee, per_pair = {}, {}
    for employee in employees:
        met, met_confirmed, expiring = 0, 0, [0, 0, 0]
        for course_id, min_level in required[employee.id].items():
            result = state(employee.id, course_id)
            is_met = result.meets(min_level)
            per_pair[(employee.id, course_id)] = (
                is_met,
                state(employee.id, course_id, confirmed=True).meets(min_level),
                result.level if result.valid else None,
                result.expires_on if result.complete else None,
            )
            met_confirmed += per_pair[(employee.id, course_id)][1]
            if is_met:
                met += 1
                for index, days in enumerate((30, 60, 90)):
                    if result.expires_on and result.expires_on <= on_date + dt.timedelta(days=days):
                        expiring[index] += 1
        per_employee[employee.id] = (len(required[employee.id]), met, met_confirmed, *expiring)

    def needs(rows) -> dict[int, str]:
        levels: dict[int, str] = {}
        for course_id, min_level in rows:
            if level_rank(min_level) > level_rank(levels.get(course_id, "L")) or course_id not in levels:
                levels[course_id] = min_level
        return levels

    active = Requirement.objects.filter(course__is_active=True)
    plant_wide = needs(active.filter(scope="plant", plant=plant).values_list("course_id", "min_level"))
    codes = plant.shift_code_list
    coverage, qualification = {}, set()
    for station in Station.objects.filter(line__plant=plant, is_active=True).select_related("line"):
        own = needs(active.filter(scope="station", station=station).values_list("course_id", "min_level"))
        combined = needs([*plant_wide.items(), *own.items()])
        qualified = [
            e
            for e in employees
            if e.line_id == station.line_id and all(state(e.id, c).meets(m) for c, m in combined.items())
        ]
        trainers = [e for e in qualified if all(state(e.id, c).meets("O") for c in own)]
        run = codes[: station.line.shifts]
        shifts = tuple((code, sum(e.shift == code for e in qualified)) for code in run)
        t = station.per_shift_target
        coverage[station.id] = (
            sum(n for _code, n in shifts),
            t * station.line.shifts,
            shifts,
            sum(e.shift == "" for e in qualified),
            len(trainers),
            all(n >= t for _code, n in shifts) and len(trainers) >= station.trainers_needed,
        )
        qualification |= {(e.id, station.id, e.shift, e in trainers) for e in qualified}
    lines = {}
    for line in plant.lines.all():
        members = [per_employee[e.id] for e in employees if e.line_id == line.id]
        lines[line.id] = (
            len(members),
            sum(r == m for r, m, *_rest in members),
            sum(r == c for r, _m, c, *_rest in members),
            sum(r - m for r, m, *_rest in members),
            sum(n == 1 for s, c in coverage.items() if s in station_lines(line) for _code, n in c[2]),
        )
    return {
        "employees": per_employee,
        "pairs": per_pair,
        "coverage": coverage,
        "qualification": qualification,
        "lines": lines,
    }


def station_lines(line) -> set[int]:
    return set(Station.objects.filter(line=line, is_active=True).values_list("id", flat=True))


def _coverage(stations) -> dict:
    return {
        s.station_id: (
            s.qualified,
            s.target,
            tuple((c.shift, c.qualified) for c in s.shifts),
            s.day_staff_qualified,
            s.trainers,
            bool(s.covered),
        )
        for s in stations
    }


# Revoked twice (issue #14 item 1's review): pass 01-10, revoked 03-01, pass 03-10 restores it, revoked
# again 06-01. On 03-05 the first revocation is in force: the certification is revoked, not valid.
REVOKED_TWICE = Scenario(
    courses=[("both", None, True)],
    lines=[(1, [(1, 0)], None)],
    requirements=[("plant", 0, 0, "U")],
    employees=[(0, 0, 0, "active", 0, "A")],
    results=[
        (0, 0, "theory", dt.date(2026, 1, 10), True, False),
        (0, 0, "practical", dt.date(2026, 1, 10), True, False),
        (0, 0, "theory", dt.date(2026, 3, 10), True, False),
        (0, 0, "practical", dt.date(2026, 3, 10), True, False),
    ],
    revocations=[(0, 0, dt.date(2026, 3, 1)), (0, 0, dt.date(2026, 6, 1))],
    on_date=dt.date(2026, 3, 5),
)


# A virtual-model pass on a line whose window closed (SOP 2026-01-31, window 0) before today: it counts on
# 2025-12-01 (qualified, not qualified_confirmed), not on 2026-03-01; an L pass below a U requirement; an O
# pass on shift B making a trainer; day staff apart.
PROVISIONAL_AND_LEVELS = Scenario(
    courses=[("practical", None, True), ("practical", 12, True)],
    lines=[(2, [(1, 1)], dt.date(2026, 1, 31))],
    requirements=[("plant", 0, 0, "U"), ("station", 1, 0, "U")],
    employees=[(0, 0, 0, "active", 0, "A"), (0, 0, 0, "active", 0, "B"), (0, 0, 0, "active", 0, "")],
    results=[
        (0, 0, "practical", dt.date(2025, 5, 31), True, False, "U", True),
        (0, 1, "practical", dt.date(2025, 5, 31), True, False, "O", False),
        (1, 0, "practical", dt.date(2025, 5, 31), True, False, "O", False),
        (1, 1, "practical", dt.date(2025, 5, 31), True, False, "O", False),
        (2, 0, "practical", dt.date(2025, 5, 31), True, False, None, False),
        (2, 1, "practical", dt.date(2025, 5, 31), True, False, "L", False),
        (2, 1, "practical", dt.date(2025, 5, 31), True, False, "U", True),
    ],
    revocations=[],
    on_date=dt.date(2025, 12, 1),
    window_days=0,
)


@pytest.mark.django_db
@SETTINGS
@given(scenario=scenarios())
@example(scenario=REVOKED_TWICE)
@example(scenario=PROVISIONAL_AND_LEVELS)
@example(scenario=dataclasses.replace(PROVISIONAL_AND_LEVELS, on_date=dt.date(2026, 3, 1)))
def test_it_agrees_with_certification_state_on_random_data(scenario: Scenario) -> None:
    with transaction.atomic():
        objects = _build(scenario)
        plant, on_date = objects["plants"][0], scenario.on_date

        # Any date, from raw results (later results and revocations must not count).
        expected = _expected(plant, on_date)
        on_the_fly = plant_figures_compute(plant_id=plant.id, on_date=on_date)
        assert _coverage(on_the_fly.stations) == expected["coverage"]
        got_lines = {
            k: (f.headcount, f.qualified, f.qualified_confirmed, f.gaps, f.single_points)
            for k, f in on_the_fly.lines.items()
        }
        assert got_lines == expected["lines"]
        headcount = len(expected["employees"])
        qualified = sum(r == m for r, m, *_rest in expected["employees"].values())
        confirmed = sum(r == c for r, _m, c, *_rest in expected["employees"].values())
        assert (on_the_fly.plant.headcount, on_the_fly.plant.qualified, on_the_fly.plant.qualified_confirmed) == (
            headcount,
            qualified,
            confirmed,
        )

        # The current tables on the plant's today, from Certification.
        today = _today(scenario)
        expected = _expected(plant, today)
        plant_recompute(plant_id=plant.id, on_date=today)
        got_pairs = {
            (e, c): (met, confirmed, level, expires)
            for e, c, met, confirmed, level, expires in CourseReadiness.objects.filter(plant=plant).values_list(
                "employee_id", "course_id", "is_met", "is_met_confirmed", "level", "expires_on"
            )
        }
        assert got_pairs == expected["pairs"]
        got_employees = {
            r.employee_id: (
                r.required_count,
                r.met_count,
                r.met_confirmed_count,
                r.expiring_30,
                r.expiring_60,
                r.expiring_90,
            )
            for r in EmployeeReadiness.objects.filter(plant=plant)
        }
        assert got_employees == expected["employees"]
        cells = defaultdict(list)
        for cell in StationShiftCoverage.objects.filter(plant=plant).order_by("position"):
            cells[cell.station_id].append((cell.shift, cell.qualified))
        stored = {
            c.station_id: (
                c.qualified,
                c.target,
                tuple(cells[c.station_id]),
                c.day_staff_qualified,
                c.trainers,
                c.covered,
            )
            for c in StationCoverage.objects.filter(plant=plant)
        }
        assert stored == expected["coverage"]
        got_qualification = set(
            StationQualification.objects.filter(plant=plant).values_list(
                "employee_id", "station_id", "shift", "is_trainer"
            )
        )
        assert got_qualification == expected["qualification"]
        got_lines = {
            s.line_id: (s.headcount, s.qualified, s.qualified_confirmed, s.gaps, s.single_points)
            for s in LineSnapshot.objects.filter(on_date=today)
        }
        assert got_lines == expected["lines"]
        headcount = len(expected["employees"])
        snapshot = PlantSnapshot.objects.get(plant=plant, on_date=today)
        qualified = sum(r == m for r, m, *_rest in expected["employees"].values())
        confirmed = sum(r == c for r, _m, c, *_rest in expected["employees"].values())
        assert (snapshot.headcount, snapshot.qualified, snapshot.qualified_confirmed) == (
            headcount,
            qualified,
            confirmed,
        )
        assert snapshot.readiness == (None if headcount == 0 else pytest.approx(qualified / headcount))
        on_the_fly = plant_figures_compute(plant_id=plant.id, on_date=today)
        assert _coverage(on_the_fly.stations) == expected["coverage"]
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
                "employee_id", "course_id", "plant_id", "line_id", "is_met", "is_met_confirmed", "level", "expires_on"
            )
        ),
        "employee": sorted(EmployeeReadiness.objects.values_list(*EMPLOYEE_ROWS.keys, *EMPLOYEE_ROWS.values)),
        "station": sorted(
            StationCoverage.objects.values_list(
                "station_id", "qualified", "target", "covered", "trainers", "day_staff_qualified", "single_points"
            )
        ),
        "cells": sorted(StationShiftCoverage.objects.values_list("station_id", "shift", "qualified", "single_point")),
        "qualification": sorted(
            StationQualification.objects.values_list(*QUALIFICATION_ROWS.keys, *QUALIFICATION_ROWS.values)
        ),
        "line": sorted(
            LineSnapshot.objects.values_list(
                "line_id", "on_date", "headcount", "qualified", "qualified_confirmed", "gaps"
            )
        ),
        "plant": sorted(
            PlantSnapshot.objects.values_list(
                "plant_id", "on_date", "headcount", "qualified", "qualified_confirmed", "gaps"
            )
        ),
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
