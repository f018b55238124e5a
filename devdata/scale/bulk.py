"""Bulk-load helpers of the scale-data generator: indexes dropped during COPY, certifications in SQL,
and the check of a sample of them against assessments.validity."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from assessments import validity
from assessments.models import Assessment, Certification

# --- Bulk load helpers ------------------------------------------------------------------------


@contextmanager
def secondary_indexes_and_foreign_keys_dropped(table: str) -> Iterator[None]:
    """Drop a table's secondary indexes, unique and foreign-key constraints; rebuild them on exit.

    Only for use inside a transaction (DDL is transactional in PostgreSQL): if the
    load fails, the rollback puts every index and constraint back.
    """
    with connection.cursor() as cursor:
        # Run the checks deferred so far: ALTER TABLE refuses tables with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('p', 'u')) ORDER BY indexname",
            [table, table],
        )
        indexes = cursor.fetchall()
        quoted = connection.ops.quote_name
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted(table)} DROP CONSTRAINT {quoted(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quoted(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quoted(table)} ADD CONSTRAINT {quoted(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# The latest passing practical by date; on one day the highest level, then a confirmed pass before a
# provisional one (validity.certification_state's tie rule).
_LATEST_PRACTICAL = (
    "ORDER BY a.assessed_on DESC, CASE a.level WHEN 'O' THEN 3 WHEN 'L' THEN 1 ELSE 2 END DESC, "
    "a.delivery_mode = 'virtual'"
)

CERTIFICATIONS_FROM_ASSESSMENTS = """
INSERT INTO assessments_certification
    (employee_id, course_id, theory_passed_on, practical_passed_on, certified_on, expires_on, level, provisional,
     confirmed_certified_on, confirmed_expires_on, confirmed_level, attempts, revoke_reason, updated_at)
SELECT employee_id, course_id, theory, practical,
       CASE WHEN complete THEN GREATEST(theory, practical) END,
       CASE WHEN complete AND validity_months IS NOT NULL
            THEN (LEAST(theory, practical) + make_interval(months => validity_months))::date END,
       CASE WHEN complete THEN CASE WHEN needs_practical THEN COALESCE(practical_level, 'U') ELSE 'U' END END,
       complete AND needs_practical AND COALESCE(practical_virtual, false),
       CASE WHEN confirmed_complete THEN GREATEST(theory, confirmed_practical) END,
       CASE WHEN confirmed_complete AND validity_months IS NOT NULL
            THEN (LEAST(theory, confirmed_practical) + make_interval(months => validity_months))::date END,
       CASE WHEN confirmed_complete
            THEN CASE WHEN needs_practical THEN COALESCE(confirmed_level, 'U') ELSE 'U' END END,
       attempts, '', now()
FROM (
    SELECT a.employee_id, a.course_id, c.validity_months, c.needs_practical,
           CASE WHEN c.needs_theory
                THEN max(a.assessed_on) FILTER (WHERE a.passed AND a.kind = 'theory') END AS theory,
           CASE WHEN c.needs_practical
                THEN max(a.assessed_on) FILTER (WHERE a.passed AND a.kind = 'practical') END AS practical,
           CASE WHEN c.needs_practical
                THEN max(a.assessed_on) FILTER (WHERE a.passed AND a.kind = 'practical'
                                                AND a.delivery_mode <> 'virtual') END AS confirmed_practical,
           (array_agg(a.level LATEST_PRACTICAL) FILTER (WHERE a.passed AND a.kind = 'practical'))[1]
               AS practical_level,
           (array_agg(a.delivery_mode = 'virtual' LATEST_PRACTICAL)
               FILTER (WHERE a.passed AND a.kind = 'practical'))[1] AS practical_virtual,
           (array_agg(a.level LATEST_PRACTICAL)
               FILTER (WHERE a.passed AND a.kind = 'practical' AND a.delivery_mode <> 'virtual'))[1] AS confirmed_level,
           (NOT c.needs_theory OR bool_or(a.passed AND a.kind = 'theory'))
               AND (NOT c.needs_practical OR bool_or(a.passed AND a.kind = 'practical')) AS complete,
           (NOT c.needs_theory OR bool_or(a.passed AND a.kind = 'theory'))
               AND (NOT c.needs_practical
                    OR bool_or(a.passed AND a.kind = 'practical' AND a.delivery_mode <> 'virtual'))
               AS confirmed_complete,
           count(*) AS attempts
    FROM assessments_assessment a
    JOIN courses_course c ON c.id = a.course_id
    WHERE a.voided_at IS NULL
    GROUP BY a.employee_id, a.course_id, c.needs_theory, c.needs_practical, c.validity_months
) per_pair
""".replace("LATEST_PRACTICAL", _LATEST_PRACTICAL)


def certifications_build() -> int:
    """Every Certification row from the assessments, set-based; the SQL twin of certifications_refresh().

    Same rule as validity.certification_state() with no revocations (a fresh dataset has none):
    latest passing, non-voided date per needed kind; certified on the latest of them;
    expires validity months after the earliest of them (PostgreSQL's date + interval
    clamps to the month's last day, like validity.add_months); the level of the latest practical pass
    (U for a theory-only course); and the same counting no virtual-model practical pass (confirmed_*).
    """
    with connection.cursor() as cursor:
        cursor.execute(CERTIFICATIONS_FROM_ASSESSMENTS)
        return cursor.rowcount


def certification_mismatches(*, sample: int = 500, seed: int = 0) -> list[str]:
    """Compare a random sample of Certification rows with validity.certification_state(); [] when all agree."""
    ids = list(Certification.objects.order_by("id").values_list("id", flat=True))
    chosen = random.Random(seed).sample(ids, min(sample, len(ids)))
    problems = []
    for certification in Certification.objects.filter(id__in=chosen).select_related("course"):
        rows = list(
            Assessment.objects.filter(
                employee_id=certification.employee_id, course_id=certification.course_id, voided_at__isnull=True
            ).values_list("kind", "assessed_on", "passed", "level", "delivery_mode")
        )
        state, confirmed = (
            validity.certification_state(
                needed_kinds=certification.course.needed_kinds,
                validity_months=certification.course.validity_months,
                passes=[(kind, day, level, mode == "virtual") for kind, day, passed, level, mode in rows if passed],
                revoked_on=certification.revoked_on,
                provisional_counts=provisional_counts,
            )
            for provisional_counts in (True, False)
        )
        expected = (
            state.latest_pass.get("theory"),
            state.latest_pass.get("practical"),
            state.certified_on,
            state.expires_on,
            state.level,
            state.provisional,
            confirmed.certified_on,
            confirmed.expires_on,
            confirmed.level,
            len(rows),
        )
        actual = (
            certification.theory_passed_on,
            certification.practical_passed_on,
            certification.certified_on,
            certification.expires_on,
            certification.level,
            certification.provisional,
            certification.confirmed_certified_on,
            certification.confirmed_expires_on,
            certification.confirmed_level,
            certification.attempts,
        )
        if expected != actual:
            problems.append(f"certification {certification.id}: stored {actual}, validity.py says {expected}")
    return problems
