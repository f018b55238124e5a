"""The roll-up's SQL: one set of CTEs, shared by the current tables, the snapshots and the on-the-fly figures.

Every figure of DOMAIN.md is computed from these fragments, in SQL that runs unchanged on SQLite
and PostgreSQL (only "add N months, clamped to the month's end" differs per
vendor, see _add_months_sql). The SQL twin of validity.certification_state is the
chain of CTEs emp → req/cross_trained → pairs → passes → base → expiry → ecs;
tests/assessments/readiness/test_rollup_property.py checks it against certification_state
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
Writing them is readiness.store's, when and under which lock readiness.recompute's, reading
them on any date readiness.figures'.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from courses.models import AssessmentKind, RequirementScope
from employees.models import EmployeeStatus

EXPIRING_WINDOWS = (30, 60, 90)


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
# StationQualification rows of the (filtered) lines, which store_employees keeps per employee, so
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

# Every figure on any date from raw results: snapshots of past days and the on-the-fly figures.
ON_THE_FLY_CTES = [
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

UPSERT_FIGURES = ", ".join(
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


def statement_params(*, plant_id: int, on_date: datetime.date, now: datetime.datetime | None = None) -> dict:
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


def id_filter(column: str, name: str, ids: Iterable[int] | None, params: dict) -> str:
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


def with_ctes(ctes: Sequence[str], statement: str, **filters: str) -> str:
    """WITH the CTEs and the statement; every {..._filter} placeholder not given is no filter."""
    body = ",".join(ctes).format(add_months=_add_months_sql(), **{**dict.fromkeys(FILTERS, ""), **filters})
    return f"WITH {body}\n{statement}"


def execute(sql: str, params: dict, *, hash_joins: bool = True) -> None:
    fetch(sql, params, hash_joins=hash_joins, rows=False)


def fetch(sql: str, params: dict, *, hash_joins: bool = True, rows: bool = True) -> list[tuple]:
    """Run one roll-up statement; set-based ones (hash_joins) forbid nested loops on PostgreSQL.

    Right after a bulk load (the demo seed, a large import) and before autovacuum has
    analysed the tables, PostgreSQL estimates one row everywhere and nests loops over
    CTE scans: minutes instead of a fraction of a second. Hash joins are the right plan
    for a plant's raw results whatever the statistics say. The current tables' statements
    (hash_joins=False) read Certification by employee and keep the planner's index nested
    loops, which are right for them once the tables are analysed (the seed, the generator
    and large imports ANALYZE); they run inside the roll-up's transaction, whose settings
    recompute._lock_state made. JIT is off for both: compiling takes longer than these statements run.
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
