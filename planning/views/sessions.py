"""The plant's plan of sessions: list, detail, plan, change, cancel and hold a planned session."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certtrack.forms import id_param
from employees.access import Capability, can, capability_required, client_ip, plant_get_for_user
from employees.models import Employee, EmployeeStatus, Plant
from planning.forms.sessions import CancelForm, PlanFilterForm, PlannedSessionForm, initial_for_session
from planning.models import PlannedSession
from planning.selectors.sessions import plan_problems_cached, planned_sessions_for_user, with_seats_used
from planning.services.sessions import (
    may_change,
    may_hold,
    planned_session_cancel,
    planned_session_create,
    planned_session_hold,
    planned_session_update,
)

PAGE_SIZE = 50
# A link from a gap list carries at most this many people (a session holds at most 200 seats).
MAX_CARRIED = 400


def _form_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal on the form: each message on its field when the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _session_get(request: HttpRequest, plant: Plant, pk: int, capability=Capability.VIEW_PLAN) -> PlannedSession:
    return get_object_or_404(planned_sessions_for_user(user=request.user, capability=capability), plant=plant, pk=pk)


@capability_required(Capability.VIEW_PLAN)
def session_list(request: HttpRequest, plant_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.VIEW_PLAN)
    sessions = with_seats_used(planned_sessions_for_user(user=request.user).filter(plant=plant))
    form = PlanFilterForm(request.GET or None, plant=plant)
    status = ""
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        if data["line"] is not None:
            sessions = sessions.filter(line=data["line"])
        if data["course"] is not None:
            sessions = sessions.filter(course=data["course"])
        if data["trainer"] is not None:
            sessions = sessions.filter(trainer=data["trainer"])
        if data["month"] is not None:
            year, month = data["month"]
            sessions = sessions.filter(planned_on__year=year, planned_on__month=month)
    if status == "held":
        sessions = sessions.filter(held_session__isnull=False)
    elif status == "cancelled":
        sessions = sessions.filter(cancelled_at__isnull=False)
    elif status != "all":
        sessions = sessions.filter(cancelled_at__isnull=True, held_session__isnull=True)
    sessions = sessions.order_by("planned_on", "course__code", "id")
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    problems = plan_problems_cached(plant=plant)
    rows = [
        (session, found, any(p.breaks for p in found))
        for session in page
        for found in [problems.get(session.pk, []) if session.is_live else []]
    ]
    return render(
        request,
        "planning/sessions/list.html",
        {
            "plant": plant,
            "today": plant.local_today(),
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "breaking_count": sum(1 for found in problems.values() for p in found if p.breaks),
            "can_plan": can(user=request.user, capability=Capability.PLAN_SESSIONS, plant_id=plant.id),
        },
    )


@capability_required(Capability.VIEW_PLAN)
def session_detail(request: HttpRequest, plant_code: str, pk: int) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.VIEW_PLAN)
    session = _session_get(request, plant, pk)
    today = plant.local_today()
    return render(
        request,
        "planning/sessions/detail.html",
        {
            "plant": plant,
            "session": session,
            "today": today,
            "attendees": list(session.attendees.select_related("line", "station").order_by("employee_no")),
            "problems": plan_problems_cached(plant=plant).get(session.pk, []) if session.is_live else [],
            "can_change": session.is_live and may_change(user=request.user, session=session),
            "can_hold": session.is_live and may_hold(user=request.user, session=session),
            "hold_from": session.planned_on,
            "may_hold_now": session.planned_on <= today,
        },
    )


def _carried_numbers(request: HttpRequest, plant: Plant) -> str:
    """People carried from a gap list: ?employees=<id,id> or ?attendee=<id>&attendee=<id>, active employees
    of the plant only, as the form's employee numbers."""
    values = [v for text in request.GET.getlist("employees") for v in text.split(",")]
    values += request.GET.getlist("attendee")
    ids = {id_param(v) for v in values[:MAX_CARRIED]} - {None}
    if not ids:
        return ""
    employees = Employee.objects.filter(plant=plant, status=EmployeeStatus.ACTIVE, pk__in=ids).order_by("employee_no")
    return "\n".join(employees.values_list("employee_no", flat=True))


def _next_working_day(plant: Plant) -> datetime.date:
    day = plant.local_today() + datetime.timedelta(days=1)
    weekdays = plant.working_weekday_set or frozenset(range(1, 8))
    while day.isoweekday() not in weekdays:
        day += datetime.timedelta(days=1)
    return day


