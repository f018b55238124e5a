"""The audit log: admins and auditors (plant managers for their plants) read who did what."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import pgettext

from assessments.forms.filters import AuditFilterForm
from assessments.selectors.audit import AUDIT_COLUMNS, audit_events_for_user, audit_headers, audit_rows
from certtrack.replicas import read_replica
from certtrack.times import viewer_zone
from certtrack.xlsx import header_row, new_sheet, new_workbook, set_autofilter, value_cell
from employees.access import Capability, capability_required


@read_replica
@capability_required(Capability.VIEW_AUDIT_LOG)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Shown in the viewer's zone (certtrack.times.viewer_zone), named in the header; the date filters are its days."""
    form = AuditFilterForm(request.GET or None)
    zone = viewer_zone(request.user)
    filtered = not form.is_bound or form.is_valid()
    events = audit_events_for_user(user=request.user, filters=form.cleaned_data if form.is_bound else {}, zone=zone)
    # A filter that could not be read lists nothing (its error says why), never the whole log.
    page = Paginator(events if filtered else events.none(), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/audit/log.html",
        {"form": form, "page": page, "query": query.urlencode(), "zone": zone, "filtered": filtered},
    )


@read_replica
@capability_required(Capability.VIEW_AUDIT_LOG)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit log as an Excel workbook, in the requester's language and zone (named in the
    time column's header): column widths, frozen header, autofilter; text cells never become formulas."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # Never the whole log for a filter that could not be read: say what is wrong instead.
        reasons = [
            f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
            for name, errors in form.errors.items()
        ]
        return HttpResponseBadRequest(
            "\n".join(str(reason) for reason in reasons), content_type="text/plain; charset=utf-8"
        )
    filters = form.cleaned_data if form.is_bound else {}
    zone = viewer_zone(request.user)
    events = audit_events_for_user(user=request.user, filters=filters, zone=zone)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="certtrack-audit-log.xlsx"'
    book = new_workbook()
    sheet = new_sheet(
        book, pgettext("sheet name", "Audit log"), widths=[width for _title, width in AUDIT_COLUMNS], freeze="A2"
    )
    sheet.append(header_row(sheet, audit_headers(zone=zone)))
    count = 0
    for row in audit_rows(events, zone=zone):
        sheet.append([value_cell(sheet, value) for value in row])
        count += 1
    set_autofilter(sheet, first_row=1, columns=len(AUDIT_COLUMNS), last_row=1 + count)
    book.save(response)
    return response
