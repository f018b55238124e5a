"""The list behind each count of the plant and line dashboards, on the page and as an Excel workbook.

Scoped exactly as the dashboards (Capability.VIEW_DASHBOARDS through employees.access): another
plant, or a line, course or station outside the plant, answers 404. ?date= follows the dashboards:
the roll-up's date reads the roll-up tables, any other date is computed for that date.
"""

from __future__ import annotations

import tempfile
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from assessments import dashboards, drilldowns
from assessments.drilldowns import PAIR_KINDS, STATION_KINDS, Kind
from assessments.views.dashboards import dated_context
from certtrack.xlsx import table_workbook_write
from courses.models import Course
from employees.access import Capability, plant_get_for_user
from employees.models import Station
from employees.selectors import lines_for_user

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


@require_GET
@login_required
def figure_export(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """The whole list as a workbook in the requester's language (headers, course titles, states)."""
    drilldown, context = _drilldown(request, code, kind)
    if drilldown is None:
        return render(request, "assessments/dashboard/figures.html", context, status=400)
    handle = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024, suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    table_workbook_write(target=handle, tables=drilldowns.tables(drilldown))
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=drilldowns.filename(drilldown), content_type=XLSX)
