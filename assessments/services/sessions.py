"""Training sessions: plan, change and cancel them, and keep their list of attendees.

A session frames the results a trainer records for a group; its writes are audited like results and
serialised on the session's row, so a cancel, an edit and a results save never cross.
"""

from __future__ import annotations

import datetime
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from assessments.models import AuditAction, TrainingSession
from assessments.services.audit import audit_event_create
from certtrack.times import in_zone

# Messages that remember their code and parameters (an import stores them, shown later in the reader's language).
from certtrack.translatable import gettext as _
from courses.models import Course, DeliveryMode
from courses.selectors import authorisations_by_key, is_authorised
from employees.access import Capability, can
from employees.models import Employee, EmployeeStatus, Plant


def training_session_create(
    *,
    trainer: AbstractBaseUser,
    course: Course,
    plant: Plant,
    held_on: datetime.date,
    delivery_mode: str,
    location: str = "",
    notes: str = "",
    attendees: Sequence[Employee] = (),
    ip_address: str | None = None,
) -> TrainingSession:
    """A session of a course the trainer is authorised to assess at the plant (it may lie in the future).

    `attendees` (people carried over from "who needs me") are added through training_session_attendees_add,
    in the same transaction; every one must be an active employee of the plant, or nothing is created.
    """
    if not can(user=trainer, capability=Capability.RECORD_RESULTS, plant_id=plant.id):
        raise ValidationError(_("You may not run sessions at plant %(plant)s.") % {"plant": plant.code})
    authorisations = authorisations_by_key(assessor_ids=[trainer.pk], course_ids=[course.id], plant_ids=[plant.id])
    if not is_authorised(
        authorisations, assessor_id=trainer.pk, course_id=course.id, plant_id=plant.id, on_date=held_on
    ):
        raise ValidationError(
            _("You are not authorised to assess %(course)s at plant %(plant)s.")
            % {"course": course.code, "plant": plant.code}
        )
    if not course.is_active or course.owner_plant_id not in (None, plant.id):
        raise ValidationError(
            _("Course %(course)s is not available at plant %(plant)s.") % {"course": course.code, "plant": plant.code}
        )
    outsiders = [e for e in attendees if e.plant_id != plant.id or e.status != EmployeeStatus.ACTIVE]
    if outsiders:
        raise ValidationError(
            _("Only active employees of plant %(plant)s can attend: %(employees)s.")
            % {"plant": plant.code, "employees": ", ".join(sorted({e.employee_no for e in outsiders}))}
        )
    with transaction.atomic():
        session = TrainingSession.objects.create(
            course=course,
            plant=plant,
            held_on=held_on,
            delivery_mode=delivery_mode,
            location=location.strip(),
            notes=notes.strip(),
            trainer=trainer,
        )
        audit_event_create(
            actor=trainer,
            action=AuditAction.SESSION_CREATED,
            params={"course": course.code, "date": held_on, "plant": plant.code, "location": session.location},
            plant_id=plant.id,
            course_id=course.id,
            obj=session,
            changes={"held_on": held_on.isoformat(), "delivery_mode": delivery_mode, "location": session.location},
            ip_address=ip_address,
        )
        if attendees:
            training_session_attendees_add(session=session, employees=attendees, actor=trainer, ip_address=ip_address)
    return session


def training_session_ensure_open(*, session: TrainingSession) -> None:
    """Refuse any change to a cancelled session (attendees, results, edits): it stays as it was cancelled."""
    if session.is_cancelled:
        raise ValidationError(
            _("This session was cancelled on %(date)s: it takes no more changes.")
            % {"date": in_zone(session.cancelled_at, session.plant).date().isoformat()},  # the plant's day
            code="cancelled",
        )


