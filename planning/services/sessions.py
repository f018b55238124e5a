"""Planned sessions (DOMAIN.md "Training plan and forecast"): plan, change, cancel and hold them.

Every write is checked by the independent checker (planning.feasibility.check_plan) over the plant's live plan
with the changed session in it: the breaking problems of the session itself refuse the change (nothing is
written), its warnings (not a working day, an attendee in another session that day) are allowed and shown.
Problems a change makes elsewhere (a later session whose attendee relied on a cancelled prerequisite session)
are not refused: the plan page shows them where they break.

The writes of one plant's plan are serialised on the plant's row: two planners booking the same trainer on
the same day would each check a plan without the other's session and both pass.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import AuditAction, TrainingSession
from assessments.services.audit import audit_event_create
from assessments.services.sessions import training_session_create

# Messages that remember their code and parameters, like the training sessions' services.
from certtrack.translatable import gettext as _
from courses.models import Course, DeliveryMode
from employees.access import Capability, can, plant_ids_for_user
from employees.models import Employee, Plant, PlantRole, ProductionLine
from planning import feasibility
from planning.feasibility import Problem
from planning.inputs import PlanInputs, PlanSession, attendee_infos, load_inputs
from planning.models import MAX_SEATS, PlannedAttendance, PlannedSession, PlanSource

NEW_SESSION_KEY = "p0"  # the key of a session being planned (no id yet) in the checked plan

# The form field a problem of the session itself belongs to.
PROBLEM_FIELDS = {
    feasibility.TRAINER_NOT_AUTHORISED: "trainer",
    feasibility.TRAINER_DOUBLE_BOOKED: "trainer",
    feasibility.OVER_SEATS: "seats",
    feasibility.PREREQUISITE_MISSING: "attendees",
    feasibility.ATTENDEE_INACTIVE: "attendees",
    feasibility.ATTENDEE_OTHER_PLANT: "attendees",
    feasibility.ATTENDEE_DOUBLE_BOOKED: "attendees",
    feasibility.NOT_A_WORKING_DAY: "planned_on",
}


@dataclass(frozen=True)
class PlanChange:
    """What a planned session looks like after a change: the values the checker and the writer use."""

    course: Course
    planned_on: datetime.date
    seats: int
    trainer: AbstractBaseUser
    delivery_mode: str
    shift: str
    line: ProductionLine | None
    location: str
    notes: str
    attendees: tuple[Employee, ...]


def plans_any_trainer(*, user: AbstractBaseUser, plant_id: int) -> bool:
    """A plant manager (or an admin) plans sessions for any authorised trainer; a trainer only their own."""
    plant_ids = plant_ids_for_user(user=user, capability={PlantRole.MANAGER})
    return plant_ids is None or plant_id in plant_ids


def may_change(*, user: AbstractBaseUser, session: PlannedSession) -> bool:
    """Whether the user may edit or cancel this planned session (a trainer: only the sessions they hold)."""
    if not can(user=user, capability=Capability.PLAN_SESSIONS, plant_id=session.plant_id):
        return False
    return plans_any_trainer(user=user, plant_id=session.plant_id) or session.trainer_id == user.pk


def may_hold(*, user: AbstractBaseUser, session: PlannedSession) -> bool:
    """The session's own trainer holds it (they fill its results grid); company-wide admins may too."""
    if not can(user=user, capability=Capability.RECORD_RESULTS, plant_id=session.plant_id):
        return False
    return session.trainer_id == user.pk or plant_ids_for_user(user=user) is None


def _session_params(session: PlannedSession, **extra: object) -> dict:
    return {
        "course": session.course.code,
        "date": session.planned_on.isoformat(),
        "plant": session.plant.code,
        **extra,
    }


def _snapshot(change: PlanChange) -> dict:
    """The audited values of a planned session (JSON)."""
    return {
        "course": change.course.code,
        "planned_on": change.planned_on.isoformat(),
        "seats": change.seats,
        "trainer": change.trainer.get_username(),
        "delivery_mode": change.delivery_mode,
        "shift": change.shift,
        "line": change.line.code if change.line is not None else "",
        "location": change.location,
        "notes": change.notes,
        "attendees": sorted(e.employee_no for e in change.attendees),
    }


