"""The benchmark's bare reference computes the same readiness as the domain code (DOMAIN.md)."""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from django.utils import timezone

from assessments import validity
from assessments.models import Assessment, Certification, CertificationRevocation
from bench.reference import line_readiness, station_shift_coverage
from courses.models import Course
from courses.selectors import required_levels_by_employee
from devdata.scale import ScaleSpec, generate_scale_data
from employees.models import Employee, EmployeeStatus
from tests.assessments.conftest import (  # noqa: F401 - fixtures
    D1,
    D2,
    W2_TODAY,
    W2_WINDOW_CLOSED,
    worked_example,
    worked_example_2,
)


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_gives_the_worked_example_figures(worked_example) -> None:  # noqa: F811
    plant, line = worked_example["plant"], worked_example["line"]

    assert line_readiness(on_date=D1)[(plant.id, line.id, False)] == (3, 2, 2)
    assert line_readiness(on_date=D1)[(plant.id, None, True)] == (3, 2, 2)
    assert line_readiness(on_date=D2)[(plant.id, line.id, False)] == (3, 1, 1)
    coverage = station_shift_coverage(on_date=D1)
    assert (coverage[(worked_example["s1"].id, "A")], coverage[(worked_example["s2"].id, "A")]) == (2, 1)


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_gives_the_second_worked_example_figures(worked_example_2) -> None:  # noqa: F811
    line, t1 = worked_example_2["line"], worked_example_2["t1"]

    assert line_readiness(on_date=W2_TODAY)[(worked_example_2["plant"].id, line.id, False)] == (4, 2, 1)
    assert line_readiness(on_date=W2_WINDOW_CLOSED)[(worked_example_2["plant"].id, line.id, False)] == (4, 1, 1)
    assert station_shift_coverage(on_date=W2_TODAY) == {(t1.id, "A"): 1, (t1.id, "B"): 1}
    assert station_shift_coverage(on_date=W2_WINDOW_CLOSED) == {(t1.id, "A"): 1, (t1.id, "B"): 0}


def _python_figures(on_date: datetime.date) -> dict[tuple[int, int | None, bool], tuple[int, int, int]]:
    """The same figures from the ORM and validity.certification_on (pair by pair: slow but plain): met at the
    highest minimum level, provisional passes while the employee's window is open, none for confirmed."""
    employees = list(Employee.objects.filter(status=EmployeeStatus.ACTIVE).select_related("line", "plant"))
    required = required_levels_by_employee(employees=employees)
    courses = {c.id: c for c in Course.objects.all()}
    passes: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for employee_id, course_id, kind, assessed_on, level, mode in Assessment.objects.filter(
        passed=True, voided_at__isnull=True
    ).values_list("employee_id", "course_id", "kind", "assessed_on", "level", "delivery_mode"):
        passes[(employee_id, course_id)].append((kind, assessed_on, level, mode == "virtual"))
    revocations: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    for e, c, r in CertificationRevocation.objects.values_list("employee_id", "course_id", "revoked_on"):
        revocations[(e, c)].append(r)

    def met(employee: Employee, course_id: int, min_level: str, confirmed: bool) -> bool:
        course = courses[course_id]
        return validity.certification_on(
            needed_kinds=course.needed_kinds,
            validity_months=course.validity_months,
            passes=passes[(employee.id, course_id)],
            revoked_on=validity.revocation_in_force(revocations[(employee.id, course_id)], on_date),
            on_date=on_date,
            closes_on=employee.line.confirmation_closes_on() if employee.line else None,
            confirmed=confirmed,
        ).meets(min_level)

    figures: dict[tuple[int, int | None, bool], list[int]] = {}
    for employee in employees:
        levels = required[employee.id].items()
        qualified = all(met(employee, course_id, level, False) for course_id, level in levels)
        confirmed = all(met(employee, course_id, level, True) for course_id, level in levels)
        for key in ((employee.plant_id, employee.line_id, False), (employee.plant_id, None, True)):
            counts = figures.setdefault(key, [0, 0, 0])
            counts[0] += 1
            counts[1] += int(qualified)
            counts[2] += int(confirmed)
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
        assert sum(q for (_p, _l, total), (_h, q, _c) in reference.items() if total) > 0
