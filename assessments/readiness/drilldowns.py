"""The rows behind each figure of the readiness dashboards (the drill-down lists); their workbook is
readiness.drilldown_workbook's.

A list holds exactly the rows its figure counts, so its length is the figure the dashboard shows,
scoped as the dashboards are (a plant, optionally one line; a course for the pair lists, a station
for the station lists):

    headcount, qualified, not-qualified        active employees (qualified: every required course met)
    gaps                                       required (employee, course) pairs not met on D
    expiring-30, expiring-60, expiring-90      met required pairs expiring within N days after D
    stations, stations-not-covered,            active stations (all; short of their target; with exactly
    single-points                              one qualified person), each with the people qualified for it

On the roll-up's date the lists read the roll-up tables: a constant number of queries whatever the
plant's size (tests/assessments/readiness/test_dashboard_drilldowns.py locks them). On any other date they come
from the roll-up SQL computed for that date (readiness.figures' *_compute), exactly as the figures of the readiness
API and of the dashboards on that date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy

from assessments import validity
from assessments.models import (
    CertificationStatus,
    CourseReadiness,
    EmployeeReadiness,
    StationCoverage,
    StationQualification,
)
from assessments.readiness.figures import (
    employee_figures_compute,
    required_pairs_compute,
    station_figures_compute,
    station_qualifications_compute,
)
from assessments.selectors.certifications import certifications_as_of
from assessments.selectors.gaps import LEVEL_BELOW, gap_status_label
from courses.models import Course
from employees.models import Employee, JobRole, Plant, ProductionLine, Station


class Kind(StrEnum):
    HEADCOUNT = "headcount"
    QUALIFIED = "qualified"
    NOT_QUALIFIED = "not-qualified"
    GAPS = "gaps"
    EXPIRING_30 = "expiring-30"
    EXPIRING_60 = "expiring-60"
    EXPIRING_90 = "expiring-90"
    STATIONS = "stations"
    STATIONS_NOT_COVERED = "stations-not-covered"
    SINGLE_POINTS = "single-points"

    @property
    def label(self) -> str:
        return str(TITLES[self])

    @property
    def expiring_days(self) -> int | None:
        return int(self.value.rsplit("-", 1)[1]) if self.value.startswith("expiring-") else None


TITLES = {
    Kind.HEADCOUNT: gettext_lazy("Active employees"),
    Kind.QUALIFIED: gettext_lazy("Qualified employees"),
    Kind.NOT_QUALIFIED: gettext_lazy("Employees not qualified"),
    Kind.GAPS: gettext_lazy("Gaps: required certifications not held"),
    Kind.EXPIRING_30: gettext_lazy("Certifications expiring within 30 days"),
    Kind.EXPIRING_60: gettext_lazy("Certifications expiring within 60 days"),
    Kind.EXPIRING_90: gettext_lazy("Certifications expiring within 90 days"),
    Kind.STATIONS: gettext_lazy("Stations and who is qualified for them"),
    Kind.STATIONS_NOT_COVERED: gettext_lazy("Stations not covered"),
    Kind.SINGLE_POINTS: gettext_lazy("Single points of failure"),
}
PERSON_KINDS = frozenset({Kind.HEADCOUNT, Kind.QUALIFIED, Kind.NOT_QUALIFIED})
PAIR_KINDS = frozenset({Kind.GAPS, Kind.EXPIRING_30, Kind.EXPIRING_60, Kind.EXPIRING_90})
STATION_KINDS = frozenset({Kind.STATIONS, Kind.STATIONS_NOT_COVERED, Kind.SINGLE_POINTS})


@dataclass(frozen=True)
class PersonRow:
    employee_no: str
    name: str
    line: str
    station: str
    role: str
    valid: int
    required: int
    next_expiry: datetime.date | None

    @property
    def qualified(self) -> bool:
        return self.valid == self.required

    @property
    def completion(self) -> float:
        return validity.completion(valid=self.valid, required=self.required)


@dataclass(frozen=True)
class PairRow:
    employee_no: str
    name: str
    line: str
    station: str
    course_code: str
    course_title: str
    status: str  # a CertificationStatus: why a gap is one; "expiring" for the expiring lists
    expires_on: datetime.date | None  # a gap: when it expired (if it did); expiring: when it will
    days_left: int | None = None

    @property
    def status_label(self) -> str:
        return gap_status_label(self.status)


@dataclass(frozen=True)
class StationListRow:
    line: str
    station: str
    station_name: str
    qualified: int
    target: int
    people: tuple[tuple[str, str], ...] = ()  # (employee number, name) of those qualified
    covered: bool = False
    single_point: bool = False


@dataclass
class Drilldown:
    kind: Kind
    plant: Plant
    on_date: datetime.date
    computed: bool  # False: the roll-up tables of its date; True: computed for on_date
    line: ProductionLine | None = None
    course: Course | None = None
    station: Station | None = None
    rows: list = field(default_factory=list)

    @property
    def family(self) -> str:
        return "people" if self.kind in PERSON_KINDS else "pairs" if self.kind in PAIR_KINDS else "stations"


def drilldown(
    *,
    kind: Kind,
    plant: Plant,
    on_date: datetime.date,
    computed: bool,
    line: ProductionLine | None = None,
    course: Course | None = None,
    station: Station | None = None,
) -> Drilldown:
    """The rows behind the figure `kind` on D: computed for D, or read from the roll-up tables (D is their date)."""
    result = Drilldown(
        kind=kind,
        plant=plant,
        on_date=on_date,
        computed=computed,
        line=line,
        course=course,
        station=station,
    )
    if kind in PERSON_KINDS:
        result.rows = _people(result)
    elif kind in PAIR_KINDS:
        result.rows = _pairs(result)
    else:
        result.rows = _stations(result)
    return result


# --- Employees ------------------------------------------------------------------------------------


def _people(d: Drilldown) -> list[PersonRow]:
    roles = {pk: role.display_name for pk, role in JobRole.objects.in_bulk().items()}
    if not d.computed:
        rows = EmployeeReadiness.objects.filter(plant=d.plant)
        if d.line is not None:
            rows = rows.filter(line=d.line)
        if d.kind != Kind.HEADCOUNT:
            rows = rows.filter(qualified=d.kind == Kind.QUALIFIED)
        return [
            PersonRow(no, name, line or "", station or "", roles.get(role_id, ""), valid, required, expiry)
            for no, name, line, station, role_id, valid, required, expiry in rows.order_by(
                "employee__employee_no"
            ).values_list(
                "employee__employee_no",
                "employee__name",
                "line__code",
                "station__code",
                "employee__role_id",
                "met_count",
                "required_count",
                "next_expiry",
            )
        ]
    people = _employees(d.plant)
    rows = []
    for figures in employee_figures_compute(plant_id=d.plant.id, on_date=d.on_date, plant=d.plant):
        if d.line is not None and figures.line_id != d.line.id:
            continue
        if d.kind != Kind.HEADCOUNT and figures.qualified != (d.kind == Kind.QUALIFIED):
            continue
        no, name, line, station, role_id = people[figures.employee_id]
        rows.append(
            PersonRow(
                no,
                name,
                line,
                station,
                roles.get(role_id, ""),
                figures.met_count,
                figures.required_count,
                figures.next_expiry,
            )
        )
    return sorted(rows, key=lambda row: row.employee_no)


def _employees(plant: Plant) -> dict[int, tuple[str, str, str, str, int]]:
    """id: (number, name, line code, station code, role id) of the plant's employees, in one query."""
    return {
        pk: (no, name, line or "", station or "", role_id)
        for pk, no, name, line, station, role_id in Employee.objects.filter(plant=plant)
        .order_by()
        .values_list("id", "employee_no", "name", "line__code", "station__code", "role_id")
    }


