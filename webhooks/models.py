"""Webhooks: subscriptions, the outbox of events, one delivery per (event, subscription), its attempts.

An event is written in the transaction of the change it reports (webhooks.services.webhook_event_emit),
with one WebhookDelivery per matching subscription; a delivery is then sent after commit, and by beat's
every-minute sweep when that send never happened (broker down) or is due for a retry.
"""

from __future__ import annotations

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CERTIFICATION_GRANTED = "certification.granted", _("Certification granted")
    CERTIFICATION_EXPIRED = "certification.expired", _("Certification expired")
    CERTIFICATION_REVOKED = "certification.revoked", _("Certification revoked")
    ASSESSMENT_RECORDED = "assessment.recorded", _("Assessment recorded")
    ASSESSMENT_VOIDED = "assessment.voided", _("Assessment voided")
    OVERRIDE_GRANTED = "override.granted", _("Override granted")
    OVERRIDE_ENDED = "override.ended", _("Override ended")
    READINESS_CHANGED = "readiness.changed", _("Readiness changed")


def secret_generate() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def event_id_generate() -> str:
    return f"evt_{uuid.uuid4().hex}"


class WebhookSubscription(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    plants = models.ManyToManyField(
        "employees.Plant",
        blank=True,
        related_name="+",
        verbose_name=_("plants"),
        help_text=_("Only events of these plants; none selected: every plant."),
    )
    event_types = models.JSONField(
        _("event types"),
        default=list,
        blank=True,
        help_text=_("Only these events; none selected: every event."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=secret_generate,
        help_text=_("Give it to the receiver: it verifies each request's signature with it."),
    )
    is_active = models.BooleanField(_("active"), default=True, db_default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["url", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """One event of the outbox. `public_id` is what receivers see (webhook-id, body "id"): every delivery
    and every retry of the event carries it, so a receiver can drop what it already processed."""

    public_id = models.CharField(_("event ID"), max_length=40, unique=True, default=event_id_generate)
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("plant")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    data = models.JSONField(_("data"), default=dict)
    # The same fact found twice (a job run twice) is one event: e.g. certification.expired:<id>:<date>.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # While SENDING: when the claim was taken (a worker killed mid-send leaves it; the sweep takes it back).
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """The delivery log: one row per request sent."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_excerpt = models.CharField(_("answer"), max_length=500, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.attempted_at} {self.status_code}"
