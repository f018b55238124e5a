"""The gate's writes: granting and ending overrides, recording an override's use, and the line-side terminals
(created, changed, paired): each an audit event."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import AuditAction
from assessments.services.audit import audit_event_create
from employees.access import Capability, can
from employees.models import Employee, EmployeeStatus, Plant, Station
from gate.models import OVERRIDE_MAX_DURATION, Override, Terminal
from gate.selectors import GateCheckError, GateDecision, gate_check, gate_check_codes, gate_check_many
from webhooks.services import webhook_event_emit


def _local(moment: datetime.datetime, station: Station) -> str:
    return moment.astimezone(station.line.plant.tz).strftime("%Y-%m-%d %H:%M")


def _override_event(override: Override) -> dict:
    """The data of override.granted / override.ended (webhooks): times in the plant's zone, as the gate says."""
    station = override.station
    zone = station.line.plant.tz
    return {
        "override": override.id,
        "employee": override.employee.employee_no,
        "line": station.line.code,
        "station": station.code,
        "from": override.starts_at.astimezone(zone).isoformat(),
        "until": override.ends_at.astimezone(zone).isoformat(),
        "reason": override.reason,
        "granted_by": override.granted_by.get_username(),
        "ended_at": override.ended_at.astimezone(zone).isoformat() if override.ended_at else None,
        "ended_by": override.ended_by.get_username() if override.ended_by_id else None,
    }


