"""Reads of assessments and certifications for pages, exports and the API.

Per-person figures on a date D come from certifications_as_of(): the assessments dated on or
before D and the revocation in force on D (the latest dated on or before it), through the one
validity rule (validity.certification_state), as the roll-up's on-the-fly SQL does for any date.
The plant-wide figures of dashboards come from the roll-up tables (rollup.py).
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from assessments import validity
from assessments.models import (
    Assessment,
    AuditEvent,
    Certification,
    CertificationRevocation,
    CertificationStatus,
    TrainingSession,
)
from certtrack.names import user_name
from certtrack.times import in_zone, viewer_zone, zone_name
from courses.models import Course, Requirement, RequirementScope, TrainerAuthorisation
from courses.selectors import required_course_ids_by_employee
from employees.access import Capability, plant_ids_for_user, scope_to_plants
from employees.models import Employee, EmployeeStatus

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
    reads the history (CertificationRevocation). The roll-up's SQL twin is rollup.VALIDITY_CTES' `revoked`.
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
    booked: TrainingSession | None = None  # the earliest upcoming session of the course they attend (sessions_booked)

    @property
    def status_label(self) -> str:
        return CertificationStatus(self.status).label


def sessions_booked(
    *, employee_ids: Iterable[int] | QuerySet[Employee], course_ids: Iterable[int]
) -> dict[tuple[int, int], TrainingSession]:
    """{(employee_id, course_id): the earliest upcoming session of the course the employee attends}, at their
    plant: not cancelled, held on the plant's today or later, and with no result of theirs recorded in it yet
    (someone who failed this morning's session is not booked by it any more). One query.

    `employee_ids` may be a queryset of employees: it is then a subquery, whatever the headcount.
    """
    # No plant's today is before UTC's yesterday: the database keeps the nearly right rows, Python the exact ones.
    earliest = timezone.now().date() - datetime.timedelta(days=1)
    assessed = Assessment.objects.filter(
        session_id=OuterRef("trainingsession_id"), employee_id=OuterRef("employee_id"), voided_at__isnull=True
    )
    attendances = (
        TrainingSession.attendees.through.objects.filter(
            employee_id__in=employee_ids,
            trainingsession__course_id__in=set(course_ids),
            trainingsession__plant_id=F("employee__plant_id"),
            trainingsession__cancelled_at__isnull=True,
            trainingsession__held_on__gte=earliest,
        )
        .exclude(Exists(assessed))
        .select_related("trainingsession__plant")
        .order_by("trainingsession__held_on", "trainingsession_id")
    )
    plant_today: dict[int, datetime.date] = {}
    booked: dict[tuple[int, int], TrainingSession] = {}
    for attendance in attendances:
        session = attendance.trainingsession
        if session.plant_id not in plant_today:
            plant_today[session.plant_id] = session.plant.local_today()
        if session.held_on >= plant_today[session.plant_id]:
            booked.setdefault((attendance.employee_id, session.course_id), session)
    return booked


def trainer_gaps(
    *,
    user: AbstractBaseUser,
    within_days: int = 30,
    course_ids: Iterable[int] | None = None,
    plant_ids: Iterable[int] | None = None,
) -> list[GapRow]:
    """Active employees of the trainer's plants whose REQUIRED certification in a course the trainer may
    assess there is missing (or in progress, revoked), expired, or expiring within `within_days`
    (`course_ids`: only these of the trainer's courses; `plant_ids`: only these of the trainer's plants,
    e.g. the one plant a session is planned at). One row per (employee, course): a gap, not a person.
    Each row names the upcoming session the person is already booked on for that course, if any.

    Set-based: a fixed number of queries whatever the headcount; D is each plant's local today.
    """
    allowed = plant_ids_for_user(user=user, capability=Capability.RECORD_RESULTS)
    today_utc = timezone.now().date()
    authorisations = TrainerAuthorisation.objects.filter(user=user, course__is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today_utc)
    )
    if allowed is not None:
        authorisations = authorisations.filter(plant_id__in=allowed)
    if plant_ids is not None:
        authorisations = authorisations.filter(plant_id__in=set(plant_ids))
    if course_ids is not None:
        authorisations = authorisations.filter(course_id__in=set(course_ids))
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
    booked = sessions_booked(employee_ids=roster, course_ids=course_ids)
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
                    booked=booked.get((employee.id, course_id)),
                )
            )
    gaps.sort(
        key=lambda g: (GAP_ORDER[g.status], g.expires_on or datetime.date.min, g.course.code, g.employee.employee_no)
    )
    return gaps


def gaps_matching(
    gaps: Iterable[GapRow],
    *,
    course_id: int | None = None,
    plant_id: int | None = None,
    status: str = "",
    booked: bool | None = None,
) -> list[GapRow]:
    """The rows of trainer_gaps() of one course, one plant and/or one state, in their order; `booked`:
    only the people already booked on an upcoming session of the course (True) or only the others (False)."""
    return [
        g
        for g in gaps
        if (course_id is None or g.course.id == course_id)
        and (plant_id is None or g.employee.plant_id == plant_id)
        and (not status or g.status == status)
        and (booked is None or (g.booked is not None) == booked)
    ]


def audit_events_for_user(
    *, user: object, filters: dict | None = None, zone: datetime.tzinfo | None = None
) -> QuerySet[AuditEvent]:
    """Audit events the user may read (Capability.VIEW_AUDIT_LOG), newest first, filtered.

    Events without a plant (company-wide changes) are visible to company-wide admins only.
    The date filters are days of `zone`, the zone the log is shown in (default: the viewer's).
    """
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
    if filters.get("date_from") or filters.get("date_to"):
        zone = zone or viewer_zone(user)
    if filters.get("date_from"):
        events = events.filter(occurred_at__gte=_day_start(filters["date_from"], zone))
    if filters.get("date_to"):
        events = events.filter(occurred_at__lt=_day_start(filters["date_to"] + datetime.timedelta(days=1), zone))
    return events.order_by("-occurred_at", "-id")


def _day_start(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


# (header, column width) of the audit export; the time column names its zone.
AUDIT_COLUMNS = (
    (gettext_lazy("When (%(zone)s)"), 20),
    (gettext_lazy("User name"), 14),
    (gettext_lazy("Name"), 16),
    (gettext_lazy("From"), 15),
    (gettext_lazy("Event"), 26),
    (gettext_lazy("Plant"), 7),
    (gettext_lazy("Employee"), 14),
    (gettext_lazy("Employee name"), 18),
    (gettext_lazy("Course"), 15),
    (gettext_lazy("Course title"), 36),
    (gettext_lazy("Summary"), 70),
    (gettext_lazy("Changes"), 50),
)


def audit_headers(*, zone: datetime.tzinfo) -> list[str]:
    """The export's headers in the active language."""
    first, *rest = (str(title) for title, _width in AUDIT_COLUMNS)
    return [first % {"zone": zone_name(zone)}, *rest]


def audit_rows(events: QuerySet[AuditEvent], *, zone: datetime.tzinfo) -> Iterable[tuple]:
    """One row per event: the time in `zone` (naive, as Excel keeps it), names, labels and the
    summary in the active language."""
    for event in events.iterator(chunk_size=2000):
        yield (
            in_zone(event.occurred_at, zone).replace(tzinfo=None),
            event.actor.get_username() if event.actor else "",
            user_name(event.actor) if event.actor else "",
            event.ip_address or "",
            event.get_action_display(),
            event.plant.code if event.plant else "",
            event.employee.employee_no if event.employee else "",
            event.employee.name if event.employee else "",
            event.course.code if event.course else "",
            event.course.display_title if event.course else "",
            event.display_summary,
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
        )
