"""Certifications: derive them from the assessments, recompute them when a course changes, revoke them.

A Certification row is never edited by hand: every result, void and course change rewrites it here
from the recorded results (the one validity rule, assessments.validity), in the writer's transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments import validity
from assessments.models import Assessment, AuditAction, Certification, CertificationRevocation
from assessments.readiness.outbox import readiness_mark
from assessments.services.audit import audit_event_create

# Messages that remember their code and parameters (an import stores them, shown later in the reader's language).
from certtrack.translatable import gettext as _
from courses.models import AssessmentKind, Course, DeliveryMode
from employees.access import Capability, can
from employees.models import Employee
from webhooks.models import EventType
from webhooks.services import webhook_event_emit


def certifications_refresh(*, pairs: Iterable[tuple[int, int]]) -> list[Certification]:
    """Recompute the Certification rows of (employee_id, course_id) pairs from their assessments.

    Set-based: three reads and one upsert whatever the number of pairs.
    Revocation fields are kept; everything else is derived (validity.certification_state).
    Returns the certifications granted by this refresh (certification.granted): certified_on newly set,
    or moved later (a renewal), in either state.
    """
    pairs = set(pairs)
    if not pairs:
        return []
    employee_ids = {e for e, _c in pairs}
    course_ids = {c for _e, c in pairs}
    courses = {c.id: c for c in Course.objects.filter(id__in=course_ids)}
    existing = {
        (c.employee_id, c.course_id): c
        for c in Certification.objects.filter(employee_id__in=employee_ids, course_id__in=course_ids)
    }
    passes: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    attempts: dict[tuple[int, int], int] = defaultdict(int)
    rows = (
        Assessment.objects.filter(employee_id__in=employee_ids, course_id__in=course_ids, voided_at__isnull=True)
        .values_list("employee_id", "course_id", "kind", "assessed_on", "passed", "level", "delivery_mode")
        .order_by()
    )
    for employee_id, course_id, kind, assessed_on, passed, level, delivery_mode in rows:
        key = (employee_id, course_id)
        if key not in pairs:
            continue
        attempts[key] += 1
        if passed:
            passes[key].append((kind, assessed_on, level, delivery_mode == DeliveryMode.VIRTUAL))

    to_save = []
    granted = []
    for employee_id, course_id in pairs:
        course = courses[course_id]
        current = existing.get((employee_id, course_id))
        revoked_on = current.revoked_on if current else None
        if current is None and not attempts[(employee_id, course_id)]:
            continue
        # Both states (Certification's docstring): every pass counting, and no provisional pass counting.
        state, confirmed = (
            validity.certification_state(
                needed_kinds=course.needed_kinds,
                validity_months=course.validity_months,
                passes=passes[(employee_id, course_id)],
                revoked_on=revoked_on,
                provisional_counts=provisional_counts,
            )
            for provisional_counts in (True, False)
        )
        certification = current or Certification(employee_id=employee_id, course_id=course_id)
        before = (current.certified_on, current.confirmed_certified_on) if current else (None, None)
        after = (state.certified_on, confirmed.certified_on)
        if any(new is not None and (old is None or new > old) for old, new in zip(before, after, strict=True)):
            granted.append(certification)
        certification.theory_passed_on = state.latest_pass.get(AssessmentKind.THEORY)
        certification.practical_passed_on = state.latest_pass.get(AssessmentKind.PRACTICAL)
        certification.certified_on = state.certified_on
        certification.expires_on = state.expires_on
        certification.level = state.level
        certification.provisional = state.provisional
        certification.confirmed_certified_on = confirmed.certified_on
        certification.confirmed_expires_on = confirmed.expires_on
        certification.confirmed_level = confirmed.level
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
            "level",
            "provisional",
            "confirmed_certified_on",
            "confirmed_expires_on",
            "confirmed_level",
            "attempts",
            "updated_at",
        ],
    )
    return granted


def certification_event_data(certification: Certification, *, employee: Employee, course: Course) -> dict:
    """A certification as webhook receivers see it (certification.granted): both of its states."""
    return {
        "employee": employee.employee_no,
        "course": course.code,
        "certified_on": _iso(certification.certified_on),
        "expires_on": _iso(certification.expires_on),
        "level": certification.level,
        "provisional": certification.provisional,
        "confirmed_certified_on": _iso(certification.confirmed_certified_on),
        "confirmed_expires_on": _iso(certification.confirmed_expires_on),
    }


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


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
        webhook_event_emit(
            type=EventType.CERTIFICATION_REVOKED,
            plant_id=employee.plant_id,
            occurred_at=now,
            data={
                "employee": employee.employee_no,
                "course": certification.course.code,
                "revoked_on": today.isoformat(),
                "reason": reason,
            },
        )
    certification.refresh_from_db()
    return certification