@capability_required(Capability.PLAN_SESSIONS)
def session_create(request: HttpRequest, plant_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.PLAN_SESSIONS)
    if request.method == "POST":
        form = PlannedSessionForm(request.POST, plant=plant, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session, warnings = planned_session_create(
                    plant=plant,
                    course=data["course"],
                    planned_on=data["planned_on"],
                    trainer=data["trainer"],
                    actor=request.user,
                    seats=data["seats"],
                    delivery_mode=data["delivery_mode"],
                    shift=data["shift"],
                    line=data["line"],
                    location=data["location"],
                    notes=data["notes"],
                    attendees=data["attendees"],
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Session planned."))
                for warning in warnings:
                    messages.warning(request, warning.message)
                return redirect("planning:session-detail", plant_code=plant.code, pk=session.pk)
    else:
        initial = {"planned_on": _next_working_day(plant), "trainer": request.user.pk}
        course_id = id_param(request.GET.get("course"))
        line_id = id_param(request.GET.get("line"))
        if course_id is not None:
            initial["course"] = course_id
        if line_id is not None:
            initial["line"] = line_id
        initial["attendees"] = _carried_numbers(request, plant)
        form = PlannedSessionForm(initial=initial, plant=plant, user=request.user)
        course = form.fields["course"].queryset.filter(pk=course_id).first() if course_id is not None else None
        if course is not None:
            initial["seats"] = course.class_size
            initial["delivery_mode"] = course.delivery_mode
    return render(request, "planning/sessions/form.html", {"plant": plant, "form": form, "session": None})


@capability_required(Capability.PLAN_SESSIONS)
def session_edit(request: HttpRequest, plant_code: str, pk: int) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.PLAN_SESSIONS)
    session = _session_get(request, plant, pk, Capability.PLAN_SESSIONS)
    if not may_change(user=request.user, session=session):
        raise Http404
    if not session.is_live:
        messages.error(request, _("This planned session is no longer live: it takes no more changes."))
        return redirect("planning:session-detail", plant_code=plant.code, pk=session.pk)
    if request.method == "POST":
        form = PlannedSessionForm(request.POST, plant=plant, user=request.user, session=session)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session, warnings = planned_session_update(
                    session=session,
                    actor=request.user,
                    planned_on=data["planned_on"],
                    seats=data["seats"] or session.course.class_size,
                    trainer=data["trainer"],
                    delivery_mode=data["delivery_mode"] or session.course.delivery_mode,
                    shift=data["shift"],
                    line=data["line"],
                    location=data["location"],
                    notes=data["notes"],
                    attendees=data["attendees"],
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Planned session saved."))
                for warning in warnings:
                    messages.warning(request, warning.message)
                return redirect("planning:session-detail", plant_code=plant.code, pk=session.pk)
    else:
        form = PlannedSessionForm(initial=initial_for_session(session), plant=plant, user=request.user, session=session)
    return render(request, "planning/sessions/form.html", {"plant": plant, "form": form, "session": session})


@capability_required(Capability.PLAN_SESSIONS)
def session_cancel(request: HttpRequest, plant_code: str, pk: int) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.PLAN_SESSIONS)
    session = _session_get(request, plant, pk, Capability.PLAN_SESSIONS)
    if not may_change(user=request.user, session=session):
        raise Http404
    if not session.is_live:
        messages.error(request, _("This planned session is no longer live: it takes no more changes."))
        return redirect("planning:session-detail", plant_code=plant.code, pk=session.pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            planned_session_cancel(
                session=session, actor=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request)
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Planned session cancelled. The plan below shows what it leaves open."))
            return redirect("planning:session-list", plant_code=plant.code)
    return render(request, "planning/sessions/cancel.html", {"plant": plant, "session": session, "form": form})


@require_POST
@capability_required(Capability.RECORD_RESULTS)
def session_hold(request: HttpRequest, plant_code: str, pk: int) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.RECORD_RESULTS)
    session = _session_get(request, plant, pk, Capability.RECORD_RESULTS)
    if not may_hold(user=request.user, session=session):
        raise Http404
    try:
        held = planned_session_hold(session=session, actor=request.user, ip_address=client_ip(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("planning:session-detail", plant_code=plant.code, pk=session.pk)
    messages.success(request, _("Session held: record the results of its attendees."))
    return redirect("assessments:session-results", pk=held.pk)
