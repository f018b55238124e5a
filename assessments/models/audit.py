"""The audit trail: who did what, when, from where.

Append-only (DB triggers on PostgreSQL); kept on its own because every app's services write to it,
through the one audit writer, and readers see its summaries in their own language.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    ASSESSMENT_RECORDED = "assessment.recorded", _("Assessment recorded")
    ASSESSMENT_VOIDED = "assessment.voided", _("Assessment voided")
    CERTIFICATION_REVOKED = "certification.revoked", _("Certification revoked")
    SESSION_CREATED = "session.created", _("Training session created")
    SESSION_CHANGED = "session.changed", _("Training session changed")
    SESSION_CANCELLED = "session.cancelled", _("Training session cancelled")
    SESSION_ATTENDEES_ADDED = "session.attendees_added", _("Attendees added")
    SESSION_ATTENDEE_REMOVED = "session.attendee_removed", _("Attendee removed")
    IMPORT_COMMITTED = "import.committed", _("Import committed")
    EXPORT_CREATED = "export.created", _("Export created")
    EMPLOYEE_CHANGED = "employee.changed", _("Employee changed")
    PLANT_CHANGED = "plant.changed", _("Plant changed")
    LINE_CHANGED = "line.changed", _("Production line changed")
    STATION_CHANGED = "station.changed", _("Station changed")
    TRAINER_AUTHORISED = "trainer.authorised", _("Trainer authorised")
    # Issue #17: the station gate and the integration API.
    OVERRIDE_GRANTED = "override.granted", _("Gate override granted")
    OVERRIDE_ENDED = "override.ended", _("Gate override ended")
    OVERRIDE_USED = "override.used", _("Gate override used")
    TOKEN_CREATED = "token.created", _("API token created")
    TOKEN_REVOKED = "token.revoked", _("API token revoked")
    WEBHOOK_CHANGED = "webhook.changed", _("Webhook subscription changed")
    WEBHOOK_REDELIVERED = "webhook.redelivered", _("Webhook event redelivered")
    TERMINAL_CHANGED = "terminal.changed", _("Line-side terminal changed")
    # Issue #18: the ramp-up plan.
    PLANNED_SESSION_CREATED = "planned.created", _("Session planned")
    PLANNED_SESSION_CHANGED = "planned.changed", _("Planned session changed")
    PLANNED_SESSION_CANCELLED = "planned.cancelled", _("Planned session cancelled")
    PLANNED_SESSION_HELD = "planned.held", _("Planned session held")
    SCENARIO_CHANGED = "scenario.changed", _("What-if scenario changed")
    SCENARIO_PROMOTED = "scenario.promoted", _("What-if scenario promoted")
    # Issue #19: single sign-on (sso/): each sign-in through a provider, each refusal, each role it changed.
    SSO_SIGNED_IN = "sso.signed_in", _("Signed in through single sign-on")
    SSO_REFUSED = "sso.refused", _("Single sign-on refused")
    SSO_ROLE_GRANTED = "sso.role_granted", _("Role granted by single sign-on")
    SSO_ROLE_REVOKED = "sso.role_revoked", _("Role revoked by single sign-on")


class AuditEvent(models.Model):
    """Who did what, when, from where. Append-only (DB triggers on PostgreSQL)."""

    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("event"), max_length=32, choices=AuditAction.choices)
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("plant")
    )
    employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("employee"),
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("course")
    )
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    # The English text, shown as written when there is no message code (rows older than codes, callers
    # that pass only a summary); with a code, the reader sees display_summary (assessments/audit_messages.py).
    summary = models.CharField(_("summary"), max_length=255)
    message_code = models.CharField(_("message"), max_length=48, blank=True)
    message_params = models.JSONField(_("message parameters"), default=dict, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["plant", "occurred_at"], name="audit_plant_time"),
            models.Index(fields=["employee", "occurred_at"], name="audit_employee_time"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.summary}"

    @property
    def display_summary(self) -> str:
        """The summary in the active language: rendered from the message code, else the stored text."""
        from assessments.audit_messages import audit_summary_render

        if self.message_code:
            rendered = audit_summary_render(code=self.message_code, params=self.message_params)
            if rendered is not None:
                return rendered
        return self.summary
