"""Every write of assessments, certifications and audit events goes through here.

The browser (single entry and session grid), the Excel import and the API all
call assessments_record(); the rules of DOMAIN.md are enforced once, here.
Each service writes its audit event and marks the affected employees for the
readiness roll-up in the same transaction, and enqueues the roll-up after
commit (a broker outage never fails the write: the outbox keeps the mark).
"""

from __future__ import annotations

import datetime
import enum
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext

from assessments import validity
from assessments.audit_messages import audit_message
from assessments.models import (
    Assessment,
    AssessmentSource,
    AuditAction,
    AuditEvent,
    Certification,
    CertificationRevocation,
    ReadinessMark,
    SubmittedForm,
    TrainingSession,
)
from assessments.selectors import revocation_dates
from certtrack.queue import enqueue_on_commit
from certtrack.times import in_zone

# Messages that remember their code and parameters (an import stores them, shown later in the reader's language).
from certtrack.translatable import Translatable
from certtrack.translatable import gettext as _
from courses.models import AssessmentKind, Course, DeliveryMode
from courses.selectors import authorisations_by_key, is_authorised
from employees.access import Capability, can
from employees.models import Employee, EmployeeStatus, Plant

logger = logging.getLogger(__name__)


# --- Audit and readiness outbox ------------------------------------------------


