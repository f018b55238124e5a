"""The gate's pages: the line-side terminal (kiosk, its check, pairing) and the override pages."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certtrack.forms import id_param
from certtrack.replicas import read_replica
from employees.access import Capability, capability_required, client_ip, is_admin, plant_get_for_user, plants_for_user
from employees.models import Employee, Plant, Station
from gate import services
from gate.forms import KioskForm, OverrideEndForm, OverrideGrantForm
from gate.middleware import TERMINAL_SESSION_KEY
from gate.models import Override, Terminal
from gate.selectors import (
    EXPIRED,
    IN_PROGRESS,
    INACTIVE,
    LEVEL_BELOW,
    MISSING,
    NOTE_OTHER_LINE,
    OTHER_PLANT,
    PROVISIONAL_LAPSED,
    REVOKED,
    GateDecision,
    GateReason,
    employee_number,
    gate_check,
    gate_station_for_user,
    overrides_active,
)

# A paired tablet stays signed in for this long (the personal idle timeout does not apply to it).
TERMINAL_SESSION_SECONDS = 30 * 24 * 3600
# How long an answer stays on the kiosk's screen before it clears for the next scan (static/js/gate-kiosk.js).
ANSWER_SECONDS = 8
RECENT_OVERRIDES_DAYS = 7


# --- The gate's answer in words ---------------------------------------------------------------------


def reason_text(reason: GateReason) -> str:
    """One reason of a deny, in the page's language ("HV-001: expired on 2027-09-01")."""
    course = reason.course or ""
    if reason.code == EXPIRED:
        return _("%(course)s: expired on %(date)s") % {"course": course, "date": reason.expired_on}
    if reason.code == REVOKED:
        return _("%(course)s: revoked on %(date)s") % {"course": course, "date": reason.revoked_on}
    if reason.code == LEVEL_BELOW:
        return _("%(course)s: level %(held)s, needs %(needed)s") % {
            "course": course,
            "held": reason.held,
            "needed": reason.needed,
        }
    if reason.code == IN_PROGRESS:
        return _("%(course)s: in progress") % {"course": course}
    if reason.code == MISSING:
        return _("%(course)s: not certified") % {"course": course}
    if reason.code == PROVISIONAL_LAPSED:
        return _("%(course)s: provisional pass lapsed") % {"course": course}
    if reason.code == INACTIVE:
        return _("Not active")
    if reason.code == OTHER_PLANT:
        return _("Not of this plant")
    return f"{course}: {reason.code}"


def decision_lines(decision: GateDecision) -> dict:
    """What the kiosk and the grant form's preview show: the reasons, the notes and the override, in words."""
    notes = [_("Works on another line") for note in decision.notes if note == NOTE_OTHER_LINE]
    override = None
    if decision.override is not None:
        until = decision.override.ends_at
        when = until.strftime("%H:%M") if until.date() == decision.at.date() else until.strftime("%Y-%m-%d %H:%M")
        override = _("Allowed by override until %(until)s, granted by %(name)s: %(reason)s") % {
            "until": when,
            "name": decision.override.granted_by,
            "reason": decision.override.reason,
        }
    return {
        "decision": decision,
        "reasons": [reason_text(r) for r in decision.reasons],
        "notes": notes,
        "override_text": override,
    }


# --- Line-side terminal -----------------------------------------------------------------------------


class TerminalSignedOut(Exception):
    """A kiosk request without a valid terminal session: nobody signed in, the terminal deactivated, or its
    pairing replaced by a link opened on another device. The kiosk says so; it never shows the login form
    (the next badge scan would type into Username)."""


