"""Who is told about a plant's expiring certifications: supervisors by line, authorised trainers, managers.

Each answer is a few set-based queries per plant, read once per run (never a query per certification).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q

from courses.models import Requirement, RequirementScope, TrainerAuthorisation
from employees.access import User
from employees.languages import language_for
from employees.models import Plant, PlantMembership, PlantRole
from notifications.models import Channel, NotificationPreference, SupervisedLine


@dataclass
class PlantRecipients:
    plant_wide_supervisors: set[int] = field(default_factory=set)
    line_supervisors: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    trainers_by_course: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    managers: set[int] = field(default_factory=set)

    def supervisors_of(self, line_id: int | None) -> set[int]:
        """Plant-wide supervisors are told about every line; a line's own supervisors about theirs only."""
        if line_id is None:
            return set(self.plant_wide_supervisors)
        return self.plant_wide_supervisors | self.line_supervisors.get(line_id, set())


def plant_recipients(*, plant: Plant, on_date: datetime.date) -> PlantRecipients:
    """The plant's supervisors (tied to lines through SupervisedLine, or plant-wide), its trainers authorised
    per course on D, and its managers: active users only."""
    answer = PlantRecipients()
    members = PlantMembership.objects.filter(plant=plant, user__is_active=True).values_list("user_id", "role")
    supervisors = set()
    for user_id, role in members:
        if role == PlantRole.SUPERVISOR:
            supervisors.add(user_id)
        elif role == PlantRole.MANAGER:
            answer.managers.add(user_id)
    tied = SupervisedLine.objects.filter(user_id__in=supervisors, line__plant=plant).values_list("user_id", "line_id")
    tied_users = set()
    for user_id, line_id in tied:
        answer.line_supervisors[line_id].add(user_id)
        tied_users.add(user_id)
    answer.plant_wide_supervisors = supervisors - tied_users
    authorisations = TrainerAuthorisation.objects.filter(plant=plant, user__is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on_date)
    )
    for user_id, course_id in authorisations.values_list("user_id", "course_id"):
        answer.trainers_by_course[course_id].add(user_id)
    return answer


def required_courses_of(
    *, plant: Plant, course_ids: set[int]
) -> tuple[set[int], dict[int, set[int]], dict[int, set[int]]]:
    """For the given courses, where the plant requires them (DOMAIN.md "Requirement"): (plant-wide course ids,
    role id -> course ids, station id -> course ids). One query."""
    plant_wide: set[int] = set()
    by_role: dict[int, set[int]] = defaultdict(set)
    by_station: dict[int, set[int]] = defaultdict(set)
    rows = Requirement.objects.filter(course_id__in=course_ids).filter(
        Q(scope=RequirementScope.PLANT, plant=plant)
        | Q(scope=RequirementScope.ROLE, plant__isnull=True)
        | Q(scope=RequirementScope.ROLE, plant=plant)
        | Q(scope=RequirementScope.STATION, station__line__plant=plant)
    )
    for scope, course_id, role_id, station_id in rows.values_list("scope", "course_id", "role_id", "station_id"):
        if scope == RequirementScope.PLANT:
            plant_wide.add(course_id)
        elif scope == RequirementScope.ROLE:
            by_role[role_id].add(course_id)
        else:
            by_station[station_id].add(course_id)
    return plant_wide, by_role, by_station


@dataclass(frozen=True)
class Reader:
    """A recipient as the job needs them: where to write, in which language, by which channels."""

    user: User
    language: str
    email: bool
    in_app: bool
    digest: bool


def readers(*, user_ids: set[int]) -> dict[int, Reader]:
    """The active users among user_ids with their language (employees.languages) and preferences."""
    users = get_user_model().objects.filter(id__in=user_ids, is_active=True)
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    answer = {}
    for user in users:
        preference = preferences.get(user.id)
        channel = preference.channel if preference else Channel.BOTH
        answer[user.id] = Reader(
            user=user,
            language=language_for(user),
            email=channel in (Channel.BOTH, Channel.EMAIL) and bool(user.email),
            in_app=channel in (Channel.BOTH, Channel.IN_APP),
            digest=preference.digest if preference else True,
        )
    return answer
