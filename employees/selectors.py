"""Reads of organisation data, and the one scoping layer of certtrack.

Every query that shows plant data resolves "which plants may this user see or
change, for this capability" through plant_ids_for_user(). Objects of other
plants then simply are not in the queryset, so views answer 404 and never leak
that they exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from employees.models import Employee, EmployeeStatus, Plant, PlantMembership, PlantRole, ProductionLine, Station

ADMIN = "admin"  # company-wide admins (central training office) are superusers

User = AbstractBaseUser | AnonymousUser


class Capability:
    """Which plant roles grant an action. Admins may do everything, at every plant.

    The README's permission matrix is generated from this table, and
    tests/test_permission_matrix.py walks every URL against it.
    """

    VIEW_PEOPLE = frozenset({PlantRole.TRAINER, PlantRole.MANAGER, PlantRole.HR, PlantRole.AUDITOR})
    RECORD_RESULTS = frozenset({PlantRole.TRAINER})
    VOID_ANY_RESULT = frozenset({PlantRole.MANAGER})
    REVOKE_CERTIFICATION = frozenset({PlantRole.MANAGER})
    VIEW_DASHBOARDS = frozenset({PlantRole.MANAGER, PlantRole.AUDITOR})
    HR_EXCEL = frozenset({PlantRole.HR})
    IMPORT_RESULTS = frozenset({PlantRole.TRAINER, PlantRole.HR})
    VIEW_AUDIT_LOG = frozenset({PlantRole.MANAGER, PlantRole.AUDITOR})


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _memberships(user: User) -> list[tuple[int, str]]:
    """(plant_id, role) pairs of the user, read once per request (cached on the user object)."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_certtrack_memberships", None)
    if cached is None:
        cached = list(
            # order_by(): the model's ordering would join the user table to sort by username.
            PlantMembership.objects.filter(user=user, plant__is_active=True).order_by().values_list("plant_id", "role")
        )
        user._certtrack_memberships = cached
    return cached


def user_roles(*, user: User) -> frozenset[str]:
    """Every role the user holds anywhere, plus "admin" for company-wide admins."""
    roles = {role for _plant_id, role in _memberships(user)}
    if is_admin(user):
        roles.add(ADMIN)
    return frozenset(roles)


def plant_ids_for_user(*, user: User, capability: Iterable[str] | None = None) -> frozenset[int] | None:
    """Plant IDs where the user holds one of the capability's roles.

    None means "every plant" (company-wide admins); an empty set means none.
    """
    if is_admin(user):
        return None
    roles = set(capability) if capability is not None else set(PlantRole.values)
    return frozenset(plant_id for plant_id, role in _memberships(user) if role in roles)


def plants_for_user(*, user: User, capability: Iterable[str] | None = None) -> QuerySet[Plant]:
    plant_ids = plant_ids_for_user(user=user, capability=capability)
    plants = Plant.objects.filter(is_active=True)
    return plants if plant_ids is None else plants.filter(id__in=plant_ids)


def can(*, user: User, capability: Iterable[str], plant_id: int | None = None) -> bool:
    """Whether the user holds the capability at this plant (or at any plant when None)."""
    plant_ids = plant_ids_for_user(user=user, capability=capability)
    if plant_ids is None:
        return user.is_authenticated
    return bool(plant_ids) if plant_id is None else plant_id in plant_ids


def scope_to_plants(
    queryset: QuerySet, *, user: User, capability: Iterable[str] | None = None, field: str = "plant"
) -> QuerySet:
    """Filter any queryset by the plants the user may see through `field` (a lookup path to a Plant)."""
    plant_ids = plant_ids_for_user(user=user, capability=capability)
    if plant_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": plant_ids})


def employees_for_user(*, user: User, capability: Iterable[str] | None = None) -> QuerySet[Employee]:
    return scope_to_plants(
        Employee.objects.select_related("plant", "line", "station", "role"), user=user, capability=capability
    )


def lines_for_user(*, user: User, capability: Iterable[str] | None = None) -> QuerySet[ProductionLine]:
    return scope_to_plants(ProductionLine.objects.select_related("plant"), user=user, capability=capability)


def stations_for_user(*, user: User, capability: Iterable[str] | None = None) -> QuerySet[Station]:
    return scope_to_plants(
        Station.objects.select_related("line", "line__plant"), user=user, capability=capability, field="line__plant"
    )


def plant_get_for_user(*, user: User, code: str, capability: Iterable[str] | None = None) -> Plant:
    """The plant with this code, or 404 when it does not exist or the user may not see it."""
    return get_object_or_404(plants_for_user(user=user, capability=capability), code=code)


def employee_get_for_user(*, user: User, employee_no: str, capability: Iterable[str] | None = None) -> Employee:
    return get_object_or_404(employees_for_user(user=user, capability=capability), employee_no=employee_no)


def active_employees(queryset: QuerySet[Employee] | None = None) -> QuerySet[Employee]:
    return (queryset if queryset is not None else Employee.objects.all()).filter(status=EmployeeStatus.ACTIVE)
