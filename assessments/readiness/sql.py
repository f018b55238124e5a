"""The roll-up's SQL: one set of CTEs, shared by the current tables, the snapshots and the on-the-fly figures.

Every figure of DOMAIN.md is computed from these fragments, in SQL that runs unchanged on SQLite
and PostgreSQL (only "add N months, clamped to the month's end" differs per
vendor, see _add_months_sql). The SQL twin of validity.certification_state is the
chain of CTEs emp → req/cross_trained → pairs → passes → base → expiry → ecs;
tests/assessments/readiness/test_rollup_property.py checks it against certification_state
on random data.

The pipeline, per plant and date D:

    ecs  required (employee, course): met, met confirmed, level, expiry -> CourseReadiness
    er   per employee: required, met, met confirmed, expiring 30/60/90 -> EmployeeReadiness
    qualified  (employee, station of their line, shift, trainer)       -> StationQualification
    cells, cov  per (station, run shift) and per station: coverage     -> StationShiftCoverage, StationCoverage
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

from courses.models import AssessmentKind, DeliveryMode, RequirementScope
from employees.models import MAX_SHIFT_CODES, EmployeeStatus, Plant

EXPIRING_WINDOWS = (30, 60, 90)


# Placeholders: {employee_filter} / {line_filter} restrict to an employee or line ID
# list (aliases e and l); {add_months} / {add_months_confirmed} are the vendor's month arithmetic,
# {date_text} a result date as ISO text. Parameters are named (%(plant)s ...); a literal percent sign is written %%.


def _rank(column: str) -> str:
    """A level's rank in SQL as validity.level_rank: L 1, U 2 (also no level: a pass recorded before levels), O 3."""
    return f"CASE WHEN {column} = 'L' THEN 1 WHEN {column} = 'O' THEN 3 ELSE 2 END"


# prov_counts: 1 while D < the employee's line's SOP + the plant's confirmation window (validity.provisional_counts_on;
# sop_after = D - window, so "D < SOP + window" is "SOP > sop_after"), always without a line or an SOP date.
EMP_CTE = """
emp AS (
    SELECT e.id AS employee_id, e.plant_id, e.line_id, e.station_id, e.role_id,
        CASE WHEN el.sop_date IS NULL OR el.sop_date > %(sop_after)s THEN 1 ELSE 0 END AS prov_counts
    FROM employees_employee e
    LEFT JOIN employees_productionline el ON el.id = e.line_id
    WHERE e.plant_id = %(plant)s AND e.status = %(active)s {employee_filter}
)"""

# The required set (plant-wide ∪ role ∪ primary station, as courses.selectors.required_levels_by_employee),
# with the minimum level's rank: the highest of the scopes requiring the course.
REQ_CTE = f"""
req_scopes AS (
    SELECT emp.employee_id, emp.plant_id, emp.line_id, r.course_id, r.min_level FROM emp
    JOIN courses_requirement r ON r.scope = %(scope_plant)s AND r.plant_id = emp.plant_id
    UNION ALL
    SELECT emp.employee_id, emp.plant_id, emp.line_id, r.course_id, r.min_level FROM emp
    JOIN courses_requirement r ON r.scope = %(scope_role)s AND r.role_id = emp.role_id
        AND (r.plant_id IS NULL OR r.plant_id = emp.plant_id)
    UNION ALL
    SELECT emp.employee_id, emp.plant_id, emp.line_id, r.course_id, r.min_level FROM emp
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = emp.station_id
),
req AS (
    SELECT employee_id, plant_id, line_id, course_id, MAX({_rank("min_level")}) AS min_rank
    FROM req_scopes GROUP BY employee_id, plant_id, line_id, course_id
)"""  # noqa: S608 - fixed fragments, values are parameters

# On the fly, the pairs to evaluate from raw results: the required set and the courses of every
# station of the employee's line (cross-training counts for coverage).
PAIRS_CTES = """
cross_trained AS (
    SELECT emp.employee_id, r.course_id FROM emp
    JOIN employees_station st ON st.line_id = emp.line_id AND st.is_active
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = st.id
),
pairs AS (
    SELECT p.employee_id, p.course_id, MAX(p.required) AS required, MAX(p.min_rank) AS min_rank
    FROM (
        SELECT employee_id, course_id, 1 AS required, min_rank FROM req
        UNION ALL
        SELECT employee_id, course_id, 0 AS required, 0 AS min_rank FROM cross_trained
    ) p
    JOIN courses_course c ON c.id = p.course_id AND c.is_active
    GROUP BY p.employee_id, p.course_id
)"""