def _kiosk_station(request: HttpRequest, plant: str, line: str, station: str) -> tuple[Station, Terminal | None]:
    """The station of the kiosk page and the terminal asking: a terminal's own station, or any station for a
    company-wide admin's preview. Everyone else: 403 (the guard already fenced a terminal to its station)."""
    if not request.user.is_authenticated:
        raise TerminalSignedOut
    bound = request.session.get(TERMINAL_SESSION_KEY)
    if bound is not None:
        terminal = (
            Terminal.objects.select_related("station__line__plant")
            .filter(
                pk=bound.get("id"),
                user_id=request.user.pk,
                is_active=True,
                pairing_generation=bound.get("generation", -1),
            )
            .first()
        )
        if terminal is None:  # deactivated, or another device paired since: this session ends here
            logout(request)
            raise TerminalSignedOut
        found = terminal.station
        if (found.line.plant.code, found.line.code, found.code) != (plant, line, station):
            raise PermissionDenied
        if terminal.last_seen_at is None or timezone.now() - terminal.last_seen_at > datetime.timedelta(minutes=1):
            services.terminal_seen(terminal=terminal)
        return found, terminal
    if not is_admin(request.user):
        raise PermissionDenied
    return gate_station_for_user(user=request.user, plant_code=plant, line_code=line, station_code=station), None


def _kiosk_answer(request: HttpRequest, station: Station, form: KioskForm) -> tuple[dict, int]:
    """The gate's answer to the form, as the answer fragment's context, and the status for the JSON view."""
    if not form.is_valid():
        return {"message": _("Scan a badge or type an employee number.")}, 400
    # Folded as the gate reads it (full width, spaces; lower case is looked up again in upper case).
    number = employee_number(form.cleaned_data["employee_no"])
    try:
        decision = services.gate_decide(
            station=station, employee_no=number, actor=request.user, ip_address=client_ip(request)
        )
    except Employee.DoesNotExist:
        return {"unknown": number}, 404
    return decision_lines(decision), 200


def _signed_out_message() -> str:
    return _("This terminal is signed out. Ask an administrator for a new pairing link.")


def _kiosk_signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "gate/kiosk_signed_out.html", {"message": _signed_out_message()}, status=401)


def _kiosk_context(station: Station, terminal: Terminal | None, form: KioskForm, answer: dict | None) -> dict:
    plant = station.line.plant
    return {
        "station": station,
        "line": station.line,
        "plant": plant,
        "terminal": terminal,
        "form": form,
        "answer": answer,
        "preview": terminal is None,
        "prefix": f"{plant.code}-",
        "keys": ["1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "answer_seconds": ANSWER_SECONDS,
    }


@read_replica
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, plant: str, line: str, station: str) -> HttpResponse:
    """The station's tablet: one input a barcode scanner types into, the answer large beside or below it.
    Works as a plain form; static/js/gate-kiosk.js turns the submit into a fetch of `kiosk_check`.
    Without a valid terminal session (and for nobody signed in): the signed-out page, never the login form."""
    try:
        found, terminal = _kiosk_station(request, plant, line, station)
    except TerminalSignedOut:
        return _kiosk_signed_out(request)
    answer = None
    if request.method == "POST":
        form = KioskForm(request.POST)
        answer, _status = _kiosk_answer(request, found, form)
        form = KioskForm()  # the input is empty again for the next scan
    else:
        form = KioskForm()
    return render(request, "gate/kiosk.html", _kiosk_context(found, terminal, form, answer))


@require_POST
def kiosk_check(request: HttpRequest, plant: str, line: str, station: str) -> JsonResponse:
    """The kiosk's check for its script: the gate's answer as JSON with the answer fragment to show.
    A terminal signed out: 401 with the message, which the script shows instead of an answer."""
    try:
        found, _terminal = _kiosk_station(request, plant, line, station)
    except TerminalSignedOut:
        message = _signed_out_message()
        html = render_to_string("gate/_kiosk_signed_out.html", {"message": message}, request=request)
        return JsonResponse(
            {"error": "signed out", "detail": message, "decision": None, "signed_out": True, "html": html}, status=401
        )
    answer, status = _kiosk_answer(request, found, KioskForm(request.POST))
    html = render_to_string("gate/_kiosk_answer.html", {"answer": answer}, request=request)
    decision = answer.get("decision")
    body = decision.as_json() if decision is not None else {"decision": None}
    if status == 404:
        body = {"error": "not found", "detail": f"no employee {answer['unknown']}", "decision": None}
    elif status == 400:
        body = {"error": "bad request", "detail": answer["message"], "decision": None}
    # An unknown number is an answer the kiosk shows, not a failed request (a 404 would be a console error).
    return JsonResponse({**body, "html": html}, status=200 if status == 404 else status)


