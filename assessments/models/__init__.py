"""Assessments (append-only), certifications, training sessions, the audit trail and
the readiness outbox and roll-up tables, one module per entity.

Writes go through the assessments services (assessments/services/) only. On PostgreSQL,
triggers installed by migration 0002 refuse UPDATE of an assessment's result fields and
any DELETE of assessments and audit events. Django finds the models through this module,
so it imports every one of them: `from assessments.models import X` works for all.
"""

from __future__ import annotations

from assessments.models.assessments import Assessment, AssessmentSource
from assessments.models.audit import AuditAction, AuditEvent
from assessments.models.certifications import Certification, CertificationRevocation, CertificationStatus
from assessments.models.readiness import (
    CourseReadiness,
    EmployeeReadiness,
    LineSnapshot,
    PlantSnapshot,
    ReadinessMark,
    ReadinessState,
    SnapshotFigures,
    StationCoverage,
    StationQualification,
    StationShiftCoverage,
)
from assessments.models.sessions import TrainingSession
from assessments.models.submissions import SubmittedForm
from assessments.models.tokens import ApiToken, TokenScope

__all__ = [
    "ApiToken",
    "Assessment",
    "AssessmentSource",
    "AuditAction",
    "AuditEvent",
    "Certification",
    "CertificationRevocation",
    "CertificationStatus",
    "CourseReadiness",
    "EmployeeReadiness",
    "LineSnapshot",
    "PlantSnapshot",
    "ReadinessMark",
    "ReadinessState",
    "SnapshotFigures",
    "StationCoverage",
    "StationQualification",
    "StationShiftCoverage",
    "SubmittedForm",
    "TokenScope",
    "TrainingSession",
]
