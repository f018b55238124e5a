"""What a forecast, a feasibility check and a suggested plan read: a plant's plan inputs as plain data.

load_inputs reads them from the database in a fixed number of queries whatever the headcount; everything
after it (the forecast, the checker, the solver, a scenario's changes) is pure Python over PlanInputs,
so a what-if scenario is the same computation over changed inputs and writes nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, Q

from assessments import validity
from assessments.models import Assessment, Certification
from certtrack.replicas import connection_for_read
from courses.models import Course, Requirement, RequirementScope, TrainerAuthorisation
from courses.selectors import required_levels_by_employee
from employees.models import Employee, EmployeeStatus, Plant, ProductionLine
from planning.models import PlannedSession, PlantClosure

# DOMAIN.md "pass rate": the window, the least number of results a share needs, and the last resort.
PASS_RATE_DAYS = 365
PASS_RATE_MIN_RESULTS = 20
PASS_RATE_DEFAULT = 0.9
# A line without an SOP date is forecast this many days ahead.
HORIZON_WITHOUT_SOP_DAYS = 365
HORIZON_MAX_DAYS = 730
VIRTUAL = "virtual"


@dataclass
class LineInfo:
    id: int
    code: str
    name: str
    sop_date: datetime.date | None
    target_pct: int
    shift_codes: list[str]


@dataclass
class CourseInfo:
    id: int
    code: str
    title: str
    validity_months: int | None
    needed_kinds: tuple[str, ...]
    prerequisites: tuple[int, ...]
    class_size: int
    delivery_mode: str
    is_active: bool = True


@dataclass
class Person:
    """An employee as the plan sees them (a scenario's hires have negative ids and no records)."""

    id: int
    employee_no: str
    name: str
    line_id: int | None
    station_id: int | None
    shift: str
    required: dict[int, str]  # course_id -> minimum level
    # course_id -> (the state counting every pass, the confirmed state): today's stored certification
    held: dict[int, tuple[validity.Held, validity.Held]] = field(default_factory=dict)
    active_from: datetime.date | None = None  # a hire: active from this day on
    active_until: datetime.date | None = None  # leaving: no longer active from this day on

    def active_on(self, day: datetime.date) -> bool:
        if self.active_from is not None and day < self.active_from:
            return False
        return self.active_until is None or day < self.active_until


@dataclass
class PlanSession:
    """A session of the plan: a live planned session ("p<id>") or one a scenario adds ("s<id>", "n<i>")."""

    key: str
    course_id: int
    on: datetime.date
    seats: int
    trainer_id: int
    delivery_mode: str
    shift: str
    line_id: int | None
    attendee_ids: list[int]
    planned_session_id: int | None = None

    @property
    def virtual(self) -> bool:
        return self.delivery_mode == VIRTUAL


@dataclass
class Attendee:
    """Who a planned attendee is, for the feasibility check (any plant, any status)."""

    id: int
    employee_no: str
    name: str
    plant_id: int
    status: str


@dataclass
class PlanInputs:
    plant_id: int
    plant_code: str
    today: datetime.date
    confirmation_window_days: int
    working_weekdays: frozenset[int]
    closures: frozenset[datetime.date]
    lines: dict[int, LineInfo]
    courses: dict[int, CourseInfo]
    people: list[Person]
    sessions: list[PlanSession]
    pass_rates: dict[int, float]
    plant_pass_rate: float
    # (trainer_id, course_id) -> valid until (None: no end) at this plant
    authorisations: dict[tuple[int, int], datetime.date | None]
    trainer_names: dict[int, str]
    attendees: dict[int, Attendee]
    plant_required: dict[int, str]
    station_required: dict[int, dict[int, str]]
    # a scenario's changes that removed live sessions (key -> why), shown beside the comparison
    dropped: dict[str, str] = field(default_factory=dict)

    def pass_rate(self, course_id: int) -> float:
        return self.pass_rates.get(course_id, self.plant_pass_rate)

    def closes_on(self, line_id: int | None) -> datetime.date | None:
        """The first day a provisional pass of this line's people no longer counts (None: always counts)."""
        line = self.lines.get(line_id) if line_id is not None else None
        if line is None or line.sop_date is None:
            return None
        return line.sop_date + datetime.timedelta(days=self.confirmation_window_days)

    def horizon(self, line_id: int | None) -> datetime.date:
        """The last day a line's forecast reports: its SOP date plus the confirmation window (a virtual pass's
        lapse shows), today + a year without an SOP date; never before today, at most two years ahead."""
        closes = self.closes_on(line_id)
        end = closes if closes is not None else self.today + datetime.timedelta(days=HORIZON_WITHOUT_SOP_DAYS)
        return min(max(end, self.today), self.today + datetime.timedelta(days=HORIZON_MAX_DAYS))

    def working_day(self, day: datetime.date) -> bool:
        return day.isoweekday() in self.working_weekdays and day not in self.closures

    def authorised(self, trainer_id: int, course_id: int, on: datetime.date) -> bool:
        key = (trainer_id, course_id)
        if key not in self.authorisations:
            return False
        until = self.authorisations[key]
        return until is None or on <= until


class _EmployeeRow(NamedTuple):
    id: int
    employee_no: str
    name: str
    plant_id: int
    line_id: int | None
    station_id: int | None
    role_id: int
    shift: str


@dataclass(frozen=True)
class PassRates:
    by_course: dict[int, float]
    plant: float


def pass_rates(*, plant_id: int, today: datetime.date) -> PassRates:
    """DOMAIN.md: the passing share of the non-voided assessments of C at P dated in the 365 days before
    today; with fewer than 20, the plant's share over all courses; with fewer than 20 of those, 0.9. One query."""
    rows = (
        Assessment.objects.filter(
            employee__plant_id=plant_id,
            voided_at__isnull=True,
            assessed_on__gte=today - datetime.timedelta(days=PASS_RATE_DAYS),
            assessed_on__lte=today,
        )
        .values("course_id")
        .annotate(n=Count("id"), passed=Count("id", filter=Q(passed=True)))
        .values_list("course_id", "n", "passed")
    )
    total = passed_total = 0
    shares: dict[int, tuple[int, int]] = {}
    for course_id, n, passed in rows:
        shares[course_id] = (n, passed)
        total += n
        passed_total += passed
    plant_rate = passed_total / total if total >= PASS_RATE_MIN_RESULTS else PASS_RATE_DEFAULT
    return PassRates(
        by_course={course_id: passed / n for course_id, (n, passed) in shares.items() if n >= PASS_RATE_MIN_RESULTS},
        plant=plant_rate,
    )


def course_infos(course_ids: Iterable[int] | None = None) -> dict[int, CourseInfo]:
    courses = Course.objects.all() if course_ids is None else Course.objects.filter(id__in=set(course_ids))
    prerequisites: dict[int, list[int]] = defaultdict(list)
    through = Course.prerequisites.through.objects.all()
    for from_id, to_id in through.values_list("from_course_id", "to_course_id"):
        prerequisites[from_id].append(to_id)
    return {
        c.id: CourseInfo(
            id=c.id,
            code=c.code,
            title=c.title,
            validity_months=c.validity_months,
            needed_kinds=c.needed_kinds,
            prerequisites=tuple(sorted(prerequisites.get(c.id, ()))),
            class_size=c.class_size,
            delivery_mode=c.delivery_mode,
            is_active=c.is_active,
        )
        for c in courses.only(
            "id",
            "code",
            "title",
            "validity_months",
            "needs_theory",
            "needs_practical",
            "class_size",
            "delivery_mode",
            "is_active",
        )
    }


def prerequisite_closure(course_ids: set[int], courses: dict[int, CourseInfo]) -> set[int]:
    """The courses and every prerequisite of theirs, transitively."""
    closure, todo = set(course_ids), list(course_ids)
    while todo:
        course = courses.get(todo.pop())
        for prerequisite_id in course.prerequisites if course else ():
            if prerequisite_id not in closure:
                closure.add(prerequisite_id)
                todo.append(prerequisite_id)
    return closure


def load_inputs(
    *, plant: Plant, line_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> PlanInputs:
    """A plant's plan inputs on today (the plant's): its lines, the active employees (of `line_ids` only when
    given), their required sets and stored certifications, the live planned sessions after today, pass rates,
    trainer authorisations, working days and closures."""
    today = today or plant.local_today()
    lines = {
        line.id: LineInfo(
            id=line.id,
            code=line.code,
            name=line.name,
            sop_date=line.sop_date,
            target_pct=line.target_readiness_pct,
            shift_codes=plant.shift_code_list[: line.shifts],
        )
        for line in ProductionLine.objects.filter(plant=plant, is_active=True).order_by("code")
    }
    employees_qs = Employee.objects.filter(plant=plant, status=EmployeeStatus.ACTIVE)
    if line_ids is not None:
        line_ids = set(line_ids)
        employees_qs = employees_qs.filter(line_id__in=line_ids)
    # Plain rows, not model instances: a plant has thousands of people (required_levels_by_employee reads
    # only id, plant_id, role_id and station_id).
    employees = [
        _EmployeeRow(*row)
        for row in employees_qs.order_by("employee_no").values_list(
            "id", "employee_no", "name", "plant_id", "line_id", "station_id", "role_id", "shift"
        )
    ]
    required = required_levels_by_employee(employees=employees)
    people = {
        e.id: Person(
            id=e.id,
            employee_no=e.employee_no,
            name=e.name,
            line_id=e.line_id,
            station_id=e.station_id,
            shift=e.shift,
            required=required.get(e.id, {}),
        )
        for e in employees
    }
    courses = course_infos()
    # The stored certifications of the required courses and of their prerequisites, transitively: the
    # checker and the suggestion must see a prerequisite someone holds without it being required of them.
    wanted = prerequisite_closure({course_id for person in people.values() for course_id in person.required}, courses)
    for row in _certification_rows(list(people), sorted(wanted)):
        people[row[0]].held[row[1]] = (
            validity.Held(row[2], row[3], row[4], row[5]),
            validity.Held(row[6], row[7], row[8], False),
        )
    sessions = live_sessions(plant=plant, after=today)
    attendee_ids = {a for s in sessions for a in s.attendee_ids}
    rates = pass_rates(plant_id=plant.id, today=today)
    plant_required: dict[int, str] = {}
    station_required: dict[int, dict[int, str]] = defaultdict(dict)
    for scope, course_id, station_id, min_level in Requirement.objects.filter(
        Q(scope=RequirementScope.PLANT, plant=plant) | Q(scope=RequirementScope.STATION, station__line__plant=plant),
        course__is_active=True,
    ).values_list("scope", "course_id", "station_id", "min_level"):
        if scope == RequirementScope.PLANT:
            plant_required[course_id] = min_level
        else:
            station_required[station_id][course_id] = min_level
    authorisations: dict[tuple[int, int], datetime.date | None] = {}
    trainer_names: dict[int, str] = {}
    for user_id, course_id, until, username, first, last in TrainerAuthorisation.objects.filter(
        plant=plant
    ).values_list("user_id", "course_id", "valid_until", "user__username", "user__first_name", "user__last_name"):
        authorisations[(user_id, course_id)] = until
        trainer_names[user_id] = f"{first} {last}".strip() or username
    return PlanInputs(
        plant_id=plant.id,
        plant_code=plant.code,
        today=today,
        confirmation_window_days=plant.confirmation_window_days,
        working_weekdays=plant.working_weekday_set,
        closures=frozenset(PlantClosure.objects.filter(plant=plant).values_list("closed_on", flat=True)),
        lines=lines,
        courses=courses,
        people=list(people.values()),
        sessions=sessions,
        pass_rates=rates.by_course,
        plant_pass_rate=rates.plant,
        authorisations=authorisations,
        trainer_names=trainer_names,
        attendees={
            **{e.id: Attendee(e.id, e.employee_no, e.name, e.plant_id, EmployeeStatus.ACTIVE) for e in employees},
            **attendee_infos(attendee_ids - set(people)),
        },
        plant_required=plant_required,
        station_required=dict(station_required),
    )


CERTIFICATION_COLUMNS = (
    "employee_id",
    "course_id",
    "certified_on",
    "expires_on",
    "level",
    "provisional",
    "confirmed_certified_on",
    "confirmed_expires_on",
    "confirmed_level",
)


def _certification_rows(employee_ids: list[int], course_ids: list[int]) -> Iterable[tuple]:
    """The stored certifications of these people. On PostgreSQL `employee_id = ANY(array)`, which the
    (employee, course) index answers in about a tenth of the time of a plant join or an IN list of
    thousands (both plan a scan of the whole table)."""
    connection = connection_for_read(Certification)  # a replica's, on a page that opts in
    if connection.vendor != "postgresql":
        return Certification.objects.filter(employee_id__in=employee_ids, course_id__in=course_ids).values_list(
            *CERTIFICATION_COLUMNS
        )
    table = connection.ops.quote_name(Certification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(CERTIFICATION_COLUMNS)} FROM {table} "  # noqa: S608 - fixed names
            "WHERE employee_id = ANY(%s) AND course_id = ANY(%s)",
            [employee_ids, course_ids],
        )
        return cursor.fetchall()


def plan_session(session, *, key: str, planned_session_id: int | None = None) -> PlanSession:
    """A planned or a scenario's session as the plan sees it (its attendees filled in by the caller)."""
    return PlanSession(
        key=key,
        course_id=session.course_id,
        on=session.planned_on,
        seats=session.seats,
        trainer_id=session.trainer_id,
        delivery_mode=session.delivery_mode,
        shift=session.shift,
        line_id=session.line_id,
        attendee_ids=[],
        planned_session_id=planned_session_id,
    )


def live_sessions(*, plant: Plant, after: datetime.date) -> list[PlanSession]:
    """The live plan's sessions dated after `after` with their attendees (two queries)."""
    sessions = {
        s.id: plan_session(s, key=f"p{s.id}", planned_session_id=s.id)
        for s in PlannedSession.objects.live().filter(plant=plant, planned_on__gt=after).order_by("planned_on", "id")
    }
    for session_id, employee_id in PlannedSession.attendees.through.objects.filter(
        planned_session_id__in=list(sessions)
    ).values_list("planned_session_id", "employee_id"):
        sessions[session_id].attendee_ids.append(employee_id)
    return list(sessions.values())


def attendee_infos(employee_ids: Iterable[int]) -> dict[int, Attendee]:
    ids = [i for i in set(employee_ids) if i > 0]
    return {
        row[0]: Attendee(*row)
        for row in Employee.objects.filter(id__in=ids).values_list("id", "employee_no", "name", "plant_id", "status")
    }