def _validate(*, plant: Plant, actor: AbstractBaseUser, change: PlanChange, today: datetime.date) -> dict:
    """The rules a form can check without the plan: who plans, course, date, seats, mode, line, shift."""
    errors: dict[str, list[str]] = defaultdict(list)
    if not can(user=actor, capability=Capability.PLAN_SESSIONS, plant_id=plant.id):
        raise ValidationError(_("You may not plan sessions at plant %(plant)s.") % {"plant": plant.code})
    if not plans_any_trainer(user=actor, plant_id=plant.id) and change.trainer.pk != actor.pk:
        errors["trainer"].append(_("A trainer plans only the sessions they hold themselves."))
    elif not can(user=change.trainer, capability=Capability.RECORD_RESULTS, plant_id=plant.id):
        errors["trainer"].append(
            _("%(trainer)s is not a trainer at plant %(plant)s.")
            % {"trainer": change.trainer.get_username(), "plant": plant.code}
        )
    course = change.course
    if not course.is_active or course.owner_plant_id not in (None, plant.id):
        errors["course"].append(
            _("Course %(course)s is not available at plant %(plant)s.") % {"course": course.code, "plant": plant.code}
        )
    if change.planned_on <= today:
        errors["planned_on"].append(
            _("A planned session lies after today (%(today)s): for training today, create a session directly.")
            % {"today": today.isoformat()}
        )
    if not 1 <= change.seats <= MAX_SEATS:
        errors["seats"].append(_("Seats must be between 1 and %(max)s.") % {"max": MAX_SEATS})
    if change.delivery_mode not in DeliveryMode.values:
        errors["delivery_mode"].append(_("Choose a delivery mode."))
    if change.line is not None and change.line.plant_id != plant.id:
        errors["line"].append(_("Choose a line of plant %(plant)s.") % {"plant": plant.code})
    if change.shift and change.shift not in plant.shift_code_list:
        errors["shift"].append(
            _("Choose one of the plant's shifts: %(shifts)s.") % {"shifts": ", ".join(plant.shift_code_list)}
        )
    return errors


def _checked_plan(*, inputs: PlanInputs, key: str, change: PlanChange | None) -> PlanInputs:
    """The live plan with the session `key` replaced by `change` (or taken out when None)."""
    sessions = [s for s in inputs.sessions if s.key != key]
    if change is not None:
        sessions.append(
            PlanSession(
                key=key,
                course_id=change.course.id,
                on=change.planned_on,
                seats=change.seats,
                trainer_id=change.trainer.pk,
                delivery_mode=change.delivery_mode,
                shift=change.shift,
                line_id=change.line.id if change.line is not None else None,
                attendee_ids=[e.id for e in change.attendees],
            )
        )
        missing = {e.id for e in change.attendees} - set(inputs.attendees)
        if missing:
            inputs.attendees.update(attendee_infos(missing))
        if change.trainer.pk not in inputs.trainer_names:
            inputs.trainer_names[change.trainer.pk] = change.trainer.get_username()
    inputs.sessions = sessions
    return inputs


def session_problems(*, plant: Plant, key: str, change: PlanChange, today: datetime.date) -> list[Problem]:
    """The checker's problems of session `key` in the live plan changed by `change` (breaking and warnings)."""
    inputs = _checked_plan(inputs=load_inputs(plant=plant, today=today), key=key, change=change)
    return [p for p in feasibility.check_plan(inputs) if p.session_key == key]


def _refuse_breaking(problems: list[Problem], errors: dict[str, list[str]]) -> None:
    for problem in problems:
        if problem.breaks:
            errors[PROBLEM_FIELDS.get(problem.code, "__all__")].append(problem.message)
    if errors:
        raise ValidationError(dict(errors))


def _attendees(employees: Iterable[Employee]) -> tuple[Employee, ...]:
    return tuple(sorted({e.id: e for e in employees}.values(), key=lambda e: e.employee_no))


def _lock_plan(plant: Plant) -> None:
    Plant.objects.select_for_update().filter(pk=plant.pk).values_list("pk", flat=True).first()


