"""Readiness pages: company overview, plant and line dashboards, and the list behind each of their counts.

The dashboards read roll-up tables only. The plant and line pages take an "as of" date
(?date=YYYY-MM-DD): for a date other than the roll-up's, the page is computed for that date as the
readiness API computes it (readiness/dashboards_on_date.py), and every count links to the list behind
it for the same date. The lists are scoped exactly as the dashboards (Capability.VIEW_DASHBOARDS
through employees.access): another plant, or a line, course or station outside the plant, answers
404; ?date= follows the dashboards.
"""

from __future__ import annotations

import datetime
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.readiness import dashboards, dashboards_on_date, drilldown_workbook, drilldowns
from assessments.readiness.drilldowns import PAIR_KINDS, STATION_KINDS, Kind
from assessments.selectors.levels import DAY_STAFF, line_level_matrix, shift_filter_choices
from certtrack.forms import DATE_PATTERN, EARLIEST_DATE, LATEST_DATE
from certtrack.replicas import read_replica
from certtrack.xlsx import table_workbook_write
from courses.models import Course
from employees.access import Capability, capability_required, plant_get_for_user, plants_for_user
from employees.models import Plant, Station
from employees.selectors import lines_for_user


@read_replica
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


@read_replica
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


@read_replica
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


@read_replica
@require_GET
@login_required
def line_levels(request: HttpRequest, code: str, line_code: str) -> HttpResponse:
    """The line's people x stations ILUO matrix on D (?date=, default the plant's today), of one shift
    (?shift=A, or ?shift=day for day staff) or everyone. Computed from the recorded results (not the roll-up):
    a constant number of queries whatever the number of people and stations."""
    line = get_object_or_404(  # with its plant, in one query; another plant's line is a 404
        lines_for_user(user=request.user, capability=Capability.VIEW_DASHBOARDS),
        plant__is_active=True,
        plant__code=code,
        code=line_code,
    )
    plant = line.plant
    on_date, error = as_of_date(request)
    shifts = shift_filter_choices(line=line)
    sent = request.GET.get("shift", "").strip()
    # The plant's codes match whatever the case typed (as the employee import does): ?shift=a is shift A.
    shift = next((value for value in shifts if value.upper() == sent.upper()), sent)
    if not error and shift and shift not in shifts:
        error = _("“%(value)s” is not a shift of plant %(plant)s: choose one of %(codes)s, or day staff.") % {
            "value": shift[:20],
            "plant": plant.code,
            "codes": ", ".join(plant.shift_code_list),
        }
    on_date = on_date or plant.local_today()
    keep = [("shift", shift)] if shift and not error else []
    context = {
        "plant": plant,
        "line": line,
        "on_date": on_date,
        "computed": bool(request.GET.get("date")) and not error,
        "date_error": error,
        "date_min": EARLIEST_DATE.isoformat(),
        "date_max": LATEST_DATE.isoformat(),
        "keep": keep,
        "keep_query": urlencode(keep),
        "shift": shift,
        "shifts": [(value, value != DAY_STAFF and value not in line.shift_codes) for value in shifts],
        "day_staff": DAY_STAFF,
        "date_query": urlencode({"date": on_date.isoformat()}) if request.GET.get("date") and not error else "",
    }
    if error:
        return render(request, "assessments/dashboard/line_levels.html", context, status=400)
    matrix = line_level_matrix(line=line, on_date=on_date, shift=shift)
    return render(request, "assessments/dashboard/line_levels.html", {**context, "m": matrix})


# --- The list behind each count, on the page and as an Excel workbook ------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 100


def _code(request: HttpRequest, name: str) -> str:
    """A code from the query; one no code can hold (a NUL byte, which PostgreSQL refuses to compare) is none."""
    value = request.GET.get(name, "")
    if "\x00" in value:
        raise Http404
    return value


def _filters(request: HttpRequest, code: str, kind: str) -> dict:
    """The plant and the list's scope from the URL and the query, each through the scoping layer (else 404)."""
    plant = plant_get_for_user(user=request.user, code=code, capability=Capability.VIEW_DASHBOARDS)
    try:
        kind = Kind(kind)
    except ValueError:
        raise Http404 from None
    line = course = station = None
    if _code(request, "line"):
        line = get_object_or_404(
            lines_for_user(user=request.user, capability=Capability.VIEW_DASHBOARDS).filter(plant=plant),
            code=_code(request, "line"),
        )
    if _code(request, "course"):
        if kind not in PAIR_KINDS:
            raise Http404
        # The company's templates and this plant's own courses: never another plant's.
        course = get_object_or_404(
            Course.objects.filter(Q(owner_plant__isnull=True) | Q(owner_plant=plant)), code=_code(request, "course")
        )
    if _code(request, "station"):
        if kind not in STATION_KINDS or line is None:
            raise Http404
        station = get_object_or_404(Station.objects.filter(line=line), code=_code(request, "station"))
    return {"plant": plant, "kind": kind, "line": line, "course": course, "station": station}


def _drilldown(request: HttpRequest, code: str, kind: str) -> tuple[drilldowns.Drilldown | None, dict]:
    scope = _filters(request, code, kind)
    plant = scope["plant"]
    status = dashboards.rollup_statuses(plant_ids=[plant.id])[plant.id]
    dated = dated_context(request, plant, status)
    # The scope travels with the "as of" form: a new date keeps the list's line, course and station.
    keep = [(name, request.GET[name]) for name in ("line", "course", "station") if request.GET.get(name)]
    context = {**scope, **dated, "status": status, "keep": keep, "keep_query": urlencode(keep)}
    if dated["date_error"]:
        return None, context
    return drilldowns.drilldown(on_date=dated["on_date"], computed=dated["computed"], **scope), context


@read_replica
@require_GET
@login_required
def figure_list(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    drilldown, context = _drilldown(request, code, kind)
    if drilldown is None:
        return render(request, "assessments/dashboard/figures.html", context, status=400)
    page = Paginator(drilldown.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/dashboard/figures.html",
        {**context, "d": drilldown, "page": page, "query": query.urlencode()},
    )


@read_replica
@require_GET
@login_required
def figure_export(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """The whole list as a workbook in the requester's language (headers, course titles, states)."""
    drilldown, context = _drilldown(request, code, kind)
    if drilldown is None:
        return render(request, "assessments/dashboard/figures.html", context, status=400)
    handle = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024, suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    table_workbook_write(target=handle, tables=drilldown_workbook.tables(drilldown))
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=drilldown_workbook.filename(drilldown), content_type=XLSX)