# --- Required (employee, course) pairs ---------------------------------------------------------------


def _pairs(d: Drilldown) -> list[PairRow]:
    gaps = d.kind == Kind.GAPS
    until = None if gaps else d.on_date + datetime.timedelta(days=d.kind.expiring_days)
    if not d.computed:
        stored = CourseReadiness.objects.filter(plant=d.plant, is_met=not gaps)
        if until is not None:
            stored = stored.filter(expires_on__lte=until)
        if d.line is not None:
            stored = stored.filter(line=d.line)
        if d.course is not None:
            stored = stored.filter(course=d.course)
        found = [
            (employee_id, course_id, expires_on, (no, name, line or "", station or ""))
            for employee_id, course_id, expires_on, no, name, line, station in stored.order_by().values_list(
                "employee_id",
                "course_id",
                "expires_on",
                "employee__employee_no",
                "employee__name",
                "line__code",
                "employee__station__code",
            )
        ]
    else:
        people = _employees(d.plant)
        line_code = d.line.code if d.line is not None else None
        found = [
            (pair.employee_id, pair.course_id, pair.expires_on, people[pair.employee_id][:4])
            for pair in required_pairs_compute(plant_id=d.plant.id, on_date=d.on_date, plant=d.plant)
            if pair.is_met != gaps
            and (until is None or (pair.expires_on is not None and pair.expires_on <= until))
            and (line_code is None or people[pair.employee_id][2] == line_code)
            and (d.course is None or pair.course_id == d.course.id)
        ]
    courses = Course.objects.in_bulk({course_id for _e, course_id, _x, _p in found})
    statuses = _gap_statuses(found, d.on_date) if gaps else {}
    rows = []
    for employee_id, course_id, expires_on, (no, name, line, station) in found:
        course = courses[course_id]
        if gaps:
            status, expires_on = statuses[(employee_id, course_id)]
        else:
            status = CertificationStatus.EXPIRING
        rows.append(
            PairRow(
                employee_no=no,
                name=name,
                line=line,
                station=station,
                course_code=course.code,
                course_title=course.display_title,
                status=status,
                expires_on=expires_on,
                days_left=None if gaps or expires_on is None else (expires_on - d.on_date).days,
            )
        )
    if gaps:
        return sorted(rows, key=lambda row: (row.employee_no, row.course_code))
    return sorted(rows, key=lambda row: (row.expires_on, row.employee_no, row.course_code))


