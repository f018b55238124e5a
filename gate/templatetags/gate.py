"""`{% load gate %}{% active_overrides plant line %}`: the plant and line pages' panel of overrides in force.

A template tag, because assessments (the dashboards) may not import gate (tests/test_layers.py); it renders
outside the dashboards' cached body, so an override granted a moment ago shows at once. One query.
"""

from __future__ import annotations

from django import template

from employees.access import Capability, can
from gate.selectors import overrides_active

register = template.Library()


@register.inclusion_tag("gate/_active_overrides.html", takes_context=True)
def active_overrides(context: template.Context, plant: object, line: object = None) -> dict:
    overrides = overrides_active(plant=plant)
    if line is not None:
        overrides = overrides.filter(station__line=line)
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "plant": plant,
        "overrides": list(overrides),
        "can_grant": user is not None and can(user=user, capability=Capability.GRANT_OVERRIDE, plant_id=plant.id),
    }
