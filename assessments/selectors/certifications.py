"""Certifications as of a date, and the per-person figures read from them.

Per-person figures on a date D come from certifications_as_of(): the assessments dated on or before
D and the revocation in force on D (the latest dated on or before it), through the one validity rule
(validity.certification_state), as the roll-up's on-the-fly SQL does for any date. The stored
Certification row answers only for the plant's today.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, QuerySet

from assessments import validity
from assessments.models import Assessment, AuditEvent, Certification, CertificationRevocation, CertificationStatus
from courses.models import Course
from courses.selectors import required_course_ids_by_employee
from employees.models import Employee

# --- Revocations as of a date ---------------------------------------------------------


def revocations_as_of(
    *,
    on_date: datetime.date,
    employee_ids: Iterable[int] | None = None,
    course_ids: Iterable[int] | None = None,
    plant_id: int | None = None,
) -> dict[tuple[int, int], datetime.date]:
    """{(employee_id, course_id): the revocation in force on D}, the latest dated on or before D
    (validity.revocation_in_force), for the given employees, courses and/or plant. One query.

    Certification.revoked_on holds only the latest revocation, which answers for today; a past D
    reads the history (CertificationRevocation). The roll-up's SQL twin is readiness.sql.VALIDITY_CTES' `revoked`.
    """
    rows = CertificationRevocation.objects.filter(revoked_on__lte=on_date)
    if employee_ids is not None:
        rows = rows.filter(employee_id__in=set(employee_ids))
    if course_ids is not None:
        rows = rows.filter(course_id__in=set(course_ids))
    if plant_id is not None:
        rows = rows.filter(employee__plant_id=plant_id)
    return {
        (employee_id, course_id): revoked_on
        for employee_id, course_id, revoked_on in rows.order_by()
        .values("employee_id", "course_id")
        .annotate(revoked_on=Max("revoked_on"))
        .values_list("employee_id", "course_id", "revoked_on")
    }


def revocation_dates(
    *, employee_ids: Iterable[int], course_ids: Iterable[int]
) -> dict[tuple[int, int], list[datetime.date]]:
    """{(employee_id, course_id): every revocation date}, for readers of several dates at once (a batch of
    results dated differently): each picks its date's with validity.revocation_in_force. One query."""
    dates: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    for employee_id, course_id, revoked_on in (
        CertificationRevocation.objects.filter(employee_id__in=set(employee_ids), course_id__in=set(course_ids))
        .order_by()
        .values_list("employee_id", "course_id", "revoked_on")
    ):
        dates[(employee_id, course_id)].append(revoked_on)
    return dates


# --- Certifications as of a date ------------------------------------------------------


@dataclass(frozen=True)
class CertificationAsOf:
    """Employee E in course C as of D: only results dated on or before D and the revocation in force on D count."""

    employee_id: int
    course_id: int
    on_date: datetime.date
    status: str
    certified_on: datetime.date | None
    expires_on: datetime.date | None
    revoked_on: datetime.date | None  # the revocation in force on D: the latest dated on or before it
    attempts: int  # non-voided results dated on or before D

    @property
    def is_valid(self) -> bool:
        return self.status in (CertificationStatus.VALID, CertificationStatus.EXPIRING)

    @property
    def status_label(self) -> str:
        return CertificationStatus(self.status).label