# validity.certification_state in SQL, in both states: counting provisional passes where they count on D
# (the employee's prov_counts) and counting none (c_, the confirmed state). The revocation in force on D, R
# (the latest dated on or before D: selectors.revocations_as_of, from the revocation history; a
# certification's own revoked_on is only its latest, which may be dated after D while an earlier one
# applies), cancels passes dated <= R. Only the (few) revoked pairs are joined: joining every certification
# cost one index lookup per passing result read, a third of a full roll-up.
# The level held is the latest counting practical pass's, the higher one on a tie, confirmed before
# provisional at the same level: each pass's key is its date as ISO text and one digit, rank * 2 + (not
# provisional), so MAX(key) picks that pass in one aggregate (no second read of the results).
_PASS_KEY = (
    f"{{date_text}} || CAST({_rank('a.level')} * 2"
    " + CASE WHEN a.delivery_mode = %(virtual)s THEN 0 ELSE 1 END AS VARCHAR(1))"
)
_COUNTS = "(a.delivery_mode <> %(virtual)s OR emp.prov_counts = 1)"
_CONFIRMED = "a.delivery_mode <> %(virtual)s"
VALIDITY_CTES = f"""
revoked AS (
    SELECT rv.employee_id, rv.course_id, MAX(rv.revoked_on) AS revoked_on
    FROM assessments_certificationrevocation rv
    WHERE rv.revoked_on <= %(on_date)s
    GROUP BY rv.employee_id, rv.course_id
),
passes AS (
    SELECT a.employee_id, a.course_id,
        MAX(CASE WHEN a.kind = %(theory)s THEN a.assessed_on END) AS theory_on,
        MAX(CASE WHEN a.kind = %(practical)s AND {_COUNTS} THEN a.assessed_on END) AS practical_on,
        MAX(CASE WHEN a.kind = %(practical)s AND {_COUNTS} THEN {_PASS_KEY} END) AS practical_key,
        MAX(CASE WHEN a.kind = %(practical)s AND {_CONFIRMED} THEN a.assessed_on END) AS c_practical_on,
        MAX(CASE WHEN a.kind = %(practical)s AND {_CONFIRMED} THEN {_PASS_KEY} END) AS c_practical_key
    FROM pairs
    JOIN emp ON emp.employee_id = pairs.employee_id
    JOIN assessments_assessment a ON a.employee_id = pairs.employee_id AND a.course_id = pairs.course_id
    LEFT JOIN revoked ON revoked.employee_id = a.employee_id AND revoked.course_id = a.course_id
    WHERE a.passed AND a.voided_at IS NULL AND a.assessed_on <= %(on_date)s
        AND (revoked.revoked_on IS NULL OR a.assessed_on > revoked.revoked_on)
    GROUP BY a.employee_id, a.course_id
),
base AS (
    SELECT pairs.employee_id, pairs.course_id, pairs.required, pairs.min_rank, c.validity_months, c.needs_practical,
        CASE
            WHEN c.needs_theory AND passes.theory_on IS NULL THEN NULL
            WHEN c.needs_practical AND passes.practical_on IS NULL THEN NULL
            WHEN c.needs_theory AND c.needs_practical AND passes.theory_on < passes.practical_on
                THEN passes.theory_on
            WHEN c.needs_practical THEN passes.practical_on
            ELSE passes.theory_on
        END AS base_on,
        CASE
            WHEN c.needs_theory AND passes.theory_on IS NULL THEN NULL
            WHEN c.needs_practical AND passes.c_practical_on IS NULL THEN NULL
            WHEN c.needs_theory AND c.needs_practical AND passes.theory_on < passes.c_practical_on
                THEN passes.theory_on
            WHEN c.needs_practical THEN passes.c_practical_on
            ELSE passes.theory_on
        END AS c_base_on,
        CAST(SUBSTR(passes.practical_key, 11, 1) AS INTEGER) AS practical_code,
        CAST(SUBSTR(passes.c_practical_key, 11, 1) AS INTEGER) AS c_practical_code
    FROM pairs
    JOIN courses_course c ON c.id = pairs.course_id
    LEFT JOIN passes ON passes.employee_id = pairs.employee_id AND passes.course_id = pairs.course_id
),
expiry AS (
    SELECT employee_id, course_id, required, min_rank, needs_practical, base_on, c_base_on,
        practical_code, c_practical_code,
        CASE WHEN base_on IS NULL OR validity_months IS NULL THEN NULL ELSE {{add_months}} END AS expires_on,
        CASE WHEN c_base_on IS NULL OR validity_months IS NULL THEN NULL ELSE {{add_months_confirmed}} END
            AS c_expires_on
    FROM base
),
held_state AS (
    SELECT employee_id, course_id, required, min_rank, expires_on,
        (base_on IS NOT NULL AND (expires_on IS NULL OR expires_on > %(on_date)s)) AS is_valid,
        CASE WHEN needs_practical THEN practical_code / 2 ELSE 2 END AS level_rank,
        (needs_practical AND practical_code %% 2 = 0) AS provisional,
        (c_base_on IS NOT NULL AND (c_expires_on IS NULL OR c_expires_on > %(on_date)s)) AS c_valid,
        CASE WHEN needs_practical THEN c_practical_code / 2 ELSE 2 END AS c_level_rank
    FROM expiry
),
ecs AS (
    SELECT employee_id, course_id, required = 1 AS is_required, expires_on, is_valid, level_rank,
        (is_valid AND provisional) AS provisional,
        (is_valid AND level_rank >= min_rank) AS is_met,
        (c_valid AND c_level_rank >= min_rank) AS is_met_confirmed
    FROM held_state
)"""  # noqa: S608 - fixed fragments, values are parameters

