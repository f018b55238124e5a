"""Bare references: what the database alone does, hand-written, for each benchmarked feature.

LINE_READINESS_SQL computes per line (and per plant) headcount, qualified and qualified_confirmed on a
date D straight from raw assessments, requirements and revocations, in one statement, with the rules of
DOMAIN.md: an employee's required set is plant-wide ∪ role (company-wide or at the plant) ∪
primary-station courses (active courses only), each at the highest minimum level of the scopes requiring
it; a certification is valid on D when every needed kind has a passing, non-voided result dated on or
before D (and after the latest revocation dated on or before D), and D is before min(latest pass per kind)
+ validity months; a required course is met when valid and the level held (the latest counting practical
pass's, the higher on a tie; U without a level or for a theory-only course) reaches the minimum. A
virtual-model practical pass counts while D < the line's SOP + the plant's confirmation window (always
without a line or an SOP date), and never for qualified_confirmed.

STATION_COVERAGE_SQL counts per (station, shift the line runs) the station-qualified people (DOMAIN.md
"Station coverage") from the same CTEs. PostgreSQL only, like the benchmark.
"""

from __future__ import annotations

import datetime

from django.db import connection

_RANK = "CASE {0} WHEN 'L' THEN 1 WHEN 'O' THEN 3 ELSE 2 END"

BASE_CTES = f"""
WITH active AS (
    SELECT e.id, e.plant_id, e.line_id, e.station_id, e.role_id, e.shift,
           (l.sop_date IS NULL OR %(on_date)s < l.sop_date + p.confirmation_window_days) AS prov_counts
    FROM employees_employee e
    JOIN employees_plant p ON p.id = e.plant_id
    LEFT JOIN employees_productionline l ON l.id = e.line_id
    WHERE e.status = 'active'
),
required AS (
    SELECT employee_id, course_id, max(min_rank) AS min_rank FROM (
        SELECT e.id AS employee_id, r.course_id, {_RANK.format("r.min_level")} AS min_rank
        FROM active e JOIN courses_requirement r ON r.scope = 'plant' AND r.plant_id = e.plant_id
        UNION ALL
        SELECT e.id, r.course_id, {_RANK.format("r.min_level")}
        FROM active e JOIN courses_requirement r
          ON r.scope = 'role' AND r.role_id = e.role_id AND (r.plant_id IS NULL OR r.plant_id = e.plant_id)
        UNION ALL
        SELECT e.id, r.course_id, {_RANK.format("r.min_level")}
        FROM active e JOIN courses_requirement r ON r.scope = 'station' AND r.station_id = e.station_id
    ) x
    GROUP BY employee_id, course_id
),
revoked AS (
    SELECT employee_id, course_id, max(revoked_on) AS revoked_on
    FROM assessments_certificationrevocation
    WHERE revoked_on <= %(on_date)s
    GROUP BY employee_id, course_id
),
counted AS (
    SELECT a.employee_id, a.course_id, a.kind, a.assessed_on, {_RANK.format("a.level")} AS rank,
           (a.kind = 'practical' AND a.delivery_mode = 'virtual') AS provisional, e.prov_counts
    FROM assessments_assessment a
    JOIN active e ON e.id = a.employee_id
    LEFT JOIN revoked v ON v.employee_id = a.employee_id AND v.course_id = a.course_id
    WHERE a.passed AND a.voided_at IS NULL AND a.assessed_on <= %(on_date)s
      AND (v.revoked_on IS NULL OR a.assessed_on > v.revoked_on)
),
-- One pass over the results for both states: counting provisional passes where they count, and none
-- (confirmed). A practical's key is its date and its level's rank, so max() gives the latest pass's level,
-- the higher on a tie.
latest_passes AS (
    SELECT employee_id, course_id,
           max(assessed_on) FILTER (WHERE kind = 'theory') AS theory,
           max(assessed_on) FILTER (WHERE kind = 'practical' AND (NOT provisional OR prov_counts)) AS practical,
           max(assessed_on::text || rank) FILTER (WHERE kind = 'practical' AND (NOT provisional OR prov_counts))
               AS practical_key,
           max(assessed_on) FILTER (WHERE kind = 'practical' AND NOT provisional) AS c_practical,
           max(assessed_on::text || rank) FILTER (WHERE kind = 'practical' AND NOT provisional) AS c_practical_key
    FROM counted
    GROUP BY employee_id, course_id
),
states AS (
    SELECT employee_id, course_id, false AS confirmed, theory, practical, practical_key AS key FROM latest_passes
    UNION ALL
    SELECT employee_id, course_id, true, theory, c_practical, c_practical_key FROM latest_passes
),
held AS (
    SELECT p.employee_id, p.course_id, p.confirmed,
           CASE WHEN c.needs_practical THEN right(p.key, 1)::int ELSE 2 END AS rank
    FROM states p JOIN courses_course c ON c.id = p.course_id
    WHERE (NOT c.needs_theory OR p.theory IS NOT NULL)
      AND (NOT c.needs_practical OR p.practical IS NOT NULL)
      AND (c.validity_months IS NULL
           OR %(on_date)s < (LEAST(CASE WHEN c.needs_theory THEN p.theory END,
                                   CASE WHEN c.needs_practical THEN p.practical END)
                             + make_interval(months => c.validity_months))::date)
)"""

