"""The roster: employee list and the employee page (requirements, history, audit trail)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.forms.common import ReasonForm
from assessments.models import CertificationStatus
from assessments.readiness.views import as_of_date
from assessments.selectors.certifications import (
    Qualification,
    certifications_as_of,
    checklist_marks,
    employee_assessments,
    employee_audit_events,
    employee_other_certifications,
    employee_requirements,
    qualifications,
)
from assessments.services.results import can_void
from certtrack.forms import EARLIEST_DATE, LATEST_DATE
from certtrack.replicas import read_replica
from employees.access import Capability, can, capability_required
from employees.forms import EmployeeFilterForm
from employees.selectors import employee_get_for_user, employees_for_user

PAGE_SIZE = 50


@read_replica
@capability_required(Capability.VIEW_PEOPLE)
def employee_list(request: HttpRequest) -> HttpResponse:
    form = EmployeeFilterForm(request.GET or None, user=request.user)
    employees = employees_for_user(user=request.user, capability=Capability.VIEW_PEOPLE).order_by("employee_no")
    if form.is_valid():
        if query := form.cleaned_data["q"].strip():
            employees = employees.filter(Q(employee_no__icontains=query) | Q(name__icontains=query))
        if form.cleaned_data["line"]:
            employees = employees.filter(line=form.cleaned_data["line"])
        if form.cleaned_data["status"]:
            employees = employees.filter(status=form.cleaned_data["status"])
    page = Paginator(employees, PAGE_SIZE).get_page(request.GET.get("page"))
    people = list(page.object_list)
    figures = {}
    # D is each plant's own today: one qualifications() call per plant on the page, not per person.
    for plant_id in {e.plant_id for e in people}:
        of_plant = [e for e in people if e.plant_id == plant_id]
        figures.update(qualifications(employees=of_plant, on_date=of_plant[0].plant.local_today()))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "employees/employee_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(e, figures.get(e.id)) for e in people],
            "query_string": query_string.urlencode(),
        },
    )


@read_replica
@login_required
def employee_detail(request: HttpRequest, employee_no: str) -> HttpResponse:
    """The employee's required courses as of D (?date=, default the plant's today): level held against the
    minimum, met or why not, provisional passes and the day each stops counting; qualified and qualified
    counting no provisional pass; every result with the checklist behind each practical. Record and revoke
    act on today's state, so they show for today only."""
    employee = employee_get_for_user(user=request.user, employee_no=employee_no, capability=Capability.VIEW_PEOPLE)
    today = employee.plant.local_today()
    asked, date_error = as_of_date(request)
    on_date = asked or today
    requirements = employee_requirements(employee=employee, on_date=on_date)
    figure = Qualification(
        required=len(requirements),
        met=sum(row.is_met for row in requirements),
        met_confirmed=sum(row.state.meets_confirmed(row.min_level) for row in requirements),
    )
    history = [
        (assessment, can_void(assessment=assessment, user=request.user), checklist_marks(assessment))
        for assessment in employee_assessments(employee=employee)
    ]
    # Courses outside the required set: the stored rows (the revoke form) with their state as of D.
    stored = list(
        employee_other_certifications(employee=employee, required_course_ids=[row.course.id for row in requirements])
    )
    states = certifications_as_of(pairs=[(employee.id, c.course_id) for c in stored], on_date=on_date)
    others = [
        (c.course, states[(employee.id, c.course_id)], c)
        for c in stored
        if states[(employee.id, c.course_id)].status != CertificationStatus.MISSING
    ]
    is_today = on_date == today
    return render(
        request,
        "employees/employee_detail.html",
        {
            "employee": employee,
            "today": on_date,
            "is_today": is_today,
            "date_error": date_error,
            "date_min": EARLIEST_DATE.isoformat(),
            "date_max": LATEST_DATE.isoformat(),
            "requirements": requirements,
            "qualification": figure,
            "qualified": employee.is_active and figure.qualified,
            "qualified_confirmed": employee.is_active and figure.qualified_confirmed,
            "history": history,
            "others": others,
            "audit_events": employee_audit_events(employee=employee),
            "can_record": is_today
            and can(user=request.user, capability=Capability.RECORD_RESULTS, plant_id=employee.plant_id),
            "can_revoke": is_today
            and can(user=request.user, capability=Capability.REVOKE_CERTIFICATION, plant_id=employee.plant_id),
            "reason_form": ReasonForm(),
        },
        status=400 if date_error else 200,
    )
