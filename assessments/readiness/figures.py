"""Every figure of a plant on any date, and the rows behind them, computed from raw results and storing
nothing: the API's ?date=, the dashboards of past days and their drill-down lists read these, with the
same SQL as the stored roll-up so a figure means the same on every date.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from assessments import validity
from assessments.readiness.sql import (
    COMPUTED_HELD_CTE,
    EMP_CTE,
    ER_CTE,
    LINE_CTES,
    LINE_SELECT,
    ON_THE_FLY_CTES,
    PAIRS_CTES,
    PLANT_CTES,
    PLANT_SELECT,
    QUALIFIED_CTES,
    REQ_CTE,
    STATION_COURSES_CTES,
    VALIDITY_CTES,
    fetch,
    statement_params,
    with_ctes,
)
from employees.models import Plant


@dataclass(frozen=True)
class Figures:
    """A line's or a plant's figures on D (DOMAIN.md "Readiness"); `single_points` counts (station, shift)
    cells with exactly one qualified person."""

    headcount: int
    qualified: int
    qualified_confirmed: int
    readiness: float | None
    readiness_confirmed: float | None
    expiring_30: int
    expiring_60: int
    expiring_90: int
    gaps: int
    stations: int
    stations_covered: int
    single_points: int


@dataclass(frozen=True)
class ShiftCoverage:
    """One shift the line runs at a station: station-qualified people on it against the per-shift target."""

    shift: str
    qualified: int
    target: int
    single_point_of_failure: bool


@dataclass(frozen=True)
class StationFigures:
    """A station's coverage on D (DOMAIN.md "Station coverage"): per run shift (in the plant's order), day
    staff apart, trainers, and the totals (qualified over the run shifts against per-shift target x shifts)."""

    station_id: int
    line_id: int
    course_count: int
    shifts: list[ShiftCoverage]
    day_staff_qualified: int
    trainers: int
    trainers_needed: int
    qualified: int
    target: int
    covered: bool

    @property
    def single_point(self) -> bool:
        """Some shift has exactly one qualified person: a single point of failure."""
        return any(cell.single_point_of_failure for cell in self.shifts)


@dataclass(frozen=True)
class PlantFigures:
    on_date: datetime.date
    plant: Figures
    lines: dict[int, Figures]
    stations: list[StationFigures]


def _figures(row: Sequence) -> Figures:
    def ratio(value: float | None) -> float | None:
        return None if value is None else float(value)

    return Figures(
        headcount=int(row[0]),
        qualified=int(row[1]),
        qualified_confirmed=int(row[2]),
        readiness=ratio(row[3]),
        readiness_confirmed=ratio(row[4]),
        expiring_30=int(row[5]),
        expiring_60=int(row[6]),
        expiring_90=int(row[7]),
        gaps=int(row[8]),
        stations=int(row[9]),
        stations_covered=int(row[10]),
        single_points=int(row[11]),
    )


# One row per (station, run shift), station columns repeated: every station has at least one run shift.
_STATION_SELECT = """
SELECT cov.station_id, cov.line_id, cov.course_count, cov.day_staff_qualified, cov.trainers, cov.trainers_needed,
    cov.qualified, cov.target, cov.covered, cells.shift, cells.qualified, cells.target
