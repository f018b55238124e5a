"""The plan's home (/planning/, the menu's "Plan" entry): the user's plants, each with the plan's pages they
may open (planned sessions, the forecast, what-if scenarios, a suggested plan). Capability.VIEW_PLAN."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from employees.access import Capability, capability_required, plant_ids_for_user, plants_for_user


@require_GET
@capability_required(Capability.VIEW_PLAN)
def plan_home(request: HttpRequest) -> HttpResponse:
    managed = plant_ids_for_user(user=request.user, capability=Capability.MANAGE_SCENARIOS)
    scenarios = plant_ids_for_user(user=request.user, capability=Capability.VIEW_SCENARIOS)
    plants = [
        {
            "plant": plant,
            "scenarios": scenarios is None or plant.id in scenarios,
            "manage": managed is None or plant.id in managed,
        }
        for plant in plants_for_user(user=request.user, capability=Capability.VIEW_PLAN)
        .filter(is_active=True)
        .order_by("code")
    ]
    return render(request, "planning/home.html", {"plants": plants})
