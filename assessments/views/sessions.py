"""Training sessions: list, create, detail, attendees, edit and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments.forms.common import ReasonForm
from assessments.forms.sessions import AttendeesAddForm, SessionCreateForm, SessionEditForm
from assessments.models import TrainingSession
from assessments.selectors.gaps import gaps_matching, trainer_gaps
from assessments.selectors.sessions import session_results, sessions_for_user
from assessments.services.sessions import (
    AttendeeRefusal,
    training_session_attendee_remove,
    training_session_attendees_add,
    training_session_cancel,
    training_session_create,
    training_session_ensure_open,
    training_session_update,
)
from certtrack.forms import id_param
from employees.access import Capability, can, capability_required, client_ip, plants_for_user

PAGE_SIZE = 50


@capability_required(Capability.VIEW_PEOPLE)
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = (
        sessions_for_user(user=request.user, capability=Capability.VIEW_PEOPLE)
        .annotate(
            attendee_count=Count("attendees", distinct=True),
            result_count=Count("assessments", filter=Q(assessments__voided_at__isnull=True), distinct=True),
        )
        .order_by("-held_on", "-id")
    )
    if request.GET.get("mine"):
        sessions = sessions.filter(trainer=request.user)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/session_list.html",
        {"page": page, "can_create": can(user=request.user, capability=Capability.RECORD_RESULTS)},
    )


@capability_required(Capability.RECORD_RESULTS)
def session_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SessionCreateForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                session = training_session_create(
                    trainer=request.user,
                    course=form.cleaned_data["course"],
                    plant=form.cleaned_data["plant"],
                    held_on=form.cleaned_data["held_on"],
                    delivery_mode=form.cleaned_data["delivery_mode"],
                    location=form.cleaned_data["location"],
                    notes=form.cleaned_data["notes"],
                    attendees=form.cleaned_data["attendees"],
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if form.cleaned_data["attendees"]:
                    messages.success(
                        request,
                        _("Session created with %(count)d attendee(s).")
                        % {"count": len(form.cleaned_data["attendees"])},
                    )
                else:
                    messages.success(request, _("Session created. Now add the attendees."))
                return redirect("assessments:session-detail", pk=session.pk)
    else:
        form = SessionCreateForm(user=request.user, initial=_session_initial(request))
    return render(request, "assessments/session_form.html", {"form": form})


def _session_initial(request: HttpRequest) -> dict:
    """A new session's first values: what "who needs me" carried over, ?course=<id>&plant=<id> with the
    ticked people (&attendee=<id>...) or all of that course's people at that plant not booked on an upcoming
    session of it yet (&who_needs_me=1[&status=]);
    the date is the plant's today. A session is held at one plant: without a plant (a trainer of several,
    an older link), people of several plants are not carried over, and the trainer is told why."""
    plants = list(plants_for_user(user=request.user, capability=Capability.RECORD_RESULTS).order_by("code"))
    wanted = request.GET.get("plant", "")
    plant = next((p for p in plants if p.pk == id_param(wanted)), None)
    if plant is None and len(plants) == 1:
        plant = plants[0]
    initial: dict = {"held_on": (plant or plants[0]).local_today() if plants else None}
    if plant is not None:
        initial["plant"] = plant.pk
    course_id = id_param(request.GET.get("course"))
    if course_id is None:
        return initial
    initial["course"] = course_id
    if request.GET.get("who_needs_me"):
        gaps = gaps_matching(
            trainer_gaps(
                user=request.user, course_ids=[course_id], plant_ids=[plant.pk] if plant is not None else None
            ),
            status=request.GET.get("status", ""),
            booked=False,  # people already booked on an upcoming session of the course are not booked twice
        )
        if len({gap.employee.plant_id for gap in gaps}) > 1:
            messages.warning(
                request,
                _(
                    "People at several plants need this course, and a session is held at one plant: plan it "
                    'from that plant\'s row of "Who needs me" on your home page.'
                ),
            )
            gaps = []
        initial["attendees"] = [gap.employee.id for gap in gaps]
    else:
        initial["attendees"] = request.GET.getlist("attendee")  # the form keeps the user's active employees only
    return initial


def _session_page(
    request: HttpRequest, session: TrainingSession, *, add_form: AttendeesAddForm | None = None, status: int = 200
) -> HttpResponse:
    can_record = can(user=request.user, capability=Capability.RECORD_RESULTS, plant_id=session.plant_id)
    results = session_results(session=session)
    attendees = [
        (employee, results.get(employee.id, []))
        for employee in session.attendees.select_related("line", "station", "role").order_by("employee_no")
    ]
    if can_record and add_form is None:
        add_form = AttendeesAddForm(session=session)
    return render(
        request,
        "assessments/session_detail.html",
        {
            "session": session,
            "attendees": attendees,
            "recorded_count": sum(1 for _e, rows in attendees for a in rows if not a.is_voided),
            "can_record": can_record,
            "add_form": add_form if can_record else None,
        },
        status=status,
    )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_for_user(user=request.user, capability=Capability.VIEW_PEOPLE), pk=pk)
    return _session_page(request, session)


@require_POST
@login_required
def session_attendees_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_for_user(user=request.user, capability=Capability.RECORD_RESULTS), pk=pk)
    form = AttendeesAddForm(request.POST, session=session)
    if not form.is_valid() or form.asks_to_pick:  # a name matching several people: list them to tick, add nobody
        return _session_page(request, session, add_form=form)
    try:
        outcome = training_session_attendees_add(
            session=session, employees=form.cleaned_data["employees"], actor=request.user, ip_address=client_ip(request)
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _session_page(request, session, add_form=form)
    # Each number typed in the box and not added is named with its reason; a line, a station or ticked
    # people already on the list are only counted.
    typed_ids = {e.id for e in form.typed}
    unknown = _("unknown employee number")
    not_added = [f"{number}: {unknown}" for number in form.unknown_numbers] + [
        f"{refused.employee.employee_no}: {refused.message}"
        for refused in outcome.refused
        if refused.employee.id in typed_ids
    ]
    if not outcome.added and not_added:
        form.add_error("q", _("Nobody added. %(reasons)s") % {"reasons": _not_added_text(not_added)})
        return _session_page(request, session, add_form=form)
    already = sum(1 for refused in outcome.refused if refused.reason == AttendeeRefusal.ATTENDING)
    added = len(outcome.added)
    text = ngettext("%(count)d attendee added.", "%(count)d attendees added.", added) % {"count": added}
    if already:
        text += " " + (
            ngettext("%(count)d was already on the list.", "%(count)d were already on the list.", already)
            % {"count": already}
        )
    messages.success(request, text)
    if not_added:
        messages.warning(request, _not_added_text(not_added))
    return redirect("assessments:session-detail", pk=session.pk)


def _not_added_text(reasons: list[str]) -> str:
    return _("Not added: %(reasons)s.") % {"reasons": "; ".join(reasons)}


@require_POST
@login_required
def session_attendee_remove(request: HttpRequest, pk: int, employee_no: str) -> HttpResponse:
    session = get_object_or_404(sessions_for_user(user=request.user, capability=Capability.RECORD_RESULTS), pk=pk)
    employee = get_object_or_404(session.attendees, employee_no=employee_no)
    try:
        training_session_attendee_remove(
            session=session, employee=employee, actor=request.user, ip_address=client_ip(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(employee)s removed from the session.") % {"employee": employee})
    return redirect("assessments:session-detail", pk=session.pk)


def _open_session_or_back(request: HttpRequest, pk: int) -> tuple[TrainingSession, HttpResponse | None]:
    """The session, for someone who may run sessions at its plant (404 otherwise), or a way back to its
    page when it was cancelled: a cancelled session takes no more changes."""
    session = get_object_or_404(sessions_for_user(user=request.user, capability=Capability.RECORD_RESULTS), pk=pk)
    try:
        training_session_ensure_open(session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return session, redirect("assessments:session-detail", pk=session.pk)
    return session, None


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the date, location, delivery mode or trainer of a session."""
    session, back = _open_session_or_back(request, pk)
    if back is not None:
        return back
    form = SessionEditForm(request.POST if request.method == "POST" else None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            training_session_update(
                session=session, actor=request.user, **form.cleaned_data, ip_address=client_ip(request)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.has_changed():
                messages.success(request, _("Session changed."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("assessments:session-detail", pk=session.pk)
    return render(request, "assessments/session_edit.html", {"session": session, "form": form})


@login_required
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a session without results, with a reason (a page that asks for it, then the cancel).

    A session with results is not cancelled: its page says so once, with the way back, and offers no cancel.
    """
    session, back = _open_session_or_back(request, pk)
    if back is not None:
        return back
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            training_session_cancel(
                session=session, actor=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request)
            )
        except ValidationError as error:
            if getattr(error, "code", None) != "has_results":  # the page says that one, from the count below
                form.add_error(None, error)
        else:
            messages.success(request, _("Session cancelled."))
            return redirect("assessments:session-detail", pk=session.pk)
    results = session.assessments.filter(voided_at__isnull=True).count()
    return render(request, "assessments/session_cancel.html", {"session": session, "form": form, "results": results})
