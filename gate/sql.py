"""The gate's one statement: everything it decides on for a list of (employee, line, station) at one plant.

A gate check must cost the plant no more than a health check (issue #17), so the stored path is one round
trip of fixed shape, read as tuples (no model instances): the pairs as a VALUES list, each pair's station
(found by its codes at the plant, among the plants the caller may ask), the employee with their line's SOP
date and their plant's confirmation window, the override in force at T, and one row per course the station
or the plant requires, joined to the employee's stored certification. The same SQL runs on SQLite and
PostgreSQL (the tests run it on both); dates come back as text on SQLite and are parsed here.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection

from assessments.models import Certification
from certtrack.replicas import connection_for_read
from courses.models import Course, Requirement, RequirementScope
from employees.models import Employee, Plant, ProductionLine, Station
from gate.models import Override


@dataclass(frozen=True)
class StoredCourse:
    """A required course (the highest minimum level of the station's and the plant's requirements) and the
    employee's stored certification of it (all None when there is none)."""

    course_id: int
    code: str
    min_level: str
    certification_id: int | None
    certified_on: datetime.date | None
    expires_on: datetime.date | None
    level: str | None
    provisional: bool
    confirmed_certified_on: datetime.date | None
    confirmed_expires_on: datetime.date | None
    confirmed_level: str | None
    revoked_on: datetime.date | None
    attempts: int


@dataclass
class PairRows:
    """What the statement found for one pair: None for a station or employee that is not there."""

    station_id: int | None = None
    station_code: str = ""
    line_id: int | None = None
    line_code: str = ""
    plant_id: int | None = None
    plant_code: str = ""
    time_zone: str = ""
    employee_id: int | None = None
    employee_no: str = ""
    employee_name: str = ""
    employee_status: str = ""
    employee_plant_id: int | None = None
    employee_line_id: int | None = None
    employee_sop_date: datetime.date | None = None
    employee_window_days: int = 0
    override_id: int | None = None
    courses: dict[int, StoredCourse] = field(default_factory=dict)


def _date(value: object) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def _level_rank(level: str | None) -> int:
    return {"L": 1, "U": 2, "O": 3}.get(level or "U", 2)


_SQL_CACHE: dict[tuple[int, int | None], str] = {}


def _statement(pairs: int, *, allowed: int | None) -> str:
    """The SQL for `pairs` pairs and `allowed` plant ids (None: any plant), cached per shape."""
    key = (pairs, allowed)
    if key in _SQL_CACHE:
        return _SQL_CACHE[key]
    tables = {
        "station": Station._meta.db_table,
        "line": ProductionLine._meta.db_table,
        "plant": Plant._meta.db_table,
        "employee": Employee._meta.db_table,
        "requirement": Requirement._meta.db_table,
        "course": Course._meta.db_table,
        "certification": Certification._meta.db_table,
        "override": Override._meta.db_table,
    }
    values = ", ".join(["(%s, %s, %s, %s)"] * pairs)
    # PostgreSQL types a VALUES list by its first row: say the types once (SQLite ignores CAST's detail).
    first = "(CAST(%s AS integer), CAST(%s AS varchar(32)), CAST(%s AS varchar(16)), CAST(%s AS varchar(16)))"
    values = first + values[len("(%s, %s, %s, %s)") :]
    if allowed is None:
        limit = ""
    elif allowed == 0:
        limit = " AND 1 = 0"  # a caller with no plant finds no station
    else:
        limit = f" AND p.id IN ({', '.join(['%s'] * allowed)})"
    # Each CTE is MATERIALIZED so PostgreSQL plans four small joins rather than one of a dozen relations
    # (planning the single statement took ~2 ms against ~0.3 ms to run it), and the requirements are two
    # indexed joins (station, plant) rather than one OR join: a 500-pair check runs in a fifth of the time.
    sql = f"""
WITH pairs (idx, employee_no, line_code, station_code) AS (VALUES {values}),
st AS MATERIALIZED (
    SELECT pairs.idx, s.id AS station_id, s.code AS station_code, l.id AS line_id, l.code AS line_code,
           p.id AS plant_id, p.code AS plant_code, p.time_zone
    FROM pairs
    JOIN {tables["station"]} s ON s.code = pairs.station_code
    JOIN {tables["line"]} l ON l.id = s.line_id AND l.code = pairs.line_code
    JOIN {tables["plant"]} p ON p.id = l.plant_id
    WHERE p.code = %s AND p.is_active = %s{limit}
),
emp AS MATERIALIZED (
    SELECT pairs.idx, e.id, e.employee_no, e.name, e.status, e.plant_id, e.line_id, el.sop_date,
           ep.confirmation_window_days
    FROM pairs
    JOIN {tables["employee"]} e ON e.employee_no = pairs.employee_no
    JOIN {tables["plant"]} ep ON ep.id = e.plant_id
    LEFT JOIN {tables["line"]} el ON el.id = e.line_id
),
req AS MATERIALIZED (
    SELECT st.idx, r.course_id, r.min_level
    FROM st JOIN {tables["requirement"]} r ON r.station_id = st.station_id AND r.scope = %s
    UNION ALL
    SELECT st.idx, r.course_id, r.min_level
    FROM st JOIN {tables["requirement"]} r ON r.plant_id = st.plant_id AND r.scope = %s
)
SELECT pairs.idx,
       st.station_id, st.station_code, st.line_id, st.line_code, st.plant_id, st.plant_code, st.time_zone,
       emp.id, emp.employee_no, emp.name, emp.status, emp.plant_id, emp.line_id, emp.sop_date,
       emp.confirmation_window_days,
       (SELECT o.id FROM {tables["override"]} o
         WHERE o.employee_id = emp.id AND o.station_id = st.station_id
           AND o.starts_at <= %s AND o.ends_at > %s AND (o.ended_at IS NULL OR o.ended_at > %s)
         ORDER BY o.granted_at DESC, o.id DESC LIMIT 1),
       req.course_id, c.code, req.min_level,
       cert.id, cert.certified_on, cert.expires_on, cert.level, cert.provisional,
       cert.confirmed_certified_on, cert.confirmed_expires_on, cert.confirmed_level, cert.revoked_on, cert.attempts
FROM pairs
LEFT JOIN st ON st.idx = pairs.idx
LEFT JOIN emp ON emp.idx = pairs.idx
LEFT JOIN req ON req.idx = pairs.idx
LEFT JOIN {tables["course"]} c ON c.id = req.course_id AND c.is_active = %s
LEFT JOIN {tables["certification"]} cert ON cert.employee_id = emp.id AND cert.course_id = c.id
"""  # noqa: S608 - table names from the models, the placeholders' count from ints; values are parameters
    _SQL_CACHE[key] = sql
    return sql


