"""Readiness roll-up engine: set-based SQL from raw assessments into the roll-up tables.

Every figure of DOMAIN.md is computed here, in SQL that runs unchanged on SQLite
and PostgreSQL (only "add N months, clamped to the month's end" differs per
vendor, see _add_months_sql). The SQL twin of validity.certification_state is the
chain of CTEs emp → req/cross_trained → pairs → passes → base → expiry → ecs;
tests/assessments/test_rollup_property.py checks it against certification_state
on random data.

The pipeline, per plant and date D:

    ecs  required (employee, course): is_valid on D, expires_on        -> CourseReadiness
    er   per employee: required, valid, next expiry, expiring 30/60/90 -> EmployeeReadiness
    qualified  (employee, station of their line) they qualify for      -> StationQualification
    cov  per station: qualified vs effective target                    -> StationCoverage
    line and plant figures                                             -> LineSnapshot, PlantSnapshot (upsert)

Two sources of validity, one definition of each figure:
- The current tables (D = the plant's today) read Certification, the stored state of
  every (employee, course) that assessments.services refreshes in the same transaction
  as every result, void and revocation (validity.certification_state over all results,
  with the certification's latest revocation, which is the one in force today).
  Results and revocations are never dated in the future, so on today it equals the raw evaluation.
- Any other date (past snapshots, the API's ?date=) evaluates raw assessments dated on
  or before D and the revocation history (CertificationRevocation) up to D: VALIDITY_CTES
  below, the SQL twin of certification_state.
Both feed CTEs of the same names (ecs, held) into the same er/cov/line/plant CTEs.

Writing: on PostgreSQL a roll-up writes only the rows whose figures changed (_sync:
one statement per table diffs the new rows against the stored ones), so the nightly
reconcile and the day change touch a few thousand rows, not every plant's 40,000.
SQLite (development, tests) rewrites the rows in scope; the contents are the same.

Concurrency: every roll-up of a plant runs in one transaction holding a lock on
the plant's ReadinessState row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE serialises all writers anyway). Two roll-ups of one plant never
interleave, so a line's figures are never aggregated from half of another
worker's employee rows.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from assessments import validity
from assessments.models import (
    CourseReadiness,
    EmployeeReadiness,
    ReadinessMark,
    ReadinessState,
    StationCoverage,
    StationQualification,
)
from courses.models import AssessmentKind, RequirementScope
from employees.models import Employee, EmployeeStatus, Plant

logger = logging.getLogger(__name__)

# Above this many marked employees of one plant a full recompute is cheaper than a long IN list.
INCREMENTAL_MAX_EMPLOYEES = 500
# Marks claimed per plant and transaction; the drain loops until the outbox is empty or its time is up.
DRAIN_BATCH = 5000
EXPIRING_WINDOWS = (30, 60, 90)


# --- SQL fragments ------------------------------------------------------------------
# Placeholders: {employee_filter} / {line_filter} restrict to an employee or line ID
# list (aliases e and l); {add_months} is the vendor's month arithmetic. Parameters
# are named (%(plant)s ...); a literal percent sign is written %%.

EMP_CTE = """
emp AS (
    SELECT e.id AS employee_id, e.plant_id, e.line_id, e.station_id, e.role_id
    FROM employees_employee e
    WHERE e.plant_id = %(plant)s AND e.status = %(active)s {employee_filter}
)"""

# The required set (plant-wide ∪ role ∪ primary station, as
# courses.selectors.required_course_ids_by_employee).
REQ_CTE = """
req AS (
    SELECT emp.employee_id, emp.plant_id, emp.line_id, r.course_id FROM emp
    JOIN courses_requirement r ON r.scope = %(scope_plant)s AND r.plant_id = emp.plant_id
    UNION
    SELECT emp.employee_id, emp.plant_id, emp.line_id, r.course_id FROM emp
    JOIN courses_requirement r ON r.scope = %(scope_role)s AND r.role_id = emp.role_id
        AND (r.plant_id IS NULL OR r.plant_id = emp.plant_id)
    UNION
    SELECT emp.employee_id, emp.plant_id, emp.line_id, r.course_id FROM emp
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = emp.station_id
)"""

# On the fly, the pairs to evaluate from raw results: the required set and the courses of every
# station of the employee's line (cross-training counts for coverage).
PAIRS_CTES = """
cross_trained AS (
    SELECT emp.employee_id, r.course_id FROM emp
    JOIN employees_station st ON st.line_id = emp.line_id AND st.is_active
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = st.id
),
pairs AS (
    SELECT p.employee_id, p.course_id, MAX(p.required) AS required
    FROM (
        SELECT employee_id, course_id, 1 AS required FROM req
        UNION ALL
        SELECT employee_id, course_id, 0 AS required FROM cross_trained
    ) p
    JOIN courses_course c ON c.id = p.course_id AND c.is_active
    GROUP BY p.employee_id, p.course_id
)"""

# validity.certification_state in SQL. The revocation in force on D, R (the latest dated on or before D:
# selectors.revocations_as_of, from the revocation history; a certification's own revoked_on is only its
# latest, which may be dated after D while an earlier one applies), cancels passes dated <= R.
# Only the (few) revoked pairs are joined: joining every certification cost one index lookup per passing
# result read, a third of a full roll-up.
VALIDITY_CTES = """
revoked AS (
    SELECT rv.employee_id, rv.course_id, MAX(rv.revoked_on) AS revoked_on
    FROM assessments_certificationrevocation rv
    WHERE rv.revoked_on <= %(on_date)s
    GROUP BY rv.employee_id, rv.course_id
),
passes AS (
    SELECT a.employee_id, a.course_id,
        MAX(CASE WHEN a.kind = %(theory)s THEN a.assessed_on END) AS theory_on,
        MAX(CASE WHEN a.kind = %(practical)s THEN a.assessed_on END) AS practical_on
    FROM pairs
    JOIN assessments_assessment a ON a.employee_id = pairs.employee_id AND a.course_id = pairs.course_id
    LEFT JOIN revoked ON revoked.employee_id = a.employee_id AND revoked.course_id = a.course_id
    WHERE a.passed AND a.voided_at IS NULL AND a.assessed_on <= %(on_date)s
        AND (revoked.revoked_on IS NULL OR a.assessed_on > revoked.revoked_on)
    GROUP BY a.employee_id, a.course_id
),
base AS (
    SELECT pairs.employee_id, pairs.course_id, pairs.required, c.validity_months,
        CASE
            WHEN c.needs_theory AND passes.theory_on IS NULL THEN NULL
            WHEN c.needs_practical AND passes.practical_on IS NULL THEN NULL
            WHEN c.needs_theory AND c.needs_practical AND passes.theory_on < passes.practical_on
                THEN passes.theory_on
            WHEN c.needs_practical THEN passes.practical_on
            ELSE passes.theory_on
        END AS base_on
    FROM pairs
    JOIN courses_course c ON c.id = pairs.course_id
    LEFT JOIN passes ON passes.employee_id = pairs.employee_id AND passes.course_id = pairs.course_id
),
expiry AS (
    SELECT employee_id, course_id, required, base_on,
        CASE WHEN base_on IS NULL OR validity_months IS NULL THEN NULL ELSE {add_months} END AS expires_on
    FROM base
),
ecs AS (
    SELECT employee_id, course_id, required = 1 AS is_required, expires_on,
        (base_on IS NOT NULL AND (expires_on IS NULL OR expires_on > %(on_date)s)) AS is_valid
    FROM expiry
)"""

# The current required pairs from Certification: valid on D as validity.is_valid_on.
CURRENT_ECS_CTE = """
cert AS (
    SELECT cert.employee_id, cert.course_id, cert.certified_on, cert.expires_on
    FROM emp JOIN assessments_certification cert ON cert.employee_id = emp.employee_id
),
ecs AS (
    SELECT req.employee_id, req.course_id, req.plant_id, req.line_id,
        (cert.certified_on IS NOT NULL AND cert.certified_on <= %(on_date)s
            AND (cert.expires_on IS NULL OR cert.expires_on > %(on_date)s)) AS is_valid,
        CASE WHEN cert.certified_on IS NULL THEN NULL ELSE cert.expires_on END AS expires_on
    FROM req
    JOIN courses_course c ON c.id = req.course_id AND c.is_active
    LEFT JOIN cert ON cert.employee_id = req.employee_id AND cert.course_id = req.course_id
)"""

# {ecs_scope}: the plant's rows, or the recomputed employees' rows only. Not both: with the plant
# condition as well, PostgreSQL intersected the employee's rows with the plant's 100,000 on an index.
STORED_ECS_CTE = """
ecs AS (
    SELECT employee_id, course_id, TRUE AS is_required, is_valid, expires_on
    FROM assessments_coursereadiness WHERE {ecs_scope}
)"""

# held (employee_id, course_id, line_id): valid certifications on D of the active employees on the
# plant's (filtered) lines, the input of station qualification, with the holder's line, so that a course
# is matched only to the stations of that line. Current: Certification, only in courses a station of the
# employee's line or the plant requires; on the fly: the evaluated pairs.
CURRENT_HELD_CTE = """
line_courses AS (
    SELECT l.id AS line_id, r.course_id
    FROM employees_productionline l
    JOIN courses_requirement r ON r.scope = %(scope_plant)s AND r.plant_id = l.plant_id
    WHERE l.plant_id = %(plant)s AND l.is_active {line_filter}
    UNION
    SELECT l.id AS line_id, r.course_id
    FROM employees_productionline l
    JOIN employees_station st ON st.line_id = l.id AND st.is_active
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = st.id
    WHERE l.plant_id = %(plant)s AND l.is_active {line_filter} {station_filter}
),
held AS (
    SELECT cert.employee_id, cert.course_id, e.line_id
    FROM employees_employee e
    JOIN employees_productionline l ON l.id = e.line_id
    JOIN assessments_certification cert ON cert.employee_id = e.id
    JOIN line_courses lc ON lc.line_id = e.line_id AND lc.course_id = cert.course_id
    WHERE l.plant_id = %(plant)s AND l.is_active AND e.status = %(active)s {line_filter} {employee_filter}
        AND cert.certified_on IS NOT NULL AND cert.certified_on <= %(on_date)s
        AND (cert.expires_on IS NULL OR cert.expires_on > %(on_date)s)
)"""

COMPUTED_HELD_CTE = """
held AS (
    SELECT ecs.employee_id, ecs.course_id, emp.line_id
    FROM ecs JOIN emp ON emp.employee_id = ecs.employee_id
    WHERE ecs.is_valid
)"""

ER_CTE = """
er AS (
    SELECT e.id AS employee_id, e.plant_id, e.line_id, e.station_id,
        COUNT(ecs.course_id) AS required_count,
        COALESCE(SUM(CASE WHEN ecs.is_valid THEN 1 ELSE 0 END), 0) AS valid_count,
        MIN(CASE WHEN ecs.is_valid THEN ecs.expires_on END) AS next_expiry,
        COALESCE(SUM(CASE WHEN ecs.is_valid AND ecs.expires_on <= %(d30)s THEN 1 ELSE 0 END), 0) AS expiring_30,
        COALESCE(SUM(CASE WHEN ecs.is_valid AND ecs.expires_on <= %(d60)s THEN 1 ELSE 0 END), 0) AS expiring_60,
        COALESCE(SUM(CASE WHEN ecs.is_valid AND ecs.expires_on <= %(d90)s THEN 1 ELSE 0 END), 0) AS expiring_90
    FROM employees_employee e
    LEFT JOIN ecs ON ecs.employee_id = e.id AND ecs.is_required
    WHERE e.plant_id = %(plant)s AND e.status = %(active)s {employee_filter}
    GROUP BY e.id, e.plant_id, e.line_id, e.station_id
)"""

STORED_ER_CTE = """
er AS (
    SELECT employee_id, plant_id, line_id, station_id, required_count, valid_count,
        next_expiry, expiring_30, expiring_60, expiring_90
    FROM assessments_employeereadiness WHERE plant_id = %(plant)s {stored_filter}
)"""

# Station qualification and coverage (DOMAIN.md): an active employee of the station's line is qualified
# for it when holding valid certifications in every course the station requires and every plant-wide
# course of the plant; coverage counts them. In order: STATION_COURSES_CTES, then QUALIFIED_CTES (which
# need `held`) and COMPUTED_STATION_QUALIFIED_CTE, or STORED_STATION_QUALIFIED_CTE; then COV_CTE.
STATION_COURSES_CTES = """
pw AS (
    SELECT DISTINCT r.course_id FROM courses_requirement r
    JOIN courses_course c ON c.id = r.course_id AND c.is_active
    WHERE r.scope = %(scope_plant)s AND r.plant_id = %(plant)s
),
npw AS (
    SELECT COUNT(*) AS n FROM pw
),
sc AS (
    SELECT DISTINCT st.id AS station_id, st.line_id, r.course_id
    FROM employees_station st
    JOIN employees_productionline l ON l.id = st.line_id
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = st.id
    JOIN courses_course c ON c.id = r.course_id AND c.is_active
    WHERE l.plant_id = %(plant)s AND l.is_active AND st.is_active {line_filter} {station_filter}
        AND r.course_id NOT IN (SELECT course_id FROM pw)
),
nsc AS (
    SELECT station_id, COUNT(*) AS n FROM sc GROUP BY station_id
)"""

# qualified (employee_id, station_id, line_id), from `held`. Split so that no row is made per (station,
# employee) pair before it is known to qualify: pw_holders are the line's people who hold every
# plant-wide course; a station without courses of its own qualifies all of them on its line, any other
# station those of them who hold all its own (non-plant-wide) courses.
QUALIFIED_CTES = """
line_emp AS (
    SELECT e.id AS employee_id, e.line_id
    FROM employees_employee e
    JOIN employees_productionline l ON l.id = e.line_id
    WHERE l.plant_id = %(plant)s AND l.is_active AND e.status = %(active)s {line_filter} {employee_filter}
),
pw_held AS (
    SELECT held.employee_id, COUNT(*) AS k FROM held JOIN pw ON pw.course_id = held.course_id
    GROUP BY held.employee_id
),
pw_holders AS (
    SELECT line_emp.employee_id, line_emp.line_id
    FROM line_emp
    CROSS JOIN npw
    LEFT JOIN pw_held ON pw_held.employee_id = line_emp.employee_id
    WHERE COALESCE(pw_held.k, 0) = npw.n
),
station_held AS (
    SELECT sc.station_id, sc.line_id, held.employee_id, COUNT(*) AS k
    FROM held
    JOIN sc ON sc.course_id = held.course_id AND sc.line_id = held.line_id
    JOIN pw_holders ON pw_holders.employee_id = held.employee_id
    GROUP BY sc.station_id, sc.line_id, held.employee_id
),
qualified AS (
    SELECT station_held.employee_id, station_held.station_id, station_held.line_id
    FROM station_held JOIN nsc ON nsc.station_id = station_held.station_id
    WHERE station_held.k = nsc.n
    UNION ALL
    SELECT pw_holders.employee_id, st.id AS station_id, st.line_id
    FROM pw_holders
    JOIN employees_station st ON st.line_id = pw_holders.line_id
    WHERE st.is_active {station_filter} AND st.id NOT IN (SELECT station_id FROM nsc)
)"""

# station_qualified (station_id, n): on the fly, the qualified pairs just computed; current, the stored
# StationQualification rows of the (filtered) lines, which _store_employees keeps per employee, so
# that recounting a station reads a few hundred index entries instead of certifications.
COMPUTED_STATION_QUALIFIED_CTE = """
station_qualified AS (
    SELECT station_id, COUNT(*) AS n FROM qualified GROUP BY station_id
)"""

STORED_STATION_QUALIFIED_CTE = """
station_qualified AS (
    SELECT station_id, COUNT(*) AS n FROM assessments_stationqualification
    WHERE plant_id = %(plant)s {stored_filter}
    GROUP BY station_id
)"""

COV_CTE = """
cov AS (
    SELECT st.id AS station_id, l.plant_id, st.line_id, COALESCE(nsc.n, 0) + npw.n AS course_count,
        COALESCE(station_qualified.n, 0) AS qualified, COALESCE(st.coverage_target, l.shifts) AS target
    FROM employees_station st
    JOIN employees_productionline l ON l.id = st.line_id
    CROSS JOIN npw
    LEFT JOIN nsc ON nsc.station_id = st.id
    LEFT JOIN station_qualified ON station_qualified.station_id = st.id
    WHERE l.plant_id = %(plant)s AND l.is_active AND st.is_active {line_filter} {station_filter}
)"""

STORED_COV_CTE = """
cov AS (
    SELECT station_id, plant_id, line_id, course_count, qualified, target
    FROM assessments_stationcoverage WHERE plant_id = %(plant)s {stored_filter}
)"""

COV_SELECT = """
SELECT cov.station_id, cov.plant_id, cov.line_id, %(on_date)s, cov.course_count, cov.qualified, cov.target,
    cov.qualified >= cov.target, cov.qualified = 1, %(now)s
