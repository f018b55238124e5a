"""Reads of assessments and certifications for pages, exports and the API.

Per-person figures here read the Certification rows (current state). The
plant-wide figures of dashboards come from the roll-up tables (rollup.py).
"""

from __future__ import annotations

import datetime
import json
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


def audit_events_for_user(*, user: object, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Audit events the user may read (Capability.VIEW_AUDIT_LOG), newest first, filtered.

    Events without a plant (company-wide changes) are visible to company-wide admins only.
    """
    from employees.selectors import Capability, scope_to_plants

    events = scope_to_plants(
        AuditEvent.objects.select_related("actor", "plant", "employee", "course"),
        user=user,
        capability=Capability.VIEW_AUDIT_LOG,
    )
    filters = filters or {}
    if filters.get("actor"):
        events = events.filter(actor__username__iexact=filters["actor"].strip())
    if filters.get("employee"):
        events = events.filter(employee__employee_no__iexact=filters["employee"].strip())
    if filters.get("course"):
        events = events.filter(course__code__iexact=filters["course"].strip())
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("date_from"):
        events = events.filter(occurred_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(occurred_at__date__lte=filters["date_to"])
    return events.order_by("-occurred_at", "-id")


AUDIT_COLUMNS = ("When (UTC)", "Who", "From", "Event", "Plant", "Employee", "Course", "Summary", "Changes")


def audit_rows(events: QuerySet[AuditEvent]) -> Iterable[tuple]:
    for event in events.iterator(chunk_size=2000):
        yield (
            event.occurred_at.replace(tzinfo=None),
            event.actor.get_username() if event.actor else "",
            event.ip_address or "",
            event.action,
            event.plant.code if event.plant else "",
            event.employee.employee_no if event.employee else "",
            event.course.code if event.course else "",
            event.summary,
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
        )