def _fetch(sql: str, params: list[object], *, prepare: bool) -> list[tuple]:
    """Run the statement. On PostgreSQL a single check's is a server-side prepared statement (psycopg's own
    cache, per connection, dropped by psycopg on ROLLBACK, DROP or ALTER): planning its joins cost ~1 ms,
    running it ~0.3 ms. Django binds parameters on the client and cannot prepare, so this one read goes
    through the connection's psycopg cursor; it is logged like Django's own queries (query counts hold).
    A replica's connection when the page or endpoint opted in (certtrack/replicas.py)."""
    connection = connection_for_read(Certification)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(sql, params, prepare=prepare)
        rows = cursor.fetchall()
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows


def gate_rows(
    *,
    plant_code: str,
    checks: Sequence[tuple[str, str, str]],
    at: datetime.datetime,
    plant_ids: Iterable[int] | None = None,
) -> list[PairRows]:
    """One PairRows per (employee_no, line_code, station_code), in order. `plant_ids`: the plants the caller
    may ask (None: every plant); a station of another plant is simply not found. One query."""
    allowed = None if plant_ids is None else sorted(set(plant_ids))
    params: list[object] = []
    for idx, (employee_no, line_code, station_code) in enumerate(checks):
        params += [idx, employee_no, line_code, station_code]
    moment = connection.ops.adapt_datetimefield_value(at)
    sql = _statement(len(checks), allowed=None if allowed is None else len(allowed))
    params += [plant_code, True, *(allowed or ()), RequirementScope.STATION, RequirementScope.PLANT]
    params += [moment, moment, moment, True]
    found = [PairRows() for _ in checks]
    for row in _fetch(sql, params, prepare=len(checks) == 1):
        pair = found[row[0]]
        if pair.station_id is None and row[1] is not None:
            (
                pair.station_id,
                pair.station_code,
                pair.line_id,
                pair.line_code,
                pair.plant_id,
                pair.plant_code,
                pair.time_zone,
            ) = row[1:8]
        if pair.employee_id is None and row[8] is not None:
            (
                pair.employee_id,
                pair.employee_no,
                pair.employee_name,
                pair.employee_status,
                pair.employee_plant_id,
                pair.employee_line_id,
            ) = row[8:14]
            pair.employee_sop_date = _date(row[14])
            pair.employee_window_days = row[15] or 0
            pair.override_id = row[16]
        course_id = row[17]
        if course_id is None or row[18] is None:  # no requirement, or its course is inactive
            continue
        min_level = row[19]
        known = pair.courses.get(course_id)
        if known is not None and _level_rank(known.min_level) >= _level_rank(min_level):
            continue
        pair.courses[course_id] = StoredCourse(
            course_id=course_id,
            code=row[18],
            min_level=min_level,
            certification_id=row[20],
            certified_on=_date(row[21]),
            expires_on=_date(row[22]),
            level=row[23],
            provisional=bool(row[24]),
            confirmed_certified_on=_date(row[25]),
            confirmed_expires_on=_date(row[26]),
            confirmed_level=row[27],
            revoked_on=_date(row[28]),
            attempts=row[29] or 0,
        )
    return found
