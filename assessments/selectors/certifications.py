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
from courses.models import ChecklistItem, Course, DeliveryMode
from courses.selectors import required_levels_by_employee
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
    """Employee E in course C as of D: only results dated on or before D and the revocation in force on D
    count, and a provisional (virtual-model) pass only while E's confirmation window is open on D."""

    employee_id: int
    course_id: int
    on_date: datetime.date
    status: str
    certified_on: datetime.date | None
    expires_on: datetime.date | None
    revoked_on: datetime.date | None  # the revocation in force on D: the latest dated on or before it
    attempts: int  # non-voided results dated on or before D
    level: str | None = None  # the level held on D (None: not valid on D)
    provisional: bool = False  # valid on D on a virtual-model pass
    provisional_until: datetime.date | None = None  # with `provisional`: the first day it no longer counts
    confirmed_level: str | None = None  # the level held on D counting no provisional pass (None: not valid so)

    @property
    def is_valid(self) -> bool:
        return self.status in (CertificationStatus.VALID, CertificationStatus.EXPIRING)

    @property
    def status_label(self) -> str:
        return CertificationStatus(self.status).label

    def meets(self, min_level: str | None) -> bool:
        """Met on D (DOMAIN.md): valid, at the minimum level (default U) or above."""
        return self.is_valid and validity.level_rank(self.level) >= validity.level_rank(min_level)

    def meets_confirmed(self, min_level: str | None) -> bool:
        """Met on D counting no provisional pass (the `qualified_confirmed` figures)."""
        return self.confirmed_level is not None and validity.level_rank(self.confirmed_level) >= validity.level_rank(
            min_level
        )


def confirmation_closes_by_employee(*, employee_ids: Iterable[int]) -> dict[int, datetime.date | None]:
    """{employee_id: the first day their provisional passes stop counting} (their line's SOP + their
    plant's confirmation window; None without a line or an SOP date). One query."""
    closes: dict[int, datetime.date | None] = {}
    for employee_id, sop_date, window in Employee.objects.filter(id__in=set(employee_ids)).values_list(
        "id", "line__sop_date", "plant__confirmation_window_days"
    ):
        closes[employee_id] = None if sop_date is None else sop_date + datetime.timedelta(days=window)
    return closes