# A stored Certification's state on D (Certification keeps both): all passes while the employee's
# provisional passes count on D (prov_counts), else the confirmed one; and the confirmed one (c_).
_CERT_STATE = f"""
        CASE WHEN {{counts}} = 1 THEN cert.certified_on ELSE cert.confirmed_certified_on END AS certified_on,
        CASE WHEN {{counts}} = 1 THEN cert.expires_on ELSE cert.confirmed_expires_on END AS expires_on,
        CASE WHEN {{counts}} = 1 THEN {_rank("cert.level")} ELSE {_rank("cert.confirmed_level")} END AS level_rank,
        ({{counts}} = 1 AND cert.provisional) AS provisional,
        cert.confirmed_certified_on AS c_certified_on, cert.confirmed_expires_on AS c_expires_on,
        {_rank("cert.confirmed_level")} AS c_level_rank"""


def _valid(prefix: str = "") -> str:
    return (
        f"({prefix}certified_on IS NOT NULL AND {prefix}certified_on <= %(on_date)s"
        f" AND ({prefix}expires_on IS NULL OR {prefix}expires_on > %(on_date)s))"
    )


# The current required pairs from Certification, met on D as validity.Held.meets.
CURRENT_ECS_CTE = f"""
cert AS (
    SELECT cert.employee_id, cert.course_id, {_CERT_STATE.format(counts="emp.prov_counts")}
    FROM emp JOIN assessments_certification cert ON cert.employee_id = emp.employee_id
),
cert_on AS (
    SELECT req.employee_id, req.course_id, req.plant_id, req.line_id, req.min_rank,
        CASE WHEN cert.certified_on IS NULL THEN NULL ELSE cert.expires_on END AS expires_on,
        {_valid("cert.")} AS is_valid, cert.level_rank, cert.provisional,
        {_valid("cert.c_")} AS c_valid, cert.c_level_rank
    FROM req
    JOIN courses_course c ON c.id = req.course_id AND c.is_active
    LEFT JOIN cert ON cert.employee_id = req.employee_id AND cert.course_id = req.course_id
),
ecs AS (
    SELECT employee_id, course_id, plant_id, line_id, expires_on, is_valid,
        CASE WHEN is_valid THEN CASE WHEN level_rank = 1 THEN 'L' WHEN level_rank = 3 THEN 'O' ELSE 'U' END END
            AS level,
        (is_valid AND provisional) AS provisional,
        (is_valid AND level_rank >= min_rank) AS is_met,
        (c_valid AND c_level_rank >= min_rank) AS is_met_confirmed
    FROM cert_on
)"""  # noqa: S608 - fixed fragments, values are parameters