def audit_event_create(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    summary: str = "",
    params: dict | None = None,
    message: str = "",
    plant_id: int | None = None,
    employee_id: int | None = None,
    course_id: int | None = None,
    obj: object | None = None,
    changes: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Write one audit event.

    With `params`, the summary is a message (code `message`, default the action) rendered in each
    reader's language (assessments/audit_messages.py); its English text is stored in `summary`
    unless one is given. Without `params`, `summary` is stored and shown as written.
    """
    if params is not None:
        text = audit_message(message or action, **params)
        if summary:
            text["summary"] = summary[:255]
    else:
        text = {"summary": summary[:255]}
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        ip_address=ip_address,
        action=action,
        plant_id=plant_id,
        employee_id=employee_id,
        course_id=course_id,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        changes=changes or {},
        **text,
    )


def readiness_mark(*, employees: Iterable[Employee], reason: str, course_id: int | None = None) -> None:
    """Mark employees for the readiness roll-up, in the caller's transaction.

    `course_id`: only their certification in this course changed (see ReadinessMark.course).
    """
    readiness_mark_courses(pairs=[(e, course_id) for e in employees], reason=reason)


def readiness_mark_courses(*, pairs: Iterable[tuple[Employee, int | None]], reason: str) -> None:
    """Mark (employee, course whose certification changed) pairs; one outbox write, one task on commit."""
    marks = [
        ReadinessMark(employee_id=e.id, plant_id=e.plant_id, reason=reason[:40], course_id=course_id)
        for e, course_id in {(e.id, c): (e, c) for e, c in pairs}.values()
    ]
    if not marks:
        return
    ReadinessMark.objects.bulk_create(marks)
    # If the broker is down the marks stay in the outbox; beat drains it every minute.
    enqueue_on_commit("assessments.tasks.readiness_drain_marks")


def readiness_mark_lines(*, line_ids: Iterable[int], reason: str) -> None:
    """Mark every active employee of these lines (a station's requirements, target or a line's shifts changed)."""
    readiness_mark(
        employees=Employee.objects.filter(line_id__in=set(line_ids), status=EmployeeStatus.ACTIVE).only(
            "id", "plant_id"
        ),
        reason=reason,
    )


# --- Certifications ---------------------------------------------------------------


def certifications_refresh(*, pairs: Iterable[tuple[int, int]]) -> None:
    """Recompute the Certification rows of (employee_id, course_id) pairs from their assessments.

    Set-based: three reads and one upsert whatever the number of pairs.
    Revocation fields are kept; everything else is derived (validity.certification_state).
    """
    pairs = set(pairs)
    if not pairs:
        return
    employee_ids = {e for e, _c in pairs}
    course_ids = {c for _e, c in pairs}
    courses = {c.id: c for c in Course.objects.filter(id__in=course_ids)}
    existing = {
        (c.employee_id, c.course_id): c
        for c in Certification.objects.filter(employee_id__in=employee_ids, course_id__in=course_ids)
    }
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    attempts: dict[tuple[int, int], int] = defaultdict(int)
    rows = (
        Assessment.objects.filter(employee_id__in=employee_ids, course_id__in=course_ids, voided_at__isnull=True)
        .values_list("employee_id", "course_id", "kind", "assessed_on", "passed")
        .order_by()
    )
    for employee_id, course_id, kind, assessed_on, passed in rows:
        key = (employee_id, course_id)
        if key not in pairs:
            continue
        attempts[key] += 1
        if passed:
            passes[key].append((kind, assessed_on))

    to_save = []
    for employee_id, course_id in pairs:
        course = courses[course_id]
        current = existing.get((employee_id, course_id))
        revoked_on = current.revoked_on if current else None
        state = validity.certification_state(
            needed_kinds=course.needed_kinds,
            validity_months=course.validity_months,
            passes=passes[(employee_id, course_id)],
            revoked_on=revoked_on,
        )
        if current is None and not attempts[(employee_id, course_id)]:
            continue
        certification = current or Certification(employee_id=employee_id, course_id=course_id)
        certification.theory_passed_on = state.latest_pass.get(AssessmentKind.THEORY)
        certification.practical_passed_on = state.latest_pass.get(AssessmentKind.PRACTICAL)
        certification.certified_on = state.certified_on
        certification.expires_on = state.expires_on
        certification.attempts = attempts[(employee_id, course_id)]
        certification.updated_at = timezone.now()
        to_save.append(certification)
    Certification.objects.bulk_create(
        to_save,
        update_conflicts=True,
        unique_fields=["employee", "course"],
        update_fields=[
            "theory_passed_on",
            "practical_passed_on",
            "certified_on",
            "expires_on",
            "attempts",
            "updated_at",
        ],
    )


def certifications_refresh_for_courses(*, course_ids: Iterable[int]) -> int:
    """Recompute every certification of courses whose validity or needed kinds changed."""
    course_ids = set(course_ids)
    pairs = set(
        Assessment.objects.filter(course_id__in=course_ids)
        .values_list("employee_id", "course_id")
        .distinct()
        .order_by()
    )
    with transaction.atomic():
        certifications_refresh(pairs=pairs)
        readiness_mark(
            employees=Employee.objects.filter(id__in={e for e, _c in pairs}).only("id", "plant_id"),
            reason="course-changed",
        )
    return len(pairs)


def certification_revoke(
    *,
    certification: Certification,
    actor: AbstractBaseUser,
    reason: str,
    ip_address: str | None = None,
) -> Certification:
    """Revoke a certification (e.g. after a quality incident) until a new pass dated after today.

    The revocation is added to the history (CertificationRevocation), which a past date reads, and
    becomes the certification's current one (its revoked_* fields), which today's state applies.
    """
    employee = certification.employee
    if not can(user=actor, capability=Capability.REVOKE_CERTIFICATION, plant_id=employee.plant_id):
        raise ValidationError(_("Only a plant manager or an admin may revoke certifications."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the revocation."), code="reason_required")
    today = employee.plant.local_today()
    not_valid = ValidationError(_("This certification is not valid today; there is nothing to revoke."), code="invalid")
    if not certification.is_valid_on(today):
        raise not_valid
    with transaction.atomic():
        certification = Certification.objects.select_for_update().get(pk=certification.pk)
        # Checked again under the lock: a double submit read the row before the first revocation committed.
        if not certification.is_valid_on(today):
            raise not_valid
        now = timezone.now()
        CertificationRevocation.objects.create(
            employee_id=certification.employee_id,
            course_id=certification.course_id,
            revoked_on=today,
            revoked_at=now,
            revoked_by=actor,
            reason=reason,
        )
        certification.revoked_on = today
        certification.revoked_at = now
        certification.revoked_by = actor
        certification.revoke_reason = reason
        certification.save(update_fields=["revoked_on", "revoked_at", "revoked_by", "revoke_reason", "updated_at"])
        certifications_refresh(pairs=[(certification.employee_id, certification.course_id)])
        audit_event_create(
            actor=actor,
            action=AuditAction.CERTIFICATION_REVOKED,
            params={
                "employee": employee.employee_no,
                "course": certification.course.code,
                "date": today,
                "reason": reason,
            },
            plant_id=employee.plant_id,
            employee_id=employee.id,
            course_id=certification.course_id,
            obj=certification,
            changes={"revoked_on": today.isoformat(), "reason": reason},
            ip_address=ip_address,
        )
        readiness_mark(employees=[employee], reason="revoked", course_id=certification.course_id)
    certification.refresh_from_db()
    return certification


# --- Assessments ---------------------------------------------------------------


@dataclass
class ResultInput:
    """One result to record, as it comes from a form, an import row or the API."""

    employee: Employee
    course: Course
    kind: str
    assessed_on: datetime.date
    assessor: AbstractBaseUser
    score: int | None = None
    passed: bool | None = None
    checklist_notes: str = ""
    notes: str = ""


@dataclass
class BatchRejected(Exception):
    """Nothing was recorded: errors[i] lists the reasons row i was refused."""

    errors: dict[int, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"row {i + 1}: {' '.join(msgs)}" for i, msgs in sorted(self.errors.items()))


class Refusal(Translatable):
    """One reason a row was refused. It reads as its message; `code` names the rule, so a caller can
    place it (the grid shows a refused date once, on its date field, instead of on every row).

    A Translatable: it keeps its msgid and parameters, so an import preview stores it as a code and
    shows it again in its reader's language (certtrack.translatable), and the import names its column.
    """

    code: str

    def __new__(cls, message: str, code: str) -> Refusal:
        if isinstance(message, Translatable):
            refusal = super().__new__(cls, message.msgid, message.params)
        else:
            refusal = super().__new__(cls, str(message))
        refusal.code = code
        return refusal

    def __reduce__(self) -> tuple:  # copy and pickle (a message stored for the next page) keep the rule too
        return (_refusal, (self.msgid, self.params, self.code))


def _refusal(msgid: str, params: dict | None, code: str) -> Refusal:
    return Refusal(Translatable(msgid, params), code)


# Rules whose answer depends on the assessment date.
DATE_RULES = frozenset({"future_date", "before_hire", "unauthorised", "prerequisite", "duplicate"})

# Employees per query at most when a batch is checked against the recorded results (an import of thousands
# of rows): long IN lists meet SQLite's bound-parameter limit, and the results import read them so before.
QUERY_CHUNK = 1000


def _passes(row: ResultInput) -> bool:
    """Whether the row records a pass (a theory score against the course's pass mark)."""
    if row.kind == AssessmentKind.THEORY:
        return row.score is not None and row.score >= row.course.pass_mark
    return bool(row.passed)


def _result_key(
    employee_id: int, course_id: int, kind: str, assessed_on: datetime.date, score: int | None, passed: bool | None
) -> tuple:
    """What makes two results the same: employee, course, kind, date and the result (score or pass/fail)."""
    return (employee_id, course_id, kind, assessed_on, score if kind == AssessmentKind.THEORY else passed)


def assessments_duplicates(*, rows: Sequence[ResultInput]) -> dict[int, str]:
    """Rows that would record a result twice, with the message that says so: the same employee, course,
    kind, date and result (score for theory, pass/fail for practical) as a non-voided recorded result,
    or as an earlier row of the batch. Every entry path refuses them through assessments_validate, and
    assessments_record asks again under the employees' row locks just before it inserts (a result saved
    meanwhile by another tab, tablet or import); the Excel import skips them at preview (a file imported
    twice changes nothing).
    """
    if not rows:
        return {}
    recorded: set[tuple] = set()
    employee_ids = sorted({r.employee.id for r in rows})
    course_ids = {r.course.id for r in rows}
    dates = {r.assessed_on for r in rows}
    for start in range(0, len(employee_ids), QUERY_CHUNK):
        for values in (
            Assessment.objects.filter(
                employee_id__in=employee_ids[start : start + QUERY_CHUNK],
                course_id__in=course_ids,
                assessed_on__in=dates,
                voided_at__isnull=True,
            )
            .values_list("employee_id", "course_id", "kind", "assessed_on", "score", "passed")
            .order_by()
        ):
            recorded.add(_result_key(*values))
    duplicates = {}
    for index, row in enumerate(rows):
        key = _result_key(row.employee.id, row.course.id, row.kind, row.assessed_on, row.score, row.passed)
        if key in recorded:
            duplicates[index] = _("already recorded")
        recorded.add(key)
    return duplicates


def assessments_revocation_notices(*, rows: Sequence[ResultInput]) -> dict[int, str]:
    """Passes that leave a revoked certification revoked, keyed by the first such row of each (employee,
    course): a revocation cancels every pass dated on or before it, so a restoring pass must be dated
    after it (DOMAIN.md). A pass dated on the revocation day is recorded but restores nothing; the
    trainer is told so, with the date. Said only when the certification stays revoked with every
    recorded pass and every pass of the batch counted (one pass of each needed kind after the date).
    """
    passing = [(index, row) for index, row in enumerate(rows) if _passes(row)]
    if not passing:
        return {}
    revoked = {
        (employee_id, course_id): revoked_on
        for employee_id, course_id, revoked_on in Certification.objects.filter(
            employee_id__in={r.employee.id for _i, r in passing},
            course_id__in={r.course.id for _i, r in passing},
            revoked_on__isnull=False,
        ).values_list("employee_id", "course_id", "revoked_on")
    }
    candidates = [
        (index, row)
        for index, row in passing
        if row.assessed_on <= revoked.get((row.employee.id, row.course.id), datetime.date.min)
    ]
    if not candidates:
        return {}
    keys = {(row.employee.id, row.course.id) for _i, row in candidates}
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    for employee_id, course_id, kind, assessed_on in (
        Assessment.objects.filter(
            employee_id__in={e for e, _c in keys},
            course_id__in={c for _e, c in keys},
            passed=True,
            voided_at__isnull=True,
        )
        .values_list("employee_id", "course_id", "kind", "assessed_on")
        .order_by()
    ):
        passes[(employee_id, course_id)].append((kind, assessed_on))
    for _index, row in passing:
        passes[(row.employee.id, row.course.id)].append((row.kind, row.assessed_on))
    notices: dict[int, str] = {}
    for index, row in candidates:
        key = (row.employee.id, row.course.id)
        if key not in keys:
            continue
        keys.discard(key)
        state = validity.certification_state(
            needed_kinds=row.course.needed_kinds,
            validity_months=row.course.validity_months,
            passes=passes[key],
            revoked_on=revoked[key],
        )
        if not state.complete:
            notices[index] = _(
                "%(employee)s's certification in %(course)s stays revoked: it was revoked on %(date)s, and "
                "a pass restores it only when dated after the revocation."
            ) % {"employee": row.employee.employee_no, "course": row.course.code, "date": revoked[key].isoformat()}
    return notices


def _prerequisite_gaps(rows: Sequence[ResultInput]) -> dict[int, list[Course]]:
    """For each row index, the prerequisites of its course not valid for its employee on its date."""
    through = Course.prerequisites.through
    prereqs_of: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in through.objects.filter(from_course_id__in={r.course.id for r in rows}).values_list(
        "from_course_id", "to_course_id"
    ):
        prereqs_of[from_id].append(to_id)
    needed_ids = {p for ps in prereqs_of.values() for p in ps}
    if not needed_ids:
        return {}
    employee_ids = {r.employee.id for r in rows}
    prereq_courses = {c.id: c for c in Course.objects.filter(id__in=needed_ids)}
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    for employee_id, course_id, kind, assessed_on in (
        Assessment.objects.filter(
            employee_id__in=employee_ids, course_id__in=needed_ids, passed=True, voided_at__isnull=True
        )
        .values_list("employee_id", "course_id", "kind", "assessed_on")
        .order_by()
    ):
        passes[(employee_id, course_id)].append((kind, assessed_on))
    # Each row's date applies the revocation in force on it, not the certification's latest one.
    revocations = revocation_dates(employee_ids=employee_ids, course_ids=needed_ids)
    gaps: dict[int, list[Course]] = {}
    for index, row in enumerate(rows):
        missing = []
        for prereq_id in prereqs_of.get(row.course.id, []):
            prereq = prereq_courses[prereq_id]
            state = validity.certification_state(
                needed_kinds=prereq.needed_kinds,
                validity_months=prereq.validity_months,
                passes=passes[(row.employee.id, prereq_id)],
                revoked_on=validity.revocation_in_force(
                    revocations.get((row.employee.id, prereq_id), ()), row.assessed_on
                ),
                on_date=row.assessed_on,
            )
            if not state.valid:
                missing.append(prereq)
        if missing:
            gaps[index] = sorted(missing, key=lambda c: c.code)
    return gaps


def assessment_date_refusals(
    *, employee: Employee, assessed_on: datetime.date, today: datetime.date | None = None
) -> list[Refusal]:
    """The rules of an assessment's date, which need nothing of the row but its employee: not after the
    plant-local today of the employee's plant (`today`, read once per plant by a caller of many rows),
    not before the hire date. assessments_validate holds every row to them; the results import also
    holds a row with bad cells to them, so its preview lists every problem of every row.
    """
    today = employee.plant.local_today() if today is None else today
    if assessed_on > today:
        return [Refusal(_("The assessment date may not be in the future."), "future_date")]
    if assessed_on < employee.hire_date:
        return [
            Refusal(
                _("The assessment date is before the hire date (%(hire_date)s).")
                % {"hire_date": employee.hire_date.isoformat()},
                "before_hire",
            )
        ]
    return []


def assessments_validate(
    *, rows: Sequence[ResultInput], recorded_by: AbstractBaseUser, session: TrainingSession | None = None
) -> dict[int, list[Refusal]]:
    """Check every rule of DOMAIN.md for every row; a constant number of queries for the batch."""
    errors: dict[int, list[Refusal]] = defaultdict(list)

    def refuse(index: int, message: str, code: str) -> None:
        errors[index].append(Refusal(message, code))

    authorisations = authorisations_by_key(
        assessor_ids={r.assessor.id for r in rows},
        course_ids={r.course.id for r in rows},
        plant_ids={r.employee.plant_id for r in rows},
    )
    plant_today = {}
    for index, row in enumerate(rows):
        employee, course = row.employee, row.course
        if session is not None and (course.id != session.course_id or employee.plant_id != session.plant_id):
            refuse(
                index,
                _("This result does not belong to the session (%(course)s at %(plant)s).")
                % {"course": session.course.code, "plant": session.plant.code},
                "session",
            )
        if session is not None and session.is_cancelled:
            refuse(index, _("This session was cancelled: it takes no results."), "cancelled")
        if employee.plant_id not in plant_today:
            plant_today[employee.plant_id] = employee.plant.local_today()
        today = plant_today[employee.plant_id]
        if not (
            can(user=recorded_by, capability=Capability.RECORD_RESULTS, plant_id=employee.plant_id)
            or can(user=recorded_by, capability=Capability.IMPORT_RESULTS, plant_id=employee.plant_id)
        ):
            refuse(
                index, _("You may not record results at plant %(plant)s.") % {"plant": employee.plant.code}, "forbidden"
            )
        if employee.status != EmployeeStatus.ACTIVE:
            refuse(
                index,
                _("%(employee)s is not active (%(status)s).")
                % {"employee": employee.employee_no, "status": employee.get_status_display()},
                "inactive",
            )
        if not course.is_active:
            refuse(index, _("Course %(course)s is not active.") % {"course": course.code}, "course")
        elif course.owner_plant_id not in (None, employee.plant_id):
            refuse(index, _("Course %(course)s belongs to another plant.") % {"course": course.code}, "course")
        if row.kind not in course.needed_kinds:
            refuse(
                index,
                _("Course %(course)s does not use a %(kind)s assessment.")
                % {
                    "course": course.code,
                    "kind": AssessmentKind(row.kind).label if row.kind in AssessmentKind.values else row.kind,
                },
                "kind",
            )
        for refusal in assessment_date_refusals(employee=employee, assessed_on=row.assessed_on, today=today):
            errors[index].append(refusal)
        if row.kind == AssessmentKind.THEORY:
            if row.score is None:
                refuse(index, _("A theory test needs a score."), "score")
            elif not 0 <= row.score <= 100:
                refuse(index, _("The score must be between 0 and 100."), "score")
        elif row.kind == AssessmentKind.PRACTICAL and row.passed is None:
            refuse(index, _("A practical evaluation needs pass or fail."), "outcome")
        if not is_authorised(
            authorisations,
            assessor_id=row.assessor.id,
            course_id=course.id,
            plant_id=employee.plant_id,
            on_date=min(row.assessed_on, today),
        ):
            refuse(
                index,
                _("%(assessor)s is not authorised to assess %(course)s at plant %(plant)s.")
                % {"assessor": row.assessor.get_username(), "course": course.code, "plant": employee.plant.code},
                "unauthorised",
            )
    for index, missing in _prerequisite_gaps(rows).items():
        refuse(
            index,
            _("Prerequisite not valid on %(date)s: %(courses)s.")
            % {"date": rows[index].assessed_on.isoformat(), "courses": ", ".join(c.code for c in missing)},
            "prerequisite",
        )
    for index, message in assessments_duplicates(rows=rows).items():
        refuse(index, message, "duplicate")
    return dict(errors)


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
                    attempt=prior_attempts[attempt_key],
                    assessor=row.assessor,
                    recorded_by=recorded_by,
                    recorded_at=now,
                    session=session,
                    source=source,
                )
            )
        Assessment.objects.bulk_create(assessments)
        certifications_refresh(pairs=keys)
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
                    },
                )
                for a in assessments
            ]
        )
        readiness_mark_courses(pairs=[(r.employee, r.course.id) for r in rows], reason="assessment")
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
    assessment.refresh_from_db()
    return assessment


