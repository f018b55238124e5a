"""Writes of what-if scenarios (DOMAIN.md "Training plan and forecast"): a plant manager's named draft, its
changed inputs and added sessions, and its promotion into the live plan.

Every write validates first and then runs in one transaction with its audit row, so a refused input leaves
nothing behind. A draft writes only its own rows (Scenario, ScenarioChange, ScenarioSession and their
attendees): never an assessment, a certification, a training session, a planned session or a roll-up row.
Only scenario_promote writes planned sessions, and only the plan part of the scenario: its added sessions,
moves and removals. The other inputs it changes (a trainer away, an SOP date, a pass rate, a validity,
hires, leavers) stay what-ifs: the live records are changed where they live, by the people who own them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import audit_messages as messages
from assessments.models import AuditAction
from assessments.services.audit import audit_event_create
from courses.models import Course, DeliveryMode, TrainerAuthorisation
from courses.selectors import courses_available_to_plant
from employees.models import Employee, EmployeeStatus, Plant, ProductionLine, Station
from planning.feasibility import Problem, breaking, check_plan
from planning.inputs import PlanInputs, load_inputs
from planning.models import (
    MAX_SEATS,
    ChangeKind,
    PlannedAttendance,
    PlannedSession,
    PlanSource,
    Scenario,
    ScenarioAttendance,
    ScenarioChange,
    ScenarioSession,
    ScenarioStatus,
)
from planning.whatif import apply_changes, scenario_sessions

MAX_HEADCOUNT = 1000
MAX_VALIDITY_MONTHS = 600
# The changes that are the plan itself: promotion applies them to the live planned sessions.
PLAN_KINDS = frozenset({ChangeKind.SESSION_MOVED, ChangeKind.SESSION_REMOVED})
# The fields each kind of change uses (ScenarioChange's docstring); the others are stored empty.
CHANGE_FIELDS: dict[str, tuple[str, ...]] = {
    ChangeKind.TRAINER_AWAY: ("trainer", "on_date"),
    ChangeKind.SOP_MOVED: ("line", "on_date"),
    ChangeKind.PASS_RATE: ("course", "pass_rate"),
    ChangeKind.VALIDITY: ("course", "validity_months"),
    ChangeKind.SESSION_MOVED: ("planned_session", "on_date"),
    ChangeKind.SESSION_REMOVED: ("planned_session",),
    ChangeKind.HIRE: ("line", "station", "shift", "headcount", "on_date"),
    ChangeKind.LEAVE: ("employee", "on_date"),
}
ALL_CHANGE_FIELDS = (
    "on_date",
    "trainer",
    "line",
    "station",
    "shift",
    "course",
    "planned_session",
    "employee",
    "pass_rate",
    "validity_months",
    "headcount",
)
# Fields a kind may leave empty (validity: None means "never expires").
OPTIONAL_FIELDS = {"station", "validity_months"}


class PromotionRefused(ValidationError):
    """The scenario's plan would break the live plan: nothing was written; `problems` says where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("The scenario's plan has problems that make it infeasible."), code="infeasible")
        self.problems = problems


@dataclass(frozen=True)
class Promotion:
    scenario: Scenario
    created: list[PlannedSession]
    moved: list[PlannedSession]
    cancelled: list[PlannedSession]


# --- Shared checks ---------------------------------------------------------------------------------


def _draft_locked(scenario: Scenario) -> Scenario:
    """The scenario locked for this transaction; a promoted or discarded one is read-only."""
    locked = Scenario.objects.select_for_update().select_related("plant").get(pk=scenario.pk)
    if not locked.is_draft:
        raise ValidationError(
            _("This scenario is %(status)s: it can no longer change.") % {"status": locked.get_status_display().lower()}
        )
    return locked


def _after_today(plant: Plant, day: datetime.date | None, field: str) -> None:
    if day is None:
        raise ValidationError({field: _("This field is required.")})
    if day <= plant.local_today():
        raise ValidationError(
            {field: _("Pick a date after the plant's today (%(today)s).") % {"today": plant.local_today()}}
        )


