"""Section 4: the results grid's save of 40 rows through the service beside a bare bulk INSERT, plain
pass/fail and with a checklist of four items (one critical) and a level per pass (issue #16)."""

from __future__ import annotations

import datetime
import random

from bench.harness import Report, Row, judge, median, percentile, timed
from bench.sections.common import local_today


def grid_save(report: Report, *, quick: bool) -> None:
    from django.contrib.auth import get_user_model

    from courses.models import Course
    from courses.services import ChecklistItemInput, checklist_publish
    from employees.models import Employee, Plant

    plant = Plant.objects.order_by("code").first()
    trainer = get_user_model().objects.get(username=f"trainer-{plant.code.lower()}")
    today = local_today(plant)
    course = (
        Course.objects.filter(
            is_active=True, needs_practical=True, prerequisites__isnull=True, trainer_authorisations__user=trainer
        )
        .order_by("code")
        .first()
    )
    # Nobody twice, and nobody with a result of the course today (an earlier run on this database): the
    # service refuses a result recorded twice (same person, course, kind, date and outcome).
    employees = list(
        Employee.objects.filter(plant=plant, status="active", hire_date__lte=today)
        .exclude(assessments__course=course, assessments__assessed_on=today)
        .select_related("plant")
    )
    rng = random.Random(7)
    iterations = 5 if quick else 20
    people = rng.sample(employees, 2 * 40 * iterations)
    _grid_rows(
        report,
        quick=quick,
        iterations=iterations,
        people=people[: 40 * iterations],
        course=course,
        trainer=trainer,
        today=today,
        rng=rng,
        checklist=False,
    )
    # The same save with a checklist on the course: marks per row, the outcome derived, a level per pass.
    if not course.checklists.exists():
        checklist_publish(
            course=course,
            items=[ChecklistItemInput(text=f"Item {n}", critical=n == 3) for n in range(1, 5)],
            threshold_pct=100,
        )
    Course.objects.filter(pk=course.pk).update(uses_levels=True)
    course.refresh_from_db()
    _grid_rows(
        report,
        quick=quick,
        iterations=iterations,
        people=people[40 * iterations :],
        course=course,
        trainer=trainer,
        today=today,
        rng=rng,
        checklist=True,
    )


def _grid_rows(
    report: Report, *, quick: bool, iterations: int, people: list, course, trainer, today, rng, checklist: bool
) -> None:
    from django.db import transaction

    from assessments.models import Assessment
    from assessments.services.result_rules import ResultInput
    from assessments.services.results import assessments_record

    items = course.checklists.order_by("-revision").first().items.count() if checklist else 0
    service_ms, bare_ms = [], []
    for iteration in range(iterations):
        batch = people[40 * iteration : 40 * (iteration + 1)]
        rows = []
        for e in batch:
            if checklist:
                marks = [rng.random() < 0.97 for _ in range(items)]
                rows.append(
                    ResultInput(
                        employee=e,
                        course=course,
                        kind="practical",
                        assessed_on=today,
                        assessor=trainer,
                        checklist_marks=marks,
                        level=rng.choice("LUUUO") if all(marks) else None,
                    )
                )
            else:
                rows.append(
                    ResultInput(
                        employee=e,
                        course=course,
                        kind="practical",
                        assessed_on=today,
                        assessor=trainer,
                        passed=rng.random() < 0.9,
                    )
                )
        elapsed, _ = timed(lambda rows=rows: assessments_record(rows=rows, recorded_by=trainer, source="grid"))
        service_ms.append(elapsed)

        def bare(batch=batch) -> None:
            with transaction.atomic():
                Assessment.objects.bulk_create(
                    [
                        Assessment(
                            employee=e,
                            course=course,
                            kind="practical",
                            assessed_on=today,
                            passed=True,
                            assessor=trainer,
                            recorded_by=trainer,
                            recorded_at=datetime.datetime.now(tz=datetime.UTC),
                            source="grid",
                        )
                        for e in batch
                    ]
                )

        elapsed, _ = timed(bare)
        bare_ms.append(elapsed)
    value = percentile(service_ms, 95)
    report.add(
        Row(
            "4",
            f"grid save, 40 rows{' with checklists' if checklist else ''}, p95 of {iterations} (service)",
            value,
            reference=percentile(bare_ms, 95),
            reference_name="bare bulk INSERT p95",
            target="p95 <= 500 ms",
            status=judge(value, limit=500, quick=quick),
            note=f"median {median(service_ms):.0f} ms; course {course.code}",
        )
    )
