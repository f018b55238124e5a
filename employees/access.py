"""Who may see what: the plant roles behind each capability, the one scoping layer every plant query goes
through, the view guard built on it, and the client address the audit trail records.

Kept in one module so a reviewer finds every permission rule in one place. Every query that shows plant
data resolves "which plants may this user see or change, for this capability" through
plant_ids_for_user(); objects of other plants then simply are not in the queryset, so views answer 404
and never leak that they exist. Imports models only, so every layer's selectors can build on it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from employees.models import Plant, PlantMembership, PlantRole

ADMIN = "admin"  # company-wide admins (central training office) are superusers

User = AbstractBaseUser | AnonymousUser


# --- Capabilities ---------------------------------------------------------------------------------


class Capability:
    """Which plant roles grant an action. Admins may do everything, at every plant.

    README.md's permission table says the same in words, and
    tests/test_permission_matrix.py walks every URL against it.
    """

    VIEW_PEOPLE = frozenset(
        {PlantRole.TRAINER, PlantRole.MANAGER, PlantRole.HR, PlantRole.AUDITOR, PlantRole.SUPERVISOR}
    )
    RECORD_RESULTS = frozenset({PlantRole.TRAINER})
    VOID_ANY_RESULT = frozenset({PlantRole.MANAGER})
    REVOKE_CERTIFICATION = frozenset({PlantRole.MANAGER})
    VIEW_DASHBOARDS = frozenset({PlantRole.MANAGER, PlantRole.AUDITOR, PlantRole.SUPERVISOR})
    HR_EXCEL = frozenset({PlantRole.HR})
    IMPORT_RESULTS = frozenset({PlantRole.TRAINER, PlantRole.HR})
    VIEW_AUDIT_LOG = frozenset({PlantRole.MANAGER, PlantRole.AUDITOR})
    # The station gate (issue #17): who may ask it through the API, who may grant an override.
    GATE_CHECK = frozenset({PlantRole.MANAGER, PlantRole.SUPERVISOR})
    GRANT_OVERRIDE = frozenset({PlantRole.MANAGER, PlantRole.SUPERVISOR})
    # The ramp-up plan (issue #18): who sees the plan and the forecast, who plans sessions (a trainer only
    # sessions they hold themselves), who drafts, compares and promotes what-if scenarios.
    VIEW_PLAN = frozenset({PlantRole.MANAGER, PlantRole.TRAINER, PlantRole.SUPERVISOR, PlantRole.AUDITOR})
    PLAN_SESSIONS = frozenset({PlantRole.MANAGER, PlantRole.TRAINER})
    MANAGE_SCENARIOS = frozenset({PlantRole.MANAGER})
    # Scenarios read-only (list, detail, comparison): managers, and auditors and supervisors who review the plan.
    VIEW_SCENARIOS = frozenset({PlantRole.MANAGER, PlantRole.SUPERVISOR, PlantRole.AUDITOR})


# --- Plant scoping --------------------------------------------------------------------------------


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


def memberships_prime(*, user: User, memberships: Iterable[tuple[int, str]]) -> None:
    """Give the request's user their (plant_id, role) pairs at active plants, read by the caller in a query
    it makes anyway (the API's token lookup), so that plant scoping needs no query of its own."""
    user._certtrack_memberships = list(memberships)


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


def user_limited_to_plants(*, user: User, plant_ids: Iterable[int]) -> User:
    """The user acting only at these plants (an API token limited to plants), for this request.

    A copy whose memberships are the user's at those plants, so every scoping rule above applies
    unchanged; a company-wide admin's copy is no admin any more but holds every role there. The copy
    cannot be saved (it would store the dropped admin flag).
    """
    allowed = frozenset(plant_ids)
    limited = copy.copy(user)
    if is_admin(user):
        limited.is_superuser = False
        limited._certtrack_memberships = [(plant_id, role) for plant_id in allowed for role in PlantRole.values]
    else:
        limited._certtrack_memberships = [(p, role) for p, role in _memberships(user) if p in allowed]

    def _refuse_save(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a user limited to plants for one request is not saved")

    limited.save = _refuse_save
    return limited


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


def plant_get_for_user(*, user: User, code: str, capability: Iterable[str] | None = None) -> Plant:
    """The plant with this code, or 404 when it does not exist or the user may not see it."""
    return get_object_or_404(plants_for_user(user=user, capability=capability), code=code)


# --- View guard and request helpers ---------------------------------------------------------------


def capability_required(capability: Iterable[str]) -> Callable:
    """Log in first; then 403 unless the user holds the capability at some plant (admins always do).

    Objects are still fetched through the scoping layer, so another plant's objects answer 404.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not can(user=request.user, capability=capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    """The address the audit trail records (the reverse proxy's REMOTE_ADDR rewrite is the proxy's job)."""
    return request.META.get("REMOTE_ADDR") or None
