"""Recording results (the session grid, a single result), voiding entries and revoking certifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments.forms.common import PASS, ReasonForm
from assessments.forms.results import (
    GridHeaderForm,
    GridRowForm,
    SingleResultForm,
    checklist_reason_templates,
    checklist_rule_text,
)
from assessments.models import Assessment, AssessmentSource, Certification
from assessments.selectors import sessions as session_selectors
from assessments.services import certifications as certification_services
from assessments.services import result_rules
from assessments.services import results as result_services
from assessments.services import submissions as submission_services
from certtrack.forms import id_param
from courses.models import AssessmentKind
from employees.access import Capability, client_ip, scope_to_plants
from employees.selectors import employee_get_for_user


def _row_inputs(row: GridRowForm, *, assessed_on, assessor) -> list[result_rules.ResultInput]:
    """The results one grid row asks to record: one per kind entered."""
    data = row.cleaned_data
    inputs = []
    if data.get("score") is not None:
        inputs.append(
            result_rules.ResultInput(
                employee=row.employee,
                course=row.course,
                kind=AssessmentKind.THEORY,
                assessed_on=assessed_on,
                assessor=assessor,
                score=data["score"],
                notes=data.get("notes", ""),
            )
        )
    marks = row.checklist_marks
    if marks is not None or data.get("practical"):
        inputs.append(
            result_rules.ResultInput(
                employee=row.employee,
                course=row.course,
                kind=AssessmentKind.PRACTICAL,
                assessed_on=assessed_on,
                assessor=assessor,
                # With a checklist the service derives the outcome from the marks (checklist_resolve).
                passed=None if marks is not None else data["practical"] == PASS,
                checklist_marks=marks,
                level=row.level,
                checklist_notes=data.get("checklist_notes", ""),
                notes=data.get("notes", ""),
            )
        )
    return inputs


# Refusals that point at one input of a row (the template marks it) besides being listed on the row.
FIELD_CODES = frozenset({"level", "checklist", "delivery_mode"})


def _place_refusals(
    refusals: dict[int, list[str]],
    *,
    header: GridHeaderForm,
    owner: list[GridRowForm],
    inputs: list[result_rules.ResultInput],
    date_usable: bool,
) -> None:
    """Put each rule's refusal where the trainer fixes it: the date's and the session's once, on the
    header; the others on their row (a refused result also marks its own input)."""
    placed = set()
    for index, reasons in sorted(refusals.items()):
        row = owner[index]
        for reason in reasons:
            code = getattr(reason, "code", "")
            if not date_usable and code in result_rules.DATE_RULES:
                continue  # checked again once the date is given: no answer from a date nobody chose
            if code in ("future_date", "cancelled"):
                if code not in placed:
                    header.add_error("assessed_on" if code == "future_date" else None, reason)
                    placed.add(code)
                continue
            if code == "duplicate":
                row.refused_kinds.add(inputs[index].kind)
            if code in FIELD_CODES:
                row.refused_fields.add(code)
            if reason not in row.service_errors:
                row.service_errors.append(reason)


@login_required
def session_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The results grid: one row per attendee; saving is all or nothing, and at most once per form key.

    A refused save answers every problem at once: the form errors of every row and, for every result
    that could be read, the service's rules (a row with a typo does not hide another row's refusal).
    """
    session = get_object_or_404(
        session_selectors.sessions_for_user(user=request.user, capability=Capability.RECORD_RESULTS), pk=pk
    )
    if session.is_cancelled:
        messages.error(request, _("This session was cancelled: it takes no results."))
        return redirect("assessments:session-detail", pk=session.pk)
    course = session.course
    attendees = list(session.attendees.select_related("plant", "line", "station", "role").order_by("employee_no"))
    recorded = session_selectors.session_results(session=session)
    for employee in attendees:
        for assessment in recorded.get(employee.id, []):
            assessment.employee = employee  # can_void reads its plant: no query per result
            assessment.voidable = result_services.can_void(assessment=assessment, user=request.user)
    checklist = result_rules.checklists_current(course_ids=[course.id]).get(course.id)
    data = request.POST if request.method == "POST" else None
    header = GridHeaderForm(
        data, initial={"assessed_on": session.held_on, "checklist_revision": checklist and checklist.revision}
    )
    rows = [
        GridRowForm(data, employee=employee, course=course, recorded=recorded.get(employee.id, []), checklist=checklist)
        for employee in attendees
    ]
    problems = 0
    if request.method == "POST":
        header_ok = header.is_valid()
        if header_ok and checklist is not None and header.cleaned_data["checklist_revision"] != checklist.revision:
            # The marks are item positions: against another revision they would mean other items.
            header.add_error(
                None,
                _(
                    "The checklist of %(course)s was revised while this page was open: mark the rows again against "
                    "revision %(revision)s."
                )
                % {"course": course.code, "revision": checklist.revision},
            )
            header.data = header.data.copy()
            header.data["checklist_revision"] = checklist.revision
            header_ok = False
        # A resubmit of a saved grid (double click, refresh, back): its rows are recorded by now, so answer
        # it as the repeat it is before the rows would refuse their already recorded kinds.
        saved_to = header_ok and submission_services.submitted_form_redirect(form_key=header.cleaned_data["form_key"])
        if saved_to:
            messages.info(request, _("These results were already saved; nothing was recorded twice."))
            return redirect(saved_to)
        rows_ok = all([row.is_valid() for row in rows])  # noqa: C419 - validate every row
        assessed_on = header.cleaned_data.get("assessed_on")
        filled = [row for row in rows if not row.is_closed and not row.is_blank]
        inputs, owner = [], []
        for row in filled:
            for result in _row_inputs(row, assessed_on=assessed_on or session.held_on, assessor=request.user):
                inputs.append(result)
                owner.append(row)
        if header_ok and rows_ok:
            if not inputs:
                messages.warning(request, _("No results were entered: nothing was recorded."))
                return redirect("assessments:session-results", pk=session.pk)
            try:
                outcome = submission_services.assessments_record_once(
                    form_key=header.cleaned_data["form_key"],
                    redirect_to=reverse("assessments:session-detail", args=[session.pk]),
                    rows=inputs,
                    recorded_by=request.user,
                    source=AssessmentSource.GRID,
                    session=session,
                    ip_address=client_ip(request),
                )
            except result_services.BatchRejected as rejected:
                _place_refusals(rejected.errors, header=header, owner=owner, inputs=inputs, date_usable=True)
            else:
                if outcome.duplicate:
                    messages.info(request, _("These results were already saved; nothing was recorded twice."))
                else:
                    blank = sum(1 for row in rows if not row.is_closed) - len(filled)
                    results = len(outcome.assessments)
                    recorded_text = ngettext(
                        "%(rows)d row recorded (%(results)s).", "%(rows)d rows recorded (%(results)s).", len(filled)
                    ) % {
                        "rows": len(filled),
                        "results": ngettext("%(count)d result", "%(count)d results", results) % {"count": results},
                    }
                    if blank:  # nothing to say of no blank row
                        recorded_text += " " + (
                            ngettext("%(blank)d blank row left out.", "%(blank)d blank rows left out.", blank)
                            % {"blank": blank}
                        )
                    messages.success(request, recorded_text)
                    for notice in outcome.notices:
                        messages.warning(request, notice)
                return redirect(outcome.redirect_to)
        elif inputs:
            refusals = result_rules.assessments_validate(rows=inputs, recorded_by=request.user, session=session)
            _place_refusals(refusals, header=header, owner=owner, inputs=inputs, date_usable=assessed_on is not None)
        problems = sum(1 for row in rows if row.all_errors)  # rows only: the page says the date's problem apart
    return render(
        request,
        "assessments/session_results.html",
        {
            "session": session,
            "course": course,
            "checklist": checklist,
            "checklist_rule": checklist_rule_text(checklist=checklist) if checklist is not None else "",
            "reason_templates": checklist_reason_templates() if checklist is not None else {},
            "header": header,
            "grid": rows,
            "problems": problems,
            "voidable": [a for results in recorded.values() for a in results if getattr(a, "voidable", False)],
        },
        status=200,
    )


