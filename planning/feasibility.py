"""Is a plan feasible (DOMAIN.md "Training plan and forecast")? The independent checker: every rule of a
plan re-checked from PlanInputs alone, for the live plan, a scenario and a suggested plan alike.

- the trainer is authorised for the course at the plant on the day, and holds at most one planned session
  a day;
- the attendees fit the seats;
- every planned attendance of C for E is dated at least one day after a valid or planned pass of each
  prerequisite of C for E (still valid on the attendance's day);
- every attendee is active and of the plant.

It shares no code with the suggestion that builds plans (planning/suggest.py) beyond the inputs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from assessments import validity
from employees.models import EmployeeStatus
from planning.inputs import PlanInputs

TRAINER_NOT_AUTHORISED = "trainer_not_authorised"
TRAINER_DOUBLE_BOOKED = "trainer_double_booked"
OVER_SEATS = "over_seats"
PREREQUISITE_MISSING = "prerequisite_missing"
ATTENDEE_INACTIVE = "attendee_inactive"
ATTENDEE_OTHER_PLANT = "attendee_other_plant"
ATTENDEE_DOUBLE_BOOKED = "attendee_double_booked"
NOT_A_WORKING_DAY = "not_a_working_day"

MESSAGES = {
    TRAINER_NOT_AUTHORISED: _("%(trainer)s is not authorised for %(course)s at this plant on %(date)s."),
    TRAINER_DOUBLE_BOOKED: _("%(trainer)s already holds another planned session on %(date)s."),
    OVER_SEATS: _("%(attendees)s planned attendees for %(seats)s seats."),
    PREREQUISITE_MISSING: _(
        "%(employee)s needs %(prerequisite)s passed and valid before %(date)s (none valid or planned)."
    ),
    ATTENDEE_INACTIVE: _("%(employee)s is not active."),
    ATTENDEE_OTHER_PLANT: _("%(employee)s is not an employee of this plant."),
    ATTENDEE_DOUBLE_BOOKED: _("%(employee)s is planned in another session on %(date)s."),
    NOT_A_WORKING_DAY: _("%(date)s is not a working day of the plant."),
}
# Problems that make a plan infeasible (DOMAIN.md); the others are warnings a planner should see.
BREAKING = {
    TRAINER_NOT_AUTHORISED,
    TRAINER_DOUBLE_BOOKED,
    OVER_SEATS,
    PREREQUISITE_MISSING,
    ATTENDEE_INACTIVE,
    ATTENDEE_OTHER_PLANT,
}


@dataclass(frozen=True)
class Problem:
    code: str
    session_key: str
    employee_id: int | None = None
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def breaks(self) -> bool:
        return self.code in BREAKING

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params


def _valid_on(on: datetime.date, months: int | None, day: datetime.date) -> bool:
    return on <= day and (months is None or day < validity.add_months(on, months))


def check_plan(inputs: PlanInputs) -> list[Problem]:
    """Every problem of the plan in `inputs.sessions` (dated after today), sessions in date order."""
    problems: list[Problem] = []
    sessions = sorted((s for s in inputs.sessions if s.on > inputs.today), key=lambda s: (s.on, s.key))
    people = {p.id: p for p in inputs.people}
    # (employee, course) -> planned pass days with their delivery (for prerequisites)
    planned: dict[tuple[int, int], list[tuple[datetime.date, bool]]] = defaultdict(list)
    for s in sessions:
        course = inputs.courses.get(s.course_id)
        provisional = s.virtual and (course is None or "practical" in course.needed_kinds)
        for employee_id in s.attendee_ids:
            planned[(employee_id, s.course_id)].append((s.on, provisional))
    by_trainer_day: dict[tuple[int, datetime.date], list[str]] = defaultdict(list)
    by_attendee_day: dict[tuple[int, datetime.date], list[str]] = defaultdict(list)
    for s in sessions:
        by_trainer_day[(s.trainer_id, s.on)].append(s.key)
        for employee_id in s.attendee_ids:
            by_attendee_day[(employee_id, s.on)].append(s.key)

    def name(employee_id: int) -> str:
        who = inputs.attendees.get(employee_id) or people.get(employee_id)
        return f"{who.employee_no} {who.name}" if who else str(employee_id)

    for s in sessions:
        course = inputs.courses.get(s.course_id)
        code = course.code if course else str(s.course_id)
        trainer = inputs.trainer_names.get(s.trainer_id, str(s.trainer_id))
        day = s.on.isoformat()
        if not inputs.working_day(s.on):
            problems.append(Problem(NOT_A_WORKING_DAY, s.key, None, {"date": day}))
        if not inputs.authorised(s.trainer_id, s.course_id, s.on):
            problems.append(
                Problem(TRAINER_NOT_AUTHORISED, s.key, None, {"trainer": trainer, "course": code, "date": day})
            )
        if len(by_trainer_day[(s.trainer_id, s.on)]) > 1:
            problems.append(Problem(TRAINER_DOUBLE_BOOKED, s.key, None, {"trainer": trainer, "date": day}))
        if len(s.attendee_ids) > s.seats:
            problems.append(Problem(OVER_SEATS, s.key, None, {"attendees": len(s.attendee_ids), "seats": s.seats}))
        for employee_id in s.attendee_ids:
            who = inputs.attendees.get(employee_id)
            person = people.get(employee_id)
            if employee_id > 0 and who is None:
                continue
            if who is not None and who.plant_id != inputs.plant_id:
                problems.append(Problem(ATTENDEE_OTHER_PLANT, s.key, employee_id, {"employee": name(employee_id)}))
            elif (who is not None and who.status != EmployeeStatus.ACTIVE) or (
                person is not None and not person.active_on(s.on)
            ):
                problems.append(Problem(ATTENDEE_INACTIVE, s.key, employee_id, {"employee": name(employee_id)}))
            if len(by_attendee_day[(employee_id, s.on)]) > 1:
                problems.append(
                    Problem(ATTENDEE_DOUBLE_BOOKED, s.key, employee_id, {"employee": name(employee_id), "date": day})
                )
            for prerequisite_id in course.prerequisites if course else ():
                if not _prerequisite_met(inputs, person, employee_id, prerequisite_id, s.on, planned):
                    prerequisite = inputs.courses.get(prerequisite_id)
                    problems.append(
                        Problem(
                            PREREQUISITE_MISSING,
                            s.key,
                            employee_id,
                            {
                                "employee": name(employee_id),
                                "prerequisite": prerequisite.code if prerequisite else str(prerequisite_id),
                                "date": day,
                            },
                        )
                    )
    return problems


def _prerequisite_met(inputs, person, employee_id, prerequisite_id, day, planned) -> bool:
    """A valid pass of the prerequisite on the attendance's day: today's stored certification, or a planned
    pass dated at least one day before it and still valid on it (a virtual one while provisional passes count)."""
    closes_on = inputs.closes_on(person.line_id) if person is not None else None
    counts = validity.provisional_counts_on(day, closes_on)
    if person is not None:
        held = person.held.get(prerequisite_id)
        if held is not None and (held[0] if counts else held[1]).valid_on(day):
            return True
    course = inputs.courses.get(prerequisite_id)
    months = course.validity_months if course else None
    return any(
        on <= day - datetime.timedelta(days=1) and _valid_on(on, months, day) and (counts or not virtual)
        for on, virtual in planned.get((employee_id, prerequisite_id), ())
    )


def breaking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.breaks]
