"""Recording results (the session grid, a single result), voiding entries and revoking certifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments import selectors, services
from assessments.forms import PASS, GridHeaderForm, GridRowForm, ReasonForm, SingleResultForm
from assessments.models import Assessment, AssessmentSource, Certification
from certtrack.permissions import client_ip
from courses.models import AssessmentKind
from employees.selectors import Capability, employee_get_for_user, scope_to_plants


def _row_inputs(row: GridRowForm, *, assessed_on, assessor) -> list[services.ResultInput]:  # noqa: ANN001
    """The results one grid row asks to record: one per kind entered."""
    data = row.cleaned_data
    inputs = []
    if data.get("score") is not None:
        inputs.append(
            services.ResultInput(
                employee=row.employee,
                course=row.course,
                kind=AssessmentKind.THEORY,
                assessed_on=assessed_on,
                assessor=assessor,
                score=data["score"],
                notes=data.get("notes", ""),
            )
        )
    if data.get("practical"):
        inputs.append(
            services.ResultInput(
                employee=row.employee,
                course=row.course,
                kind=AssessmentKind.PRACTICAL,
                assessed_on=assessed_on,
                assessor=assessor,
                passed=data["practical"] == PASS,
                checklist_notes=data.get("checklist_notes", ""),
                notes=data.get("notes", ""),
            )
        )
    return inputs


@login_required
def session_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The results grid: one row per attendee; saving is all or nothing, and at most once per form key."""
    session = get_object_or_404(
        selectors.sessions_for_user(user=request.user, capability=Capability.RECORD_RESULTS), pk=pk
    )
    course = session.course
    attendees = list(session.attendees.select_related("plant", "line", "station", "role").order_by("employee_no"))
    data = request.POST if request.method == "POST" else None
    header = GridHeaderForm(data, initial={"assessed_on": session.held_on})
    rows = [GridRowForm(data, employee=employee, course=course) for employee in attendees]
    problems = 0
    if request.method == "POST":
        valid = header.is_valid() & all([row.is_valid() for row in rows])  # noqa: C419 - validate every row
        if valid:
            filled = [row for row in rows if not row.is_blank]
            inputs, owner = [], []
            for row in filled:
                for result in _row_inputs(row, assessed_on=header.cleaned_data["assessed_on"], assessor=request.user):
                    inputs.append(result)
                    owner.append(row)
            if not inputs:
                messages.warning(request, _("No results were entered: nothing was recorded."))
                return redirect("session-results", pk=session.pk)
            try:
                outcome = services.assessments_record_once(
                    form_key=header.cleaned_data["form_key"],
                    redirect_to=reverse("session-detail", args=[session.pk]),
                    rows=inputs,
                    recorded_by=request.user,
                    source=AssessmentSource.GRID,
                    session=session,
                    ip_address=client_ip(request),
                )
            except services.BatchRejected as rejected:
                for index, reasons in rejected.errors.items():
                    for reason in reasons:
                        if reason not in owner[index].service_errors:
                            owner[index].service_errors.append(reason)
            else:
                if outcome.duplicate:
                    messages.info(request, _("These results were already saved; nothing was recorded twice."))
                else:
                    messages.success(
                        request,
                        ngettext(
                            "%(rows)d row recorded (%(results)d results); %(blank)d blank rows left out.",
                            "%(rows)d rows recorded (%(results)d results); %(blank)d blank rows left out.",
                            len(filled),
                        )
                        % {"rows": len(filled), "results": len(outcome.assessments), "blank": len(rows) - len(filled)},
                    )
                return redirect(outcome.redirect_to)
        problems = sum(1 for row in rows if row.all_errors) + int(bool(header.errors))
    recorded = selectors.session_results(session=session)
    return render(
        request,
        "assessments/session_results.html",
        {
            "session": session,
            "course": course,
            "header": header,
            "grid": [(row, recorded.get(row.employee.id, [])) for row in rows],
            "problems": problems,
        },
        status=200,
    )


@login_required
def result_create(request: HttpRequest, employee_no: str) -> HttpResponse:
    """A single result from the employee's page (a retake, a late entry)."""
    employee = employee_get_for_user(user=request.user, employee_no=employee_no, capability=Capability.RECORD_RESULTS)
    employee_url = reverse("employee-detail", args=[employee.employee_no])
    if request.method == "POST":
        form = SingleResultForm(request.POST, user=request.user, employee=employee)
        if form.is_valid():
            data = form.cleaned_data
            row = services.ResultInput(
                employee=employee,
                course=data["course"],
                kind=data["kind"],
                assessed_on=data["assessed_on"],
                assessor=request.user,
                score=data["score"] if data["kind"] == AssessmentKind.THEORY else None,
                passed={"pass": True, "fail": False}.get(data["practical"]),
                checklist_notes=data["checklist_notes"],
                notes=data["notes"],
            )
            try:
                outcome = services.assessments_record_once(
                    form_key=data["form_key"],
                    redirect_to=employee_url,
                    rows=[row],
                    recorded_by=request.user,
                    source=AssessmentSource.WEB,
                    ip_address=client_ip(request),
                )
            except services.BatchRejected as rejected:
                for reason in rejected.errors.get(0, []):
                    form.add_error(None, reason)
            else:
                if outcome.duplicate:
                    messages.info(request, _("This result was already saved; nothing was recorded twice."))
                else:
                    assessment = outcome.assessments[0]
                    messages.success(
                        request,
                        _("Recorded: %(course)s %(kind)s, %(outcome)s.")
                        % {
                            "course": assessment.course.code,
                            "kind": assessment.get_kind_display(),
                            "outcome": _("pass") if assessment.passed else _("fail"),
                        },
                    )
                return redirect(outcome.redirect_to)
    else:
        initial = {"assessed_on": employee.plant.local_today()}
        if request.GET.get("course", "").isdigit():
            initial["course"] = int(request.GET["course"])
        form = SingleResultForm(user=request.user, employee=employee, initial=initial)
    return render(request, "assessments/result_form.html", {"employee": employee, "form": form})


@require_POST
@login_required
def assessment_void(request: HttpRequest, pk: int) -> HttpResponse:
    assessments = scope_to_plants(
        Assessment.objects.select_related("employee", "course"),
        user=request.user,
        capability=Capability.VIEW_PEOPLE,
        field="employee__plant",
    )
    assessment = get_object_or_404(assessments, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for voiding this entry."))
    else:
        try:
            services.assessment_void(
                assessment=assessment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Entry voided: %(entry)s.") % {"entry": assessment})
    return redirect("employee-detail", employee_no=assessment.employee.employee_no)


@require_POST
@login_required
def certification_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certifications = scope_to_plants(
        Certification.objects.select_related("employee", "employee__plant", "course"),
        user=request.user,
        capability=Capability.VIEW_PEOPLE,
        field="employee__plant",
    )
    certification = get_object_or_404(certifications, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the revocation."))
    else:
        try:
            services.certification_revoke(
                certification=certification,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Certification revoked: %(certification)s.") % {"certification": certification})
    return redirect("employee-detail", employee_no=certification.employee.employee_no)