def _single_field_of(reason: result_rules.Refusal, form: SingleResultForm) -> str | None:
    """The input of the single-result form a refusal points at (None: the form's own errors)."""
    code = getattr(reason, "code", "")
    field = {
        "future_date": "assessed_on",
        "before_hire": "assessed_on",
        "level": "level",
        "delivery_mode": "delivery_mode",
        "checklist": "marks",
    }.get(code)
    return field if field in form.fields else None


@login_required
def result_create(request: HttpRequest, employee_no: str) -> HttpResponse:
    """A single result from the employee's page (a retake, a late entry)."""
    employee = employee_get_for_user(user=request.user, employee_no=employee_no, capability=Capability.RECORD_RESULTS)
    employee_url = reverse("assessments:employee-detail", args=[employee.employee_no])
    if request.method == "POST":
        form = SingleResultForm(request.POST, user=request.user, employee=employee)
        if form.is_valid():
            data = form.cleaned_data
            row = result_rules.ResultInput(
                employee=employee,
                course=data["course"],
                kind=data["kind"],
                assessed_on=data["assessed_on"],
                assessor=request.user,
                score=data.get("score") if data["kind"] == AssessmentKind.THEORY else None,
                # With a checklist the service derives the outcome from the marks (checklist_resolve).
                passed=None if data["checklist_marks"] is not None else form.passed,
                checklist_marks=data["checklist_marks"],
                # A fail has no level: the default U of the select is not sent to the service.
                level=(data.get("level") or None) if data["kind"] == AssessmentKind.PRACTICAL and form.passed else None,
                delivery_mode=data["delivery_mode"] or None,
                checklist_notes=data.get("checklist_notes", ""),
                notes=data["notes"],
            )
            try:
                outcome = submission_services.assessments_record_once(
                    form_key=data["form_key"],
                    redirect_to=employee_url,
                    rows=[row],
                    recorded_by=request.user,
                    source=AssessmentSource.WEB,
                    ip_address=client_ip(request),
                )
            except result_services.BatchRejected as rejected:
                for reason in rejected.errors.get(0, []):
                    form.add_error(_single_field_of(reason, form), reason)
            else:
                if outcome.duplicate:
                    messages.info(request, _("This result was already saved; nothing was recorded twice."))
                else:
                    assessment = outcome.assessments[0]
                    recorded = {
                        "course": assessment.course.code,
                        "kind": assessment.get_kind_display(),
                        "outcome": _("pass") if assessment.passed else _("fail"),
                    }
                    if form.fail_reason:  # a checklist's fail says why, as the grid's row does
                        text = _("Recorded: %(course)s %(kind)s, %(outcome)s (%(reason)s).") % {
                            **recorded,
                            "reason": form.fail_reason,
                        }
                    else:
                        text = _("Recorded: %(course)s %(kind)s, %(outcome)s.") % recorded
                    messages.success(request, text)
                    for notice in outcome.notices:
                        messages.warning(request, notice)
                return redirect(outcome.redirect_to)
    else:
        initial = {"assessed_on": employee.plant.local_today()}
        if id_param(request.GET.get("course")) is not None:
            initial["course"] = id_param(request.GET.get("course"))
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
            result_services.assessment_void(
                assessment=assessment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            entry = _("%(employee)s %(course)s %(kind)s %(date)s") % {
                "employee": assessment.employee.employee_no,
                "course": assessment.course.code,
                "kind": assessment.get_kind_display(),  # a word in the reader's language, not the code
                "date": assessment.assessed_on.isoformat(),
            }
            messages.success(request, _("Entry voided: %(entry)s.") % {"entry": entry})
    # The grid voids in place and comes back to itself; only a path of this site is followed.
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("assessments:employee-detail", employee_no=assessment.employee.employee_no)


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
            certification_services.certification_revoke(
                certification=certification,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Certification revoked: %(certification)s.") % {"certification": certification})
    return redirect("assessments:employee-detail", employee_no=certification.employee.employee_no)
