"""The ILUO matrix of a line: its active people down, its stations across, each cell the level a person holds
for a station (DOMAIN.md "Levels (ILUO)"), the chart operators know from the shop floor.

A cell covers every course the station requires and every plant-wide course of the plant (the courses
that make a person station-qualified):
- L, U or O: every one of them valid on D; the cell shows the lowest level held among the courses that use
  levels (a course without levels records every pass as U: it is a gate, valid or not, not a grade, so
  plant-wide HV safety does not cap an O operator at U); U when none of them uses levels;
- I: not all valid, and at least one of them attempted but not valid on D (in progress, expired, revoked,
  a provisional pass lapsed);
- blank: not all valid, and nothing of them attempted without being valid (never trained for it).
A cell is provisional when a course counts on D on a virtual-model pass only; `met` says whether every
course is met (valid at its requirement's minimum level). Computed from certifications_as_of() in a
constant number of queries, whatever the number of people and stations.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from assessments import validity
from assessments.models import CertificationStatus
from assessments.selectors.certifications import certifications_as_of
from courses.models import Requirement, RequirementScope
from employees.models import Employee, EmployeeStatus, ProductionLine, Station

DAY_STAFF = "day"  # the shift filter's value for people on no shift

ATTEMPTED = "I"


@dataclass(frozen=True)
class LevelCell:
    mark: str  # "O", "U", "L", "I" or "" (nothing attempted)
    met: bool = False  # every course met: valid at the requirement's minimum level or above
    provisional: bool = False  # some course counts on a virtual-model pass only
    provisional_until: datetime.date | None = None  # the first day that pass no longer counts
    lapsed: bool = False  # some course is not valid only because its provisional pass lapsed
    below: tuple[tuple[str, str, str], ...] = ()  # (course code, held, needed) for valid courses below the minimum


@dataclass(frozen=True)
class LevelRow:
    employee: Employee
    cells: list[LevelCell]


@dataclass(frozen=True)
class LevelMatrix:
    line: ProductionLine
    on_date: datetime.date
    shift: str  # "" (everyone), a shift code, or DAY_STAFF
    stations: list[Station]
    rows: list[LevelRow]


def shift_filter_choices(*, line: ProductionLine) -> list[str]:
    """The shift filter's values: the plant's shift codes (the line's run shifts first), then day staff."""
    run = line.shift_codes
    return [*run, *(code for code in line.plant.shift_code_list if code not in run), DAY_STAFF]


def line_level_matrix(*, line: ProductionLine, on_date: datetime.date, shift: str = "") -> LevelMatrix:
    """The ILUO matrix of the line's active people (of one shift, or day staff, when `shift` is given) on D.

    Queries: stations, requirements, people, then certifications_as_of's four: seven in all.
    """
    stations = list(Station.objects.filter(line=line, is_active=True).order_by("code"))
    station_courses: dict[int, dict[int, str]] = defaultdict(dict)
    plant_courses: dict[int, str] = {}
    codes: dict[int, str] = {}
    graded: set[int] = set()  # courses that use levels
    for scope, course_id, course_code, uses_levels, station_id, min_level in (
        Requirement.objects.filter(course__is_active=True)
        .filter(
            Q(scope=RequirementScope.PLANT, plant_id=line.plant_id)
            | Q(scope=RequirementScope.STATION, station_id__in=[s.id for s in stations])
        )
        .values_list("scope", "course_id", "course__code", "course__uses_levels", "station_id", "min_level")
    ):
        codes[course_id] = course_code
        if uses_levels:
            graded.add(course_id)
        target = plant_courses if scope == RequirementScope.PLANT else station_courses[station_id]
        if course_id not in target or validity.level_rank(min_level) > validity.level_rank(target[course_id]):
            target[course_id] = min_level
    # Each station's courses with the minimum level that applies: the higher of its own and the plant's.
    needs: dict[int, dict[int, str]] = {}
    for station in stations:
        merged = dict(plant_courses)
        for course_id, min_level in station_courses[station.id].items():
            if course_id not in merged or validity.level_rank(min_level) > validity.level_rank(merged[course_id]):
                merged[course_id] = min_level
        needs[station.id] = merged

    people = Employee.objects.filter(line=line, status=EmployeeStatus.ACTIVE).select_related("station")
    if shift == DAY_STAFF:
        people = people.filter(shift="")
    elif shift:
        people = people.filter(shift=shift)
    people = list(people.order_by("employee_no"))
    course_ids = set(codes)
    states = certifications_as_of(pairs=[(e.id, c) for e in people for c in course_ids], on_date=on_date)

    rows = []
    for employee in people:
        cells = []
        for station in stations:
            states_of = {c: states[(employee.id, c)] for c in needs[station.id]}
            cells.append(_cell(states_of, needs[station.id], codes, graded))
        rows.append(LevelRow(employee=employee, cells=cells))
    return LevelMatrix(line=line, on_date=on_date, shift=shift, stations=stations, rows=rows)


def _cell(states: dict, needs: dict[int, str], codes: dict[int, str], graded: set[int]) -> LevelCell:
    if not states:  # a station with no course of its own at a plant with none plant-wide: nothing to hold
        return LevelCell(mark="")
    lapsed = any(s.status == CertificationStatus.PROVISIONAL_LAPSED for s in states.values())
    if all(s.is_valid for s in states.values()):
        lowest = min(
            (s.level or validity.DEFAULT_LEVEL for c, s in states.items() if c in graded),
            key=validity.level_rank,
            default=validity.DEFAULT_LEVEL,
        )
        provisional = [s for s in states.values() if s.provisional]
        below = tuple(
            sorted(
                (codes[c], s.level or validity.DEFAULT_LEVEL, needs[c])
                for c, s in states.items()
                if not s.meets(needs[c])
            )
        )
        return LevelCell(
            mark=lowest,
            met=not below,
            provisional=bool(provisional),
            provisional_until=min((s.provisional_until for s in provisional if s.provisional_until), default=None),
            below=below,
        )
    attempted = any(s.attempts and not s.is_valid for s in states.values())
    return LevelCell(mark=ATTEMPTED if attempted else "", lapsed=lapsed)
