"""Reads of assessments and certifications for pages, exports and the API.

Per-person figures here read the Certification rows (current state). The
plant-wide figures of dashboards come from the roll-up tables (rollup.py).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from assessments.models import Assessment, AuditEvent, Certification, CertificationStatus, TrainingSession
from courses.models import Course, Requirement, RequirementScope, TrainerAuthorisation
from courses.selectors import required_course_ids_by_employee
from employees.models import Employee, EmployeeStatus
from employees.selectors import Capability, plant_ids_for_user, scope_to_plants


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


# --- Training sessions ---------------------------------------------------------------


def sessions_for_user(*, user: AbstractBaseUser, capability: Iterable[str] | None = None) -> QuerySet[TrainingSession]:
    return scope_to_plants(
        TrainingSession.objects.select_related("course", "plant", "trainer"), user=user, capability=capability
    )


@dataclass(frozen=True)
class TrainerSessions:
    recent: list[TrainingSession]
    upcoming: list[TrainingSession]


def trainer_sessions(*, user: AbstractBaseUser, days_back: int = 60, limit: int = 10) -> TrainerSessions:
    """The trainer's own sessions around today (each plant's local today), with attendee and result counts."""
    earliest = timezone.now().date() - datetime.timedelta(days=days_back + 1)
    sessions = (
        sessions_for_user(user=user, capability=Capability.RECORD_RESULTS)
        .filter(trainer=user, held_on__gte=earliest)
        .annotate(
            attendee_count=Count("attendees", distinct=True),
            result_count=Count("assessments", filter=Q(assessments__voided_at__isnull=True), distinct=True),
        )
        .order_by("held_on", "id")
    )
    recent, upcoming = [], []
    for session in sessions:
        if session.held_on > session.plant.local_today():
            if not session.is_cancelled:  # a cancelled session is not coming up; it stays on its page and the list
                upcoming.append(session)
        else:
            recent.append(session)
    return TrainerSessions(recent=list(reversed(recent))[:limit], upcoming=upcoming[:limit])


def session_results(*, session: TrainingSession) -> dict[int, list[Assessment]]:
    """Results recorded in the session, per employee id (voided ones included, newest last)."""
    results: dict[int, list[Assessment]] = {}
    for assessment in session.assessments.select_related("voided_by").order_by("recorded_at", "id"):
        results.setdefault(assessment.employee_id, []).append(assessment)
    return results


# --- "Who needs me": the trainer's open work ---------------------------------------

GAP_ORDER = {
    CertificationStatus.EXPIRED: 0,
    CertificationStatus.REVOKED: 1,
    CertificationStatus.MISSING: 2,
    CertificationStatus.IN_PROGRESS: 3,
    CertificationStatus.EXPIRING: 4,
}


@dataclass(frozen=True)
class GapRow:
    employee: Employee
    course: Course
    status: str
    expires_on: datetime.date | None
    attempts: int

    @property
    def status_label(self) -> str:
        return CertificationStatus(self.status).label


def trainer_gaps(*, user: AbstractBaseUser, within_days: int = 30) -> list[GapRow]:
    """Active employees of the trainer's plants whose REQUIRED certification in a course the trainer may
    assess there is missing (or in progress, revoked), expired, or expiring within `within_days`.

    Set-based: a fixed number of queries whatever the headcount; D is each plant's local today.
    """
    plant_ids = plant_ids_for_user(user=user, capability=Capability.RECORD_RESULTS)
    today_utc = timezone.now().date()
    authorisations = TrainerAuthorisation.objects.filter(user=user, course__is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today_utc)
    )
    if plant_ids is not None:
        authorisations = authorisations.filter(plant_id__in=plant_ids)
    authorised = set(authorisations.values_list("course_id", "plant_id"))
    if not authorised:
        return []
    course_ids = {course_id for course_id, _plant_id in authorised}
    auth_plant_ids = {plant_id for _course_id, plant_id in authorised}

    # Narrow the roster to people some requirement on these courses can reach before the exact required sets.
    requirements = list(
        Requirement.objects.filter(course_id__in=course_ids)
        .filter(
            Q(scope=RequirementScope.PLANT, plant_id__in=auth_plant_ids)
            | Q(scope=RequirementScope.ROLE)
            | Q(scope=RequirementScope.STATION, station__line__plant_id__in=auth_plant_ids)
        )
        .values_list("scope", "plant_id", "role_id", "station_id")
    )
    reach = Q(pk__in=[])
    plant_scope = {p for scope, p, _r, _s in requirements if scope == RequirementScope.PLANT}
    role_scope = {r for scope, _p, r, _s in requirements if scope == RequirementScope.ROLE}
    station_scope = {s for scope, _p, _r, s in requirements if scope == RequirementScope.STATION}
    if plant_scope:
        reach |= Q(plant_id__in=plant_scope)
    if role_scope:
        reach |= Q(role_id__in=role_scope)
    if station_scope:
        reach |= Q(station_id__in=station_scope)
    roster = Employee.objects.filter(reach, plant_id__in=auth_plant_ids, status=EmployeeStatus.ACTIVE)
    employees = list(roster.select_related("plant", "line", "station", "role").order_by("employee_no"))
    if not employees:
        return []
    required = required_course_ids_by_employee(employees=employees)
    certifications = {
        (c.employee_id, c.course_id): c
        for c in Certification.objects.filter(employee__in=roster, course_id__in=course_ids)
    }
    courses = Course.objects.in_bulk(course_ids)
    plant_today: dict[int, datetime.date] = {}
    gaps = []
    for employee in employees:
        if employee.plant_id not in plant_today:
            plant_today[employee.plant_id] = employee.plant.local_today()
        for course_id in required[employee.id]:
            if (course_id, employee.plant_id) not in authorised:
                continue
            certification = certifications.get((employee.id, course_id))
            status = (
                certification.status_on(plant_today[employee.plant_id], expiring_days=within_days)
                if certification
                else CertificationStatus.MISSING
            )
            if status == CertificationStatus.VALID:
                continue
            gaps.append(
                GapRow(
                    employee=employee,
                    course=courses[course_id],
                    status=status,
                    expires_on=certification.expires_on if certification else None,
                    attempts=certification.attempts if certification else 0,
                )
            )
    gaps.sort(
        key=lambda g: (GAP_ORDER[g.status], g.expires_on or datetime.date.min, g.course.code, g.employee.employee_no)
    )
    return gaps


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
