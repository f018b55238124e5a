"""The one way up the layers: what employees and courses call, inside their own transaction, when a
change of theirs has a side effect in assessments.

A line's shifts, a station's line, an employee's station or status, a requirement or a course's
validity change who is ready where: the writer marks the people concerned for the readiness roll-up
(the outbox, drained after commit) and, for a course's validity, recomputes its certifications. A
lower layer's write is audited with the one audit writer (or, for a batch, AuditEvent rows built with
audit_message and written at once). Everything else in assessments stays out
of reach of the layers below it (tests/test_layers.py); these are its public names, defined where
they belong (assessments.services, assessments.readiness.outbox, assessments.models).
"""

from __future__ import annotations

from assessments.audit_messages import EMPLOYEE_CREATED_BY_IMPORT, EMPLOYEE_UPDATED_BY_IMPORT, audit_message
from assessments.models import AuditAction, AuditEvent
from assessments.readiness.outbox import readiness_mark, readiness_mark_lines
from assessments.services.audit import audit_event_create
from assessments.services.certifications import certifications_refresh_for_courses

__all__ = [
    "EMPLOYEE_CREATED_BY_IMPORT",
    "EMPLOYEE_UPDATED_BY_IMPORT",
    "AuditAction",
    "AuditEvent",
    "audit_message",
    "audit_event_create",
    "certifications_refresh_for_courses",
    "readiness_mark",
    "readiness_mark_lines",
]