FROM cov"""

FIGURES_COLUMNS = (
    "on_date, headcount, qualified, readiness, expiring_30, expiring_60, expiring_90, gaps, "
    "stations, stations_covered, single_points, computed_at"
)

LINE_CTES = """
line_figures AS (
    SELECT l.id AS line_id, l.plant_id,
        COUNT(er.employee_id) AS headcount,
        COALESCE(SUM(CASE WHEN er.valid_count = er.required_count THEN 1 ELSE 0 END), 0) AS qualified,
        COALESCE(SUM(er.expiring_30), 0) AS expiring_30,
        COALESCE(SUM(er.expiring_60), 0) AS expiring_60,
        COALESCE(SUM(er.expiring_90), 0) AS expiring_90,
        COALESCE(SUM(er.required_count - er.valid_count), 0) AS gaps
    FROM employees_productionline l
    LEFT JOIN er ON er.line_id = l.id
    WHERE l.plant_id = %(plant)s AND l.is_active {line_filter}
    GROUP BY l.id, l.plant_id
),
line_stations AS (
    SELECT line_id, COUNT(*) AS stations,
        SUM(CASE WHEN qualified >= target THEN 1 ELSE 0 END) AS stations_covered,
        SUM(CASE WHEN qualified = 1 THEN 1 ELSE 0 END) AS single_points
    FROM cov GROUP BY line_id
)"""

# readiness: NULL with no active employees (DOMAIN.md: no figure, never 100%, never a division error).
LINE_SELECT = """
SELECT lf.line_id, lf.plant_id, %(on_date)s, lf.headcount, lf.qualified,
    CASE WHEN lf.headcount = 0 THEN NULL ELSE CAST(lf.qualified AS DOUBLE PRECISION) / lf.headcount END,
    lf.expiring_30, lf.expiring_60, lf.expiring_90, lf.gaps,
    COALESCE(ls.stations, 0), COALESCE(ls.stations_covered, 0), COALESCE(ls.single_points, 0), %(now)s
