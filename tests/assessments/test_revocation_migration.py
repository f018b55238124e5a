"""Migration 0013 keeps the revocations already on record as history: the latest from each
certification's own fields, the earlier ones (overwritten by a second revocation) from the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("assessments", "0012_session_cancel")]
AFTER = [("assessments", "0013_certification_revocations")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_it_backfills_every_revocation_on_record() -> None:
    apps = _migrate(BEFORE)
    try:
        plant = apps.get_model("employees", "Plant").objects.create(code="SY", name="Shenyang", time_zone="UTC")
        role = apps.get_model("employees", "JobRole").objects.create(code="OP", name="Operator")
        employee = apps.get_model("employees", "Employee").objects.create(
            employee_no="SY001", name="Operator", plant=plant, role=role, hire_date=dt.date(2024, 1, 1)
        )
        area = apps.get_model("courses", "ProcessArea").objects.create(code="HV", name="High voltage")
        course = apps.get_model("courses", "Course").objects.create(code="HV-001", title="HV", process_area=area)
        other = apps.get_model("courses", "Course").objects.create(code="HV-002", title="HV 2", process_area=area)
        manager = apps.get_model("auth", "User").objects.create(username="manager")
        first_at = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
        second_at = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
        Certification = apps.get_model("assessments", "Certification")
        Certification.objects.create(
            employee=employee,
            course=course,
            revoked_on=dt.date(2026, 6, 1),
            revoked_at=second_at,
            revoked_by=manager,
            revoke_reason="lock-out not applied",
        )
        Certification.objects.create(employee=employee, course=other)  # never revoked
        AuditEvent = apps.get_model("assessments", "AuditEvent")
        for at, day, reason in ((first_at, "2026-03-01", "weld inspection skipped"), (second_at, "2026-06-01", "")):
            AuditEvent.objects.create(
                occurred_at=at,
                actor=manager,
                action="certification.revoked",
                employee=employee,
                course=course,
                summary="revoked",
                changes={"revoked_on": day, "reason": reason},
            )
        AuditEvent.objects.create(occurred_at=timezone.now(), action="certification.revoked", summary="no changes")

        apps = _migrate(AFTER)

        rows = apps.get_model("assessments", "CertificationRevocation").objects.order_by("revoked_on")
        assert [(r.employee_id, r.course_id, r.revoked_on, r.revoked_at, r.revoked_by_id, r.reason) for r in rows] == [
            (employee.id, course.id, dt.date(2026, 3, 1), first_at, manager.id, "weld inspection skipped"),
            (employee.id, course.id, dt.date(2026, 6, 1), second_at, manager.id, "lock-out not applied"),
        ]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
