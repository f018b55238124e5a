"""Who needs me: the trainer's open work, one row per required course not met (missing, in progress, expired,
revoked, a provisional pass lapsed, or valid at a level below the minimum) or expiring.

Set-based, in a fixed number of queries whatever the headcount, because the trainer's home page and
the session planner read it on every visit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Certification, CertificationStatus, TrainingSession
from courses.models import Course, Requirement, RequirementScope, TrainerAuthorisation
from courses.selectors import required_levels_by_employee
from employees.access import Capability, plant_ids_for_user
from employees.models import Employee, EmployeeStatus

# Valid on D at a level below the requirement's minimum (an L pass where U is needed): not met, so a gap.
# Not a CertificationStatus (the certification itself is valid): a state of the gap only.
LEVEL_BELOW = "level_below"

GAP_ORDER = {
    CertificationStatus.EXPIRED: 0,
    CertificationStatus.REVOKED: 1,
    CertificationStatus.PROVISIONAL_LAPSED: 2,
    CertificationStatus.MISSING: 3,
    CertificationStatus.IN_PROGRESS: 4,
    LEVEL_BELOW: 5,
    CertificationStatus.EXPIRING: 6,
}


def gap_status_label(status: str) -> str:
    return str(_("Level below")) if status == LEVEL_BELOW else str(CertificationStatus(status).label)


@dataclass(frozen=True)
class GapRow:
    employee: Employee
    course: Course
    status: str
    expires_on: datetime.date | None
    attempts: int
    booked: TrainingSession | None = None  # the earliest upcoming session of the course they attend (sessions_booked)
    level: str | None = None  # the level held on D (None: not valid)
    min_level: str = "U"  # the highest minimum of the scopes requiring the course

    @property
    def status_label(self) -> str:
        return gap_status_label(self.status)


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
    """Active employees of the trainer's plants whose REQUIRED course the trainer may assess there is not met
    (missing, in progress, revoked, expired, a provisional pass lapsed, or valid at a level below the
    requirement's minimum: LEVEL_BELOW), or met but expiring within `within_days`
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
    required = required_levels_by_employee(employees=employees)
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
        today = plant_today[employee.plant_id]
        # The employee's line's SOP + the plant's window (line and plant are loaded: no query).
        closes_on = (
            None
            if employee.line is None or employee.line.sop_date is None
            else employee.line.sop_date + datetime.timedelta(days=employee.plant.confirmation_window_days)
        )
        for course_id, min_level in required[employee.id].items():
            if (course_id, employee.plant_id) not in authorised:
                continue
            certification = certifications.get((employee.id, course_id))
            status = (
                certification.status_on(today, expiring_days=within_days, closes_on=closes_on)
                if certification
                else CertificationStatus.MISSING
            )
            level = None
            if status in (CertificationStatus.VALID, CertificationStatus.EXPIRING):
                level = certification.held_on(today, closes_on=closes_on).level or "U"
                if not certification.meets(today, min_level, closes_on=closes_on):
                    status = LEVEL_BELOW
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
                    level=level,
                    min_level=min_level,
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