@require_GET
def terminal_pair(request: HttpRequest, token: str) -> HttpResponse:
    """Open a pairing link on the tablet: it signs in as the terminal's device user, for a long session, and
    lands on its kiosk page. A link works once; an expired, replaced or used one says to ask for a new one."""
    try:
        terminal = services.terminal_pair(token=token)
    except services.PairingRefused:
        return render(request, "gate/pair_refused.html", status=403)
    if request.user.is_authenticated:
        logout(request)  # a personal session left open on the tablet ends here
    login(request, terminal.user, backend=settings.LOCAL_PASSWORD_BACKEND)
    station = terminal.station
    request.session[TERMINAL_SESSION_KEY] = {
        "id": terminal.pk,
        "plant": station.line.plant.code,
        "line": station.line.code,
        "station": station.code,
        "generation": terminal.pairing_generation,
    }
    request.session.set_expiry(TERMINAL_SESSION_SECONDS)
    return redirect("gate:kiosk", plant=station.line.plant.code, line=station.line.code, station=station.code)


def pairing_url(request: HttpRequest | None, token: str) -> str:
    path = reverse("gate:terminal-pair", kwargs={"token": token})
    return request.build_absolute_uri(path) if request is not None else path


# --- Overrides --------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.GRANT_OVERRIDE)
def overrides_home(request: HttpRequest) -> HttpResponse:
    """The navigation's "Overrides": the plant's list when the user grants at one plant, else a choice."""
    plants = list(plants_for_user(user=request.user, capability=Capability.GRANT_OVERRIDE).order_by("code"))
    if len(plants) == 1:
        return redirect("gate:overrides", plant=plants[0].code)
    return render(request, "gate/overrides_home.html", {"plants": plants})


def _overrides_page(request: HttpRequest, plant: Plant, *, end_form: OverrideEndForm | None = None, failed=None):
    now = timezone.now()
    active = list(overrides_active(plant=plant, at=now).select_related("ended_by"))
    # Scheduled: granted for later and not cancelled; listed with its own End now (services.override_end
    # ends a future one before it starts).
    upcoming = list(
        Override.objects.filter(station__line__plant=plant, starts_at__gt=now, ended_at__isnull=True)
        .select_related("employee", "station__line", "granted_by")
        .order_by("starts_at", "id")[:100]
    )
    current = [o.pk for o in active] + [o.pk for o in upcoming]
    recent = list(
        Override.objects.filter(
            station__line__plant=plant, ends_at__gte=now - datetime.timedelta(days=RECENT_OVERRIDES_DAYS)
        )
        .exclude(pk__in=current)
        .select_related("employee", "station__line", "granted_by", "ended_by")
        .order_by("-starts_at", "-id")[:100]
    )
    return render(
        request,
        "gate/overrides.html",
        {
            "plant": plant,
            "active": active,
            "upcoming": upcoming,
            "active_ids": current,
            "recent": recent,
            "recent_days": RECENT_OVERRIDES_DAYS,
            "now": now,
            "end_form": end_form or OverrideEndForm(),
            "failed": failed,
        },
        status=200,
    )


@require_GET
@capability_required(Capability.GRANT_OVERRIDE)
def overrides(request: HttpRequest, plant: str) -> HttpResponse:
    found = plant_get_for_user(user=request.user, code=plant, capability=Capability.GRANT_OVERRIDE)
    with timezone.override(found.tz):
        return _overrides_page(request, found)


