"""Results: record them all or nothing, void them.

The browser (single entry and session grid), the Excel import and the API all call
assessments_record(): it checks every row (result_rules.py), then, in one transaction, inserts them,
refreshes the certifications, writes the audit rows and marks the employees for the readiness roll-up.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from assessments.audit_messages import audit_message
from assessments.models import Assessment, AssessmentSource, AuditAction, AuditEvent, Certification, TrainingSession
from assessments.readiness.outbox import readiness_mark, readiness_mark_courses
from assessments.services.audit import audit_event_create
from assessments.services.certifications import certification_event_data, certifications_refresh
from assessments.services.result_rules import (
    QUERY_CHUNK,
    Refusal,
    ResultInput,
    assessments_duplicates,
    assessments_revocation_notices,
    assessments_validate,
    delivery_mode_of,
)

# Messages that remember their code and parameters (an import stores them, shown later in the reader's language).
from certtrack.translatable import gettext as _
from courses.models import AssessmentKind, Level
from employees.access import Capability, can
from employees.models import Employee
from webhooks.models import EventType
from webhooks.services import EventInput, webhook_event_emit, webhook_events_emit


@dataclass
class BatchRejected(Exception):
    """Nothing was recorded: errors[i] lists the reasons row i was refused."""

    errors: dict[int, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"row {i + 1}: {' '.join(msgs)}" for i, msgs in sorted(self.errors.items()))


class Recorded(list):
    """What assessments_record wrote (Assessment rows, in the order of the input rows), and `notices`:
    what the person recording should be told although nothing was wrong (a pass that leaves a
    certification revoked)."""

    def __init__(self, assessments: Iterable[Assessment] = (), *, notices: Sequence[str] = ()) -> None:
        super().__init__(assessments)
        self.notices = list(notices)


def assessments_record(
    *,
    rows: Sequence[ResultInput],
    recorded_by: AbstractBaseUser,
    source: str = AssessmentSource.WEB,
    session: TrainingSession | None = None,
    ip_address: str | None = None,
) -> Recorded:
    """Record results all or nothing. Raises BatchRejected with every row's reasons (validation first;
    then, under the employees' row locks, an exact duplicate recorded meanwhile by another save).

    Returns the assessments, with the notices the person recording should see (Recorded.notices).
    """
    if not rows:
        return Recorded()
    errors = assessments_validate(rows=rows, recorded_by=recorded_by, session=session)
    if errors:
        raise BatchRejected(errors=errors)
    now = timezone.now()
    with transaction.atomic():
        if session is not None:
            # The session's row lock orders this save against training_session_cancel: a session
            # cancelled while the grid was open takes no results, and a cancel waits for this save.
            locked = TrainingSession.objects.select_for_update().filter(pk=session.pk)
            if locked.values_list("cancelled_at", flat=True).first() is not None:
                message = _("This session was cancelled: it takes no results.")
                raise BatchRejected(errors={i: [Refusal(message, "cancelled")] for i in range(len(rows))})
        # Two saves of the same result at once (two tablets on one session, two tabs of the single-result
        # form, an import confirmed while a result is typed in) both pass validation; the employees' row
        # locks let them in one at a time, and the second sees what the first recorded.
        _employees_lock(employee_ids={r.employee.id for r in rows})
        duplicates = assessments_duplicates(rows=rows)
        if duplicates:
            raise BatchRejected(errors={i: [Refusal(m, "duplicate")] for i, m in duplicates.items()})
        notices = assessments_revocation_notices(rows=rows)
        keys = {(r.employee.id, r.course.id) for r in rows}
        prior_attempts = {
            (e, c, k): n
            for e, c, k, n in Assessment.objects.filter(
                employee_id__in={e for e, _c in keys}, course_id__in={c for _e, c in keys}, voided_at__isnull=True
            )
            .values_list("employee_id", "course_id", "kind")
            .annotate(n=Count("id"))
            .order_by()
        }
        assessments = []
        for row in rows:
            attempt_key = (row.employee.id, row.course.id, row.kind)
            prior_attempts[attempt_key] = prior_attempts.get(attempt_key, 0) + 1
            passed = row.score >= row.course.pass_mark if row.kind == AssessmentKind.THEORY else bool(row.passed)
            assessments.append(
                Assessment(
                    employee=row.employee,
                    course=row.course,
                    kind=row.kind,
                    assessed_on=row.assessed_on,
                    score=row.score if row.kind == AssessmentKind.THEORY else None,
                    passed=passed,
                    checklist_notes=row.checklist_notes.strip(),
                    notes=row.notes.strip(),
                    # DOMAIN.md "Levels": a practical pass records its level (U unless the course uses levels
                    # and the assessor gave another); theory and failed practicals record none.
                    level=(row.level or Level.U) if row.kind == AssessmentKind.PRACTICAL and passed else None,
                    delivery_mode=delivery_mode_of(row=row, session=session),
                    checklist=row.checklist,
                    checklist_marks=[bool(m) for m in row.checklist_marks] if row.checklist is not None else None,
                    attempt=prior_attempts[attempt_key],
                    assessor=row.assessor,
                    recorded_by=recorded_by,
                    recorded_at=now,
                    session=session,
                    source=source,
                )
            )
        Assessment.objects.bulk_create(assessments)
        granted = certifications_refresh(pairs=keys)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    occurred_at=now,
                    actor=recorded_by,
                    ip_address=ip_address,
                    action=AuditAction.ASSESSMENT_RECORDED,
                    plant_id=a.employee.plant_id,
                    employee_id=a.employee.id,
                    course_id=a.course.id,
                    object_type="Assessment",
                    object_id=str(a.pk or ""),
                    **audit_message(AuditAction.ASSESSMENT_RECORDED, **_audit_params(a)),
                    changes={
                        "kind": a.kind,
                        "assessed_on": a.assessed_on.isoformat(),
                        "score": a.score,
                        "passed": a.passed,
                        "assessor": a.assessor.get_username(),
                        "source": a.source,
                        "session": session.pk if session else None,
                        "level": a.level,
                        "delivery_mode": a.delivery_mode,
                        "checklist_revision": a.checklist.revision if a.checklist else None,
                        "checklist_marks": a.checklist_marks,
                    },
                )
                for a in assessments
            ]
        )
        readiness_mark_courses(pairs=[(r.employee, r.course.id) for r in rows], reason="assessment")
        webhook_events_emit(events=_recorded_events(assessments=assessments, granted=granted, now=now))
    return Recorded(assessments, notices=[notices[i] for i in sorted(notices)])


def _employees_lock(*, employee_ids: Iterable[int]) -> None:
    """Lock the employees' rows until the transaction ends, in id order (two batches sharing people
    cannot deadlock), a chunk at a time. FOR NO KEY UPDATE: it serialises savers of results, yet lets
    other writers insert rows that merely point at the employee (audit events, readiness marks), so a
    transaction that holds a certification's lock and writes its audit row never waits on this one.
    SQLite has no row locks: its transaction (BEGIN IMMEDIATE, settings) already lets one writer in.
    """
    if not connection.features.has_select_for_update:
        return
    ids = sorted(set(employee_ids))
    for start in range(0, len(ids), QUERY_CHUNK):
        list(
            Employee.objects.select_for_update(no_key=True)
            .filter(id__in=ids[start : start + QUERY_CHUNK])
            .order_by("id")
            .values_list("id", flat=True)
        )


def _recorded_events(
    *, assessments: Sequence[Assessment], granted: Sequence[Certification], now: datetime.datetime
) -> list[EventInput]:
    """The webhook events of a recorded batch: each result, and each certification it granted or renewed."""
    employees = {a.employee.id: a.employee for a in assessments}
    courses = {a.course.id: a.course for a in assessments}
    events = [
        EventInput(
            type=EventType.ASSESSMENT_RECORDED,
            plant_id=a.employee.plant_id,
            occurred_at=now,
            data=assessment_event_data(a),
        )
        for a in assessments
    ]
    events += [
        EventInput(
            type=EventType.CERTIFICATION_GRANTED,
            plant_id=employees[c.employee_id].plant_id,
            occurred_at=now,
            data=certification_event_data(c, employee=employees[c.employee_id], course=courses[c.course_id]),
        )
        for c in granted
    ]
    return events


def assessment_event_data(assessment: Assessment) -> dict:
    """An assessment as webhook receivers see it (assessment.recorded, assessment.voided)."""
    return {
        "assessment": assessment.pk,
        "employee": assessment.employee.employee_no,
        "course": assessment.course.code,
        "kind": assessment.kind,
        "assessed_on": assessment.assessed_on.isoformat(),
        "score": assessment.score,
        "passed": assessment.passed,
        "level": assessment.level,
        "attempt": assessment.attempt,
        "delivery_mode": assessment.delivery_mode,
        "source": assessment.source,
    }


def _audit_params(assessment: Assessment) -> dict:
    return {
        "employee": assessment.employee.employee_no,
        "course": assessment.course.code,
        "kind": assessment.kind,
        "score": assessment.score,
        "passed": assessment.passed,
        "date": assessment.assessed_on,
    }


def assessment_record(*, row: ResultInput, recorded_by: AbstractBaseUser, **kwargs: object) -> Assessment:
    """Record one result; raises ValidationError with the reasons it was refused."""
    try:
        return assessments_record(rows=[row], recorded_by=recorded_by, **kwargs)[0]
    except BatchRejected as rejected:
        raise ValidationError(rejected.errors[0]) from None


def can_void(*, assessment: Assessment, user: AbstractBaseUser) -> bool:
    """A trainer voids their own entry within VOID_WINDOW_DAYS; a manager or admin any entry at their plant."""
    if assessment.is_voided:
        return False
    if can(user=user, capability=Capability.VOID_ANY_RESULT, plant_id=assessment.employee.plant_id):
        return True
    own = user.pk in (assessment.recorded_by_id, assessment.assessor_id)
    recent = timezone.now() - assessment.recorded_at <= datetime.timedelta(days=settings.VOID_WINDOW_DAYS)
    return (
        own
        and recent
        and can(
            user=user,
            capability=Capability.RECORD_RESULTS | Capability.IMPORT_RESULTS,
            plant_id=assessment.employee.plant_id,
        )
    )


def assessment_void(
    *, assessment: Assessment, actor: AbstractBaseUser, reason: str, ip_address: str | None = None
) -> Assessment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for voiding this entry."), code="reason_required")
    with transaction.atomic():
        # Lock the row: two people voiding the same entry at once must not both succeed.
        assessment = Assessment.objects.select_for_update().select_related("employee", "course").get(pk=assessment.pk)
        if assessment.is_voided:
            raise ValidationError(_("This entry is already voided."), code="already_voided")
        if not can_void(assessment=assessment, user=actor):
            raise ValidationError(
                _("You may void only your own entries, within %(days)s days of recording them.")
                % {"days": settings.VOID_WINDOW_DAYS},
                code="forbidden",
            )
        now = timezone.now()
        Assessment.objects.filter(pk=assessment.pk, voided_at__isnull=True).update(
            voided_at=now, voided_by=actor, void_reason=reason
        )
        certifications_refresh(pairs=[(assessment.employee_id, assessment.course_id)])
        audit_event_create(
            actor=actor,
            action=AuditAction.ASSESSMENT_VOIDED,
            params={**_audit_params(assessment), "reason": reason},
            plant_id=assessment.employee.plant_id,
            employee_id=assessment.employee_id,
            course_id=assessment.course_id,
            obj=assessment,
            changes={"reason": reason},
            ip_address=ip_address,
        )
        readiness_mark(employees=[assessment.employee], reason="voided", course_id=assessment.course_id)
        webhook_event_emit(
            type=EventType.ASSESSMENT_VOIDED,
            plant_id=assessment.employee.plant_id,
            occurred_at=now,
            data={**assessment_event_data(assessment), "reason": reason},
        )
    assessment.refresh_from_db()
    return assessment
