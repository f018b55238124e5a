"""Bare references: what the database alone does, hand-written, for each benchmarked feature.

LINE_READINESS_SQL computes per line (and per plant) headcount and qualified on a
date D straight from raw assessments, requirements and revocations, in one
statement, with the rules of DOMAIN.md: an employee's required set is plant-wide
∪ role (company-wide or at the plant) ∪ primary-station courses (active courses
only); a certification is valid on D when every needed kind has a passing,
non-voided result dated on or before D (and after the latest revocation dated
on or before D), and D is before min(latest pass per kind) + validity months.
"""

from __future__ import annotations

import datetime

from django.db import connection

LINE_READINESS_SQL = """
WITH active AS (
    SELECT id, plant_id, line_id, station_id, role_id
    FROM employees_employee
    WHERE status = 'active'
),
required AS (
    SELECT e.id AS employee_id, r.course_id
    FROM active e JOIN courses_requirement r ON r.scope = 'plant' AND r.plant_id = e.plant_id
    UNION
    SELECT e.id, r.course_id
    FROM active e JOIN courses_requirement r
      ON r.scope = 'role' AND r.role_id = e.role_id AND (r.plant_id IS NULL OR r.plant_id = e.plant_id)
    UNION
    SELECT e.id, r.course_id
    FROM active e JOIN courses_requirement r ON r.scope = 'station' AND r.station_id = e.station_id
),
revoked AS (
    SELECT employee_id, course_id, max(revoked_on) AS revoked_on
    FROM assessments_certificationrevocation
    WHERE revoked_on <= %(on_date)s
    GROUP BY employee_id, course_id
),
latest_passes AS (
    SELECT a.employee_id, a.course_id,
           max(a.assessed_on) FILTER (WHERE a.kind = 'theory') AS theory,
           max(a.assessed_on) FILTER (WHERE a.kind = 'practical') AS practical
    FROM assessments_assessment a
    LEFT JOIN revoked v ON v.employee_id = a.employee_id AND v.course_id = a.course_id
    WHERE a.passed AND a.voided_at IS NULL AND a.assessed_on <= %(on_date)s
      AND (v.revoked_on IS NULL OR a.assessed_on > v.revoked_on)
    GROUP BY a.employee_id, a.course_id
),
valid AS (
    SELECT p.employee_id, p.course_id
    FROM latest_passes p JOIN courses_course c ON c.id = p.course_id
    WHERE (NOT c.needs_theory OR p.theory IS NOT NULL)
      AND (NOT c.needs_practical OR p.practical IS NOT NULL)
      AND (c.validity_months IS NULL
           OR %(on_date)s < (LEAST(CASE WHEN c.needs_theory THEN p.theory END,
                                   CASE WHEN c.needs_practical THEN p.practical END)
                             + make_interval(months => c.validity_months))::date)
),
missing AS (
    SELECT q.employee_id, count(*) AS gaps
    FROM required q
    JOIN courses_course c ON c.id = q.course_id AND c.is_active
    LEFT JOIN valid v ON v.employee_id = q.employee_id AND v.course_id = q.course_id
    WHERE v.employee_id IS NULL
    GROUP BY q.employee_id
)
SELECT e.plant_id, e.line_id, GROUPING(e.line_id) = 1 AS plant_total,
       count(*) AS headcount, count(*) FILTER (WHERE m.gaps IS NULL) AS qualified
FROM active e
LEFT JOIN missing m ON m.employee_id = e.id
GROUP BY GROUPING SETS ((e.plant_id, e.line_id), (e.plant_id))
ORDER BY e.plant_id, e.line_id NULLS FIRST
"""


def line_readiness(*, on_date: datetime.date) -> dict[tuple[int, int | None, bool], tuple[int, int]]:
    """{(plant_id, line_id, is_plant_total): (headcount, qualified)} on a date, from raw assessments.

    Plant totals (line None, True) count every active employee of the plant, plant-wide
    staff included; (plant, None, False) holds the active staff without a line.
    """
    with connection.cursor() as cursor:
        cursor.execute(LINE_READINESS_SQL, {"on_date": on_date})
        return {(plant, line, total): (headcount, qualified) for plant, line, total, headcount, qualified in cursor}


EMPLOYEE_READINESS_SQL = LINE_READINESS_SQL.replace(
    "WHERE status = 'active'", "WHERE status = 'active' AND id = %(employee)s", 1
).replace("WHERE a.passed", "WHERE a.employee_id = %(employee)s AND a.passed", 1)


def employee_readiness(*, employee_id: int, on_date: datetime.date) -> tuple[int, int]:
    """(1, 1 if qualified else 0) of one active employee on a date, by the same statement narrowed to them."""
    with connection.cursor() as cursor:
        cursor.execute(EMPLOYEE_READINESS_SQL, {"on_date": on_date, "employee": employee_id})
        rows = [(headcount, qualified) for _p, _l, total, headcount, qualified in cursor if total]
    return rows[0] if rows else (0, 0)