# {ecs_scope}: the plant's rows, or the recomputed employees' rows only. Not both: with the plant
# condition as well, PostgreSQL intersected the employee's rows with the plant's 100,000 on an index.
STORED_ECS_CTE = """
ecs AS (
    SELECT employee_id, course_id, TRUE AS is_required, is_met, is_met_confirmed, expires_on
    FROM assessments_coursereadiness WHERE {ecs_scope}
)"""

# held (employee_id, course_id, line_id, shift, level_rank): certifications valid on D of the active
# employees on the plant's (filtered) lines, with the level held, the input of station qualification, with
# the holder's line, so that a course is matched only to the stations of that line. Current: Certification,
# only in courses a station of the employee's line or the plant requires; on the fly: the evaluated pairs.
CURRENT_HELD_CTE = f"""
line_courses AS (
    SELECT l.id AS line_id, r.course_id
    FROM employees_productionline l
    JOIN courses_requirement r ON r.scope = %(scope_plant)s AND r.plant_id = l.plant_id
    WHERE l.plant_id = %(plant)s AND l.is_active {{line_filter}}
    UNION
    SELECT l.id AS line_id, r.course_id
    FROM employees_productionline l
    JOIN employees_station st ON st.line_id = l.id AND st.is_active
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = st.id
    WHERE l.plant_id = %(plant)s AND l.is_active {{line_filter}} {{station_filter}}
),
held_certs AS (
    SELECT cert.employee_id, cert.course_id, e.line_id,
        {_CERT_STATE.format(counts="CASE WHEN l.sop_date IS NULL OR l.sop_date > %(sop_after)s THEN 1 ELSE 0 END")}
    FROM employees_employee e
    JOIN employees_productionline l ON l.id = e.line_id
    JOIN assessments_certification cert ON cert.employee_id = e.id
    -- "+ 0": read each person's certifications by employee, never every plant's by course. The state
    -- expressions hide the filter's selectivity, and PostgreSQL then drove the join from the (line, course)
    -- pairs through certification_course_id: 1.2 million rows per plant, 3.7 s instead of 0.2 s at
    -- 100,000 employees (bench section 1).
    JOIN line_courses lc ON lc.line_id = e.line_id AND lc.course_id = cert.course_id + 0
    WHERE l.plant_id = %(plant)s AND l.is_active AND e.status = %(active)s {{line_filter}} {{employee_filter}}
),
held AS (
    SELECT employee_id, course_id, line_id, level_rank FROM held_certs WHERE {_valid()}
)"""  # noqa: S608 - fixed fragments, values are parameters

COMPUTED_HELD_CTE = """
held AS (
    SELECT ecs.employee_id, ecs.course_id, emp.line_id, ecs.level_rank
    FROM ecs JOIN emp ON emp.employee_id = ecs.employee_id
    WHERE ecs.is_valid
)"""

ER_CTE = """
er AS (
    SELECT e.id AS employee_id, e.plant_id, e.line_id, e.station_id,
        COUNT(ecs.course_id) AS required_count,
        COALESCE(SUM(CASE WHEN ecs.is_met THEN 1 ELSE 0 END), 0) AS met_count,
        COALESCE(SUM(CASE WHEN ecs.is_met_confirmed THEN 1 ELSE 0 END), 0) AS met_confirmed_count,
        MIN(CASE WHEN ecs.is_met THEN ecs.expires_on END) AS next_expiry,
        COALESCE(SUM(CASE WHEN ecs.is_met AND ecs.expires_on <= %(d30)s THEN 1 ELSE 0 END), 0) AS expiring_30,
        COALESCE(SUM(CASE WHEN ecs.is_met AND ecs.expires_on <= %(d60)s THEN 1 ELSE 0 END), 0) AS expiring_60,
        COALESCE(SUM(CASE WHEN ecs.is_met AND ecs.expires_on <= %(d90)s THEN 1 ELSE 0 END), 0) AS expiring_90
    FROM employees_employee e
    LEFT JOIN ecs ON ecs.employee_id = e.id AND ecs.is_required
    WHERE e.plant_id = %(plant)s AND e.status = %(active)s {employee_filter}
    GROUP BY e.id, e.plant_id, e.line_id, e.station_id
)"""