FROM line_figures lf
LEFT JOIN line_stations ls ON ls.line_id = lf.line_id
WHERE 1 = 1"""

PLANT_CTES = """
plant_figures AS (
    SELECT p.id AS plant_id,
        COUNT(er.employee_id) AS headcount,
        COALESCE(SUM(CASE WHEN er.valid_count = er.required_count THEN 1 ELSE 0 END), 0) AS qualified,
        COALESCE(SUM(er.expiring_30), 0) AS expiring_30,
        COALESCE(SUM(er.expiring_60), 0) AS expiring_60,
        COALESCE(SUM(er.expiring_90), 0) AS expiring_90,
        COALESCE(SUM(er.required_count - er.valid_count), 0) AS gaps
    FROM employees_plant p
    LEFT JOIN er ON er.plant_id = p.id
    WHERE p.id = %(plant)s
    GROUP BY p.id
),
plant_stations AS (
    SELECT COUNT(*) AS stations,
        SUM(CASE WHEN qualified >= target THEN 1 ELSE 0 END) AS stations_covered,
        SUM(CASE WHEN qualified = 1 THEN 1 ELSE 0 END) AS single_points
    FROM cov
)"""

PLANT_SELECT = """
SELECT pf.plant_id, %(on_date)s, pf.headcount, pf.qualified,
    CASE WHEN pf.headcount = 0 THEN NULL ELSE CAST(pf.qualified AS DOUBLE PRECISION) / pf.headcount END,
    pf.expiring_30, pf.expiring_60, pf.expiring_90, pf.gaps,
    COALESCE(ps.stations, 0), COALESCE(ps.stations_covered, 0), COALESCE(ps.single_points, 0), %(now)s