def override_grant(
    *,
    employee: Employee,
    station: Station,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    reason: str,
    granted_by: AbstractBaseUser,
    ip_address: str | None = None,
) -> Override:
    """Let E work S from starts_at to ends_at (exclusive; at most 12 hours) despite a deny (DOMAIN.md).

    The caller has had the granter re-enter their password (the form does). Raises ValidationError with
    every reason it is refused: the granter must be a plant manager or supervisor of S's plant (or an
    admin), E active and of S's plant, the window 12 hours at most, a reason given.
    """
    plant = station.line.plant
    errors: dict[str, list[str]] = {}
    if not can(user=granted_by, capability=Capability.GRANT_OVERRIDE, plant_id=plant.id):
        errors.setdefault("__all__", []).append(
            _("Only a plant manager or a supervisor of %(plant)s may grant an override.") % {"plant": plant.code}
        )
    if employee.plant_id != plant.id:
        errors.setdefault("employee", []).append(
            _("%(employee)s does not work at %(plant)s.") % {"employee": employee.employee_no, "plant": plant.code}
        )
    elif employee.status != EmployeeStatus.ACTIVE:
        errors.setdefault("employee", []).append(
            _("%(employee)s is not active: an override is for people at work.") % {"employee": employee.employee_no}
        )
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("The end must come after the start."))
    elif ends_at - starts_at > OVERRIDE_MAX_DURATION:
        errors.setdefault("ends_at", []).append(_("An override lasts at most 12 hours."))
    if not reason.strip():
        errors.setdefault("reason", []).append(_("Say why the override is needed."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        override = Override.objects.create(
            employee=employee,
            station=station,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            granted_by=granted_by,
            granted_at=timezone.now(),
        )
        audit_event_create(
            actor=granted_by,
            action=AuditAction.OVERRIDE_GRANTED,
            params={
                "employee": employee.employee_no,
                "station": f"{plant.code}/{station.line.code}/{station.code}",
                "starts": _local(starts_at, station),
                "ends": _local(ends_at, station),
                "reason": override.reason,
            },
            plant_id=plant.id,
            employee_id=employee.id,
            obj=override,
            ip_address=ip_address,
        )
        webhook_event_emit(type="override.granted", plant_id=plant.id, data=_override_event(override))
    return override


def override_end(
    *, override: Override, ended_by: AbstractBaseUser, reason: str = "", ip_address: str | None = None
) -> Override:
    """End an override early (from now on the gate decides on the person's certifications again)."""
    station = override.station
    plant = station.line.plant
    if not can(user=ended_by, capability=Capability.GRANT_OVERRIDE, plant_id=plant.id):
        raise ValidationError(
            _("Only a plant manager or a supervisor of %(plant)s may end an override.") % {"plant": plant.code}
        )
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: two people ending it at once end it once (and audit it once).
        ended = Override.objects.filter(pk=override.pk, ended_at__isnull=True, ends_at__gt=now).update(
            ended_at=now, ended_by=ended_by, end_reason=reason.strip()
        )
        if not ended:
            raise ValidationError(_("This override has ended already."))
        override.refresh_from_db()
        audit_event_create(
            actor=ended_by,
            action=AuditAction.OVERRIDE_ENDED,
            params={
                "employee": override.employee.employee_no,
                "station": f"{plant.code}/{station.line.code}/{station.code}",
                "reason": override.end_reason,
            },
            plant_id=plant.id,
            employee_id=override.employee_id,
            obj=override,
            ip_address=ip_address,
        )
        webhook_event_emit(type="override.ended", plant_id=plant.id, data=_override_event(override))
    return override


def _record_uses(
    decisions: Sequence[GateDecision | GateCheckError], *, actor: AbstractBaseUser | None, ip_address: str | None
) -> None:
    """An override that turned a deny into allow is an audit event (DOMAIN.md: overrides are audited)."""
    for decision in decisions:
        if isinstance(decision, GateDecision) and decision.override is not None:
            audit_event_create(
                actor=actor if actor is not None and actor.is_authenticated else None,
                action=AuditAction.OVERRIDE_USED,
                params={
                    "employee": decision.employee_no,
                    "station": f"{decision.plant}/{decision.line}/{decision.station}",
                    "override": decision.override.id,
                },
                plant_id=decision.plant_id,
                employee_id=decision.employee_id,
                ip_address=ip_address,
            )


def gate_decide(
    *,
    station: Station,
    employee_no: str,
    at: datetime.datetime | None = None,
    actor: AbstractBaseUser | None = None,
    ip_address: str | None = None,
) -> GateDecision:
    """Ask the gate (gate.selectors.gate_check) and record an override's use. Raises Employee.DoesNotExist."""
    decision = gate_check(station=station, employee_no=employee_no, at=at)
    if decision.override is not None:
        _record_uses([decision], actor=actor, ip_address=ip_address)
    return decision


def gate_decide_codes(
    *,
    plant_code: str,
    line_code: str,
    station_code: str,
    employee_no: str,
    at: datetime.datetime | None = None,
    plant_ids: Iterable[int] | None = None,
    actor: AbstractBaseUser | None = None,
    ip_address: str | None = None,
) -> GateDecision:
    """gate.selectors.gate_check_codes (the API's hot path), recording an override's use.
    Raises StationNotFound or Employee.DoesNotExist."""
    decision = gate_check_codes(
        plant_code=plant_code,
        line_code=line_code,
        station_code=station_code,
        employee_no=employee_no,
        at=at,
        plant_ids=plant_ids,
    )
    if decision.override is not None:
        _record_uses([decision], actor=actor, ip_address=ip_address)
    return decision


def gate_decide_many(
    *,
    plant: Plant,
    checks: Sequence[tuple[str, str, str]],
    at: datetime.datetime | None = None,
    actor: AbstractBaseUser | None = None,
    ip_address: str | None = None,
) -> list[GateDecision | GateCheckError]:
    """gate_check_many (employee_no, line_code, station_code) at one plant, recording every override used."""
    decisions = gate_check_many(plant=plant, checks=checks, at=at)
    if any(isinstance(d, GateDecision) and d.override is not None for d in decisions):
        with transaction.atomic():
            _record_uses(decisions, actor=actor, ip_address=ip_address)
    return decisions


# --- Line-side terminals ----------------------------------------------------------------------------

PAIRING_SALT = "gate.terminal-pairing"
PAIRING_MAX_AGE = datetime.timedelta(hours=24)


class PairingRefused(Exception):
    """A pairing link that is not (or no longer) valid: tampered, expired, replaced, used, or its terminal
    inactive. One message for all: a tablet's screen has nothing to act on but "ask for a new link"."""


def _station_label(station: Station) -> str:
    return f"{station.line.plant.code}/{station.line.code}/{station.code}"


def terminal_create(*, name: str, station: Station, created_by: AbstractBaseUser | None) -> Terminal:
    """A terminal bound to one station, with its own device user: no plant roles, no usable password (it signs
    in through a pairing link only). Raises ValidationError for an empty name or an inactive plant."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the terminal a name, such as the station's tablet.")]
    if not station.line.plant.is_active:
        errors["station"] = [_("The station's plant is not active.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = get_user_model()(
            # Not a name a person could sign up with (":" fails the username validator): never mistaken.
            username=f"terminal:{_station_label(station)}:{secrets.token_hex(3)}",
            first_name=name[:150],
        )
        user.set_unusable_password()
        user.save()
        terminal = Terminal.objects.create(
            name=name, station=station, user=user, created_by=created_by, created_at=timezone.now()
        )
        audit_event_create(
            actor=created_by,
            action=AuditAction.TERMINAL_CHANGED,
            params={"terminal": name, "station": _station_label(station)},
            plant_id=station.line.plant_id,
            obj=terminal,
        )
    return terminal


def terminal_update(
    *, terminal: Terminal, actor: AbstractBaseUser | None, name: str | None = None, is_active: bool | None = None
) -> Terminal:
    """Rename or (de)activate a terminal. Deactivating one ends its pairing: its session stops at the next
    request (the guard checks) and no link of it pairs."""
    changes: dict[str, list] = {}
    if name is not None and name.strip() and name.strip() != terminal.name:
        changes["name"] = [terminal.name, name.strip()]
        terminal.name = name.strip()
    if is_active is not None and is_active != terminal.is_active:
        changes["is_active"] = [terminal.is_active, is_active]
        terminal.is_active = is_active
        if not is_active:
            terminal.pairing_nonce = ""
    if not changes:
        return terminal
    with transaction.atomic():
        terminal.save(update_fields=["name", "is_active", "pairing_nonce"])
        audit_event_create(
            actor=actor,
            action=AuditAction.TERMINAL_CHANGED,
            params={"terminal": terminal.name},
            plant_id=terminal.station.line.plant_id,
            obj=terminal,
            changes=changes,
        )
    return terminal


def terminal_pairing_token(*, terminal: Terminal, actor: AbstractBaseUser | None, keep_current: bool = False) -> str:
    """A new one-time pairing token (valid PAIRING_MAX_AGE); every earlier link of the terminal stops working.

    keep_current: when the terminal has an unused pairing, sign it afresh instead (a new expiry, nothing
    written, no audit event; the first of its links to be opened spends them all). seed_demo uses it to print
    a working link on every run while leaving the database as it was."""
    if not terminal.is_active:
        raise ValidationError(_("The terminal is not active."))
    if keep_current and terminal.pairing_nonce:
        return signing.dumps({"t": terminal.pk, "n": terminal.pairing_nonce}, salt=PAIRING_SALT, compress=True)
    nonce = secrets.token_hex(16)
    with transaction.atomic():
        Terminal.objects.filter(pk=terminal.pk).update(pairing_nonce=nonce)
        terminal.pairing_nonce = nonce
        audit_event_create(
            actor=actor,
            action=AuditAction.TERMINAL_CHANGED,
            params={"terminal": terminal.name},
            plant_id=terminal.station.line.plant_id,
            obj=terminal,
            changes={"pairing_link": ["", "new"]},
        )
    return signing.dumps({"t": terminal.pk, "n": nonce}, salt=PAIRING_SALT, compress=True)


def terminal_pair(*, token: str) -> Terminal:
    """The terminal a pairing token names, spending the token (a link signs in one device, once).

    Raises PairingRefused for a bad, expired, replaced or used token or an inactive terminal. A device paired
    before loses its session (the pairing generation moves on)."""
    try:
        payload = signing.loads(token, salt=PAIRING_SALT, max_age=PAIRING_MAX_AGE)
        terminal_id, nonce = int(payload["t"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise PairingRefused from None
    if not nonce:
        raise PairingRefused
    with transaction.atomic():
        # Conditional update: the same link opened twice at once pairs one device.
        spent = Terminal.objects.filter(pk=terminal_id, pairing_nonce=nonce, is_active=True).update(
            pairing_nonce="", pairing_generation=F("pairing_generation") + 1, last_seen_at=timezone.now()
        )
        if not spent:
            raise PairingRefused
        terminal = Terminal.objects.select_related("user", "station__line__plant").get(pk=terminal_id)
    return terminal


def terminal_seen(*, terminal: Terminal) -> None:
    """Stamp last_seen_at (the kiosk calls it at most once a minute per terminal)."""
    now = timezone.now()
    Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
    terminal.last_seen_at = now