STORED_ER_CTE = """
er AS (
    SELECT employee_id, plant_id, line_id, station_id, required_count, met_count, met_confirmed_count,
        next_expiry, expiring_30, expiring_60, expiring_90
    FROM assessments_employeereadiness WHERE plant_id = %(plant)s {stored_filter}
)"""

# Station qualification and coverage (DOMAIN.md "Station coverage"): an active employee of the station's line
# is station-qualified when every course the station requires and every plant-wide course of the plant is
# met (valid, at the requirement's minimum level; a course both plant-wide and the station's needs the higher
# one); a trainer of the station when also holding every course the station requires at level O.
# In order: STATION_COURSES_CTES, then QUALIFIED_CTES (which need `held`) and COMPUTED_STATION_QUALIFIED_CTE,
# or STORED_STATION_QUALIFIED_CTE; then COV_CTES.
STATION_COURSES_CTES = f"""
pw AS (
    SELECT r.course_id, MAX({_rank("r.min_level")}) AS min_rank FROM courses_requirement r
    JOIN courses_course c ON c.id = r.course_id AND c.is_active
    WHERE r.scope = %(scope_plant)s AND r.plant_id = %(plant)s
    GROUP BY r.course_id
),
npw AS (
    SELECT COUNT(*) AS n FROM pw
),
so AS (
    SELECT st.id AS station_id, st.line_id, r.course_id, MAX({_rank("r.min_level")}) AS min_rank
    FROM employees_station st
    JOIN employees_productionline l ON l.id = st.line_id
    JOIN courses_requirement r ON r.scope = %(scope_station)s AND r.station_id = st.id
    JOIN courses_course c ON c.id = r.course_id AND c.is_active
    WHERE l.plant_id = %(plant)s AND l.is_active AND st.is_active {{line_filter}} {{station_filter}}
    GROUP BY st.id, st.line_id, r.course_id
),
nso AS (
    SELECT station_id, COUNT(*) AS n FROM so GROUP BY station_id
),
sc AS (
    SELECT so.station_id, so.line_id, so.course_id, so.min_rank
    FROM so LEFT JOIN pw ON pw.course_id = so.course_id
    WHERE pw.course_id IS NULL OR so.min_rank > pw.min_rank
),
nsc AS (
    SELECT station_id, COUNT(*) AS n FROM sc GROUP BY station_id
),
own AS (
    SELECT so.station_id, COUNT(*) AS n FROM so LEFT JOIN pw ON pw.course_id = so.course_id
    WHERE pw.course_id IS NULL GROUP BY so.station_id
)"""  # noqa: S608 - fixed fragments, values are parameters

