"""Reads for single sign-on: who a provider's identifier is, which roles a user's groups grant."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User

from sso.models import MappingSource, SsoGroupMapping, SsoIdentity

BREAK_GLASS_GROUP = "break-glass"


def sso_user_for_subject(*, source: str, subject: str) -> User | None:
    identity = SsoIdentity.objects.select_related("user").filter(source=source, subject=subject).first()
    return identity.user if identity else None


def sso_grants_for_groups(*, source: str, groups: list[str]) -> dict[tuple[int, str], str]:
    """(plant id, role) -> the first group granting it, for the mappings of this source or of any.

    Group names compare without case (AD's cn, Entra's and Keycloak's names are case-insensitive);
    the mapping table is small (a row per group and role), so it is read whole.
    """
    wanted = {group.casefold(): group for group in groups}
    grants: dict[tuple[int, str], str] = {}
    mappings = SsoGroupMapping.objects.filter(source__in=[source, MappingSource.ANY]).order_by("group", "id")
    for mapping in mappings:
        group = wanted.get(mapping.group.casefold())
        if group is not None:
            grants.setdefault((mapping.plant_id, mapping.role), group)
    return grants


def local_password_allowed(*, user: User) -> bool:
    """Whether this user may sign in with a password kept in certtrack (LOCAL_PASSWORDS)."""
    if settings.LOCAL_PASSWORDS == "all":
        return True
    return user.is_superuser or user.groups.filter(name=BREAK_GLASS_GROUP).exists()