LINE_READINESS_SQL = (
    BASE_CTES
    + """,
missing AS (
    SELECT q.employee_id, s.confirmed, count(*) AS gaps
    FROM required q
    JOIN courses_course c ON c.id = q.course_id AND c.is_active
    CROSS JOIN (VALUES (false), (true)) s(confirmed)
    LEFT JOIN held h ON h.employee_id = q.employee_id AND h.course_id = q.course_id AND h.confirmed = s.confirmed
        AND h.rank >= q.min_rank
    WHERE h.employee_id IS NULL
    GROUP BY q.employee_id, s.confirmed
)
SELECT e.plant_id, e.line_id, GROUPING(e.line_id) = 1 AS plant_total,
       count(*) AS headcount, count(*) FILTER (WHERE m.gaps IS NULL) AS qualified,
       count(*) FILTER (WHERE mc.gaps IS NULL) AS qualified_confirmed
FROM active e
LEFT JOIN missing m ON m.employee_id = e.id AND NOT m.confirmed
LEFT JOIN missing mc ON mc.employee_id = e.id AND mc.confirmed
GROUP BY GROUPING SETS ((e.plant_id, e.line_id), (e.plant_id))
ORDER BY e.plant_id, e.line_id NULLS FIRST
"""
)

STATION_COVERAGE_SQL = (
    BASE_CTES
    + f""",
needs AS (
    SELECT station_id, course_id, max(min_rank) AS min_rank FROM (
        SELECT st.id AS station_id, r.course_id, {_RANK.format("r.min_level")} AS min_rank
        FROM employees_station st
        JOIN employees_productionline l ON l.id = st.line_id
        JOIN courses_requirement r ON r.scope = 'plant' AND r.plant_id = l.plant_id
        UNION ALL
        SELECT st.id, r.course_id, {_RANK.format("r.min_level")}
        FROM employees_station st JOIN courses_requirement r ON r.scope = 'station' AND r.station_id = st.id
    ) x
    JOIN courses_course c ON c.id = x.course_id AND c.is_active
    GROUP BY station_id, course_id
),
needs_count AS (
    SELECT station_id, count(*) AS n FROM needs GROUP BY station_id
),
station_met AS (
    SELECT st.id AS station_id, e.id AS employee_id, e.shift, count(*) AS met
    FROM employees_station st
    JOIN active e ON e.line_id = st.line_id
    JOIN needs n ON n.station_id = st.id
    JOIN held h ON h.employee_id = e.id AND h.course_id = n.course_id AND NOT h.confirmed AND h.rank >= n.min_rank
    WHERE st.is_active
    GROUP BY st.id, e.id, e.shift
),
station_people AS (
    SELECT m.station_id, m.employee_id, m.shift
    FROM station_met m JOIN needs_count k ON k.station_id = m.station_id
    WHERE m.met = k.n
    UNION ALL
    SELECT st.id, e.id, e.shift
    FROM employees_station st JOIN active e ON e.line_id = st.line_id
    WHERE st.is_active AND NOT EXISTS (SELECT 1 FROM needs_count k WHERE k.station_id = st.id)
),
run_shifts AS (
    SELECT l.id AS line_id, code.shift
    FROM employees_productionline l
    JOIN employees_plant p ON p.id = l.plant_id
    CROSS JOIN LATERAL unnest(string_to_array(replace(p.shift_codes, ' ', ''), ',')) WITH ORDINALITY
        AS code(shift, position)
    WHERE l.is_active AND code.position <= l.shifts
)
SELECT st.id, rs.shift, count(sp.employee_id) AS qualified
FROM employees_station st
JOIN run_shifts rs ON rs.line_id = st.line_id
LEFT JOIN station_people sp ON sp.station_id = st.id AND sp.shift = rs.shift
WHERE st.is_active
GROUP BY st.id, rs.shift
"""
)


