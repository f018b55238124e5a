"""On PostgreSQL the database itself refuses to rewrite or delete results and audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Assessment, AuditAction, AuditEvent, CertificationRevocation
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

REFUSED = IntegrityError  # the triggers raise SQLSTATE 23001 restrict_violation


def _assessment() -> Assessment:
    return factories.AssessmentFactory(kind="practical", passed=True, assessed_on=dt.date(2026, 1, 10))


def test_it_refuses_to_update_a_result_field() -> None:
    assessment = _assessment()
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(passed=False)
    assessment.refresh_from_db()
    assert assessment.passed is True


def test_it_refuses_to_delete_an_assessment() -> None:
    assessment = _assessment()
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).delete()
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_it_allows_voiding_once_and_then_freezes_the_row() -> None:
    assessment = _assessment()
    Assessment.objects.filter(pk=assessment.pk).update(
        voided_at=timezone.now(), voided_by=assessment.assessor, void_reason="wrong employee"
    )
    with pytest.raises(REFUSED, match="voided"), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(void_reason="changed my mind")
    assessment.refresh_from_db()
    assert assessment.void_reason == "wrong employee"


def test_it_refuses_to_update_or_delete_audit_events() -> None:
    event = AuditEvent.objects.create(
        occurred_at=timezone.now(), action=AuditAction.ASSESSMENT_RECORDED, summary="original"
    )
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="forged")
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.summary == "original"


def test_it_refuses_to_update_or_delete_a_revocation() -> None:
    assessment = _assessment()
    revocation = CertificationRevocation.objects.create(
        employee=assessment.employee,
        course=assessment.course,
        revoked_on=dt.date(2026, 3, 1),
        revoked_at=timezone.now(),
        revoked_by=assessment.assessor,
        reason="quality incident",
    )
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        CertificationRevocation.objects.filter(pk=revocation.pk).update(revoked_on=dt.date(2026, 6, 1))
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        CertificationRevocation.objects.filter(pk=revocation.pk).delete()
    revocation.refresh_from_db()
    assert revocation.revoked_on == dt.date(2026, 3, 1)