@require_POST
@capability_required(Capability.GRANT_OVERRIDE)
def override_end(request: HttpRequest, plant: str, pk: int) -> HttpResponse:
    found = plant_get_for_user(user=request.user, code=plant, capability=Capability.GRANT_OVERRIDE)
    override = get_object_or_404(
        Override.objects.select_related("station__line__plant"), pk=pk, station__line__plant=found
    )
    form = OverrideEndForm(request.POST)
    if form.is_valid():
        try:
            services.override_end(
                override=override,
                ended_by=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The override for %(employee)s has ended.") % {"employee": override.employee.employee_no}
            )
            return redirect("gate:overrides", plant=found.code)
    with timezone.override(found.tz):
        return _overrides_page(request, found, end_form=form, failed=override.pk)


def _password_sign_in_possible(user) -> bool:
    """A certtrack password (the break-glass rule is applied by the backend) or a directory (LDAP) one:
    an OIDC-only user has neither, and is told so rather than counted as a failed sign-in."""
    if user.has_usable_password():
        return True
    return bool(settings.LDAP_SERVER_URI) and user.sso_identities.filter(source="ldap").exists()


def _password_confirmed(request: HttpRequest, password: str) -> bool:
    """The password re-checked through the sign-in backends (LDAP, the break-glass rule, django-axes, which
    counts a refusal through Django's user_login_failed signal as the login page does)."""
    user = authenticate(request, username=request.user.get_username(), password=password)
    return user is not None and user.pk == request.user.pk


def _axes_locked(request: HttpRequest) -> bool:
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials={"username": request.user.get_username()})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.GRANT_OVERRIDE)
def override_new(request: HttpRequest, plant: str) -> HttpResponse:
    """Grant an override: employee, station, window in plant time (at most 12 hours), reason, password."""
    found = plant_get_for_user(user=request.user, code=plant, capability=Capability.GRANT_OVERRIDE)
    with timezone.override(found.tz):
        if request.method == "POST":
            form = OverrideGrantForm(request.POST, plant=found)
            if form.is_valid():
                if _axes_locked(request):
                    form.add_error("password", _("Too many wrong passwords: try again later."))
                elif not _password_sign_in_possible(request.user):
                    form.add_error(
                        "password",
                        _(
                            "Your account signs in with the company sign-in only, so it has no password to "
                            "confirm an override with. Ask a break-glass administrator or a colleague who "
                            "signs in with a password. Nothing was granted."
                        ),
                    )
                elif not _password_confirmed(request, form.cleaned_data["password"]):
                    form.add_error("password", _("This is not your password. Nothing was granted."))
                else:
                    try:
                        override = services.override_grant(
                            employee=form.cleaned_data["employee_no"],
                            station=form.cleaned_data["station"],
                            starts_at=form.cleaned_data["starts_at"],
                            ends_at=form.cleaned_data["ends_at"],
                            reason=form.cleaned_data["reason"],
                            granted_by=request.user,
                            ip_address=client_ip(request),
                        )
                    except ValidationError as error:
                        for field, errors in error.message_dict.items():
                            target = {"employee": "employee_no"}.get(field, field)
                            for message in errors:
                                form.add_error(None if target == "__all__" else target, message)
                    else:
                        messages.success(
                            request,
                            _("Override granted for %(employee)s at %(station)s.")
                            % {"employee": override.employee.employee_no, "station": override.station.code},
                        )
                        return redirect("gate:overrides", plant=found.code)
            preview = None
        else:
            initial = {}
            employee_no = request.GET.get("employee", "").strip()[:32]
            station_id = id_param(request.GET.get("station"))
            if employee_no:
                initial["employee_no"] = employee_no
            form = OverrideGrantForm(initial=initial, plant=found)
            station = None
            if station_id is not None:
                station = form.fields["station"].queryset.filter(pk=station_id).first()
                if station is not None:
                    form.initial["station"] = station.pk
            preview = None
            if employee_no and station is not None:
                employee = Employee.objects.filter(plant=found, employee_no=employee_no).first()
                if employee is not None:
                    preview = decision_lines(gate_check(station=station, employee_no=employee.employee_no))
        return render(request, "gate/override_form.html", {"plant": found, "form": form, "preview": preview})