def _trainer_authorised(*, plant: Plant, trainer: AbstractBaseUser, course: Course, on: datetime.date) -> bool:
    authorisation = TrainerAuthorisation.objects.filter(plant=plant, user=trainer, course=course).first()
    return authorisation is not None and (authorisation.valid_until is None or on <= authorisation.valid_until)


def _audit(scenario: Scenario, actor: AbstractBaseUser, code: str, ip_address: str | None = None, **params) -> None:
    audit_event_create(
        actor=actor,
        action=AuditAction.SCENARIO_CHANGED,
        message=code,
        params={"scenario": scenario.name, "plant": scenario.plant.code, **params},
        plant_id=scenario.plant_id,
        obj=scenario,
        ip_address=ip_address,
    )


# --- The scenario itself ---------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the scenario a name.")})
    if len(name) > 120:
        raise ValidationError({"name": _("At most 120 characters.")})
    return name


def scenario_create(
    *,
    plant: Plant,
    name: str,
    actor: AbstractBaseUser,
    notes: str = "",
    source: str = PlanSource.MANUAL,
    suggestion: dict | None = None,
    ip_address: str | None = None,
) -> Scenario:
    """A new draft scenario of the plant (the suggestion passes source "suggestion" and its figures)."""
    name = _clean_name(name)
    if source not in PlanSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    with transaction.atomic():
        scenario = Scenario.objects.create(
            plant=plant, name=name, notes=notes or "", source=source, suggestion=suggestion, created_by=actor
        )
        _audit(scenario, actor, messages.SCENARIO_CREATED, ip_address)
    return scenario


def scenario_rename(
    *, scenario: Scenario, name: str, actor: AbstractBaseUser, notes: str | None = None, ip_address: str | None = None
) -> Scenario:
    name = _clean_name(name)
    with transaction.atomic():
        scenario = _draft_locked(scenario)
        old = scenario.name
        scenario.name = name
        if notes is not None:
            scenario.notes = notes
        scenario.save(update_fields=["name", "notes", "updated_at"])
        _audit(scenario, actor, messages.SCENARIO_RENAMED, ip_address, old=old)
    return scenario


def scenario_discard(*, scenario: Scenario, actor: AbstractBaseUser, ip_address: str | None = None) -> Scenario:
    """A discarded scenario stays (read-only) for the record; its rows are kept."""
    with transaction.atomic():
        scenario = _draft_locked(scenario)
        scenario.status = ScenarioStatus.DISCARDED
        scenario.save(update_fields=["status", "updated_at"])
        _audit(scenario, actor, messages.SCENARIO_DISCARDED, ip_address)
    return scenario


# --- Changed inputs --------------------------------------------------------------------------------