def certifications_as_of(
    *, pairs: Iterable[tuple[int, int]], on_date: datetime.date, expiring_days: int = 30
) -> dict[tuple[int, int], CertificationAsOf]:
    """Each (employee_id, course_id) pair's certification as of D, from its assessments.

    The stored Certification row describes every result recorded, so it answers for the plant's
    today but not for a past D (a pass after D, a revocation after D). Here every date gets the
    roll-up's answer: passing, non-voided results dated on or before D, the revocation in force on D
    (revocations_as_of: the latest dated on or before it), provisional passes while the employee's
    confirmation window is open on D, through validity.certification_on with on_date=D. Four queries
    whatever the number of pairs.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    employee_ids = {e for e, _c in pairs}
    course_ids = {c for _e, c in pairs}
    courses = Course.objects.only("needs_theory", "needs_practical", "validity_months").in_bulk(course_ids)
    passes: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    attempts: dict[tuple[int, int], int] = defaultdict(int)
    for employee_id, course_id, kind, assessed_on, passed, level, delivery_mode in (
        Assessment.objects.filter(
            employee_id__in=employee_ids, course_id__in=course_ids, voided_at__isnull=True, assessed_on__lte=on_date
        )
        .order_by()
        .values_list("employee_id", "course_id", "kind", "assessed_on", "passed", "level", "delivery_mode")
    ):
        attempts[(employee_id, course_id)] += 1
        if passed:
            passes[(employee_id, course_id)].append((kind, assessed_on, level, delivery_mode == DeliveryMode.VIRTUAL))
    revoked = revocations_as_of(on_date=on_date, employee_ids=employee_ids, course_ids=course_ids)
    closes = confirmation_closes_by_employee(employee_ids=employee_ids)
    states = {}
    for key in pairs:
        course = courses[key[1]]
        common = {
            "needed_kinds": course.needed_kinds,
            "validity_months": course.validity_months,
            "passes": passes.get(key, ()),
            "revoked_on": revoked.get(key),
            "on_date": on_date,
            "closes_on": closes.get(key[0]),
        }
        state = validity.certification_on(**common)
        confirmed = validity.certification_on(**common, confirmed=True)
        counting = validity.provisional_counts_on(on_date, closes.get(key[0]))
        # Not valid now, but it would be with the provisional passes the closed window no longer counts.
        lapsed = not counting and not state.valid and validity.certification_on(**{**common, "closes_on": None}).valid
        status = validity.status_on(
            certified_on=state.certified_on,
            expires_on=state.expires_on,
            revoked_on=revoked.get(key),
            attempts=attempts.get(key, 0),
            on_date=on_date,
            expiring_days=expiring_days,
            provisional_lapsed=lapsed,
        )
        states[key] = CertificationAsOf(
            employee_id=key[0],
            course_id=key[1],
            on_date=on_date,
            status=status,
            certified_on=state.certified_on,
            expires_on=state.expires_on,
            revoked_on=revoked.get(key),
            attempts=attempts.get(key, 0),
            level=state.level if state.valid else None,
            provisional=state.valid and state.provisional,
            provisional_until=closes.get(key[0]) if state.valid and state.provisional else None,
            confirmed_level=confirmed.level if confirmed.valid else None,
        )
    return states


# --- Per-person figures ------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementRow:
    course: Course
    certification: Certification | None  # the stored row (today's state: revocation details, the revoke form)
    state: CertificationAsOf  # as of the date asked
    revocations: tuple[CertificationRevocation, ...] = ()  # every revocation on record, newest first
    min_level: str = "U"  # the highest minimum level of the scopes requiring the course

    @property
    def is_met(self) -> bool:
        return self.state.meets(self.min_level)

    @property
    def level_below(self) -> bool:
        """Valid on D, at a level below the one required (an L pass where U is needed)."""
        return self.state.is_valid and not self.is_met

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
    met: int
    met_confirmed: int | None = None  # counting no provisional pass

    @property
    def qualified(self) -> bool:
        return self.met == self.required

    @property
    def qualified_confirmed(self) -> bool:
        return (self.met if self.met_confirmed is None else self.met_confirmed) == self.required

    @property
    def completion(self) -> float:
        """met / required; 1.0 for an empty required set (DOMAIN.md)."""
        return validity.completion(valid=self.met, required=self.required)


def employee_requirements(*, employee: Employee, on_date: datetime.date) -> list[RequirementRow]:
    """Each required course of the employee with its state as of D and its minimum level, by course code."""
    levels = required_levels_by_employee(employees=[employee])[employee.id]
    course_ids = set(levels)
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
            min_level=levels[c.id],
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
    """Required and met counts per employee as of D (and met counting no provisional pass), in a constant
    number of queries."""
    employees = list(employees)
    required = required_levels_by_employee(employees=employees)
    states = certifications_as_of(pairs=[(e.id, c) for e in employees for c in required[e.id]], on_date=on_date)
    return {
        e.id: Qualification(
            required=len(required[e.id]),
            met=sum(states[(e.id, c)].meets(level) for c, level in required[e.id].items()),
            met_confirmed=sum(states[(e.id, c)].meets_confirmed(level) for c, level in required[e.id].items()),
        )
        for e in employees
    }


def employee_assessments(*, employee: Employee) -> QuerySet[Assessment]:
    # "employee" and its plant too: can_void() reads assessment.employee.plant_id for every row; the checklist
    # revision marked against and its items (one query for all), for the checklist behind each practical.
    return (
        Assessment.objects.filter(employee=employee)
        .select_related("employee", "course", "assessor", "recorded_by", "voided_by", "session", "checklist")
        .prefetch_related("checklist__items")
        .order_by("-assessed_on", "-id")
    )


def checklist_marks(assessment: Assessment) -> list[tuple[ChecklistItem, bool | None]]:
    """The checklist behind a practical: each item of the revision it was marked against, with its mark
    (None for an item the result holds no mark for). Empty without a checklist. Reads prefetched items."""
    if assessment.checklist_id is None:
        return []
    marks = list(assessment.checklist_marks or [])
    items = sorted(assessment.checklist.items.all(), key=lambda item: item.position)
    return [(item, marks[n] if n < len(marks) else None) for n, item in enumerate(items)]


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