def certifications_as_of(
    *, pairs: Iterable[tuple[int, int]], on_date: datetime.date, expiring_days: int = 30
) -> dict[tuple[int, int], CertificationAsOf]:
    """Each (employee_id, course_id) pair's certification as of D, from its assessments.

    The stored Certification row describes every result recorded, so it answers for the plant's
    today but not for a past D (a pass after D, a revocation after D). Here every date gets the
    roll-up's answer: passing, non-voided results dated on or before D, the revocation in force on D
    (revocations_as_of: the latest dated on or before it), through validity.certification_state with
    on_date=D. Three queries whatever the number of pairs.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    employee_ids = {e for e, _c in pairs}
    course_ids = {c for _e, c in pairs}
    courses = Course.objects.only("needs_theory", "needs_practical", "validity_months").in_bulk(course_ids)
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    attempts: dict[tuple[int, int], int] = defaultdict(int)
    for employee_id, course_id, kind, assessed_on, passed in (
        Assessment.objects.filter(
            employee_id__in=employee_ids, course_id__in=course_ids, voided_at__isnull=True, assessed_on__lte=on_date
        )
        .order_by()
        .values_list("employee_id", "course_id", "kind", "assessed_on", "passed")
    ):
        attempts[(employee_id, course_id)] += 1
        if passed:
            passes[(employee_id, course_id)].append((kind, assessed_on))
    revoked = revocations_as_of(on_date=on_date, employee_ids=employee_ids, course_ids=course_ids)
    states = {}
    for key in pairs:
        course = courses[key[1]]
        state = validity.certification_state(
            needed_kinds=course.needed_kinds,
            validity_months=course.validity_months,
            passes=passes.get(key, ()),
            revoked_on=revoked.get(key),
            on_date=on_date,
        )
        states[key] = CertificationAsOf(
            employee_id=key[0],
            course_id=key[1],
            on_date=on_date,
            status=validity.status_on(
                certified_on=state.certified_on,
                expires_on=state.expires_on,
                revoked_on=revoked.get(key),
                attempts=attempts.get(key, 0),
                on_date=on_date,
                expiring_days=expiring_days,
            ),
            certified_on=state.certified_on,
            expires_on=state.expires_on,
            revoked_on=revoked.get(key),
            attempts=attempts.get(key, 0),
        )
    return states


# --- Per-person figures ------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementRow:
    course: Course
    certification: Certification | None  # the stored row (today's state: revocation details, the revoke form)
    state: CertificationAsOf  # as of the date asked
    revocations: tuple[CertificationRevocation, ...] = ()  # every revocation on record, newest first

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def expires_on(self) -> datetime.date | None:
        return self.state.expires_on

    @property
    def is_valid(self) -> bool:
        return self.state.is_valid

    @property
    def status_label(self) -> str:
        return self.state.status_label


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
        return validity.completion(valid=self.valid, required=self.required)


def employee_requirements(*, employee: Employee, on_date: datetime.date) -> list[RequirementRow]:
    """Each required course of the employee with its state as of D, ordered by course code."""
    course_ids = required_course_ids_by_employee(employees=[employee])[employee.id]
    courses = Course.objects.filter(id__in=course_ids).select_related("process_area").order_by("code")
    certifications = {c.course_id: c for c in Certification.objects.filter(employee=employee, course_id__in=course_ids)}
    states = certifications_as_of(pairs=[(employee.id, c) for c in course_ids], on_date=on_date)
    revocations: dict[int, list[CertificationRevocation]] = defaultdict(list)
    for revocation in CertificationRevocation.objects.filter(
        employee=employee, course_id__in=course_ids
    ).select_related("revoked_by"):  # newest first (the model's ordering)
        revocations[revocation.course_id].append(revocation)
    return [
        RequirementRow(
            course=c,
            certification=certifications.get(c.id),
            state=states[(employee.id, c.id)],
            revocations=tuple(revocations[c.id]),
        )
        for c in courses
    ]


def employee_other_certifications_as_of(
    *, employee: Employee, required_course_ids: Iterable[int], on_date: datetime.date
) -> list[tuple[Course, CertificationAsOf]]:
    """Courses outside the required set the employee had attempted by D, with their state as of D."""
    course_ids = set(
        Certification.objects.filter(employee=employee)
        .exclude(course_id__in=set(required_course_ids))
        .values_list("course_id", flat=True)
    )
    states = certifications_as_of(pairs=[(employee.id, c) for c in course_ids], on_date=on_date)
    courses = Course.objects.filter(id__in=course_ids).order_by("code")
    return [
        (course, states[(employee.id, course.id)])
        for course in courses
        if states[(employee.id, course.id)].status != CertificationStatus.MISSING
    ]


def qualifications(*, employees: Iterable[Employee], on_date: datetime.date) -> dict[int, Qualification]:
    """Required and valid counts per employee as of D, in a constant number of queries."""
    employees = list(employees)
    required = required_course_ids_by_employee(employees=employees)
    states = certifications_as_of(pairs=[(e.id, c) for e in employees for c in required[e.id]], on_date=on_date)
    return {
        e.id: Qualification(required=len(required[e.id]), valid=sum(states[(e.id, c)].is_valid for c in required[e.id]))
        for e in employees
    }


def employee_assessments(*, employee: Employee) -> QuerySet[Assessment]:
    # "employee" and its plant too: can_void() reads assessment.employee.plant_id for every row.
    return (
        Assessment.objects.filter(employee=employee)
        .select_related("employee", "course", "assessor", "recorded_by", "voided_by", "session")
        .order_by("-assessed_on", "-id")
    )


def employee_audit_events(*, employee: Employee, limit: int = 100) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(employee=employee).select_related("actor", "course")[:limit]


def employee_other_certifications(*, employee: Employee, required_course_ids: Iterable[int]) -> QuerySet[Certification]:
    """Certifications (and attempts) of the employee in courses outside their required set."""
    return (
        Certification.objects.filter(employee=employee)
        .exclude(course_id__in=set(required_course_ids))
        .select_related("course")
        .order_by("course__code")
    )