# qualified (employee_id, station_id, line_id, shift, is_trainer), from `held`. Split so that no row is made
# per (station, employee) pair before it is known to qualify: pw_holders are the line's people who meet every
# plant-wide course; a station without courses of its own beyond those qualifies all of them on its line, any
# other station those of them who meet all its own courses.
QUALIFIED_CTES = """
line_emp AS (
    SELECT e.id AS employee_id, e.line_id, e.shift
    FROM employees_employee e
    JOIN employees_productionline l ON l.id = e.line_id
    WHERE l.plant_id = %(plant)s AND l.is_active AND e.status = %(active)s {line_filter} {employee_filter}
),
pw_held AS (
    SELECT held.employee_id, COUNT(*) AS k FROM held JOIN pw ON pw.course_id = held.course_id
    WHERE held.level_rank >= pw.min_rank
    GROUP BY held.employee_id
),
pw_holders AS (
    SELECT line_emp.employee_id, line_emp.line_id, line_emp.shift
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
    WHERE held.level_rank >= sc.min_rank
    GROUP BY sc.station_id, sc.line_id, held.employee_id
),
station_people AS (
    SELECT station_held.employee_id, station_held.station_id, station_held.line_id
    FROM station_held JOIN nsc ON nsc.station_id = station_held.station_id
    WHERE station_held.k = nsc.n
    UNION ALL
    SELECT pw_holders.employee_id, st.id AS station_id, st.line_id
    FROM pw_holders
    JOIN employees_station st ON st.line_id = pw_holders.line_id
    WHERE st.is_active {station_filter} AND st.id NOT IN (SELECT station_id FROM nsc)
),
at_o AS (
    SELECT so.station_id, held.employee_id, COUNT(*) AS k
    FROM held JOIN so ON so.course_id = held.course_id AND so.line_id = held.line_id
    WHERE held.level_rank = 3
    GROUP BY so.station_id, held.employee_id
),
qualified AS (
    SELECT sp.employee_id, sp.station_id, sp.line_id, pw_holders.shift,
        COALESCE(at_o.k, 0) = COALESCE(nso.n, 0) AS is_trainer
    FROM station_people sp
    JOIN pw_holders ON pw_holders.employee_id = sp.employee_id
    LEFT JOIN nso ON nso.station_id = sp.station_id
    LEFT JOIN at_o ON at_o.station_id = sp.station_id AND at_o.employee_id = sp.employee_id
)"""

# station_qualified (employee_id, station_id, shift, is_trainer): on the fly, the qualified rows just computed;
# current, the stored StationQualification rows of the (filtered) lines, which store_employees keeps per
# employee, so that recounting a station reads a few hundred index entries instead of certifications.
COMPUTED_STATION_QUALIFIED_CTE = """
station_qualified AS (
    SELECT employee_id, station_id, shift, is_trainer FROM qualified
)"""

STORED_STATION_QUALIFIED_CTE = """
station_qualified AS (
    SELECT employee_id, station_id, shift, is_trainer FROM assessments_stationqualification
    WHERE plant_id = %(plant)s {stored_filter}
)"""

# The shifts each line runs: the first `shifts` of its plant's ordered codes (statement_params' shift_N,
# NULL past the plant's last code), one cell per (station, run shift) with its qualified count; day staff
# (no shift) are counted apart, people on a shift the line does not run for no shift.
_SHIFT_CODES = "\n        UNION ALL ".join(
    f"SELECT %(shift_{n})s AS shift, {n} AS position" for n in range(1, MAX_SHIFT_CODES + 1)
)
COV_CTES = f"""
run_shifts AS (
    SELECT l.id AS line_id, codes.shift, codes.position
    FROM employees_productionline l
    JOIN ({_SHIFT_CODES}) codes ON codes.position <= l.shifts AND codes.shift IS NOT NULL
    WHERE l.plant_id = %(plant)s AND l.is_active {{line_filter}}
),
shift_counts AS (
    SELECT station_id, shift, COUNT(*) AS n FROM station_qualified GROUP BY station_id, shift
),
cells AS (
    SELECT st.id AS station_id, l.plant_id, st.line_id, rs.shift, rs.position, st.per_shift_target AS target,
        COALESCE(shift_counts.n, 0) AS qualified
    FROM employees_station st
    JOIN employees_productionline l ON l.id = st.line_id
    JOIN run_shifts rs ON rs.line_id = st.line_id
    LEFT JOIN shift_counts ON shift_counts.station_id = st.id AND shift_counts.shift = rs.shift
    WHERE l.plant_id = %(plant)s AND l.is_active AND st.is_active {{line_filter}} {{station_filter}}
),
cell_totals AS (
    SELECT station_id, SUM(qualified) AS qualified,
        SUM(CASE WHEN qualified < target THEN 1 ELSE 0 END) AS short,
        SUM(CASE WHEN qualified = 1 THEN 1 ELSE 0 END) AS single_points
    FROM cells GROUP BY station_id
),
station_extra AS (
    SELECT station_id,
        SUM(CASE WHEN shift = '' THEN 1 ELSE 0 END) AS day_staff,
        SUM(CASE WHEN is_trainer THEN 1 ELSE 0 END) AS trainers
    FROM station_qualified GROUP BY station_id
),
cov AS (
    SELECT st.id AS station_id, l.plant_id, st.line_id, COALESCE(own.n, 0) + npw.n AS course_count,
        COALESCE(ct.qualified, 0) AS qualified, st.per_shift_target * l.shifts AS target,
        COALESCE(se.day_staff, 0) AS day_staff_qualified, COALESCE(se.trainers, 0) AS trainers,
        st.trainers_needed,
        (COALESCE(ct.short, 0) = 0 AND COALESCE(se.trainers, 0) >= st.trainers_needed) AS covered,
        COALESCE(ct.single_points, 0) AS single_points
    FROM employees_station st
    JOIN employees_productionline l ON l.id = st.line_id
    CROSS JOIN npw
    LEFT JOIN own ON own.station_id = st.id
    LEFT JOIN cell_totals ct ON ct.station_id = st.id
    LEFT JOIN station_extra se ON se.station_id = st.id
    WHERE l.plant_id = %(plant)s AND l.is_active AND st.is_active {{line_filter}} {{station_filter}}
)"""  # noqa: S608 - fixed fragments, values are parameters

