"""The plant and line pages "as of" a date other than the roll-up's: computed for that date, nothing stored.

The figures are the readiness API's for that date (dashboards.plant_readiness: the roll-up SQL run for
it), the lists on the pages (courses that block the most people, certifications expiring, stations not
covered, employees, gaps) the rows of the same SQL (readiness/figures.py: *_compute). The result has the shape the
templates read on the roll-up's date (dashboards.PlantDashboard, LineDashboard), so one template
serves both. A handful of set-based statements per page; the roll-up's date is read from the tables.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from assessments import validity
from assessments.models import LineSnapshot
from assessments.readiness.dashboards import (
    TREND_DAYS,
    BlockingCourse,
    CoverageRow,
    GapCourse,
    LineDashboard,
    LineRow,
    PlantDashboard,
    RollupStatus,
    StationRow,
    line_outlooks,
    plant_readiness,
    trend_series,
)
from assessments.readiness.figures import employee_figures_compute, required_pairs_compute
from courses.models import Course
from employees.models import Employee, Plant, ProductionLine, Station


def _coverage_row(line: ProductionLine, station: Station, row: StationRow) -> CoverageRow:
    return CoverageRow(
        line=line,
        station=station,
        qualified=row.qualified,
        target=row.target,
        covered=row.covered,
        single_point=row.single_point,
        shifts=row.shifts,
        day_staff_qualified=row.day_staff_qualified,
        trainers=row.trainers,
        trainers_needed=row.trainers_needed,
    )


@dataclass(frozen=True)
class ExpiringRow:
    expires_on: datetime.date
    employee: Employee
    line: ProductionLine | None
    course: Course


@dataclass(frozen=True)
class EmployeeRow:
    """An employee's figures on D, shaped as the EmployeeReadiness rows the line page reads."""

    employee: Employee
    station: Station | None
    met_count: int
    required_count: int
    next_expiry: datetime.date | None

    @property
    def qualified(self) -> bool:
        return self.met_count == self.required_count

    @property
    def completion(self) -> float:
        return validity.completion(valid=self.met_count, required=self.required_count)


Point = tuple[datetime.date, float | None, float | None]


def _trend_history(plant: Plant, on_date: datetime.date) -> dict[int, list[Point]]:
    """Stored line snapshots of the TREND_DAYS before D, (date, readiness, readiness confirmed) (D's own
    figures are the ones computed now)."""
    since = on_date - datetime.timedelta(days=TREND_DAYS)
    history: dict[int, list[Point]] = defaultdict(list)
    for line_id, day, readiness, confirmed in (
        LineSnapshot.objects.filter(plant=plant, on_date__gt=since, on_date__lt=on_date)
        .order_by("on_date")
        .values_list("line_id", "on_date", "readiness", "readiness_confirmed")
    ):
        history[line_id].append((day, readiness, confirmed))
    return history


def plant_dashboard_on(
    *, plant: Plant, status: RollupStatus, on_date: datetime.date, expiring_limit: int = 50, blocking_limit: int = 10
) -> PlantDashboard:
    readiness = plant_readiness(plant=plant, on_date=on_date, status=status)
    history = _trend_history(plant, on_date)
    rows, points = [], {}
    labels = [on_date - datetime.timedelta(days=offset) for offset in range(TREND_DAYS - 1, -1, -1)]
    for line in readiness.line_objects:
        figures = readiness.lines.get(line.id)
        today = (on_date, figures.readiness, figures.readiness_confirmed) if figures else (on_date, None, None)
        points[line.id] = [*history[line.id], today]
        outlook, outlook_confirmed = line_outlooks(line, today=on_date, points=points[line.id])
        rows.append(LineRow(line=line, snapshot=figures, outlook=outlook, outlook_confirmed=outlook_confirmed))
    series = trend_series(readiness.line_objects, labels, points)

    pairs = required_pairs_compute(plant_id=plant.id, on_date=on_date, plant=plant)
    blocking_counts = Counter(pair.course_id for pair in pairs if not pair.is_met)
    horizon = on_date + datetime.timedelta(days=90)
    expiring_pairs = sorted(
        (p for p in pairs if p.is_met and p.expires_on is not None and p.expires_on <= horizon),
        key=lambda p: p.expires_on,
    )
    employees = Employee.objects.select_related("line").in_bulk({p.employee_id for p in expiring_pairs})
    courses = Course.objects.in_bulk(set(blocking_counts) | {p.course_id for p in expiring_pairs})
    blocking = sorted(
        (
            BlockingCourse(course_id=c, code=courses[c].code, title=courses[c].display_title, people=n)
            for c, n in blocking_counts.items()
        ),
        key=lambda b: (-b.people, b.code),
    )[:blocking_limit]
    expiring = sorted(
        (
            ExpiringRow(p.expires_on, employees[p.employee_id], employees[p.employee_id].line, courses[p.course_id])
            for p in expiring_pairs
        ),
        key=lambda row: (row.expires_on, row.employee.employee_no),
    )[:expiring_limit]

    lines = {line.id: line for line in readiness.line_objects}
    stations = Station.objects.filter(line__plant=plant).in_bulk()
    weak = [
        _coverage_row(lines[s.line_id], stations[s.station_id], s)
        for s in readiness.stations
        if (not s.covered or s.single_point) and s.line_id in lines
    ]
    return PlantDashboard(
        plant=plant,
        status=status,
        snapshot=readiness.plant,
        lines=rows,
        trend_labels=[d.isoformat() for d in labels],
        trend_series=series,
        blocking_courses=blocking,
        expiring=expiring,
        weak_stations=sorted(weak, key=lambda c: (c.line.code, c.station.code)),
        on_date=on_date,
    )


def line_dashboard_on(*, line: ProductionLine, status: RollupStatus, on_date: datetime.date) -> LineDashboard:
    readiness = plant_readiness(plant=line.plant, on_date=on_date, status=status)
    stations = {s.id: s for s in Station.objects.filter(line=line)}
    coverage = [_coverage_row(line, stations[s.station_id], s) for s in readiness.stations if s.line_id == line.id]
    people = Employee.objects.filter(line=line).select_related("station").in_bulk()
    employees = sorted(
        (
            EmployeeRow(
                people[f.employee_id], people[f.employee_id].station, f.met_count, f.required_count, f.next_expiry
            )
            for f in employee_figures_compute(plant_id=line.plant_id, on_date=on_date, plant=line.plant)
            if f.line_id == line.id
        ),
        key=lambda row: (row.completion, row.employee.employee_no),
    )
    gap_pairs = [
        p
        for p in required_pairs_compute(plant_id=line.plant_id, on_date=on_date, plant=line.plant)
        if not p.is_met and p.employee_id in people
    ]
    courses = Course.objects.in_bulk({p.course_id for p in gap_pairs})
    gaps: dict[int, GapCourse] = {}
    for pair in sorted(gap_pairs, key=lambda p: people[p.employee_id].employee_no):
        course = courses[pair.course_id]
        gap = gaps.setdefault(course.id, GapCourse(course.id, course.code, course.display_title, employees=[]))
        gap.employees.append(people[pair.employee_id])
    return LineDashboard(
        line=line,
        status=status,
        snapshot=readiness.lines.get(line.id),
        stations=sorted(coverage, key=lambda c: c.station.code),
        employees=employees,
        gaps=sorted(gaps.values(), key=lambda g: (-len(g.employees), g.code)),
        on_date=on_date,
    )