def line_readiness(*, on_date: datetime.date) -> dict[tuple[int, int | None, bool], tuple[int, int, int]]:
    """{(plant_id, line_id, is_plant_total): (headcount, qualified, qualified_confirmed)} on a date, from raw
    assessments.

    Plant totals (line None, True) count every active employee of the plant, plant-wide
    staff included; (plant, None, False) holds the active staff without a line.
    """
    with connection.cursor() as cursor:
        cursor.execute(LINE_READINESS_SQL, {"on_date": on_date})
        return {
            (plant, line, total): (headcount, qualified, confirmed)
            for plant, line, total, headcount, qualified, confirmed in cursor
        }


def station_shift_coverage(*, on_date: datetime.date) -> dict[tuple[int, str], int]:
    """{(station_id, shift): station-qualified people on that shift} for every active station of an active
    line and every shift its line runs, on a date, from raw assessments."""
    with connection.cursor() as cursor:
        cursor.execute(STATION_COVERAGE_SQL, {"on_date": on_date})
        return {(station, shift): qualified for station, shift, qualified in cursor}


EMPLOYEE_READINESS_SQL = LINE_READINESS_SQL.replace(
    "WHERE e.status = 'active'", "WHERE e.status = 'active' AND e.id = %(employee)s", 1
).replace("WHERE a.passed", "WHERE a.employee_id = %(employee)s AND a.passed", 1)


def employee_readiness(*, employee_id: int, on_date: datetime.date) -> tuple[int, int]:
    """(1, 1 if qualified else 0) of one active employee on a date, by the same statement narrowed to them."""
    with connection.cursor() as cursor:
        cursor.execute(EMPLOYEE_READINESS_SQL, {"on_date": on_date, "employee": employee_id})
        rows = [(headcount, qualified) for _p, _l, total, headcount, qualified, _c in cursor if total]
    return rows[0] if rows else (0, 0)