COV_COLUMNS = (
    "station_id, plant_id, line_id, on_date, course_count, qualified, target, day_staff_qualified, trainers, "
    "trainers_needed, covered, single_point, single_points, computed_at"
)
COV_SELECT = """
SELECT cov.station_id, cov.plant_id, cov.line_id, %(on_date)s, cov.course_count, cov.qualified, cov.target,
    cov.day_staff_qualified, cov.trainers, cov.trainers_needed, cov.covered, cov.single_points > 0,
    cov.single_points, %(now)s
FROM cov"""

CELL_COLUMNS = "station_id, plant_id, line_id, shift, position, qualified, target, single_point"
CELL_SELECT = """
SELECT station_id, plant_id, line_id, shift, position, qualified, target, qualified = 1 FROM cells"""

STORED_COV_CTE = """
cov AS (
    SELECT station_id, plant_id, line_id, course_count, qualified, target, covered, single_points
    FROM assessments_stationcoverage WHERE plant_id = %(plant)s {stored_filter}
)"""

FIGURES_COLUMNS = (
    "on_date, headcount, qualified, qualified_confirmed, readiness, readiness_confirmed, expiring_30, "
    "expiring_60, expiring_90, gaps, stations, stations_covered, single_points, computed_at"
)

# A line's and a plant's figures are the same sums over their employees' rows.
_EMPLOYEE_SUMS = """        COUNT(er.employee_id) AS headcount,
        COALESCE(SUM(CASE WHEN er.met_count = er.required_count THEN 1 ELSE 0 END), 0) AS qualified,
        COALESCE(SUM(CASE WHEN er.met_confirmed_count = er.required_count THEN 1 ELSE 0 END), 0)
            AS qualified_confirmed,
        COALESCE(SUM(er.expiring_30), 0) AS expiring_30,
        COALESCE(SUM(er.expiring_60), 0) AS expiring_60,
        COALESCE(SUM(er.expiring_90), 0) AS expiring_90,
        COALESCE(SUM(er.required_count - er.met_count), 0) AS gaps"""

LINE_CTES = f"""
line_figures AS (
    SELECT l.id AS line_id, l.plant_id,
{_EMPLOYEE_SUMS}
    FROM employees_productionline l
    LEFT JOIN er ON er.line_id = l.id
    WHERE l.plant_id = %(plant)s AND l.is_active {{line_filter}}
    GROUP BY l.id, l.plant_id
),
line_stations AS (
    SELECT line_id, COUNT(*) AS stations,
        SUM(CASE WHEN covered THEN 1 ELSE 0 END) AS stations_covered,
        SUM(single_points) AS single_points
    FROM cov GROUP BY line_id
)"""  # noqa: S608 - fixed fragments, values are parameters

_READINESS = "CASE WHEN {f}.headcount = 0 THEN NULL ELSE CAST({f}.{q} AS DOUBLE PRECISION) / {f}.headcount END"

