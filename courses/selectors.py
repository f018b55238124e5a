"""Reads of the catalog: required sets, course availability, trainer authorisations."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from courses.models import Course, Requirement, RequirementScope, TrainerAuthorisation, level_rank
from employees.models import Employee, EmployeeStatus, Plant, Station


def courses_available_to_plant(*, plant: Plant) -> QuerySet[Course]:
    """Active company templates and the plant's own courses."""
    return Course.objects.filter(Q(owner_plant__isnull=True) | Q(owner_plant=plant), is_active=True)


def required_levels_by_employee(*, employees: Iterable[Employee]) -> dict[int, dict[int, str]]:
    """Each employee's required set (DOMAIN.md): plant-wide ∪ role ∪ primary station courses, with the
    minimum level each must be met at ({employee_id: {course_id: "L" | "U" | "O"}}). A course required
    by several scopes at different levels needs the highest.

    One query whatever the number of employees.
    """
    employees = list(employees)
    plant_ids = {e.plant_id for e in employees}
    role_ids = {e.role_id for e in employees}
    station_ids = {e.station_id for e in employees if e.station_id}
    requirements = Requirement.objects.filter(course__is_active=True).filter(
        Q(scope=RequirementScope.PLANT, plant_id__in=plant_ids)
        | Q(scope=RequirementScope.ROLE, role_id__in=role_ids)
        | Q(scope=RequirementScope.STATION, station_id__in=station_ids)
    )
    by_plant: dict[int, dict[int, str]] = defaultdict(dict)
    by_role: dict[tuple[int, int | None], dict[int, str]] = defaultdict(dict)
    by_station: dict[int, dict[int, str]] = defaultdict(dict)
    for scope, course_id, plant_id, role_id, station_id, min_level in requirements.values_list(
        "scope", "course_id", "plant_id", "role_id", "station_id", "min_level"
    ):
        if scope == RequirementScope.PLANT:
            by_plant[plant_id][course_id] = min_level
        elif scope == RequirementScope.ROLE:
            by_role[(role_id, plant_id)][course_id] = min_level
        else:
            by_station[station_id][course_id] = min_level
    required: dict[int, dict[int, str]] = {}
    for e in employees:
        levels: dict[int, str] = {}
        for source in (
            by_plant[e.plant_id],
            by_role[(e.role_id, None)],
            by_role[(e.role_id, e.plant_id)],
            by_station[e.station_id] if e.station_id else {},
        ):
            for course_id, min_level in source.items():
                if level_rank(min_level) > level_rank(levels.get(course_id)) or course_id not in levels:
                    levels[course_id] = min_level
        required[e.id] = levels
    return required


def required_course_ids_by_employee(*, employees: Iterable[Employee]) -> dict[int, set[int]]:
    """Each employee's required set (see required_levels_by_employee), without the levels."""
    return {e: set(levels) for e, levels in required_levels_by_employee(employees=employees).items()}


def required_courses_for_employee(*, employee: Employee) -> QuerySet[Course]:
    course_ids = required_course_ids_by_employee(employees=[employee])[employee.id]
    return Course.objects.filter(id__in=course_ids).select_related("process_area").order_by("code")


def authorisations_by_key(
    *, assessor_ids: Iterable[int], course_ids: Iterable[int], plant_ids: Iterable[int]
) -> dict[tuple[int, int, int], datetime.date | None]:
    """{(assessor, course, plant): valid_until} for the given ids, in one query."""
    rows = TrainerAuthorisation.objects.filter(
        user_id__in=set(assessor_ids), course_id__in=set(course_ids), plant_id__in=set(plant_ids)
    ).values_list("user_id", "course_id", "plant_id", "valid_until")
    return {(user_id, course_id, plant_id): valid_until for user_id, course_id, plant_id, valid_until in rows}


def is_authorised(
    authorisations: dict[tuple[int, int, int], datetime.date | None],
    *,
    assessor_id: int,
    course_id: int,
    plant_id: int,
    on_date: datetime.date,
) -> bool:
    key = (assessor_id, course_id, plant_id)
    if key not in authorisations:
        return False
    valid_until = authorisations[key]
    return valid_until is None or on_date <= valid_until


def courses_authorised_for(*, user: AbstractBaseUser, plant_ids: Iterable[int] | None = None) -> QuerySet[Course]:
    authorisations = TrainerAuthorisation.objects.filter(user=user, course__is_active=True)
    if plant_ids is not None:
        authorisations = authorisations.filter(plant_id__in=set(plant_ids))
    return Course.objects.filter(id__in=authorisations.values("course_id")).select_related("process_area")


def authorisations_for_user(
    *, user: AbstractBaseUser, plant_ids: Iterable[int] | None = None
) -> QuerySet[TrainerAuthorisation]:
    """The user's authorisations for active courses (at these plants; None = wherever they hold one)."""
    authorisations = TrainerAuthorisation.objects.filter(user=user, course__is_active=True).select_related(
        "course", "course__process_area", "plant"
    )
    if plant_ids is not None:
        authorisations = authorisations.filter(plant_id__in=set(plant_ids))
    return authorisations.order_by("plant__code", "course__code")


def employees_affected_by_requirements(*, requirements: Iterable[Requirement]) -> QuerySet[Employee]:
    """Active employees whose readiness any of these requirements touches: whose required set it is in,
    and for a station requirement everyone on the station's line (cross-trained people count for its
    coverage). The one rule for every catalog change (courses/services.py); one query, lazily."""
    plant_ids: set[int] = set()
    company_role_ids: set[int] = set()
    plant_roles: set[tuple[int, int]] = set()
    station_ids: set[int] = set()
    for requirement in requirements:
        if requirement.scope == RequirementScope.PLANT:
            plant_ids.add(requirement.plant_id)
        elif requirement.scope == RequirementScope.ROLE and requirement.plant_id:
            plant_roles.add((requirement.role_id, requirement.plant_id))
        elif requirement.scope == RequirementScope.ROLE:
            company_role_ids.add(requirement.role_id)
        else:
            station_ids.add(requirement.station_id)
    condition = Q(pk__in=[])
    if plant_ids:
        condition |= Q(plant_id__in=plant_ids)
    if company_role_ids:
        condition |= Q(role_id__in=company_role_ids)
    for role_id, plant_id in plant_roles:
        condition |= Q(role_id=role_id, plant_id=plant_id)
    if station_ids:
        lines = Station.objects.filter(id__in=station_ids).values("line_id")
        condition |= Q(station_id__in=station_ids) | Q(line_id__in=lines)
    return Employee.objects.filter(condition, status=EmployeeStatus.ACTIVE)


def employees_affected_by_requirement(*, requirement: Requirement) -> QuerySet[Employee]:
    return employees_affected_by_requirements(requirements=[requirement])


def employees_affected_by_courses(*, course_ids: Iterable[int]) -> QuerySet[Employee]:
    """Active employees whose readiness depends on these courses: any requirement of them applies to them."""
    return employees_affected_by_requirements(requirements=Requirement.objects.filter(course_id__in=set(course_ids)))


def employees_affected_by_course(*, course_id: int) -> QuerySet[Employee]:
    return employees_affected_by_courses(course_ids=[course_id])