def _trainer_label(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


def training_session_update(
    *,
    session: TrainingSession,
    actor: AbstractBaseUser,
    held_on: datetime.date,
    location: str,
    delivery_mode: str,
    trainer: AbstractBaseUser,
    ip_address: str | None = None,
) -> TrainingSession:
    """Change a session's date, location, delivery mode or trainer; course and plant stay.

    The trainer (a new one, or the same one on a new date) must be a trainer at the plant, authorised
    for the course there on the session's date. Recorded results keep their own dates, so a session
    with results may not move after its first (non-voided) result: the training came before its
    assessments. Nothing changed: no write and no audit event. Raises ValidationError per field.
    """
    if not can(user=actor, capability=Capability.RECORD_RESULTS, plant_id=session.plant_id):
        raise ValidationError(_("You may not run sessions at plant %(plant)s.") % {"plant": session.plant.code})
    location = (location or "").strip()
    with transaction.atomic():
        # Locked: a concurrent cancel or a results save sees this change whole, or not at all.
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        training_session_ensure_open(session=session)
        course, plant = session.course, session.plant
        before = {
            "held_on": session.held_on.isoformat(),
            "location": session.location,
            "delivery_mode": session.delivery_mode,
            "trainer": _trainer_label(session.trainer),
        }
        after = {
            "held_on": held_on.isoformat(),
            "location": location,
            "delivery_mode": delivery_mode,
            "trainer": _trainer_label(trainer),
        }
        changed = [name for name in before if before[name] != after[name]]
        if not changed:
            return session
        errors: dict[str, list[str]] = defaultdict(list)
        if delivery_mode not in DeliveryMode.values:
            errors["delivery_mode"].append(_("Choose a delivery mode."))
        if "trainer" in changed or "held_on" in changed:
            authorisations = authorisations_by_key(
                assessor_ids=[trainer.pk], course_ids=[course.id], plant_ids=[plant.id]
            )
            if not can(user=trainer, capability=Capability.RECORD_RESULTS, plant_id=plant.id) or not is_authorised(
                authorisations, assessor_id=trainer.pk, course_id=course.id, plant_id=plant.id, on_date=held_on
            ):
                errors["trainer"].append(
                    _("%(trainer)s is not authorised to assess %(course)s at plant %(plant)s on %(date)s.")
                    % {
                        "trainer": trainer.get_username(),
                        "course": course.code,
                        "plant": plant.code,
                        "date": held_on.isoformat(),
                    }
                )
        if "held_on" in changed:
            first_result = (
                session.assessments.filter(voided_at__isnull=True)
                .order_by("assessed_on")
                .values_list("assessed_on", flat=True)
                .first()
            )
            if first_result is not None and held_on > first_result:
                errors["held_on"].append(
                    _(
                        "Results of this session are dated from %(date)s: the session may not move after its "
                        "first result (results keep their own dates)."
                    )
                    % {"date": first_result.isoformat()}
                )
        if errors:
            raise ValidationError(dict(errors))
        session.held_on = held_on
        session.location = location
        session.delivery_mode = delivery_mode
        session.trainer = trainer
        session.save(update_fields=["held_on", "location", "delivery_mode", "trainer"])
        audit_event_create(
            actor=actor,
            action=AuditAction.SESSION_CHANGED,
            params=_session_params(session, fields=changed),
            plant_id=plant.id,
            course_id=course.id,
            obj=session,
            changes={
                "before": {name: before[name] for name in changed},
                "after": {name: after[name] for name in changed},
            },
            ip_address=ip_address,
        )
    return session


def training_session_cancel(
    *, session: TrainingSession, actor: AbstractBaseUser, reason: str, ip_address: str | None = None
) -> TrainingSession:
    """Cancel a session that has no (non-voided) results, with a reason; it stays on record as cancelled.

    Results are never deleted, so a session whose results stand is not cancelled: void them first.
    """
    if not can(user=actor, capability=Capability.RECORD_RESULTS, plant_id=session.plant_id):
        raise ValidationError(_("You may not run sessions at plant %(plant)s.") % {"plant": session.plant.code})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for cancelling the session."), code="reason_required")
    with transaction.atomic():
        # The lock orders this against a results save of the same session (assessments_record).
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        training_session_ensure_open(session=session)
        results = session.assessments.filter(voided_at__isnull=True).count()
        if results:
            raise ValidationError(
                ngettext(
                    "This session has %(count)d recorded result: void it first, or keep the session.",
                    "This session has %(count)d recorded results: void them first, or keep the session.",
                    results,
                )
                % {"count": results},
                code="has_results",
            )
        session.cancelled_at = timezone.now()
        session.cancelled_by = actor
        session.cancel_reason = reason
        session.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        audit_event_create(
            actor=actor,
            action=AuditAction.SESSION_CANCELLED,
            params=_session_params(session, reason=reason),
            plant_id=session.plant_id,
            course_id=session.course_id,
            obj=session,
            changes={"reason": reason, "held_on": session.held_on.isoformat()},
            ip_address=ip_address,
        )
    return session


class AttendeeRefusal(enum.StrEnum):
    """Why someone named for a session was not added."""

    OTHER_PLANT = "other_plant"
    INACTIVE = "inactive"
    ATTENDING = "attending"


@dataclass(frozen=True)
class AttendeeRefused:
    employee: Employee
    reason: AttendeeRefusal

    @property
    def message(self) -> str:
        if self.reason == AttendeeRefusal.OTHER_PLANT:
            return _("employee of another plant")
        if self.reason == AttendeeRefusal.INACTIVE:
            return _("not active (%(status)s)") % {"status": self.employee.get_status_display()}
        return _("already attending")


@dataclass(frozen=True)
class AttendeesAdded:
    """The outcome of training_session_attendees_add: who was added (by number), who was not and why."""

    added: list[Employee]
    refused: list[AttendeeRefused]


def _session_lock(session: TrainingSession) -> None:
    """Lock the session row for the rest of the transaction.

    Two trainers adding the same person at once would both read "not attending" and the second insert
    would break the (session, employee) unique pair; removing a person while their results are being
    checked has the same race. Serialising the attendee writes of one session on its row removes both.
    """
    cancelled_at = (
        TrainingSession.objects.select_for_update().filter(pk=session.pk).values_list("cancelled_at", flat=True).first()
    )
    # A cancel may have committed between the caller's read of the session and this lock.
    if cancelled_at is not None:
        session.cancelled_at = cancelled_at
        training_session_ensure_open(session=session)


def _check_may_run(*, session: TrainingSession, actor: AbstractBaseUser) -> None:
    if not can(user=actor, capability=Capability.RECORD_RESULTS, plant_id=session.plant_id):
        raise ValidationError(_("You may not run sessions at plant %(plant)s.") % {"plant": session.plant.code})


def training_session_attendees_add(
    *,
    session: TrainingSession,
    employees: Iterable[Employee],
    actor: AbstractBaseUser,
    ip_address: str | None = None,
) -> AttendeesAdded:
    """Add the session plant's active employees among `employees`; every other one is refused with its reason.

    One audit event names the employee numbers added, in the same transaction (none when nobody was added).
    """
    _check_may_run(session=session, actor=actor)
    training_session_ensure_open(session=session)
    through = TrainingSession.attendees.through
    named = list({e.id: e for e in employees}.values())
    with transaction.atomic():
        _session_lock(session)
        present = set(through.objects.filter(trainingsession_id=session.id).values_list("employee_id", flat=True))
        added, refused = [], []
        for employee in named:
            if employee.plant_id != session.plant_id:
                refused.append(AttendeeRefused(employee, AttendeeRefusal.OTHER_PLANT))
            elif employee.status != EmployeeStatus.ACTIVE:
                refused.append(AttendeeRefused(employee, AttendeeRefusal.INACTIVE))
            elif employee.id in present:
                refused.append(AttendeeRefused(employee, AttendeeRefusal.ATTENDING))
            else:
                added.append(employee)
        added.sort(key=lambda e: e.employee_no)
        if added:
            through.objects.bulk_create([through(trainingsession_id=session.id, employee_id=e.id) for e in added])
            numbers = [e.employee_no for e in added]
            audit_event_create(
                actor=actor,
                action=AuditAction.SESSION_ATTENDEES_ADDED,
                params=_session_params(session, employees=numbers),
                plant_id=session.plant_id,
                employee_id=added[0].id if len(added) == 1 else None,
                course_id=session.course_id,
                obj=session,
                changes={"session": session.pk, "added": numbers},
                ip_address=ip_address,
            )
    return AttendeesAdded(added=added, refused=refused)


def _session_params(session: TrainingSession, **extra: object) -> dict:
    """The audit message parameters that name a session (assessments.audit_messages)."""
    return {
        "course": session.course.code,
        "date": session.held_on.isoformat(),
        "plant": session.plant.code,
        **extra,
    }


def training_session_attendee_remove(
    *,
    session: TrainingSession,
    employee: Employee,
    actor: AbstractBaseUser,
    ip_address: str | None = None,
) -> None:
    """Take someone off the list, unless results were already recorded for them in this session; audited."""
    _check_may_run(session=session, actor=actor)
    training_session_ensure_open(session=session)
    with transaction.atomic():
        _session_lock(session)
        if session.assessments.filter(employee=employee, voided_at__isnull=True).exists():
            raise ValidationError(
                _("%(employee)s already has results in this session; void them first.")
                % {"employee": employee.employee_no}
            )
        through = TrainingSession.attendees.through
        removed, _by_model = through.objects.filter(trainingsession_id=session.id, employee_id=employee.id).delete()
        if not removed:
            raise ValidationError(
                _("%(employee)s is not on the list of this session.") % {"employee": employee.employee_no}
            )
        audit_event_create(
            actor=actor,
            action=AuditAction.SESSION_ATTENDEE_REMOVED,
            params=_session_params(session, employees=[employee.employee_no]),
            plant_id=session.plant_id,
            employee_id=employee.id,
            course_id=session.course_id,
            obj=session,
            changes={"session": session.pk, "removed": employee.employee_no},
            ip_address=ip_address,
        )
