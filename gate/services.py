"""The gate's writes: granting and ending overrides, and recording an override's use (each an audit event)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import AuditAction
from assessments.services.audit import audit_event_create
from employees.access import Capability, can
from employees.models import Employee, EmployeeStatus, Plant, Station
from gate.models import OVERRIDE_MAX_DURATION, Override
from gate.selectors import GateCheckError, GateDecision, gate_check, gate_check_many
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