FROM plant_figures pf
CROSS JOIN plant_stations ps
WHERE 1 = 1"""

_UPSERT_FIGURES = ", ".join(
    f"{column} = excluded.{column}" for column in FIGURES_COLUMNS.replace(" ", "").split(",") if column != "on_date"
)


def _add_months_sql() -> str:
    """expires_on = base_on + validity_months, keeping the day or clamping to the month's last day."""
    if connection.vendor == "postgresql":
        # PostgreSQL's date + interval 'N months' clamps (Jan 31 + 1 month = Feb 28), as validity.add_months.
        return "CAST(base_on + make_interval(months => validity_months) AS date)"
    # SQLite's '+N months' overflows instead (Jan 31 + 1 month = Mar 3): take the same day from the
    # first of the target month and clamp to that month's last day. ISO text compares as dates.
    return (
        "MIN("
        "date(base_on, 'start of month', '+' || validity_months || ' months',"
        " '+' || (CAST(strftime('%%d', base_on) AS INTEGER) - 1) || ' days'),"
        " date(base_on, 'start of month', '+' || (validity_months + 1) || ' months', '-1 day'))"
    )


def _params(*, plant_id: int, on_date: datetime.date, now: datetime.datetime | None = None) -> dict:
    ops = connection.ops
    return {
        "plant": plant_id,
        "active": EmployeeStatus.ACTIVE.value,
        "scope_plant": RequirementScope.PLANT.value,
        "scope_role": RequirementScope.ROLE.value,
        "scope_station": RequirementScope.STATION.value,
        "theory": AssessmentKind.THEORY.value,
        "practical": AssessmentKind.PRACTICAL.value,
        "on_date": ops.adapt_datefield_value(on_date),
        **{f"d{days}": ops.adapt_datefield_value(on_date + datetime.timedelta(days=days)) for days in EXPIRING_WINDOWS},
        "now": ops.adapt_datetimefield_value(now or timezone.now()),
    }


def _id_filter(column: str, name: str, ids: Iterable[int] | None, params: dict) -> str:
    """' AND column IN (%(name_0)s, ...)' with the IDs added to params; '' for None (no filter)."""
    if ids is None:
        return ""
    ids = sorted(set(ids))
    if not ids:
        return " AND 1 = 0"
    placeholders = []
    for index, value in enumerate(ids):
        params[f"{name}_{index}"] = value
        placeholders.append(f"%({name}_{index})s")
    return f" AND {column} IN ({', '.join(placeholders)})"


FILTERS = ("employee_filter", "line_filter", "station_filter", "stored_filter")


def _sql(ctes: Sequence[str], statement: str, **filters: str) -> str:
    """WITH the CTEs and the statement; every {..._filter} placeholder not given is no filter."""
    body = ",".join(ctes).format(add_months=_add_months_sql(), **{**dict.fromkeys(FILTERS, ""), **filters})
    return f"WITH {body}\n{statement}"


def _execute(sql: str, params: dict, *, hash_joins: bool = True) -> None:
    _fetch(sql, params, hash_joins=hash_joins, rows=False)


def _fetch(sql: str, params: dict, *, hash_joins: bool = True, rows: bool = True) -> list[tuple]:
    """Run one roll-up statement; set-based ones (hash_joins) forbid nested loops on PostgreSQL.

    Right after a bulk load (the demo seed, a large import) and before autovacuum has
    analysed the tables, PostgreSQL estimates one row everywhere and nests loops over
    CTE scans: minutes instead of a fraction of a second. Hash joins are the right plan
    for a plant's raw results whatever the statistics say. The current tables' statements
    (hash_joins=False) read Certification by employee and keep the planner's index nested
    loops, which are right for them once the tables are analysed (the seed, the generator
    and large imports ANALYZE); they run inside the roll-up's transaction, whose settings
    _lock_state made. JIT is off for both: compiling takes longer than these statements run.
    """
    postgresql = connection.vendor == "postgresql"
    if not (hash_joins and postgresql):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if rows else []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off; SET LOCAL enable_nestloop = off")
        cursor.execute(sql, params)
        result = cursor.fetchall() if rows else []
        cursor.execute("SET LOCAL jit TO DEFAULT; SET LOCAL enable_nestloop TO DEFAULT")
        return result