def _change_clean(scenario: Scenario, kind: str, fields: dict, *, change_id: int | None = None) -> dict:
    """The fields of a change of this kind, validated against the scenario's plant; the others empty."""
    plant = scenario.plant
    if kind not in CHANGE_FIELDS:
        raise ValidationError({"kind": _("Unknown kind of change.")})
    used = CHANGE_FIELDS[kind]
    clean = dict.fromkeys(ALL_CHANGE_FIELDS)
    clean["shift"] = ""
    for name in used:
        value = fields.get(name)
        if name not in OPTIONAL_FIELDS and (value is None or value == ""):
            raise ValidationError({name: _("This field is required.")})
        clean[name] = value
    if "on_date" in used:
        _after_today(plant, clean["on_date"], "on_date")
    if (
        kind == ChangeKind.TRAINER_AWAY
        and not TrainerAuthorisation.objects.filter(plant=plant, user=clean["trainer"]).exists()
    ):
        raise ValidationError({"trainer": _("Not a trainer authorised at this plant.")})
    if kind in (ChangeKind.SOP_MOVED, ChangeKind.HIRE):
        line = clean["line"]
        if not isinstance(line, ProductionLine) or line.plant_id != plant.id or not line.is_active:
            raise ValidationError({"line": _("Not an active line of this plant.")})
    if kind in (ChangeKind.PASS_RATE, ChangeKind.VALIDITY):
        course = clean["course"]
        if not isinstance(course, Course) or not courses_available_to_plant(plant=plant).filter(pk=course.pk).exists():
            raise ValidationError({"course": _("Not a course available to this plant.")})
    if kind == ChangeKind.PASS_RATE:
        try:
            rate = Decimal(str(clean["pass_rate"]))
        except InvalidOperation:
            raise ValidationError({"pass_rate": _("Enter a share between 0 and 1.")}) from None
        if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
            raise ValidationError({"pass_rate": _("Enter a share between 0 and 1.")})
        clean["pass_rate"] = rate.quantize(Decimal("0.001"))
    if kind == ChangeKind.VALIDITY:
        months = clean["validity_months"]
        if months is not None and (not isinstance(months, int) or not 1 <= months <= MAX_VALIDITY_MONTHS):
            raise ValidationError(
                {
                    "validity_months": _("At least 1 month and at most %(max)s, or never expires.")
                    % {"max": MAX_VALIDITY_MONTHS}
                }
            )
    if kind in PLAN_KINDS:
        session = clean["planned_session"]
        if not isinstance(session, PlannedSession) or session.plant_id != plant.id or not session.is_live:
            raise ValidationError({"planned_session": _("Not a live planned session of this plant.")})
        if session.planned_on <= plant.local_today():
            raise ValidationError({"planned_session": _("Only sessions planned after today are in the plan.")})
        twice = scenario.changes.filter(kind__in=PLAN_KINDS, planned_session=session)
        if change_id is not None:
            twice = twice.exclude(pk=change_id)
        if twice.exists():
            raise ValidationError({"planned_session": _("This scenario already moves or removes this session.")})
    if kind == ChangeKind.HIRE:
        headcount = clean["headcount"]
        if not isinstance(headcount, int) or not 1 <= headcount <= MAX_HEADCOUNT:
            raise ValidationError({"headcount": _("At least 1 and at most %(max)s.") % {"max": MAX_HEADCOUNT}})
        if clean["shift"] not in clean["line"].shift_codes:
            raise ValidationError(
                {"shift": _("The line runs shifts %(shifts)s.") % {"shifts": ", ".join(clean["line"].shift_codes)}}
            )
        station = clean["station"]
        if station is not None and (not isinstance(station, Station) or station.line_id != clean["line"].id):
            raise ValidationError({"station": _("Not a station of this line.")})
    if kind == ChangeKind.LEAVE:
        employee = clean["employee"]
        if not isinstance(employee, Employee) or employee.plant_id != plant.id:
            raise ValidationError({"employee": _("Not an employee of this plant.")})
        if employee.status != EmployeeStatus.ACTIVE:
            raise ValidationError({"employee": _("This employee is not active.")})
    return clean


def change_description(change: ScenarioChange) -> str:
    """A language-neutral description of a change (codes, dates, numbers), for the audit trail."""
    parts: list[str] = [change.kind]
    if change.trainer_id:
        parts.append(change.trainer.get_username())
    if change.line_id:
        parts.append(change.line.code)
    if change.station_id:
        parts.append(change.station.code)
    if change.shift:
        parts.append(change.shift)
    if change.course_id:
        parts.append(change.course.code)
    if change.planned_session_id:
        session = change.planned_session
        parts.append(f"{session.course.code} {session.planned_on.isoformat()}")
    if change.employee_id:
        parts.append(change.employee.employee_no)
    if change.pass_rate is not None:
        parts.append(str(change.pass_rate))
    if change.kind == ChangeKind.VALIDITY:
        parts.append(str(change.validity_months) if change.validity_months else "-")
    if change.headcount:
        parts.append(f"x{change.headcount}")
    if change.on_date:
        parts.append(change.on_date.isoformat())
    return " ".join(parts)


def scenario_change_add(
    *, scenario: Scenario, kind: str, actor: AbstractBaseUser, ip_address: str | None = None, **fields: object
) -> ScenarioChange:
    """Add one changed input (fields per ScenarioChange's docstring; validity_months None: never expires)."""
    with transaction.atomic():
        scenario = _draft_locked(scenario)
        clean = _change_clean(scenario, kind, fields)
        change = ScenarioChange.objects.create(scenario=scenario, kind=kind, **clean)
        scenario.save(update_fields=["updated_at"])
        _audit(scenario, actor, messages.SCENARIO_CHANGE_ADDED, ip_address, change=change_description(change))
    return change


