"""A large, realistic, deterministic dataset for load tests and benchmarks (issue #7).

generate_scale_data() fills an EMPTY PostgreSQL database with plants, lines,
stations, requirements, employees, users and millions of assessments, then
derives the Certification rows set-based in SQL. No product code imports it, but the
benchmarks and the load tests depend on it being right:

- Deterministic for a seed and a reference date: every plant draws from its own
  random.Random(f"{seed}:{plant_index}"), so the same arguments give the same rows.
- Safe: refuses SQLite and any database that already holds plants, employees or
  assessments; everything runs in one transaction, so a failure leaves it empty.
- Fast: employees and assessments go in with COPY; the secondary indexes and the
  foreign keys of the big tables are dropped inside the transaction and rebuilt
  once at the end (one sort per index, one anti-join per foreign key, instead of
  millions of row-by-row index inserts and RI trigger calls).
- Faithful: assessments are simulated by devdata/history.py (SCALE_RULES) and follow
  the service rules (never in the future or before the hire date, theory passes at
  the course's pass mark, attempt numbers count non-voided results, a voided entry is
  entered again), and certifications follow
  assessments/validity.py; certification_mismatches() checks a sample against
  validity.certification_state().
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from django.db import connection, transaction

from assessments.models import Assessment, Certification
from courses.models import Course, Requirement, TrainerAuthorisation
from devdata.scale.assessments import AssessmentHistory, _load_requirements, _plant_assessments
from devdata.scale.bulk import certifications_build, secondary_indexes_and_foreign_keys_dropped
from devdata.scale.organisation import (
    EmployeeRow,
    ScaleResult,
    ScaleSpec,
    _create_courses,
    _create_organisation,
    _create_users,
    _plant_employees,
    _plant_sites,
    default_today,
    ensure_database_is_empty,
)
from employees.models import Employee, JobRole, Plant, ProductionLine, Station

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


# --- The whole run -------------------------------------------------------------------------------


def generate_scale_data(*, spec: ScaleSpec, progress: Progress = logger.info) -> ScaleResult:
    """Fill an empty PostgreSQL database; all or nothing. See the module docstring."""
    ensure_database_is_empty()
    result = ScaleResult(today=spec.today or default_today())
    today = result.today
    started = time.monotonic()

    def phase(name: str, since: float) -> float:
        now = time.monotonic()
        result.timings[name] = round(now - since, 2)
        return now

    with transaction.atomic():
        with connection.cursor() as cursor:
            # Bulk-load settings for this transaction only.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
        mark = time.monotonic()
        rng = random.Random(f"{spec.seed}:catalog")
        plants = Plant.objects.bulk_create(
            [Plant(code=c, name=n, country=cc, time_zone=tz) for c, n, cc, tz in _plant_sites(spec.plants)]
        )
        courses = _create_courses(spec=spec, plants=plants, rng=rng)
        plans = _create_organisation(spec=spec, courses=courses, plants=plants, today=today)
        result.usernames = _create_users(plans=plans, password=spec.password)
        TrainerAuthorisation.objects.bulk_create(
            [
                TrainerAuthorisation(user_id=plan.trainer_id, course_id=course_id, plant=plan.plant)
                for plan in plans
                for course_id in plan.course_pool
                if course_id in courses
            ]
        )
        roles = dict(JobRole.objects.values_list("code", "id"))
        mark = phase("organisation", mark)
        progress(
            f"catalog and organisation: {len(plants)} plants, {len(courses)} active courses, "
            f"{ProductionLine.objects.count()} lines, {Station.objects.count()} stations, "
            f"{Requirement.objects.count()} requirements ({result.timings['organisation']:.1f} s)"
        )

        employees_by_plant: dict[int, list[EmployeeRow]] = {}
        copy_text: list[str] = []
        for plan in plans:
            _load_requirements(plan, roles)
            generated = list(_plant_employees(spec=spec, plan=plan, roles=roles, today=today))
            employees_by_plant[plan.index] = [row for row, _line in generated]
            copy_text += [line for _row, line in generated]
        with connection.cursor() as cursor:
            columns = (
                "id, employee_no, name, plant_id, line_id, station_id, role_id, shift, hire_date, status, "
                "created_at, updated_at"
            )
            with cursor.copy(f"COPY employees_employee ({columns}) FROM STDIN") as copy:
                copy.write("".join(copy_text))
        mark = phase("employees", mark)
        progress(f"employees: {spec.employees:,} ({result.timings['employees']:.1f} s)")

        total = 0
        with secondary_indexes_and_foreign_keys_dropped("assessments_assessment"):
            with connection.cursor() as cursor:
                sql = f"COPY assessments_assessment ({AssessmentHistory.COLUMNS}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for plan in plans:
                        plant_started = time.monotonic()
                        written = 0
                        for chunk in _plant_assessments(
                            plan=plan,
                            employees=employees_by_plant[plan.index],
                            courses=courses,
                            today=today,
                            seed=spec.seed,
                        ):
                            copy.write(chunk)
                            written += chunk.count("\n")
                        total += written
                        progress(
                            f"assessments: plant {plan.index + 1}/{len(plans)} {plan.plant.code}: {written:,} rows "
                            f"({time.monotonic() - plant_started:.1f} s, {total:,} so far)"
                        )
            mark = phase("assessments_copy", mark)
            progress(f"assessments copied: {total:,}; rebuilding indexes and foreign keys ...")
        mark = phase("assessments_indexes", mark)
        progress(f"assessment indexes and foreign keys rebuilt ({result.timings['assessments_indexes']:.1f} s)")

        with secondary_indexes_and_foreign_keys_dropped("assessments_certification"):
            certifications = certifications_build()
        mark = phase("certifications", mark)
        progress(f"certifications: {certifications:,} ({result.timings['certifications']:.1f} s)")

    # Outside the load transaction (VACUUM cannot run in one): statistics for the planner, and the
    # visibility map, without which every "index-only" scan of the new rows still reads the heap.
    # A caller's transaction (tests) leaves ANALYZE alone.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in (Employee, Assessment, Certification, Requirement, Station, ProductionLine, Course):
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    phase("vacuum_analyze", mark)
    result.timings["total"] = round(time.monotonic() - started, 2)
    result.counts = {
        "plants": len(plants),
        "courses": len(courses),
        "employees": spec.employees,
        "assessments": total,
        "certifications": certifications,
        "users": len(result.usernames),
    }
    progress(f"done in {result.timings['total']:.1f} s: {result.counts}")
    return result
