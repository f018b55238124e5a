"""The audit log: admins and auditors (plant managers for their plants) read who did what."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.forms import AuditFilterForm
from assessments.selectors import AUDIT_COLUMNS, audit_events_for_user, audit_rows
from certtrack.permissions import capability_required
from certtrack.spreadsheets import workbook_write
from employees.selectors import Capability


@capability_required(Capability.VIEW_AUDIT_LOG)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for_user(user=request.user, filters=filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/audit/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@capability_required(Capability.VIEW_AUDIT_LOG)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit log as an Excel workbook (text cells can never become formulas)."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for_user(user=request.user, filters=filters)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="certtrack-audit-log.xlsx"'
    workbook_write(stream=response, sheets=[("Audit log", AUDIT_COLUMNS, audit_rows(events))])
    return response
