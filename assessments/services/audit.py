"""The one audit writer: every service of every app writes its audit events through it.

Kept on its own so that the services of each entity, and the lower layers through assessments.hooks,
share one way of writing an event (its summary stored as a message code and parameters, so each
reader sees it in their own language) without importing each other.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from assessments.audit_messages import audit_message
from assessments.models import AuditEvent


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
