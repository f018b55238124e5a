"""Reads of the planned sessions: scoped to the user's plants, with the checker's problems of the live plan."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Count, QuerySet

from employees.access import Capability, scope_to_plants
from employees.models import Employee, Plant
from planning.feasibility import Problem, check_plan
from planning.inputs import load_inputs
from planning.models import PlannedSession
from planning.selectors.forecasts import plan_version


def planned_sessions_for_user(
    *, user: AbstractBaseUser, capability: Iterable[str] = Capability.VIEW_PLAN
) -> QuerySet[PlannedSession]:
    """Planned sessions at the plants where the user holds the capability (every plant for admins)."""
    return scope_to_plants(
        PlannedSession.objects.select_related("plant", "course", "trainer", "line", "held_session"),
        user=user,
        capability=capability,
    )


def with_seats_used(sessions: QuerySet[PlannedSession]) -> QuerySet[PlannedSession]:
    return sessions.annotate(seats_used=Count("attendances", distinct=True))


def plan_problems(*, plant: Plant, today: datetime.date | None = None) -> dict[int, list[Problem]]:
    """{planned session id: its problems} in the plant's live plan after today (the independent checker)."""
    by_session: dict[int, list[Problem]] = defaultdict(list)
    for problem in check_plan(load_inputs(plant=plant, today=today)):
        if problem.session_key.startswith("p"):
            by_session[int(problem.session_key[1:])].append(problem)
    return dict(by_session)


# How long the plan pages and the trainer home keep a plant's problems: a change of the plan itself starts a
# new entry at once (its key); a certification, authorisation or closed day that changes them shows within this.
PROBLEMS_CACHE_SECONDS = 300


def plan_problems_cached(*, plant: Plant) -> dict[int, list[Problem]]:
    """plan_problems for the pages (the plan, a session, the trainer's home): the checker reads the whole plant,
    so its answer is kept per plant and per version of the plan (the forecast's, renewed after each plan write)."""
    key = f"plan-problems:{plant.pk}:{plant.local_today()}:{plan_version(plant_id=plant.pk)}"
    found = cache.get(key)
    if found is None:
        found = plan_problems(plant=plant)
        cache.set(key, found, PROBLEMS_CACHE_SECONDS)
    return found


def trainer_planned_sessions(*, user: AbstractBaseUser) -> list[PlannedSession]:
    """The trainer's live planned sessions (those whose day has come and not held yet first), with seats used
    and attendees."""
    return list(
        with_seats_used(
            PlannedSession.objects.live()
            .filter(trainer=user, plant__is_active=True)
            .select_related("plant", "course", "line")
            .prefetch_related("attendees")
        ).order_by("planned_on", "id")
    )


def employee_planned_sessions(*, employee: Employee) -> list[PlannedSession]:
    """What is planned for the employee: the live planned sessions they attend, from their plant's today on."""
    today = employee.plant.local_today()
    return list(
        PlannedSession.objects.live()
        .filter(attendances__employee=employee, planned_on__gte=today)
        .select_related("course", "trainer", "plant")
        .order_by("planned_on", "id")
    )