# --- Writing the current tables -------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A current table as _sync writes it: key columns, compared value columns, stamped columns."""

    name: str
    keys: tuple[str, ...]
    values: tuple[str, ...]
    stamps: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *self.values, *self.stamps)


COURSE_ROWS = _Table(
    "assessments_coursereadiness", ("employee_id", "course_id"), ("plant_id", "line_id", "is_valid", "expires_on")
)
EMPLOYEE_ROWS = _Table(
    "assessments_employeereadiness",
    ("employee_id",),
    (
        "plant_id",
        "line_id",
        "station_id",
        "required_count",
        "valid_count",
        "qualified",
        "completion",
        "next_expiry",
        "expiring_30",
        "expiring_60",
        "expiring_90",
    ),
    ("computed_at",),
)
QUALIFICATION_ROWS = _Table("assessments_stationqualification", ("employee_id", "station_id"), ("plant_id", "line_id"))


def _sync(
    table: _Table, *, ctes: Sequence[str], select: str, scope: str, params: dict, touch: bool = False, **filters: str
) -> set[tuple]:
    """Make the table's rows in `scope` (a WHERE condition) equal to the rows `select` returns; returns
    the keys of the rows deleted, updated or inserted.

    `select` returns table.columns in order. PostgreSQL: one statement diffs the new rows against
    the stored ones on the keys and deletes, updates and inserts only the difference (with `touch`
    every new row counts as changed, so its stamps are written). SQLite: delete the scope, insert,
    and compare the rows in scope before and after (stamps aside).
    The rows to delete and update are found by their IDs as an array (`= ANY`), an index lookup
    each: joined to the diff instead, PostgreSQL hashed the whole table (600,000 rows for a
    few hundred changes) whenever its estimate of the diff was large.
    """
    columns = ", ".join(table.columns)
    keys = ", ".join(table.keys)
    if connection.vendor != "postgresql":
        # Identifiers come from the _Table constants and values are parameters: nothing from users.
        rows = f"SELECT {', '.join((*table.keys, *table.values))} FROM {table.name} WHERE {scope}"  # noqa: S608
        before = set(_fetch(rows, params, hash_joins=False))
        _execute(f"DELETE FROM {table.name} WHERE {scope}", params)  # noqa: S608 - fixed names
        _execute(_sql(ctes, f"INSERT INTO {table.name} ({columns})\n{select}", **filters), params, hash_joins=False)
        after = set(_fetch(rows, params, hash_joins=False))
        changed = before ^ after
        if touch:
            changed |= after
        return {row[: len(table.keys)] for row in changed}
    on_keys = " AND ".join(f"new.{k} = old.{k}" for k in table.keys)
    new_values = ", ".join(f"new.{v}" for v in table.values)
    old_values = ", ".join(f"old.{v}" for v in table.values)
    assignments = ", ".join(f"{c} = diff.{c}" for c in (*table.values, *table.stamps))
    t_keys = ", ".join(f"t.{k}" for k in table.keys)
    params = {**params, "touch": touch}
    # Identifiers come from the _Table constants and values are parameters: nothing from users.
    statement = f"""
new ({columns}) AS ({select}),
old AS (SELECT id, {", ".join((*table.keys, *table.values))} FROM {table.name} WHERE {scope}),
diff AS (
    SELECT old.id AS old_id, new.{table.keys[0]} IS NULL AS gone, {", ".join(f"new.{c}" for c in table.columns)}
    FROM new FULL JOIN old ON {on_keys}
    WHERE old.id IS NULL OR new.{table.keys[0]} IS NULL OR %(touch)s
        OR ROW({new_values}) IS DISTINCT FROM ROW({old_values})
),
removed AS (
    DELETE FROM {table.name} t WHERE t.id = ANY(ARRAY(SELECT old_id FROM diff WHERE gone)) RETURNING {t_keys}
),
changed AS (
    UPDATE {table.name} t SET {assignments} FROM diff
    WHERE t.id = ANY(ARRAY(SELECT old_id FROM diff WHERE NOT gone)) AND t.id = diff.old_id RETURNING {t_keys}
),
added AS (
    INSERT INTO {table.name} ({columns}) SELECT {columns} FROM diff WHERE diff.old_id IS NULL RETURNING {keys}
)
SELECT {keys} FROM removed UNION ALL SELECT {keys} FROM changed UNION ALL SELECT {keys} FROM added"""  # noqa: S608
    return set(_fetch(_sql(ctes, "", **filters).rstrip() + "," + statement, params, hash_joins=False))