# --- Submitting a form once ----------------------------------------------------------


@dataclass(frozen=True)
class RecordedOnce:
    """The outcome of assessments_record_once: what was recorded now, or that the key was already used."""

    assessments: list[Assessment]
    duplicate: bool
    redirect_to: str
    notices: tuple[str, ...] = ()


def submitted_form_redirect(*, form_key: uuid.UUID) -> str | None:
    """Where the first submit of this form key was sent, if its results were recorded; None for a new key."""
    return SubmittedForm.objects.filter(key=form_key).values_list("redirect_to", flat=True).first()


def assessments_record_once(
    *,
    form_key: uuid.UUID,
    redirect_to: str,
    rows: Sequence[ResultInput],
    recorded_by: AbstractBaseUser,
    **kwargs: object,
) -> RecordedOnce:
    """assessments_record(), at most once per form key (a double click, a refresh, back and resubmit).

    The key's SubmittedForm row is written in the same transaction as the results: a
    refused batch rolls it back too, so the corrected form can be sent again with the
    same key. A second, concurrent submit blocks on the unique key until the first
    commits, then fails the insert and is answered as a duplicate.
    """
    previous = submitted_form_redirect(form_key=form_key)
    if previous is not None:
        return RecordedOnce(assessments=[], duplicate=True, redirect_to=previous)
    try:
        with transaction.atomic():
            SubmittedForm.objects.create(key=form_key, user=recorded_by, redirect_to=redirect_to[:255])
            assessments = assessments_record(rows=rows, recorded_by=recorded_by, **kwargs)
    except IntegrityError:
        previous = SubmittedForm.objects.filter(key=form_key).first()
        if previous is None:
            raise
        return RecordedOnce(assessments=[], duplicate=True, redirect_to=previous.redirect_to)
    return RecordedOnce(
        assessments=assessments, duplicate=False, redirect_to=redirect_to, notices=tuple(assessments.notices)
    )


# --- Training sessions ---------------------------------------------------------------


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
