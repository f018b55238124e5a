"""Readiness dashboards: company overview, plant and line pages. They read roll-up tables only.

The plant and line pages take an "as of" date (?date=YYYY-MM-DD): for a date other than the
roll-up's, the page is computed for that date as the readiness API computes it
(assessments/dashboards_on_date.py), and every count links to the list behind it for the same date.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments import dashboards, dashboards_on_date
from assessments.api import DATE_PATTERN
from certtrack.forms import EARLIEST_DATE, LATEST_DATE
from employees.access import Capability, capability_required, plant_get_for_user, plants_for_user
from employees.models import Plant
from employees.selectors import lines_for_user


@require_GET
@capability_required(Capability.VIEW_DASHBOARDS)
def overview(request: HttpRequest) -> HttpResponse:
    plants = plants_for_user(user=request.user, capability=Capability.VIEW_DASHBOARDS).order_by("code")
    rows = dashboards.company_overview(plants=plants)
    sparklines = {
        row.plant.code: [None if value is None else round(value * 100, 1) for _on, value in row.trend] for row in rows
    }
    return render(request, "assessments/dashboard/overview.html", {"rows": rows, "sparklines": sparklines})


def as_of_date(request: HttpRequest) -> tuple[datetime.date | None, str]:
    """The page's ?date=: (None, "") without one, (date, "") for a calendar date the API accepts too,
    (None, message) for anything else."""
    value = request.GET.get("date", "").strip()
    if not value:
        return None, ""
    try:
        if not DATE_PATTERN.match(value):
            raise ValueError
        on_date = datetime.date.fromisoformat(value)
    except ValueError:
        return None, _("“%(value)s” is not a date: give it as YYYY-MM-DD, e.g. 2026-06-30.") % {"value": value[:40]}
    if not EARLIEST_DATE <= on_date <= LATEST_DATE:
        return None, _("Give a date between %(earliest)s and %(latest)s.") % {
            "earliest": EARLIEST_DATE.isoformat(),
            "latest": LATEST_DATE.isoformat(),
        }
    return on_date, ""


def dated_context(request: HttpRequest, plant: Plant, status: dashboards.RollupStatus) -> dict:
    """What a dated page needs: the date shown, whether it is computed (not the roll-up's), the error."""
    on_date, error = as_of_date(request)
    computed = on_date is not None and on_date != status.on_date
    return {
        "on_date": on_date or status.on_date or plant.local_today(),
        "computed": computed,
        "date_error": error,
        "date_min": EARLIEST_DATE.isoformat(),
        "date_max": LATEST_DATE.isoformat(),
    }


def _cached_body(status: dashboards.RollupStatus) -> dict:
    """Context of a page whose body is a {% cache %} fragment keyed on the roll-up that wrote its figures.

    The figures only change when a roll-up runs (its computed_at is the version), so a page view
    costs the access checks and the status query; the dashboard queries run on a cache miss only
    (the lazy `d`). Names, SOP dates and targets edited in the admin show within
    DASHBOARD_CACHE_SECONDS. The "as of" line and the lag warning are rendered outside the cache.
    A page computed for another date is not cached: its figures follow the raw results at once.
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
    dated = dated_context(request, plant, status)
    if dated["computed"]:
        dashboard = SimpleLazyObject(
            lambda: dashboards_on_date.plant_dashboard_on(plant=plant, status=status, on_date=dated["on_date"])
        )
    else:
        dashboard = SimpleLazyObject(lambda: dashboards.plant_dashboard(plant=plant, status=status))
    return render(
        request,
        "assessments/dashboard/plant.html",
        {"plant": plant, "d": dashboard, **_cached_body(status), **dated},
        status=400 if dated["date_error"] else 200,
    )


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
    dated = dated_context(request, plant, status)
    if dated["computed"]:
        dashboard = SimpleLazyObject(
            lambda: dashboards_on_date.line_dashboard_on(line=line, status=status, on_date=dated["on_date"])
        )
    else:
        dashboard = SimpleLazyObject(lambda: dashboards.line_dashboard(line=line, status=status))
    return render(
        request,
        "assessments/dashboard/line.html",
        {"plant": plant, "line": line, "d": dashboard, **_cached_body(status), **dated},
        status=400 if dated["date_error"] else 200,
    )