# --- The station gate (issue #17) -------------------------------------------------------------------
# What the gate reads for (employee, station) today, in one statement: the station of the plant, the
# employee (line, SOP date and confirmation window for provisional passes), the override in force, and every
# active course the station and the plant require joined to the employee's stored certification. No rule is
# applied: the floor is the database's read of the rows the gate decides on. A prepared statement with a
# generic plan: planning this statement anew took 5-8 ms here against 0.3 ms to run it for one pair, and the
# floor is what the database must do, not what it may redo (Django prepares nothing: plan_cache_mode, set for
# the session, concerns prepared statements only).
GATE_ROWS_STATEMENT = "bench_gate_rows"
GATE_ROWS_SQL = """
WITH pairs AS (
    SELECT n, employee_no, line_code, station_code
    FROM unnest($1, $2, $3)
        WITH ORDINALITY AS x(employee_no, line_code, station_code, n)
),
checked AS (
    SELECT pairs.n, s.id AS station_id, l.plant_id, e.id AS employee_id, e.status, e.plant_id AS employee_plant,
           e.line_id, el.sop_date, ep.confirmation_window_days,
           (SELECT o.id FROM gate_override o
            WHERE o.employee_id = e.id AND o.station_id = s.id AND o.starts_at <= $5 AND o.ends_at > $5
              AND (o.ended_at IS NULL OR o.ended_at > $5)
            ORDER BY o.granted_at DESC, o.id DESC LIMIT 1) AS override_id
    FROM pairs
    JOIN employees_plant p ON p.code = $4 AND p.is_active
    JOIN employees_productionline l ON l.plant_id = p.id AND l.code = pairs.line_code
    JOIN employees_station s ON s.line_id = l.id AND s.code = pairs.station_code
    JOIN employees_employee e ON e.employee_no = pairs.employee_no
    JOIN employees_plant ep ON ep.id = e.plant_id
    LEFT JOIN employees_productionline el ON el.id = e.line_id
)
SELECT c.n, c.employee_id, c.status, c.employee_plant, c.line_id, c.sop_date, c.confirmation_window_days,
       c.override_id, r.course_id, course.code, r.min_level, cert.id, cert.certified_on, cert.expires_on, cert.level,
       cert.provisional, cert.confirmed_certified_on, cert.confirmed_expires_on, cert.confirmed_level,
       cert.revoked_on, cert.attempts
FROM checked c
CROSS JOIN LATERAL (
    SELECT course_id, min_level FROM courses_requirement WHERE scope = 'station' AND station_id = c.station_id
    UNION ALL
    SELECT course_id, min_level FROM courses_requirement WHERE scope = 'plant' AND plant_id = c.plant_id
) r
JOIN courses_course course ON course.id = r.course_id AND course.is_active
LEFT JOIN assessments_certification cert ON cert.employee_id = c.employee_id AND cert.course_id = r.course_id
ORDER BY c.n, course.code
"""


_prepared_on: set[tuple[int, int]] = set()


def _gate_rows_prepare(cursor) -> None:
    """PREPARE the gate's statement once per database session (and ask for its generic plan)."""
    raw = connection.connection
    session = (id(raw), raw.info.backend_pid)
    if session in _prepared_on:
        return
    cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [GATE_ROWS_STATEMENT])
    if cursor.fetchone() is None:
        cursor.execute(f"PREPARE {GATE_ROWS_STATEMENT}(text[], text[], text[], text, timestamptz) AS {GATE_ROWS_SQL}")
    cursor.execute("SET plan_cache_mode = force_generic_plan")
    _prepared_on.add(session)


def gate_rows(*, plant: str, checks: list[tuple[str, str, str]], at: datetime.datetime) -> dict[int, list[tuple]]:
    """The gate's rows for (employee_no, line_code, station_code) pairs of one plant at moment `at`, in one
    statement: {position of the pair (from 1): [(course_code, min_level, certification id or None, ...)]}.
    A pair with an unknown employee or station, or a station requiring nothing, has no entry."""
    found: dict[int, list[tuple]] = {}
    with connection.cursor() as cursor:
        _gate_rows_prepare(cursor)
        cursor.execute(
            f"EXECUTE {GATE_ROWS_STATEMENT}(%s, %s, %s, %s, %s)",
            [
                [e for e, _l, _s in checks],
                [line for _e, line, _s in checks],
                [s for _e, _l, s in checks],
                plant,
                at,
            ],
        )
        for row in cursor:
            found.setdefault(row[0], []).append((row[9], row[10], *row[11:]))
    return found
