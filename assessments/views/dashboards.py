"""Readiness dashboards: company overview, plant and line pages. They read roll-up tables only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from assessments import dashboards
from certtrack.permissions import capability_required
from employees.selectors import Capability, lines_for_user, plant_get_for_user, plants_for_user


@require_GET
@capability_required(Capability.VIEW_DASHBOARDS)
def overview(request: HttpRequest) -> HttpResponse:
    plants = plants_for_user(user=request.user, capability=Capability.VIEW_DASHBOARDS).order_by("code")
    rows = dashboards.company_overview(plants=plants)
    sparklines = {
        row.plant.code: [None if value is None else round(value * 100, 1) for _on, value in row.trend] for row in rows
    }
    return render(request, "assessments/dashboard/overview.html", {"rows": rows, "sparklines": sparklines})


def _cached_body(status: dashboards.RollupStatus) -> dict:
    """Context of a page whose body is a {% cache %} fragment keyed on the roll-up that wrote its figures.

    The figures only change when a roll-up runs (its computed_at is the version), so a page view
    costs the access checks and the status query; the dashboard queries run on a cache miss only
    (the lazy `d`). Names, SOP dates and targets edited in the admin show within
    DASHBOARD_CACHE_SECONDS. The "as of" line and the lag warning are rendered outside the cache.
    """
    return {
        "status": status,
        "version": dashboards.cache_version(status),
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
    }


@require_GET
@login_required
def plant_detail(request: HttpRequest, code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=code, capability=Capability.VIEW_DASHBOARDS)
    status = dashboards.rollup_statuses(plant_ids=[plant.id])[plant.id]
    dashboard = SimpleLazyObject(lambda: dashboards.plant_dashboard(plant=plant, status=status))
    return render(request, "assessments/dashboard/plant.html", {"plant": plant, "d": dashboard, **_cached_body(status)})


@require_GET
@login_required
def line_detail(request: HttpRequest, code: str, line_code: str) -> HttpResponse:
    line = get_object_or_404(  # with its plant, in one query
        lines_for_user(user=request.user, capability=Capability.VIEW_DASHBOARDS),
        plant__is_active=True,
        plant__code=code,
        code=line_code,
    )
    plant = line.plant
    status = dashboards.rollup_statuses(plant_ids=[plant.id])[plant.id]
    dashboard = SimpleLazyObject(lambda: dashboards.line_dashboard(line=line, status=status))
    return render(
        request,
        "assessments/dashboard/line.html",
        {"plant": plant, "line": line, "d": dashboard, **_cached_body(status)},
    )
