"""The benchmark's bare reference computes the same readiness as the domain code (DOMAIN.md)."""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from django.utils import timezone

from assessments import validity
from assessments.models import Assessment, Certification, CertificationRevocation
from bench.reference import line_readiness
from courses.models import Course
from courses.selectors import required_course_ids_by_employee
from devdata.scale import ScaleSpec, generate_scale_data
from employees.models import Employee, EmployeeStatus
from tests.assessments.conftest import D1, D2, worked_example  # noqa: F401 - fixture


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_gives_the_worked_example_figures(worked_example) -> None:  # noqa: F811
    plant, line = worked_example["plant"], worked_example["line"]

    assert line_readiness(on_date=D1)[(plant.id, line.id, False)] == (3, 2)
    assert line_readiness(on_date=D1)[(plant.id, None, True)] == (3, 2)
    assert line_readiness(on_date=D2)[(plant.id, line.id, False)] == (3, 1)


def _python_figures(on_date: datetime.date) -> dict[tuple[int, int | None, bool], tuple[int, int]]:
    """The same figures from the ORM and validity.certification_state (pair by pair: slow but plain)."""
    employees = list(Employee.objects.filter(status=EmployeeStatus.ACTIVE))
    required = required_course_ids_by_employee(employees=employees)
    courses = {c.id: c for c in Course.objects.all()}
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    for employee_id, course_id, kind, assessed_on in Assessment.objects.filter(
        passed=True, voided_at__isnull=True
    ).values_list("employee_id", "course_id", "kind", "assessed_on"):
        passes[(employee_id, course_id)].append((kind, assessed_on))
    revocations: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    for e, c, r in CertificationRevocation.objects.values_list("employee_id", "course_id", "revoked_on"):
        revocations[(e, c)].append(r)

    def valid(employee_id: int, course_id: int) -> bool:
        course = courses[course_id]
        return validity.certification_state(
            needed_kinds=course.needed_kinds,
            validity_months=course.validity_months,
            passes=passes[(employee_id, course_id)],
            revoked_on=validity.revocation_in_force(revocations[(employee_id, course_id)], on_date),
            on_date=on_date,
        ).valid

    figures: dict[tuple[int, int | None, bool], list[int]] = {}
    for employee in employees:
        qualified = all(valid(employee.id, course_id) for course_id in required[employee.id])
        for key in ((employee.plant_id, employee.line_id, False), (employee.plant_id, None, True)):
            counts = figures.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(qualified)
    return {key: tuple(counts) for key, counts in figures.items()}


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_agrees_with_the_domain_code_on_a_generated_dataset(admin_user) -> None:
    today = datetime.date(2026, 6, 30)
    generate_scale_data(
        spec=ScaleSpec(plants=2, employees=300, courses=205, assessments=9000, seed=5, today=today),
        progress=lambda _message: None,
    )
    # Revocations (not produced by the generator) must count the same way in both: one certification
    # revoked twice, each date applying the revocation in force on it (the latest on or before it).
    revoked = Certification.objects.filter(certified_on__isnull=False, expires_on__isnull=True).first()
    for days_before in (250, 10):
        CertificationRevocation.objects.create(
            employee_id=revoked.employee_id,
            course_id=revoked.course_id,
            revoked_on=today - datetime.timedelta(days=days_before),
            revoked_at=timezone.now(),
            revoked_by=admin_user,
            reason="quality incident",
        )
    Certification.objects.filter(pk=revoked.pk).update(
        revoked_on=today - datetime.timedelta(days=10), revoked_at=timezone.now(), revoked_by=admin_user
    )

    for on_date in (today, today - datetime.timedelta(days=200)):
        reference = line_readiness(on_date=on_date)
        expected = _python_figures(on_date)
        assert reference == expected
        assert sum(q for (_p, _l, total), (_h, q) in reference.items() if total) > 0