# readiness: NULL with no active employees (DOMAIN.md: no figure, never 100%, never a division error).
LINE_SELECT = f"""
SELECT lf.line_id, lf.plant_id, %(on_date)s, lf.headcount, lf.qualified, lf.qualified_confirmed,
    {_READINESS.format(f="lf", q="qualified")}, {_READINESS.format(f="lf", q="qualified_confirmed")},
    lf.expiring_30, lf.expiring_60, lf.expiring_90, lf.gaps,
    COALESCE(ls.stations, 0), COALESCE(ls.stations_covered, 0), COALESCE(ls.single_points, 0), %(now)s
FROM line_figures lf
LEFT JOIN line_stations ls ON ls.line_id = lf.line_id
WHERE 1 = 1"""  # noqa: S608 - fixed fragments, values are parameters

PLANT_CTES = f"""
plant_figures AS (
    SELECT p.id AS plant_id,
{_EMPLOYEE_SUMS}
    FROM employees_plant p
    LEFT JOIN er ON er.plant_id = p.id
    WHERE p.id = %(plant)s
    GROUP BY p.id
),
plant_stations AS (
    SELECT COUNT(*) AS stations,
        SUM(CASE WHEN covered THEN 1 ELSE 0 END) AS stations_covered,
        SUM(single_points) AS single_points
    FROM cov
)"""  # noqa: S608 - fixed fragments, values are parameters

PLANT_SELECT = f"""
SELECT pf.plant_id, %(on_date)s, pf.headcount, pf.qualified, pf.qualified_confirmed,
    {_READINESS.format(f="pf", q="qualified")}, {_READINESS.format(f="pf", q="qualified_confirmed")},
    pf.expiring_30, pf.expiring_60, pf.expiring_90, pf.gaps,
    COALESCE(ps.stations, 0), COALESCE(ps.stations_covered, 0), COALESCE(ps.single_points, 0), %(now)s
FROM plant_figures pf
CROSS JOIN plant_stations ps
WHERE 1 = 1"""  # noqa: S608 - fixed fragments, values are parameters

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
    COV_CTES,
]

UPSERT_FIGURES = ", ".join(
    f"{column} = excluded.{column}" for column in FIGURES_COLUMNS.replace(" ", "").split(",") if column != "on_date"
)


def _add_months_sql(base_on: str = "base_on") -> str:
    """expires_on = base_on + validity_months, keeping the day or clamping to the month's last day."""
    if connection.vendor == "postgresql":
        # PostgreSQL's date + interval 'N months' clamps (Jan 31 + 1 month = Feb 28), as validity.add_months.
        return f"CAST({base_on} + make_interval(months => validity_months) AS date)"
    # SQLite's '+N months' overflows instead (Jan 31 + 1 month = Mar 3): take the same day from the
    # first of the target month and clamp to that month's last day. ISO text compares as dates.
    return (
        "MIN("
        f"date({base_on}, 'start of month', '+' || validity_months || ' months',"
        f" '+' || (CAST(strftime('%%d', {base_on}) AS INTEGER) - 1) || ' days'),"
        f" date({base_on}, 'start of month', '+' || (validity_months + 1) || ' months', '-1 day'))"
    )


def _date_text_sql() -> str:
    """A result's date as ISO text (SQLite stores it so), the sortable head of a pass key."""
    if connection.vendor == "postgresql":
        return "to_char(a.assessed_on, 'YYYY-MM-DD')"
    return "a.assessed_on"


def statement_params(
    *, plant_id: int, on_date: datetime.date, now: datetime.datetime | None = None, plant: Plant | None = None
) -> dict:
    """The parameters of every roll-up statement of the plant on D; reads the plant (its shift codes and
    confirmation window) unless given."""
    ops = connection.ops
    if plant is None or plant.id != plant_id:
        plant = Plant.objects.only("shift_codes", "confirmation_window_days").get(pk=plant_id)
    codes = plant.shift_code_list
    return {
        "virtual": DeliveryMode.VIRTUAL.value,
        "sop_after": ops.adapt_datefield_value(on_date - datetime.timedelta(days=plant.confirmation_window_days)),
        **{f"shift_{n}": codes[n - 1] if n <= len(codes) else None for n in range(1, MAX_SHIFT_CODES + 1)},
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
    body = ",".join(ctes).format(
        add_months=_add_months_sql(),
        add_months_confirmed=_add_months_sql("c_base_on"),
        date_text=_date_text_sql(),
        **{**dict.fromkeys(FILTERS, ""), **filters},
    )
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