def planned_session_create(
    *,
    plant: Plant,
    course: Course,
    planned_on: datetime.date,
    trainer: AbstractBaseUser,
    actor: AbstractBaseUser,
    seats: int | None = None,
    delivery_mode: str = "",
    shift: str = "",
    line: ProductionLine | None = None,
    location: str = "",
    notes: str = "",
    attendees: Sequence[Employee] = (),
    source: str = PlanSource.MANUAL,
    ip_address: str | None = None,
) -> tuple[PlannedSession, list[Problem]]:
    """Plan a course at a plant on a day after today; seats default to the course's class size, the delivery
    mode to the course's. Refused (ValidationError per field, nothing written) when the session breaks a
    rule of the plan; returns the session and its warnings."""
    change = PlanChange(
        course=course,
        planned_on=planned_on,
        seats=seats if seats is not None else course.class_size,
        trainer=trainer,
        delivery_mode=delivery_mode or course.delivery_mode,
        shift=(shift or "").strip(),
        line=line,
        location=(location or "").strip(),
        notes=(notes or "").strip(),
        attendees=_attendees(attendees),
    )
    today = plant.local_today()
    errors = _validate(plant=plant, actor=actor, change=change, today=today)
    if errors:
        raise ValidationError(dict(errors))
    with transaction.atomic():
        _lock_plan(plant)
        problems = session_problems(plant=plant, key=NEW_SESSION_KEY, change=change, today=today)
        _refuse_breaking(problems, errors)
        session = PlannedSession.objects.create(
            plant=plant,
            course=course,
            planned_on=change.planned_on,
            seats=change.seats,
            trainer=trainer,
            delivery_mode=change.delivery_mode,
            shift=change.shift,
            line=line,
            location=change.location,
            notes=change.notes,
            source=source,
            created_by=actor,
        )
        PlannedAttendance.objects.bulk_create(
            [PlannedAttendance(planned_session=session, employee=e) for e in change.attendees]
        )
        audit_event_create(
            actor=actor,
            action=AuditAction.PLANNED_SESSION_CREATED,
            params=_session_params(session, trainer=trainer.get_username(), attendees=len(change.attendees)),
            plant_id=plant.id,
            course_id=course.id,
            obj=session,
            changes=_snapshot(change),
            ip_address=ip_address,
        )
    return session, [p for p in problems if not p.breaks]


def _change_of(session: PlannedSession) -> PlanChange:
    return PlanChange(
        course=session.course,
        planned_on=session.planned_on,
        seats=session.seats,
        trainer=session.trainer,
        delivery_mode=session.delivery_mode,
        shift=session.shift,
        line=session.line,
        location=session.location,
        notes=session.notes,
        attendees=_attendees(session.attendees.all()),
    )


def _ensure_live(session: PlannedSession) -> None:
    if session.cancelled_at is not None:
        raise ValidationError(_("This planned session was cancelled: it takes no more changes."), code="cancelled")
    if session.held_session_id is not None:
        raise ValidationError(_("This planned session was held: change its training session instead."), code="held")


def planned_session_update(
    *,
    session: PlannedSession,
    actor: AbstractBaseUser,
    planned_on: datetime.date,
    seats: int,
    trainer: AbstractBaseUser,
    delivery_mode: str,
    shift: str = "",
    line: ProductionLine | None = None,
    location: str = "",
    notes: str = "",
    attendees: Sequence[Employee] = (),
    ip_address: str | None = None,
) -> tuple[PlannedSession, list[Problem]]:
    """Change a live planned session (course and plant stay). Nothing changed: no write and no audit event.
    Refused like planned_session_create; returns the session and its warnings."""
    plant = session.plant
    if not may_change(user=actor, session=session):
        raise ValidationError(_("You may not change this planned session."))
    with transaction.atomic():
        _lock_plan(plant)
        session = (
            # of=self: the line is nullable, and PostgreSQL locks no nullable side of an outer join
            PlannedSession.objects.select_for_update(of=("self",))
            .select_related("course", "plant", "trainer", "line")
            .get(pk=session.pk)
        )
        _ensure_live(session)
        before = _change_of(session)
        change = PlanChange(
            course=session.course,
            planned_on=planned_on,
            seats=seats,
            trainer=trainer,
            delivery_mode=delivery_mode,
            shift=(shift or "").strip(),
            line=line,
            location=(location or "").strip(),
            notes=(notes or "").strip(),
            attendees=_attendees(attendees),
        )
        old, new = _snapshot(before), _snapshot(change)
        changed = [name for name in old if old[name] != new[name]]
        if not changed:
            return session, []
        today = plant.local_today()
        errors = _validate(plant=plant, actor=actor, change=change, today=today)
        if errors:
            raise ValidationError(dict(errors))
        problems = session_problems(plant=plant, key=f"p{session.pk}", change=change, today=today)
        _refuse_breaking(problems, errors)
        session.planned_on = change.planned_on
        session.seats = change.seats
        session.trainer = trainer
        session.delivery_mode = change.delivery_mode
        session.shift = change.shift
        session.line = line
        session.location = change.location
        session.notes = change.notes
        session.save()
        if "attendees" in changed:
            kept = {e.id for e in change.attendees}
            session.attendances.exclude(employee_id__in=kept).delete()
            present = set(session.attendances.values_list("employee_id", flat=True))
            PlannedAttendance.objects.bulk_create(
                [PlannedAttendance(planned_session=session, employee_id=i) for i in sorted(kept - present)]
            )
        audit_event_create(
            actor=actor,
            action=AuditAction.PLANNED_SESSION_CHANGED,
            params=_session_params(session, changed=changed),
            plant_id=plant.id,
            course_id=session.course_id,
            obj=session,
            changes={"before": {n: old[n] for n in changed}, "after": {n: new[n] for n in changed}},
            ip_address=ip_address,
        )
    return session, [p for p in problems if not p.breaks]