def _lock_state(plant_id: int) -> ReadinessState:
    """The plant's state row, locked until the transaction ends (serialises roll-ups of the plant).

    Every roll-up transaction starts here, so it also sets what its statements run with on
    PostgreSQL, once: no JIT (compiling takes longer than the statements run), room for
    their hash tables and sorts in memory, and no wait for the commit's WAL flush: the
    transaction stays atomic, and if the server crashed before the flush it would be lost
    whole, marks included, so the next drain would simply recompute it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL synchronous_commit = off")
    state, _created = ReadinessState.objects.select_for_update().get_or_create(plant_id=plant_id)
    return state


def _store_employees(
    *,
    plant_id: int,
    on_date: datetime.date,
    now: datetime.datetime,
    employee_ids: set[int] | None,
    moved_here: Iterable[int] = (),
    line_ids: set[int] | None = None,
) -> set[tuple[int, int]]:
    """CourseReadiness, EmployeeReadiness and StationQualification of the plant's active employees (all, or
    these) on D.

    Scope of the rows replaced: these employees' rows wherever they are; for the whole plant,
    the plant's rows and those still kept at another plant for employees who moved here (not one
    filter on plant OR employee's plant: that OR scanned the table of every plant). `line_ids`: the
    lines these employees are on now, if known (their stations are the only ones they can qualify for).
    Returns the (employee, station) qualifications that appeared or went.
    """
    params = _params(plant_id=plant_id, on_date=on_date, now=now)
    employee_filter = _id_filter("e.id", "emp", employee_ids, params)
    if employee_ids is None:
        scope = "plant_id = %(plant)s"
        if moved_here:
            scope += " OR " + _id_filter("employee_id", "moved", moved_here, params).removeprefix(" AND ")
    else:
        scope = _id_filter("employee_id", "scope", employee_ids, params).removeprefix(" AND ")
    _sync(
        COURSE_ROWS,
        ctes=[EMP_CTE, REQ_CTE, CURRENT_ECS_CTE],
        select="SELECT employee_id, course_id, plant_id, line_id, is_valid, expires_on FROM ecs",
        scope=scope,
        params=params,
        employee_filter=employee_filter,
    )
    _sync(
        EMPLOYEE_ROWS,
        ctes=[STORED_ECS_CTE, ER_CTE],
        select="""SELECT employee_id, plant_id, line_id, station_id, required_count, valid_count,
                valid_count = required_count,
                CASE WHEN required_count = 0 THEN 1.0
                    ELSE CAST(valid_count AS DOUBLE PRECISION) / required_count END,
                next_expiry, expiring_30, expiring_60, expiring_90, %(now)s
            FROM er""",
        scope=scope,
        params=params,
        touch=employee_ids is not None,
        employee_filter=employee_filter,
        # The course rows just written, read back: the plant's, or these employees' (all at this plant).
        ecs_scope="plant_id = %(plant)s"
        if employee_ids is None
        else _id_filter("employee_id", "stored_emp", employee_ids, params).removeprefix(" AND "),
    )
    # The stations of their line each employee is qualified for (all stations: no station filter).
    return _sync(
        QUALIFICATION_ROWS,
        ctes=[CURRENT_HELD_CTE, STATION_COURSES_CTES, QUALIFIED_CTES],
        select="SELECT employee_id, station_id, %(plant)s, line_id FROM qualified",
        scope=scope,
        params=params,
        employee_filter=employee_filter,
        line_filter=_id_filter("l.id", "qualification_line", line_ids, params),
    )


def _store_aggregates(
    *,
    plant_id: int,
    on_date: datetime.date,
    now: datetime.datetime,
    line_ids: set[int] | None,
    station_ids: set[int] | None = None,
) -> None:
    """Station coverage of these stations (or of these lines, or all), the line snapshots of these lines
    (or all) and the plant snapshot, from the stored rows."""
    params = _params(plant_id=plant_id, on_date=on_date, now=now)
    line_filter = _id_filter("l.id", "line", line_ids, params)
    # The stored rows read back: only those of the lines recomputed (the plant snapshot reads them all).
    stored_filter = _id_filter("line_id", "stored_line", line_ids, params)
    coverage = StationCoverage.objects.filter(plant_id=plant_id)
    if line_ids is not None:
        coverage = coverage.filter(line_id__in=line_ids)
    if station_ids is not None:
        coverage = coverage.filter(station_id__in=station_ids)
    if station_ids != set():
        coverage.delete()
        _execute(
            _sql(
                [STATION_COURSES_CTES, STORED_STATION_QUALIFIED_CTE, COV_CTE],
                "INSERT INTO assessments_stationcoverage (station_id, plant_id, line_id, on_date, course_count, "
                "qualified, target, covered, single_point, computed_at)" + COV_SELECT,
                line_filter=line_filter,
                stored_filter=stored_filter,
                station_filter=_id_filter("st.id", "station", station_ids, params),
            ),
            params,
            hash_joins=False,
        )
    _upsert_line_snapshots(
        [STORED_ER_CTE, STORED_COV_CTE],
        params,
        line_filter=line_filter,
        stored_filter=stored_filter,
        hash_joins=False,
    )
    _upsert_plant_snapshot([STORED_ER_CTE, STORED_COV_CTE], params, hash_joins=False)


def _upsert_line_snapshots(
    ctes: list[str],
    params: dict,
    *,
    line_filter: str,
    employee_filter: str = "",
    stored_filter: str = "",
    hash_joins: bool = True,
) -> None:
    _execute(
        _sql(
            [*ctes, LINE_CTES],
            f"INSERT INTO assessments_linesnapshot (line_id, plant_id, {FIGURES_COLUMNS})"
            + LINE_SELECT
            + f"\nON CONFLICT (line_id, on_date) DO UPDATE SET plant_id = excluded.plant_id, {_UPSERT_FIGURES}",
            line_filter=line_filter,
            employee_filter=employee_filter,
            stored_filter=stored_filter,
        ),
        params,
        hash_joins=hash_joins,
    )


def _upsert_plant_snapshot(ctes: list[str], params: dict, *, hash_joins: bool = True) -> None:
    _execute(
        _sql(
            [*ctes, PLANT_CTES],
            f"INSERT INTO assessments_plantsnapshot (plant_id, {FIGURES_COLUMNS})"
            + PLANT_SELECT
            + f"\nON CONFLICT (plant_id, on_date) DO UPDATE SET {_UPSERT_FIGURES}",
            line_filter="",
            employee_filter="",
            stored_filter="",
        ),
        params,
        hash_joins=hash_joins,
    )


def _recompute_plant_locked(*, plant: Plant, on_date: datetime.date, state: ReadinessState) -> None:
    now = timezone.now()
    # Employees who moved here still have rows at their old plant: that plant must drop them.
    moved_in = list(
        EmployeeReadiness.objects.filter(employee__plant_id=plant.id)
        .exclude(plant_id=plant.id)
        .values_list("employee_id", "plant_id")
    )
    _store_employees(
        plant_id=plant.id, on_date=on_date, now=now, employee_ids=None, moved_here=[e for e, _p in moved_in]
    )
    _store_aggregates(plant_id=plant.id, on_date=on_date, now=now, line_ids=None)
    ReadinessMark.objects.bulk_create(
        [ReadinessMark(employee_id=e, plant_id=p, reason="moved-plant") for e, p in moved_in]
    )
    state.on_date = on_date
    state.computed_at = now
    state.full_computed_at = now
    state.save(update_fields=["on_date", "computed_at", "full_computed_at"])


def _recompute_employees_locked(
    *,
    plant: Plant,
    on_date: datetime.date,
    state: ReadinessState,
    employee_ids: set[int],
    certifications_only: bool = False,
) -> None:
    """Incremental: these employees, then the stations and lines they were or are on, then the plant.

    `certifications_only`: nothing but these employees' certifications changed (every mark named its
    course). A station's qualified count is the number of its StationQualification rows, so then only
    the stations where one of these employees gained or lost a qualification are recounted, unless an
    employee changed line; anything else (a requirement, a target, a move) recounts their lines.
    """
    now = timezone.now()
    # Where each employee is now (plant, line) and where their stored rows put them.
    current = {
        e: (p, line)
        for e, p, line in Employee.objects.filter(id__in=employee_ids).values_list("id", "plant_id", "line_id")
    }
    here = {e for e in employee_ids if e in current and current[e][0] == plant.id}
    away = employee_ids - here
    old_rows = list(
        EmployeeReadiness.objects.filter(employee_id__in=employee_ids).values_list("employee_id", "plant_id", "line_id")
    )
    old_lines = {line for e, p, line in old_rows if p == plant.id and line is not None}
    new_lines = {current[e][1] for e in here if current[e][1] is not None}
    line_ids: set[int] | None = old_lines | new_lines
    marks = []
    if away:
        # Marked here but now at another plant: drop them here, recompute them there (under its own lock).
        CourseReadiness.objects.filter(plant_id=plant.id, employee_id__in=away).delete()
        EmployeeReadiness.objects.filter(plant_id=plant.id, employee_id__in=away).delete()
        StationQualification.objects.filter(plant_id=plant.id, employee_id__in=away).delete()
        marks += [
            ReadinessMark(employee_id=e, plant_id=current[e][0], reason="moved-plant") for e in away if e in current
        ]
        line_ids = None  # we no longer know their old line cheaply: recompute every line of the plant
    # Rows of these employees at another plant (they moved here) are replaced below: that plant must recompute.
    marks += [
        ReadinessMark(employee_id=e, plant_id=p, reason="moved-plant")
        for e, p, _l in old_rows
        if e in here and p != plant.id
    ]
    changed = _store_employees(plant_id=plant.id, on_date=on_date, now=now, employee_ids=here, line_ids=new_lines)
    station_ids = None
    if certifications_only and line_ids is not None and old_lines == new_lines and not marks:
        station_ids = {station for _employee, station in changed}
    _store_aggregates(plant_id=plant.id, on_date=on_date, now=now, line_ids=line_ids, station_ids=station_ids)
    ReadinessMark.objects.bulk_create(marks)
    state.computed_at = now
    state.save(update_fields=["computed_at"])


def plant_recompute(*, plant_id: int, on_date: datetime.date | None = None) -> None:
    """Full recompute of a plant's current tables and that date's snapshots (default: the plant's today).

    The current tables read Certification, which reflects every recorded result: `on_date` is the
    plant's today (or a later day); past days' snapshots come from snapshot_store (raw results).

    Claims the plant's pending marks: everything they asked for is covered by a full recompute.
    """
    plant = Plant.objects.get(pk=plant_id)
    on_date = on_date or plant.local_today()
    with transaction.atomic():
        state = _lock_state(plant.id)
        mark_ids = list(ReadinessMark.objects.filter(plant_id=plant.id).values_list("id", flat=True))
        _recompute_plant_locked(plant=plant, on_date=on_date, state=state)
        _delete_marks(mark_ids)


def employees_recompute(*, employee_ids: Iterable[int]) -> None:
    """Incremental recompute of these employees (+ their stations, lines and plant), each plant for its today."""
    by_plant: dict[int, set[int]] = defaultdict(set)
    for employee_id, plant_id in Employee.objects.filter(id__in=set(employee_ids)).values_list("id", "plant_id"):
        by_plant[plant_id].add(employee_id)
    for plant in Plant.objects.filter(id__in=by_plant).order_by("id"):
        with transaction.atomic():
            state = _lock_state(plant.id)
            _recompute_marked_locked(plant=plant, state=state, employee_ids=by_plant[plant.id])


def _recompute_marked_locked(
    *, plant: Plant, state: ReadinessState, employee_ids: set[int], certifications_only: bool = False
) -> None:
    today = plant.local_today()
    if state.on_date != today or len(employee_ids) > INCREMENTAL_MAX_EMPLOYEES:
        # The current tables describe another day (local midnight passed): every certification may
        # have expired since, so an incremental update would mix two dates.
        _recompute_plant_locked(plant=plant, on_date=today, state=state)
    else:
        _recompute_employees_locked(
            plant=plant, on_date=today, state=state, employee_ids=employee_ids, certifications_only=certifications_only
        )


def _delete_marks(mark_ids: list[int]) -> None:
    for start in range(0, len(mark_ids), 500):
        ReadinessMark.objects.filter(id__in=mark_ids[start : start + 500]).delete()


def drain_marks(*, time_budget_seconds: float = 50.0) -> int:
    """Process the outbox: recompute every marked employee; returns the number of marks processed.

    Claiming is safe without a "claimed" column: per plant, one transaction locks the
    plant's state row, reads a batch of mark IDs, recomputes, and deletes exactly
    those IDs before committing.
    - A crash or error rolls the transaction back: the marks are still there for the
      next drain (beat runs one every minute). Nothing is lost; at worst recomputed twice.
    - A concurrent drain of the same plant waits on the state row lock; once it gets
      it, its (new) read of the outbox no longer sees the committed, deleted marks.
    - Marks are deleted by ID, never by "id <= max": a mark whose transaction commits
      after our read (a lower ID can commit later) is not deleted unseen; it stays
      for the next drain. Data a mark points at is committed with the mark, so our
      recompute, started after reading the mark, sees it.
    """
    processed = 0
    started = time.monotonic()
    while time.monotonic() - started < time_budget_seconds:
        plant_ids = sorted(set(ReadinessMark.objects.values_list("plant_id", flat=True).distinct().order_by()))
        if not plant_ids:
            break
        for plant_id in plant_ids:
            processed += _drain_plant(plant_id)
    return processed


def _drain_plant(plant_id: int) -> int:
    with transaction.atomic():
        state = _lock_state(plant_id)
        marks = list(
            ReadinessMark.objects.filter(plant_id=plant_id)
            .order_by("id")
            .values_list("id", "employee_id", "course_id")[:DRAIN_BATCH]
        )
        if not marks:
            return 0
        plant = Plant.objects.get(pk=plant_id)
        _recompute_marked_locked(
            plant=plant,
            state=state,
            employee_ids={e for _id, e, _c in marks},
            certifications_only=all(course_id is not None for _id, _e, course_id in marks),
        )
        _delete_marks([mark_id for mark_id, _e, _c in marks])
    logger.info("readiness: plant %s recomputed for %d marks", plant.code, len(marks))
    return len(marks)


def plants_due_for_new_day() -> list[int]:
    """Active plants whose current tables describe a day that is no longer their local today."""
    states = dict(ReadinessState.objects.values_list("plant_id", "on_date"))
    return [plant.id for plant in Plant.objects.filter(is_active=True) if states.get(plant.id) != plant.local_today()]


# --- On the fly (any date, nothing stored) and snapshots of past days -------------------


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


_ON_THE_FLY = [
    EMP_CTE,
    REQ_CTE,
    PAIRS_CTES,
    VALIDITY_CTES,
    COMPUTED_HELD_CTE,
    ER_CTE,
    STATION_COURSES_CTES,
    QUALIFIED_CTES,
    COMPUTED_STATION_QUALIFIED_CTE,
    COV_CTE,
]


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
    params = _params(plant_id=plant_id, on_date=on_date)
    filters = {"employee_filter": "", "line_filter": ""}
    # The final SELECTs drop on_date and computed_at (columns 3 and last) of the INSERT shape.
    line_rows = _fetch(_sql([*_ON_THE_FLY, LINE_CTES], LINE_SELECT, **filters), params)
    plant_rows = _fetch(_sql([*_ON_THE_FLY, PLANT_CTES], PLANT_SELECT, **filters), params)
    station_rows = _fetch(
        _sql(_ON_THE_FLY, "SELECT station_id, line_id, course_count, qualified, target FROM cov", **filters), params
    )
    return PlantFigures(
        on_date=on_date,
        plant=_figures(plant_rows[0][2:-1]),
        lines={row[0]: _figures(row[3:-1]) for row in line_rows},
        stations=[StationFigures(*(int(value) for value in row)) for row in station_rows],
    )


def snapshot_store(*, plant_id: int, on_date: datetime.date) -> None:
    """Compute and upsert the line and plant snapshots of D from raw data (current tables untouched)."""
    params = _params(plant_id=plant_id, on_date=on_date)
    with transaction.atomic():
        _upsert_line_snapshots(_ON_THE_FLY, params, line_filter="")
        _upsert_plant_snapshot(_ON_THE_FLY, params)


def snapshots_backfill(*, plant_id: int, days: int = 90, today: datetime.date | None = None) -> int:
    """Snapshots of the `days` days before today, then a full recompute for today (e.g. after a demo seed)."""
    plant = Plant.objects.get(pk=plant_id)
    today = today or plant.local_today()
    for offset in range(days, 0, -1):
        snapshot_store(plant_id=plant_id, on_date=today - datetime.timedelta(days=offset))
    plant_recompute(plant_id=plant_id, on_date=today)
    return days + 1


def all_plants_recompute(*, parallel: int | None = None) -> list[int]:
    """Every active plant, fully, for its local today: what the nightly reconcile's per-plant tasks do.

    Plants are independent (a lock and a transaction each), so on PostgreSQL they run on
    `parallel` connections at once (default: the CPU count, as a worker's concurrency would run
    the reconcile's tasks); on SQLite or inside a caller's transaction, one after another.
    """
    plant_ids = list(Plant.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
    workers = min(parallel or os.cpu_count() or 1, len(plant_ids))
    if connection.vendor != "postgresql" or connection.in_atomic_block or workers <= 1:
        for plant_id in plant_ids:
            plant_recompute(plant_id=plant_id)
        return plant_ids

    def recompute(plant_id: int) -> None:
        try:
            plant_recompute(plant_id=plant_id)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rollup") as pool:
        list(pool.map(recompute, plant_ids))  # re-raises the first failure
    return plant_ids


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
    rows = _fetch(
        _sql(
            _EMPLOYEE_CTES,
            "SELECT employee_id, line_id, station_id, required_count, valid_count, next_expiry FROM er",
        ),
        _params(plant_id=plant_id, on_date=on_date),
    )
    return [
        EmployeeFigures(e, line, station, int(required), int(valid), _as_date(expiry))
        for e, line, station, required, valid, expiry in rows
    ]


def required_pairs_compute(*, plant_id: int, on_date: datetime.date) -> list[RequiredPair]:
    """Every required (employee, course) pair of the plant's active employees on D (what gaps and expiring count)."""
    rows = _fetch(
        _sql(
            _EMPLOYEE_CTES[:-1],
            "SELECT employee_id, course_id, is_valid, expires_on FROM ecs WHERE is_required",
        ),
        _params(plant_id=plant_id, on_date=on_date),
    )
    return [RequiredPair(e, c, bool(valid), _as_date(expires_on)) for e, c, valid, expires_on in rows]


def station_qualifications_compute(*, plant_id: int, on_date: datetime.date) -> list[tuple[int, int]]:
    """(employee, station) pairs of the people qualified for a station of their line on D (coverage counts them)."""
    return [
        (int(employee_id), int(station_id))
        for employee_id, station_id in _fetch(
            _sql(
                [*_EMPLOYEE_CTES[:-1], COMPUTED_HELD_CTE, STATION_COURSES_CTES, QUALIFIED_CTES],
                "SELECT employee_id, station_id FROM qualified",
            ),
            _params(plant_id=plant_id, on_date=on_date),
        )
    ]


def station_figures_compute(*, plant_id: int, on_date: datetime.date) -> list[StationFigures]:
    """Each active station's qualified count against its target on D (plant_figures_compute's station rows)."""
    rows = _fetch(
        _sql(_ON_THE_FLY, "SELECT station_id, line_id, course_count, qualified, target FROM cov"),
        _params(plant_id=plant_id, on_date=on_date),
    )
    return [StationFigures(*(int(value) for value in row)) for row in rows]