def scenario_change_edit(
    *, change: ScenarioChange, actor: AbstractBaseUser, ip_address: str | None = None, **fields: object
) -> ScenarioChange:
    """Change the fields of a change (its kind stays)."""
    with transaction.atomic():
        scenario = _draft_locked(change.scenario)
        change = ScenarioChange.objects.select_for_update().get(pk=change.pk, scenario=scenario)
        clean = _change_clean(scenario, change.kind, fields, change_id=change.pk)
        for name, value in clean.items():
            setattr(change, name, value)
        change.save()
        scenario.save(update_fields=["updated_at"])
        _audit(scenario, actor, messages.SCENARIO_CHANGE_EDITED, ip_address, change=change_description(change))
    return change


def scenario_change_remove(*, change: ScenarioChange, actor: AbstractBaseUser, ip_address: str | None = None) -> None:
    with transaction.atomic():
        scenario = _draft_locked(change.scenario)
        change = ScenarioChange.objects.get(pk=change.pk, scenario=scenario)
        description = change_description(change)
        change.delete()
        scenario.save(update_fields=["updated_at"])
        _audit(scenario, actor, messages.SCENARIO_CHANGE_REMOVED, ip_address, change=description)


# --- Added sessions --------------------------------------------------------------------------------


@dataclass
class SessionInput:
    course: Course
    planned_on: datetime.date
    seats: int
    trainer: AbstractBaseUser
    delivery_mode: str = ""
    shift: str = ""
    line: ProductionLine | None = None
    attendees: Iterable[Employee] = ()


def _session_clean(plant: Plant, data: SessionInput) -> tuple[dict, list[Employee]]:
    course = data.course
    if not isinstance(course, Course) or not courses_available_to_plant(plant=plant).filter(pk=course.pk).exists():
        raise ValidationError({"course": _("Not a course available to this plant.")})
    _after_today(plant, data.planned_on, "planned_on")
    if not isinstance(data.seats, int) or not 1 <= data.seats <= MAX_SEATS:
        raise ValidationError({"seats": _("At least 1 and at most %(max)s.") % {"max": MAX_SEATS}})
    if data.trainer is None or not _trainer_authorised(
        plant=plant, trainer=data.trainer, course=course, on=data.planned_on
    ):
        raise ValidationError(
            {"trainer": _("Not authorised for %(course)s at this plant on that day.") % {"course": course.code}}
        )
    mode = data.delivery_mode or course.delivery_mode
    if mode not in DeliveryMode.values:
        raise ValidationError({"delivery_mode": _("Unknown delivery mode.")})
    line = data.line
    if line is not None and (line.plant_id != plant.id or not line.is_active):
        raise ValidationError({"line": _("Not an active line of this plant.")})
    shift = (data.shift or "").strip()
    if shift and shift not in plant.shift_code_list:
        raise ValidationError({"shift": _("The plant's shifts are %(shifts)s.") % {"shifts": plant.shift_codes}})
    attendees = list({e.pk: e for e in data.attendees}.values())
    for employee in attendees:
        if employee.plant_id != plant.id or employee.status != EmployeeStatus.ACTIVE:
            raise ValidationError(
                {
                    "attendees": _("%(employee)s is not an active employee of this plant.")
                    % {"employee": employee.employee_no}
                }
            )
    if len(attendees) > data.seats:
        raise ValidationError(
            {
                "attendees": _("%(attendees)s attendees for %(seats)s seats.")
                % {
                    "attendees": len(attendees),
                    "seats": data.seats,
                }
            }
        )
    fields = {
        "course": course,
        "planned_on": data.planned_on,
        "seats": data.seats,
        "trainer": data.trainer,
        "delivery_mode": mode,
        "shift": shift,
        "line": line,
    }
    return fields, attendees


def scenario_session_add(
    *, scenario: Scenario, data: SessionInput, actor: AbstractBaseUser, ip_address: str | None = None
) -> ScenarioSession:
    with transaction.atomic():
        scenario = _draft_locked(scenario)
        fields, attendees = _session_clean(scenario.plant, data)
        session = ScenarioSession.objects.create(scenario=scenario, **fields)
        ScenarioAttendance.objects.bulk_create(
            ScenarioAttendance(scenario_session=session, employee=employee) for employee in attendees
        )
        scenario.save(update_fields=["updated_at"])
        _audit(
            scenario,
            actor,
            messages.SCENARIO_SESSION_ADDED,
            ip_address,
            course=session.course.code,
            date=session.planned_on,
            count=len(attendees),
        )
    return session


