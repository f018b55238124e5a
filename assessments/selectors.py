"""Reads of assessments and certifications for pages, exports and the API.

Per-person figures here read the Certification rows (current state). The
plant-wide figures of dashboards come from the roll-up tables (rollup.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from assessments.models import Assessment, AuditEvent, Certification, CertificationStatus
from courses.models import Course
from courses.selectors import required_course_ids_by_employee
from employees.models import Employee


@dataclass(frozen=True)
class RequirementRow:
    course: Course
    certification: Certification | None
    status: str
    expires_on: datetime.date | None

    @property
    def is_valid(self) -> bool:
        return self.status in (CertificationStatus.VALID, CertificationStatus.EXPIRING)

    @property
    def status_label(self) -> str:
        return CertificationStatus(self.status).label


@dataclass(frozen=True)
class Qualification:
    required: int
    valid: int

    @property
    def qualified(self) -> bool:
        return self.valid == self.required

    @property
    def completion(self) -> float:
        """valid / required; 1.0 for an empty required set (DOMAIN.md)."""
        return 1.0 if self.required == 0 else self.valid / self.required


def certification_status(certification: Certification | None, *, on_date: datetime.date) -> str:
    if certification is None:
        return CertificationStatus.MISSING
    return certification.status_on(on_date)


def employee_requirements(*, employee: Employee, on_date: datetime.date) -> list[RequirementRow]:
    """Each required course of the employee with its state on D, ordered by course code."""
    course_ids = required_course_ids_by_employee(employees=[employee])[employee.id]
    courses = Course.objects.filter(id__in=course_ids).select_related("process_area").order_by("code")
    certifications = {c.course_id: c for c in Certification.objects.filter(employee=employee, course_id__in=course_ids)}
    rows = []
    for course in courses:
        certification = certifications.get(course.id)
        rows.append(
            RequirementRow(
                course=course,
                certification=certification,
                status=certification_status(certification, on_date=on_date),
                expires_on=certification.expires_on if certification else None,
            )
        )
    return rows


def qualifications(*, employees: Iterable[Employee], on_date: datetime.date) -> dict[int, Qualification]:
    """Required and valid counts per employee on D (today or later), in four queries."""
    employees = list(employees)
    required = required_course_ids_by_employee(employees=employees)
    all_course_ids = set().union(*required.values()) if required else set()
    valid_pairs = {
        (c.employee_id, c.course_id)
        for c in Certification.objects.filter(
            employee_id__in=[e.id for e in employees], course_id__in=all_course_ids, certified_on__isnull=False
        ).only("employee_id", "course_id", "certified_on", "expires_on")
        if c.is_valid_on(on_date)
    }
    return {
        e.id: Qualification(required=len(required[e.id]), valid=sum((e.id, c) in valid_pairs for c in required[e.id]))
        for e in employees
    }


def employee_assessments(*, employee: Employee) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(employee=employee)
        .select_related("course", "assessor", "recorded_by", "voided_by", "session")
        .order_by("-assessed_on", "-id")
    )


def employee_audit_events(*, employee: Employee, limit: int = 100) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(employee=employee).select_related("actor", "course")[:limit]
