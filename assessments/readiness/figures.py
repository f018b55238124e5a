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


@dataclass(frozen=True)
class Figures:
    headcount: int
    qualified: int
    readiness: float | None
    expiring_30: int
    expiring_60: int
    expiring_90: int
    gaps: int
    stations: int
    stations_covered: int
    single_points: int


class Coverage:
    """DOMAIN.md's station coverage words, for any row with `qualified` and `target`."""

    qualified: int
    target: int

    @property
    def covered(self) -> bool:
        return self.qualified >= self.target

    @property
    def single_point(self) -> bool:
        """Exactly one qualified person: a single point of failure."""
        return self.qualified == 1


@dataclass(frozen=True)
class StationFigures(Coverage):
    station_id: int
    line_id: int
    course_count: int
    qualified: int
    target: int


@dataclass(frozen=True)
class PlantFigures:
    on_date: datetime.date
    plant: Figures
    lines: dict[int, Figures]
    stations: list[StationFigures]


def _figures(row: Sequence) -> Figures:
    readiness = row[2]
    return Figures(
        headcount=int(row[0]),
        qualified=int(row[1]),
        readiness=None if readiness is None else float(readiness),
        expiring_30=int(row[3]),
        expiring_60=int(row[4]),
        expiring_90=int(row[5]),
        gaps=int(row[6]),
        stations=int(row[7]),
        stations_covered=int(row[8]),
        single_points=int(row[9]),
    )


def plant_figures_compute(*, plant_id: int, on_date: datetime.date) -> PlantFigures:
    """Every figure of the plant on D, computed from raw assessments by the roll-up SQL, storing nothing."""
    params = statement_params(plant_id=plant_id, on_date=on_date)
    filters = {"employee_filter": "", "line_filter": ""}
    # The final SELECTs drop on_date and computed_at (columns 3 and last) of the INSERT shape.
    line_rows = fetch(with_ctes([*ON_THE_FLY_CTES, LINE_CTES], LINE_SELECT, **filters), params)
    plant_rows = fetch(with_ctes([*ON_THE_FLY_CTES, PLANT_CTES], PLANT_SELECT, **filters), params)
    station_rows = fetch(
        with_ctes(ON_THE_FLY_CTES, "SELECT station_id, line_id, course_count, qualified, target FROM cov", **filters),
        params,
    )
    return PlantFigures(
        on_date=on_date,
        plant=_figures(plant_rows[0][2:-1]),
        lines={row[0]: _figures(row[3:-1]) for row in line_rows},
        stations=[StationFigures(*(int(value) for value in row)) for row in station_rows],
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
    valid_count: int
    next_expiry: datetime.date | None

    @property
    def qualified(self) -> bool:
        return self.valid_count == self.required_count

    @property
    def completion(self) -> float:
        return validity.completion(valid=self.valid_count, required=self.required_count)


@dataclass(frozen=True)
class RequiredPair:
    """A required (employee, course) pair on D: valid or a gap; expires_on as the validity rule gives it."""

    employee_id: int
    course_id: int
    is_valid: bool
    expires_on: datetime.date | None


def _as_date(value: datetime.date | str | None) -> datetime.date | None:
    """SQLite hands dates computed in SQL back as ISO text."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


_EMPLOYEE_CTES = [EMP_CTE, REQ_CTE, PAIRS_CTES, VALIDITY_CTES, ER_CTE]


def employee_figures_compute(*, plant_id: int, on_date: datetime.date) -> list[EmployeeFigures]:
    """Each active employee's required and valid counts on D (what headcount and qualified count)."""
    rows = fetch(
        with_ctes(
            _EMPLOYEE_CTES,
            "SELECT employee_id, line_id, station_id, required_count, valid_count, next_expiry FROM er",
        ),
        statement_params(plant_id=plant_id, on_date=on_date),
    )
    return [
        EmployeeFigures(e, line, station, int(required), int(valid), _as_date(expiry))
        for e, line, station, required, valid, expiry in rows
    ]


def required_pairs_compute(*, plant_id: int, on_date: datetime.date) -> list[RequiredPair]:
    """Every required (employee, course) pair of the plant's active employees on D (what gaps and expiring count)."""
    rows = fetch(
        with_ctes(
            _EMPLOYEE_CTES[:-1],
            "SELECT employee_id, course_id, is_valid, expires_on FROM ecs WHERE is_required",
        ),
        statement_params(plant_id=plant_id, on_date=on_date),
    )
    return [RequiredPair(e, c, bool(valid), _as_date(expires_on)) for e, c, valid, expires_on in rows]


def station_qualifications_compute(*, plant_id: int, on_date: datetime.date) -> list[tuple[int, int]]:
    """(employee, station) pairs of the people qualified for a station of their line on D (coverage counts them)."""
    return [
        (int(employee_id), int(station_id))
        for employee_id, station_id in fetch(
            with_ctes(
                [*_EMPLOYEE_CTES[:-1], COMPUTED_HELD_CTE, STATION_COURSES_CTES, QUALIFIED_CTES],
                "SELECT employee_id, station_id FROM qualified",
            ),
            statement_params(plant_id=plant_id, on_date=on_date),
        )
    ]


def station_figures_compute(*, plant_id: int, on_date: datetime.date) -> list[StationFigures]:
    """Each active station's qualified count against its target on D (plant_figures_compute's station rows)."""
    rows = fetch(
        with_ctes(ON_THE_FLY_CTES, "SELECT station_id, line_id, course_count, qualified, target FROM cov"),
        statement_params(plant_id=plant_id, on_date=on_date),
    )
    return [StationFigures(*(int(value) for value in row)) for row in rows]