def scenario_session_edit(
    *, session: ScenarioSession, data: SessionInput, actor: AbstractBaseUser, ip_address: str | None = None
) -> ScenarioSession:
    with transaction.atomic():
        scenario = _draft_locked(session.scenario)
        session = ScenarioSession.objects.select_for_update().get(pk=session.pk, scenario=scenario)
        fields, attendees = _session_clean(scenario.plant, data)
        for name, value in fields.items():
            setattr(session, name, value)
        session.save()
        ScenarioAttendance.objects.filter(scenario_session=session).delete()
        ScenarioAttendance.objects.bulk_create(
            ScenarioAttendance(scenario_session=session, employee=employee) for employee in attendees
        )
        scenario.save(update_fields=["updated_at"])
        _audit(
            scenario,
            actor,
            messages.SCENARIO_SESSION_EDITED,
            ip_address,
            course=session.course.code,
            date=session.planned_on,
            count=len(attendees),
        )
    return session


def scenario_session_remove(
    *, session: ScenarioSession, actor: AbstractBaseUser, ip_address: str | None = None
) -> None:
    with transaction.atomic():
        scenario = _draft_locked(session.scenario)
        session = ScenarioSession.objects.select_related("course").get(pk=session.pk, scenario=scenario)
        course, on = session.course.code, session.planned_on
        session.delete()
        scenario.save(update_fields=["updated_at"])
        _audit(scenario, actor, messages.SCENARIO_SESSION_REMOVED, ip_address, course=course, date=on)


# --- Promotion -------------------------------------------------------------------------------------


def promoted_plan_inputs(scenario: Scenario, inputs: PlanInputs | None = None) -> PlanInputs:
    """The live plan as promotion would leave it: the live inputs with the scenario's added sessions, moves
    and removals only (its other changes are not written, so the checker must not assume them)."""
    inputs = inputs if inputs is not None else load_inputs(plant=scenario.plant)
    changes = [c for c in ScenarioChange.objects.filter(scenario=scenario).order_by("id") if c.kind in PLAN_KINDS]
    return apply_changes(inputs, changes, scenario_sessions(scenario))


def promotion_problems(scenario: Scenario, inputs: PlanInputs | None = None) -> list[Problem]:
    """The breaking problems the scenario's plan would bring into the live plan (those the live plan has
    already are not the scenario's doing)."""
    inputs = inputs if inputs is not None else load_inputs(plant=scenario.plant)
    before = set(breaking(check_plan(inputs)))
    return [p for p in breaking(check_plan(promoted_plan_inputs(scenario, inputs))) if p not in before]


