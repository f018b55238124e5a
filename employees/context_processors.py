from __future__ import annotations

from django.http import HttpRequest

from employees.access import Capability, can, user_roles


def navigation(request: HttpRequest) -> dict:
    """What the base layout needs to show the menu entries a user may use. The dashboards' entry follows
    Capability.VIEW_DASHBOARDS (managers, auditors, supervisors, admins), not a list of roles of its own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": frozenset(), "nav_dashboards": False}
    return {
        "nav_roles": user_roles(user=user),
        "nav_dashboards": can(user=user, capability=Capability.VIEW_DASHBOARDS),
    }
