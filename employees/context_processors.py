from __future__ import annotations

from django.http import HttpRequest

from employees.access import user_roles


def navigation(request: HttpRequest) -> dict:
    """What the base layout needs to show the menu entries a user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": frozenset()}
    return {"nav_roles": user_roles(user=user)}