def _gap_statuses(
    found: Iterable[tuple], on_date: datetime.date
) -> dict[tuple[int, int], tuple[str, datetime.date | None]]:
    """Why each gap is one on D, as the employee page words it, with the date that goes with it: expired
    (on its expiry date), revoked (and not passed again since), provisional pass lapsed (valid only on a
    virtual-model pass whose window has closed), level below (valid, held below the minimum required), in
    progress (attempted, never certified) or missing (never attempted).

    From the one Python twin of the figures' SQL (selectors.certifications.certifications_as_of: a fixed
    number of queries whatever the number of gaps), so the list never says "expired" of a certification
    that is valid at a lower level, nor shows an expiry in the future as past."""
    states = certifications_as_of(
        pairs={(employee_id, course_id) for employee_id, course_id, _x, _p in found}, on_date=on_date
    )
    statuses: dict[tuple[int, int], tuple[str, datetime.date | None]] = {}
    for key, state in states.items():
        if state.is_valid:  # valid, so a gap only by its level
            statuses[key] = (LEVEL_BELOW, None)
        elif state.status == CertificationStatus.EXPIRED:
            statuses[key] = (state.status, state.expires_on)
        else:
            statuses[key] = (state.status, None)
    return statuses


# --- Stations ----------------------------------------------------------------------------------------


def _stations(d: Drilldown) -> list[StationListRow]:
    wanted = {
        Kind.STATIONS: lambda c: True,
        Kind.STATIONS_NOT_COVERED: lambda c: not c.covered,
        Kind.SINGLE_POINTS: lambda c: c.single_point,
    }[d.kind]
    people: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not d.computed:
        stored = StationCoverage.objects.filter(plant=d.plant)
        if d.line is not None:
            stored = stored.filter(line=d.line)
        if d.station is not None:
            stored = stored.filter(station=d.station)
        if d.kind == Kind.STATIONS_NOT_COVERED:
            stored = stored.filter(covered=False)
        elif d.kind == Kind.SINGLE_POINTS:
            stored = stored.filter(single_point=True)
        coverage = list(stored.select_related("station", "line"))
        for station_id, no, name in (
            StationQualification.objects.filter(plant=d.plant, station_id__in=[c.station_id for c in coverage])
            .order_by("employee__employee_no")
            .values_list("station_id", "employee__employee_no", "employee__name")
        ):
            people[station_id].append((no, name))
        rows = [
            StationListRow(
                c.line.code,
                c.station.code,
                c.station.name,
                c.qualified,
                c.target,
                tuple(people[c.station_id]),
                c.covered,
                c.single_point,
            )
            for c in coverage
        ]
    else:
        stations = {s.id: s for s in Station.objects.filter(line__plant=d.plant).select_related("line")}
        figures = [
            f
            for f in station_figures_compute(plant_id=d.plant.id, on_date=d.on_date, plant=d.plant)
            if wanted(f)
            and (d.line is None or f.line_id == d.line.id)
            and (d.station is None or f.station_id == d.station.id)
        ]
        if figures:
            names = _employees(d.plant)
            for employee_id, station_id in station_qualifications_compute(
                plant_id=d.plant.id, on_date=d.on_date, plant=d.plant
            ):
                people[station_id].append(names[employee_id][:2])
        rows = [
            StationListRow(
                stations[f.station_id].line.code,
                stations[f.station_id].code,
                stations[f.station_id].name,
                f.qualified,
                f.target,
                tuple(sorted(people[f.station_id])),
                f.covered,
                f.single_point,
            )
            for f in figures
        ]
    return sorted(rows, key=lambda row: (row.line, row.station))
