"""Readiness dashboards: company overview, plant and line pages. They read roll-up tables only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
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


@require_GET
@login_required
def plant_detail(request: HttpRequest, code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=code, capability=Capability.VIEW_DASHBOARDS)
    dashboard = dashboards.plant_dashboard(plant=plant)
    trend = {"labels": dashboard.trend_labels, "series": dashboard.trend_series}
    return render(request, "assessments/dashboard/plant.html", {"plant": plant, "d": dashboard, "trend": trend})


@require_GET
@login_required
def line_detail(request: HttpRequest, code: str, line_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=code, capability=Capability.VIEW_DASHBOARDS)
    line = get_object_or_404(
        lines_for_user(user=request.user, capability=Capability.VIEW_DASHBOARDS), plant=plant, code=line_code
    )
    return render(
        request,
        "assessments/dashboard/line.html",
        {"plant": plant, "line": line, "d": dashboards.line_dashboard(line=line)},
    )