def scenario_promote(*, scenario: Scenario, actor: AbstractBaseUser, ip_address: str | None = None) -> Promotion:
    """Turn a draft's plan into the live plan, in one transaction: its added sessions become planned sessions
    (with their attendees), its moves and removals change and cancel live planned sessions; each audited.
    Refused, with nothing written, when the result would break the plan (PromotionRefused.problems)."""
    with transaction.atomic():
        scenario = _draft_locked(scenario)
        plant = scenario.plant
        today = plant.local_today()
        changes = list(
            ScenarioChange.objects.filter(scenario=scenario, kind__in=PLAN_KINDS)
            .select_related("planned_session", "planned_session__course")
            .order_by("id")
        )
        targets = {
            s.pk: s
            for s in PlannedSession.objects.select_for_update().filter(pk__in=[c.planned_session_id for c in changes])
        }
        for change in changes:
            session = targets.get(change.planned_session_id)
            if session is None or not session.is_live or session.planned_on <= today:
                raise ValidationError(
                    _("The planned session %(session)s is no longer in the live plan: edit the scenario first.")
                    % {"session": change_description(change)}
                )
            if change.kind == ChangeKind.SESSION_MOVED and change.on_date <= today:
                raise ValidationError(
                    _("A move to %(date)s is no longer after today: edit the scenario first.")
                    % {"date": change.on_date}
                )
        added = list(
            ScenarioSession.objects.filter(scenario=scenario)
            .select_related("course")
            .prefetch_related("attendances")
            .order_by("planned_on", "id")
        )
        for session in added:
            if session.planned_on <= today:
                raise ValidationError(
                    _("The %(course)s session on %(date)s is no longer after today: edit the scenario first.")
                    % {"course": session.course.code, "date": session.planned_on}
                )
        problems = promotion_problems(scenario)
        if problems:
            raise PromotionRefused(problems)
        source = PlanSource.SUGGESTION if scenario.source == PlanSource.SUGGESTION else PlanSource.PROMOTED
        now = timezone.now()
        created: list[PlannedSession] = []
        for session in added:
            planned = PlannedSession.objects.create(
                plant=plant,
                course=session.course,
                planned_on=session.planned_on,
                seats=session.seats,
                trainer_id=session.trainer_id,
                delivery_mode=session.delivery_mode,
                shift=session.shift,
                line_id=session.line_id,
                source=source,
                created_by=actor,
            )
            employee_ids = [a.employee_id for a in session.attendances.all()]
            PlannedAttendance.objects.bulk_create(
                PlannedAttendance(planned_session=planned, employee_id=employee_id) for employee_id in employee_ids
            )
            audit_event_create(
                actor=actor,
                action=AuditAction.PLANNED_SESSION_CREATED,
                message=messages.PLANNED_FROM_SCENARIO,
                params={
                    "course": session.course.code,
                    "date": session.planned_on,
                    "plant": plant.code,
                    "scenario": scenario.name,
                },
                plant_id=plant.id,
                course_id=session.course_id,
                obj=planned,
                ip_address=ip_address,
            )
            created.append(planned)
        moved: list[PlannedSession] = []
        cancelled: list[PlannedSession] = []
        for change in changes:
            planned = targets[change.planned_session_id]
            if change.kind == ChangeKind.SESSION_MOVED:
                old = planned.planned_on
                planned.planned_on = change.on_date
                planned.save(update_fields=["planned_on", "updated_at"])
                audit_event_create(
                    actor=actor,
                    action=AuditAction.PLANNED_SESSION_CHANGED,
                    message=messages.PLANNED_MOVED_BY_SCENARIO,
                    params={
                        "course": planned.course.code,
                        "old": old,
                        "date": planned.planned_on,
                        "plant": plant.code,
                        "scenario": scenario.name,
                    },
                    plant_id=plant.id,
                    course_id=planned.course_id,
                    obj=planned,
                    changes={"planned_on": [old.isoformat(), planned.planned_on.isoformat()]},
                    ip_address=ip_address,
                )
                moved.append(planned)
            else:
                planned.cancelled_at = now
                planned.cancelled_by = actor
                planned.cancel_reason = _("Removed by the what-if scenario “%(name)s”.") % {"name": scenario.name}
                planned.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "updated_at"])
                audit_event_create(
                    actor=actor,
                    action=AuditAction.PLANNED_SESSION_CANCELLED,
                    message=messages.PLANNED_CANCELLED_BY_SCENARIO,
                    params={
                        "course": planned.course.code,
                        "date": planned.planned_on,
                        "plant": plant.code,
                        "scenario": scenario.name,
                    },
                    plant_id=plant.id,
                    course_id=planned.course_id,
                    obj=planned,
                    ip_address=ip_address,
                )
                cancelled.append(planned)
        scenario.status = ScenarioStatus.PROMOTED
        scenario.promoted_at = now
        scenario.promoted_by = actor
        scenario.save(update_fields=["status", "promoted_at", "promoted_by", "updated_at"])
        audit_event_create(
            actor=actor,
            action=AuditAction.SCENARIO_PROMOTED,
            params={
                "scenario": scenario.name,
                "plant": plant.code,
                "created": len(created),
                "moved": len(moved),
                "cancelled": len(cancelled),
            },
            plant_id=plant.id,
            obj=scenario,
            ip_address=ip_address,
        )
    return Promotion(scenario=scenario, created=created, moved=moved, cancelled=cancelled)
