"""Reads of the readiness roll-up tables for the dashboards and the API (selectors).

Everything here reads roll-up tables (and the plant / line / station rows that
name them), never assessments: a page costs a constant number of queries
whatever the plant's size (locked by tests/assessments/readiness/test_dashboards.py).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from assessments.models import (
    CourseReadiness,
    EmployeeReadiness,
    LineSnapshot,
    PlantSnapshot,
    ReadinessMark,
    ReadinessState,
    StationCoverage,
    StationShiftCoverage,
)
from assessments.readiness.figures import Figures, ShiftCoverage, plant_figures_compute
from certtrack.replicas import connection_for_read
from courses.models import localised_value, translated_fields
from employees.models import Plant, ProductionLine, Station

TREND_DAYS = 90
# The SOP projection fits a line through the readiness of the last REGRESSION_DAYS days.
REGRESSION_DAYS = 60


@dataclass(frozen=True)
class RollupStatus:
    """How current a plant's roll-up is: the date its figures are for, when computed, and what is pending."""

    on_date: datetime.date | None
    computed_at: datetime.datetime | None
    pending: int
    oldest_pending_at: datetime.datetime | None

    @property
    def lag_minutes(self) -> int:
        if self.oldest_pending_at is None:
            return 0
        return int((timezone.now() - self.oldest_pending_at).total_seconds() // 60)

    @property
    def is_lagging(self) -> bool:
        """A change has waited for the roll-up longer than ROLLUP_LAG_WARNING_MINUTES."""
        return self.lag_minutes > settings.ROLLUP_LAG_WARNING_MINUTES

    @property
    def computed(self) -> bool:
        return self.computed_at is not None


def cache_version(status: RollupStatus) -> str:
    """A dashboard's figures change only when a roll-up writes them: the part of its cache key that says so."""
    return status.computed_at.isoformat() if status.computed_at else "never"


_STATUS_SQL = """
SELECT p.id, s.on_date, s.computed_at,
       (SELECT COUNT(*) FROM {mark} m WHERE m.plant_id = p.id),
       (SELECT MIN(m.created_at) FROM {mark} m WHERE m.plant_id = p.id)
FROM {plant} p LEFT JOIN {state} s ON s.plant_id = p.id
WHERE p.id IN ({ids})
"""


def _aware(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """A timestamp as PostgreSQL returns it (aware); SQLite gives UTC text or naive values in raw SQL."""
    if value is None or isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def _date(value: datetime.date | str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def rollup_statuses(*, plant_ids: Iterable[int]) -> dict[int, RollupStatus]:
    """One query for any number of plants: every dashboard page and readiness API call runs it.

    Plain SQL, because it runs on every view of a cached page: compiling the equivalent ORM
    queries cost four times what the database takes to answer them.
    """
    plant_ids = sorted({int(plant_id) for plant_id in plant_ids})
    if not plant_ids:
        return {}
    sql = _STATUS_SQL.format(
        mark=ReadinessMark._meta.db_table,
        plant=Plant._meta.db_table,
        state=ReadinessState._meta.db_table,
        ids=", ".join(["%s"] * len(plant_ids)),
    )
    with connection_for_read(ReadinessState).cursor() as cursor:  # a replica's, on a page that opts in
        cursor.execute(sql, plant_ids)
        rows = cursor.fetchall()
    return {
        plant_id: RollupStatus(
            on_date=_date(on_date),
            computed_at=_aware(computed_at),
            pending=pending,
            oldest_pending_at=_aware(oldest),
        )
        for plant_id, on_date, computed_at, pending, oldest in rows
    }


# --- SOP outlook ------------------------------------------------------------------------


@dataclass(frozen=True)
class SopOutlook:
    sop_date: datetime.date
    days_left: int
    target: float
    current: float | None
    projected: float | None

    @property
    def on_track(self) -> bool:
        return self.projected is not None and self.projected >= self.target

    @property
    def reached(self) -> bool:
        return self.days_left <= 0


def sop_outlook(
    *,
    sop_date: datetime.date,
    today: datetime.date,
    target_pct: int,
    points: Sequence[tuple[datetime.date, float | None]],
) -> SopOutlook:
    """Days left to SOP and the readiness a least-squares line through recent snapshots projects for it.

    With fewer than two days of figures the trend is flat (today's figure); the
    projection is clamped to 0-100%. Once SOP has come, the projection is today's figure.
    """
    recent = sorted(
        (on, value)
        for on, value in points
        if value is not None and today - datetime.timedelta(days=REGRESSION_DAYS) < on <= today
    )
    current = recent[-1][1] if recent else None
    days_left = (sop_date - today).days
    if current is None:
        projected = None
    elif days_left <= 0 or len(recent) < 2:
        projected = current
    else:
        xs = [(on - today).days for on, _v in recent]
        ys = [value for _on, value in recent]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        spread = sum((x - mean_x) ** 2 for x in xs)
        slope = 0.0 if spread == 0 else sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
        intercept = mean_y - slope * mean_x
        projected = min(1.0, max(0.0, intercept + slope * days_left))
    return SopOutlook(
        sop_date=sop_date, days_left=days_left, target=target_pct / 100, current=current, projected=projected
    )


# --- Company overview -----------------------------------------------------------------------


@dataclass
class PlantOverview:
    plant: Plant
    status: RollupStatus
    snapshot: PlantSnapshot | None
    trend: list[tuple[datetime.date, float | None]]
    sop_lines: list[ProductionLine]


def company_overview(*, plants: Iterable[Plant]) -> list[PlantOverview]:
    """Each plant's current figures, 90-day trend and SOP dates: four queries for any number of plants."""
    plants = list(plants)
    plant_ids = [p.id for p in plants]
    statuses = rollup_statuses(plant_ids=plant_ids)
    since = min((p.local_today() for p in plants), default=timezone.now().date()) - datetime.timedelta(days=TREND_DAYS)
    snapshots: dict[int, list[PlantSnapshot]] = defaultdict(list)
    for snapshot in PlantSnapshot.objects.filter(plant_id__in=plant_ids, on_date__gt=since).order_by("on_date"):
        snapshots[snapshot.plant_id].append(snapshot)
    sop_lines: dict[int, list[ProductionLine]] = defaultdict(list)
    for line in ProductionLine.objects.filter(plant_id__in=plant_ids, is_active=True, sop_date__isnull=False).order_by(
        "sop_date", "code"
    ):
        sop_lines[line.plant_id].append(line)
    overview = []
    for plant in plants:
        status = statuses[plant.id]
        current = next((s for s in snapshots[plant.id] if s.on_date == status.on_date), None)
        overview.append(
            PlantOverview(
                plant=plant,
                status=status,
                snapshot=current,
                trend=[(s.on_date, s.readiness) for s in snapshots[plant.id]],
                sop_lines=sop_lines[plant.id],
            )
        )
    return overview


# --- Plant dashboard ------------------------------------------------------------------------


@dataclass
class LineRow:
    """A line on the plant page: its figures and the SOP outlook of readiness and of readiness confirmed."""

    line: ProductionLine
    snapshot: LineSnapshot | Figures | None
    outlook: SopOutlook | None
    outlook_confirmed: SopOutlook | None = None


def line_outlooks(
    line: ProductionLine, *, today: datetime.date, points: Sequence[tuple[datetime.date, float | None, float | None]]
) -> tuple[SopOutlook | None, SopOutlook | None]:
    """The SOP outlook of a line's readiness and of its readiness confirmed (no provisional pass counting),
    each from its own trend: points are (date, readiness, readiness_confirmed)."""
    if not line.sop_date:
        return None, None
    return tuple(
        sop_outlook(
            sop_date=line.sop_date,
            today=today,
            target_pct=line.target_readiness_pct,
            points=[(on, values[index]) for on, *values in points],
        )
        for index in (0, 1)
    )


def trend_series(
    lines: Sequence[ProductionLine],
    labels: Sequence[datetime.date],
    points: dict[int, Sequence[tuple[datetime.date, float | None, float | None]]],
) -> list[dict]:
    """The trend chart's series: per line its readiness and, drawn as a second (dashed) line, its
    readiness confirmed; in percent, None where no figure exists."""
    series = []
    for index, line in enumerate(lines):
        for confirmed in (False, True):
            values = {on: figures[1 if confirmed else 0] for on, *figures in points.get(line.id, [])}
            series.append(
                {
                    "label": gettext("%(line)s confirmed") % {"line": line.code} if confirmed else line.code,
                    "line": index,
                    "confirmed": confirmed,
                    "data": [None if values.get(d) is None else round(values[d] * 100, 1) for d in labels],
                }
            )
    return series


@dataclass(frozen=True)
class CoverageRow:
    """A station's coverage (DOMAIN.md "Station coverage"), as the line and plant pages show it: per run
    shift (the plant's order), day staff apart, trainers of those needed, and the totals."""

    line: ProductionLine
    station: Station
    qualified: int
    target: int
    covered: bool = False
    single_point: bool = False
    shifts: tuple[ShiftCoverage, ...] = ()
    day_staff_qualified: int = 0
    trainers: int = 0
    trainers_needed: int = 0

    @property
    def shifts_short(self) -> list[ShiftCoverage]:
        return [cell for cell in self.shifts if cell.qualified < cell.target]

    @property
    def single_point_shifts(self) -> list[ShiftCoverage]:
        return [cell for cell in self.shifts if cell.single_point_of_failure]

    @property
    def trainers_short(self) -> bool:
        return self.trainers < self.trainers_needed


def _stored_coverage(cells: Iterable[StationShiftCoverage]) -> list[CoverageRow]:
    """Coverage rows from the stored (station, shift) cells, each read with its station, its line and the
    station's StationCoverage (one query): in the cells' order."""
    rows: dict[int, CoverageRow] = {}
    shifts: dict[int, list[ShiftCoverage]] = defaultdict(list)
    for cell in cells:
        shifts[cell.station_id].append(ShiftCoverage(cell.shift, cell.qualified, cell.target, cell.single_point))
        if cell.station_id not in rows:
            c = cell.station.coverage
            rows[cell.station_id] = CoverageRow(
                line=cell.line,
                station=cell.station,
                qualified=c.qualified,
                target=c.target,
                covered=c.covered,
                single_point=c.single_point,
                day_staff_qualified=c.day_staff_qualified,
                trainers=c.trainers,
                trainers_needed=c.trainers_needed,
            )
    return [dataclasses.replace(row, shifts=tuple(shifts[station_id])) for station_id, row in rows.items()]


@dataclass
class BlockingCourse:
    course_id: int
    code: str
    title: str
    people: int


@dataclass
class PlantDashboard:
    plant: Plant
    status: RollupStatus
    snapshot: PlantSnapshot | None
    lines: list[LineRow]
    trend_labels: list[str]
    trend_series: list[dict]
    blocking_courses: list[BlockingCourse]
    expiring: list[CourseReadiness]
    weak_stations: list[CoverageRow]
    on_date: datetime.date

    @property
    def trend(self) -> dict:
        """The trend chart's data (json_script)."""
        return {"labels": self.trend_labels, "series": self.trend_series}


def plant_dashboard(
    *, plant: Plant, status: RollupStatus | None = None, expiring_limit: int = 50, blocking_limit: int = 10
) -> PlantDashboard:
    """Eight queries whatever the plant's size (six with the status given)."""
    status = status or rollup_statuses(plant_ids=[plant.id])[plant.id]
    on_date = status.on_date or plant.local_today()
    since = on_date - datetime.timedelta(days=TREND_DAYS)
    snapshot = PlantSnapshot.objects.filter(plant=plant, on_date=on_date).first()
    lines = list(ProductionLine.objects.filter(plant=plant, is_active=True).order_by("code"))
    by_line: dict[int, list[LineSnapshot]] = defaultdict(list)
    for line_snapshot in LineSnapshot.objects.filter(plant=plant, on_date__gt=since, on_date__lte=on_date).order_by(
        "on_date"
    ):
        by_line[line_snapshot.line_id].append(line_snapshot)
    points = {
        line_id: [(s.on_date, s.readiness, s.readiness_confirmed) for s in history]
        for line_id, history in by_line.items()
    }
    rows = []
    for line in lines:
        history = by_line[line.id]
        current = history[-1] if history and history[-1].on_date == on_date else None
        outlook, outlook_confirmed = line_outlooks(line, today=on_date, points=points.get(line.id, []))
        rows.append(LineRow(line=line, snapshot=current, outlook=outlook, outlook_confirmed=outlook_confirmed))
    labels = [since + datetime.timedelta(days=offset) for offset in range(1, TREND_DAYS + 1)]
    series = trend_series(lines, labels, points)
    blocking = [
        BlockingCourse(
            course_id=row["course_id"],
            code=row["course__code"],
            title=localised_value(row, "course__title"),  # the body is cached per language
            people=row["n"],
        )
        for row in CourseReadiness.objects.filter(plant=plant, is_met=False)
        .values("course_id", "course__code", "course__title", *translated_fields("course__title"))
        .annotate(n=Count("employee_id"))
        .order_by("-n", "course__code")[:blocking_limit]
    ]
    expiring = list(
        CourseReadiness.objects.filter(
            plant=plant,
            is_met=True,
            expires_on__lte=on_date + datetime.timedelta(days=90),
        )
        .select_related("employee", "course", "line")
        .order_by("expires_on", "employee__employee_no")[:expiring_limit]
    )
    # The stations not covered or with a single point of failure, with their (station, shift) cells.
    weak_stations = _stored_coverage(
        StationShiftCoverage.objects.filter(
            Q(station__coverage__covered=False) | Q(station__coverage__single_point=True), plant=plant
        )
        .select_related("station__coverage", "line")
        .order_by("line__code", "station__code", "station_id", "position")
    )
    return PlantDashboard(
        plant=plant,
        status=status,
        snapshot=snapshot,
        lines=rows,
        trend_labels=[d.isoformat() for d in labels],
        trend_series=series,
        blocking_courses=blocking,
        expiring=expiring,
        weak_stations=weak_stations,
        on_date=on_date,
    )


# --- Line page ----------------------------------------------------------------------------


@dataclass
class GapCourse:
    course_id: int
    code: str
    title: str
    employees: list


@dataclass
class LineDashboard:
    line: ProductionLine
    status: RollupStatus
    snapshot: LineSnapshot | Figures | None
    stations: list[CoverageRow]
    employees: list[EmployeeReadiness]
    gaps: list[GapCourse]
    on_date: datetime.date


def line_dashboard(*, line: ProductionLine, status: RollupStatus | None = None) -> LineDashboard:
    """Six queries whatever the line's size (four with the status given)."""
    status = status or rollup_statuses(plant_ids=[line.plant_id])[line.plant_id]
    on_date = status.on_date or line.plant.local_today()
    snapshot = LineSnapshot.objects.filter(line=line, on_date=on_date).first()
    # Stations x shifts: each (station, shift) cell with its station, the line and the station's totals.
    stations = _stored_coverage(
        StationShiftCoverage.objects.filter(line=line)
        .select_related("station__coverage", "line")
        .order_by("station__code", "station_id", "position")
    )
    employees = list(
        EmployeeReadiness.objects.filter(line=line)
        .select_related("employee", "station")
        .order_by("completion", "employee__employee_no")
    )
    gaps: dict[int, GapCourse] = {}
    for row in (
        CourseReadiness.objects.filter(line=line, is_met=False)
        .select_related("course", "employee")
        .order_by("course__code", "employee__employee_no")
    ):
        gap = gaps.setdefault(
            row.course_id,
            GapCourse(course_id=row.course_id, code=row.course.code, title=row.course.display_title, employees=[]),
        )
        gap.employees.append(row.employee)
    return LineDashboard(
        line=line,
        status=status,
        snapshot=snapshot,
        stations=stations,
        employees=employees,
        gaps=sorted(gaps.values(), key=lambda g: (-len(g.employees), g.code)),
        on_date=on_date,
    )


# --- A plant's figures on any date (the API) -----------------------------------------------


@dataclass(frozen=True)
class StationRow:
    """A station's coverage (DOMAIN.md "Station coverage"): per run shift, day staff, trainers, totals."""

    line_id: int
    code: str
    name: str
    qualified: int
    target: int
    station_id: int = 0
    covered: bool = False
    shifts: tuple[ShiftCoverage, ...] = ()
    day_staff_qualified: int = 0
    trainers: int = 0
    trainers_needed: int = 0

    @property
    def single_point(self) -> bool:
        """Some shift has exactly one qualified person: a single point of failure."""
        return any(cell.single_point_of_failure for cell in self.shifts)


@dataclass
class PlantReadiness:
    source: str  # "rollup": the stored current figures; "computed": the roll-up SQL run for this date
    as_of: datetime.datetime | None
    plant: Figures
    lines: dict[int, Figures]
    line_objects: list[ProductionLine]
    stations: list[StationRow]


def _figures_of(snapshot: LineSnapshot | PlantSnapshot) -> Figures:
    return Figures(
        **{name: getattr(snapshot, name) for name in Figures.__dataclass_fields__},
    )


def plant_readiness(*, plant: Plant, on_date: datetime.date, status: RollupStatus | None = None) -> PlantReadiness:
    """The stored roll-up when it is for this date; otherwise the same SQL computed on the fly (nothing stored)."""
    status = status or rollup_statuses(plant_ids=[plant.id])[plant.id]
    line_objects = list(ProductionLine.objects.filter(plant=plant, is_active=True).order_by("code"))
    stations = {
        s.id: s
        for s in Station.objects.filter(line__plant=plant, line__is_active=True, is_active=True).order_by("code")
    }
    snapshot = PlantSnapshot.objects.filter(plant=plant, on_date=on_date).first() if status.on_date == on_date else None
    if snapshot is not None:
        cells: dict[int, list[ShiftCoverage]] = defaultdict(list)
        for cell in StationShiftCoverage.objects.filter(plant=plant).order_by("station_id", "position"):
            cells[cell.station_id].append(ShiftCoverage(cell.shift, cell.qualified, cell.target, cell.single_point))
        return PlantReadiness(
            source="rollup",
            as_of=status.computed_at,
            plant=_figures_of(snapshot),
            lines={s.line_id: _figures_of(s) for s in LineSnapshot.objects.filter(plant=plant, on_date=on_date)},
            line_objects=line_objects,
            stations=[
                StationRow(
                    c.line_id,
                    stations[c.station_id].code,
                    stations[c.station_id].name,
                    c.qualified,
                    c.target,
                    c.station_id,
                    c.covered,
                    tuple(cells[c.station_id]),
                    c.day_staff_qualified,
                    c.trainers,
                    c.trainers_needed,
                )
                for c in StationCoverage.objects.filter(plant=plant).order_by("station_id")
                if c.station_id in stations
            ],
        )
    figures = plant_figures_compute(plant_id=plant.id, on_date=on_date, plant=plant)
    return PlantReadiness(
        source="computed",
        as_of=timezone.now(),
        plant=figures.plant,
        lines=figures.lines,
        line_objects=line_objects,
        stations=[
            StationRow(
                s.line_id,
                stations[s.station_id].code,
                stations[s.station_id].name,
                s.qualified,
                s.target,
                s.station_id,
                s.covered,
                tuple(s.shifts),
                s.day_staff_qualified,
                s.trainers,
                s.trainers_needed,
            )
            for s in sorted(figures.stations, key=lambda s: s.station_id)
            if s.station_id in stations
        ],
    )