def planned_session_cancel(
    *, session: PlannedSession, actor: AbstractBaseUser, reason: str, ip_address: str | None = None
) -> PlannedSession:
    """Cancel a live planned session with a reason; always allowed (the plan page then shows the problems
    it leaves elsewhere). It stays on record as cancelled."""
    if not may_change(user=actor, session=session):
        raise ValidationError(_("You may not change this planned session."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for cancelling the planned session.")]})
    with transaction.atomic():
        _lock_plan(session.plant)
        session = PlannedSession.objects.select_for_update().select_related("course", "plant").get(pk=session.pk)
        _ensure_live(session)
        session.cancelled_at = timezone.now()
        session.cancelled_by = actor
        session.cancel_reason = reason
        session.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "updated_at"])
        audit_event_create(
            actor=actor,
            action=AuditAction.PLANNED_SESSION_CANCELLED,
            params=_session_params(session, reason=reason),
            plant_id=session.plant_id,
            course_id=session.course_id,
            obj=session,
            changes={"reason": reason, "planned_on": session.planned_on.isoformat()},
            ip_address=ip_address,
        )
    return session


def planned_session_hold(
    *, session: PlannedSession, actor: AbstractBaseUser, ip_address: str | None = None
) -> TrainingSession:
    """Hold a live planned session: from its planned day on, its trainer turns it into the training session
    whose results grid they fill (dated the planned day, attendees carried over), linked as held_session.

    The training session is created by the assessments services (their checks: the trainer authorised on
    the day, attendees active and of the plant), in the same transaction; refused, nothing is written.
    """
    if not may_hold(user=actor, session=session):
        raise ValidationError(_("Only the session's trainer holds a planned session."))
    with transaction.atomic():
        _lock_plan(session.plant)
        session = (
            # of=self: the line is nullable, and PostgreSQL locks no nullable side of an outer join
            PlannedSession.objects.select_for_update(of=("self",))
            .select_related("course", "plant", "trainer", "line")
            .get(pk=session.pk)
        )
        _ensure_live(session)
        today = session.plant.local_today()
        if session.planned_on > today:
            raise ValidationError(
                _("This session is planned for %(date)s: hold it from that day on.")
                % {"date": session.planned_on.isoformat()},
                code="too_early",
            )
        attendees = list(session.attendees.order_by("employee_no"))
        held = training_session_create(
            trainer=session.trainer,
            course=session.course,
            plant=session.plant,
            held_on=session.planned_on,
            delivery_mode=session.delivery_mode,
            location=session.location,
            notes=session.notes,
            attendees=attendees,
            ip_address=ip_address,
        )
        session.held_session = held
        session.save(update_fields=["held_session", "updated_at"])
        audit_event_create(
            actor=actor,
            action=AuditAction.PLANNED_SESSION_HELD,
            params=_session_params(session, attendees=len(attendees)),
            plant_id=session.plant_id,
            course_id=session.course_id,
            obj=session,
            changes={"training_session": held.pk, "attendees": [e.employee_no for e in attendees]},
            ip_address=ip_address,
        )
    return held
