"""The demo's live plan: a few planned sessions at each demo plant for people with real gaps.

Seeded only while the plant has no planned session (a re-run writes nothing), through the planning service,
so every session passes the feasibility checker: the demo trainer (authorised for every course the plant's
people need) on the first working days after the plant's today, one session a day, attendees who need the
course (missing or not valid on the day) and hold each of its prerequisites valid already.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from courses.models import Course
from employees.models import Employee, Plant, ProductionLine
from planning.inputs import load_inputs
from planning.models import PlannedSession
from planning.services.sessions import planned_session_create

SESSIONS_PER_PLANT = 3
FIRST_DAY_OFFSET = 3  # the first session a few days after today, so the demo shows what is coming


def _working_days(plant: Plant, after: datetime.date, count: int) -> list[datetime.date]:
    days, day = [], after + datetime.timedelta(days=FIRST_DAY_OFFSET)
    weekdays = plant.working_weekday_set or frozenset(range(1, 8))
    while len(days) < count:
        if day.isoweekday() in weekdays:
            days.append(day)
        day += datetime.timedelta(days=2)  # every other day: room for a trainer's other work
    return days


def plan_seed(*, plant: Plant, trainer: AbstractBaseUser, manager: AbstractBaseUser) -> int:
    """Plan SESSIONS_PER_PLANT sessions at the plant for its people's biggest gaps; the number planned."""
    if PlannedSession.objects.filter(plant=plant).exists():
        return 0
    today = plant.local_today()
    inputs = load_inputs(plant=plant, today=today)
    days = _working_days(plant, today, SESSIONS_PER_PLANT)
    # course -> people who need it and hold each of its prerequisites valid on the first planned day
    needing: dict[int, list] = defaultdict(list)
    for person in sorted(inputs.people, key=lambda p: p.employee_no):
        for course_id in sorted(person.required):
            course = inputs.courses.get(course_id)
            if course is None or not course.is_active or not inputs.authorised(trainer.pk, course_id, days[-1]):
                continue
            held = person.held.get(course_id)
            if held is not None and held[0].valid_on(days[-1]):
                continue
            if all(
                person.held.get(p) is not None and person.held[p][0].valid_on(days[0]) for p in course.prerequisites
            ):
                needing[course_id].append(person)
    chosen = sorted(needing, key=lambda c: (-len(needing[c]), inputs.courses[c].code))[:SESSIONS_PER_PLANT]
    planned = 0
    for day, course_id in zip(days, chosen, strict=False):
        course = inputs.courses[course_id]
        # at most a class of them, and never more than the course's class size (the session's seats)
        people = needing[course_id][: course.class_size]
        line_ids = {p.line_id for p in people}
        try:
            planned_session_create(
                plant=plant,
                course=Course.objects.get(pk=course_id),
                planned_on=day,
                trainer=trainer,
                actor=manager,
                attendees=list(Employee.objects.filter(pk__in=[p.id for p in people])),
                location="Training room 1",
                notes="Demo: planned for people with a gap in this course.",
                line=ProductionLine.objects.get(pk=line_ids.pop()) if len(line_ids) == 1 else None,
            )
        except ValidationError:
            continue  # the checker found a problem: the demo plans only feasible sessions
        planned += 1
    return planned