FROM cov JOIN cells ON cells.station_id = cov.station_id
ORDER BY cov.station_id, cells.position"""


def _stations(rows: Sequence[Sequence]) -> list[StationFigures]:
    stations: dict[int, StationFigures] = {}
    for station_id, line_id, courses, day_staff, trainers, needed, qualified, target, covered, *cell in rows:
        if station_id not in stations:
            stations[station_id] = StationFigures(
                station_id=int(station_id),
                line_id=int(line_id),
                course_count=int(courses),
                shifts=[],
                day_staff_qualified=int(day_staff),
                trainers=int(trainers),
                trainers_needed=int(needed),
                qualified=int(qualified),
                target=int(target),
                covered=bool(covered),
            )
        shift, shift_qualified, shift_target = cell
        stations[station_id].shifts.append(
            ShiftCoverage(str(shift), int(shift_qualified), int(shift_target), int(shift_qualified) == 1)
        )
    return list(stations.values())


def plant_figures_compute(*, plant_id: int, on_date: datetime.date, plant: Plant | None = None) -> PlantFigures:
    """Every figure of the plant on D, computed from raw assessments by the roll-up SQL, storing nothing."""
    params = statement_params(plant_id=plant_id, on_date=on_date, plant=plant)
    filters = {"employee_filter": "", "line_filter": ""}
    # The final SELECTs drop on_date and computed_at (columns 3 and last) of the INSERT shape.
    line_rows = fetch(with_ctes([*ON_THE_FLY_CTES, LINE_CTES], LINE_SELECT, **filters), params)
    plant_rows = fetch(with_ctes([*ON_THE_FLY_CTES, PLANT_CTES], PLANT_SELECT, **filters), params)
    station_rows = fetch(with_ctes(ON_THE_FLY_CTES, _STATION_SELECT, **filters), params)
    return PlantFigures(
        on_date=on_date,
        plant=_figures(plant_rows[0][2:-1]),
        lines={row[0]: _figures(row[3:-1]) for row in line_rows},
        stations=_stations(station_rows),
    )


# --- The rows behind the figures, on any date (the dashboards' drill-down lists) -------------------
# The same CTEs as plant_figures_compute, stopped earlier: the employees (er), the required pairs
# (ecs) and the station qualifications (qualified) that the figures count. Nothing is stored.


@dataclass(frozen=True)
class EmployeeFigures:
    employee_id: int
    line_id: int | None
    station_id: int | None
    required_count: int
    met_count: int
    next_expiry: datetime.date | None
    met_confirmed_count: int = 0

    @property
    def qualified(self) -> bool:
        return self.met_count == self.required_count

    @property
    def qualified_confirmed(self) -> bool:
        return self.met_confirmed_count == self.required_count

    @property
    def completion(self) -> float:
        return validity.completion(valid=self.met_count, required=self.required_count)


@dataclass(frozen=True)
class RequiredPair:
    """A required (employee, course) pair on D: met or a gap; expires_on as the validity rule gives it."""

    employee_id: int
    course_id: int
    is_met: bool
    expires_on: datetime.date | None
    is_met_confirmed: bool = False


def _as_date(value: datetime.date | str | None) -> datetime.date | None:
    """SQLite hands dates computed in SQL back as ISO text."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


_EMPLOYEE_CTES = [EMP_CTE, REQ_CTE, PAIRS_CTES, VALIDITY_CTES, ER_CTE]


def employee_figures_compute(
    *, plant_id: int, on_date: datetime.date, plant: Plant | None = None
) -> list[EmployeeFigures]:
    """Each active employee's required and valid counts on D (what headcount and qualified count)."""
    rows = fetch(
        with_ctes(
            _EMPLOYEE_CTES,
            "SELECT employee_id, line_id, station_id, required_count, met_count, next_expiry, met_confirmed_count"
            " FROM er",
        ),
        statement_params(plant_id=plant_id, on_date=on_date, plant=plant),
    )
    return [
        EmployeeFigures(e, line, station, int(required), int(met), _as_date(expiry), int(met_confirmed))
        for e, line, station, required, met, expiry, met_confirmed in rows
    ]


def required_pairs_compute(*, plant_id: int, on_date: datetime.date, plant: Plant | None = None) -> list[RequiredPair]:
    """Every required (employee, course) pair of the plant's active employees on D (what gaps and expiring count)."""
    rows = fetch(
        with_ctes(
            _EMPLOYEE_CTES[:-1],
            "SELECT employee_id, course_id, is_met, expires_on, is_met_confirmed FROM ecs WHERE is_required",
        ),
        statement_params(plant_id=plant_id, on_date=on_date, plant=plant),
    )
    return [
        RequiredPair(e, c, bool(met), _as_date(expires_on), bool(confirmed))
        for e, c, met, expires_on, confirmed in rows
    ]


def station_qualifications_compute(
    *, plant_id: int, on_date: datetime.date, plant: Plant | None = None
) -> list[tuple[int, int]]:
    """(employee, station) pairs of the people station-qualified for a station of their line on D (coverage
    counts them per shift)."""
    return [
        (int(employee_id), int(station_id))
        for employee_id, station_id in fetch(
            with_ctes(
                [*_EMPLOYEE_CTES[:-1], COMPUTED_HELD_CTE, STATION_COURSES_CTES, QUALIFIED_CTES],
                "SELECT employee_id, station_id FROM qualified",
            ),
            statement_params(plant_id=plant_id, on_date=on_date, plant=plant),
        )
    ]


def station_figures_compute(
    *, plant_id: int, on_date: datetime.date, plant: Plant | None = None
) -> list[StationFigures]:
    """Each active station's coverage on D, per shift (plant_figures_compute's station rows)."""
    return _stations(
        fetch(
            with_ctes(ON_THE_FLY_CTES, _STATION_SELECT),
            statement_params(plant_id=plant_id, on_date=on_date, plant=plant),
        )
    )
