"""Expiry reminders and digests (issue #19): the plant's ladder, who supervises which line, what was sent.

Every "once" here is a unique constraint, not a check in code: a reminder per (certification, expiry,
rung), an email per (user, plant, day) of reminders, a digest per (manager, plant, ISO week), a run per
(plant, local date). Emails are an outbox (EmailMessage rows written in the transaction that decides
them, sent afterwards and marked), so a stopped SMTP server or a killed worker loses nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from employees.models import PlantMembership, PlantRole

DEFAULT_RUNGS = "90,60,30,7,0"
MAX_RUNGS = 10
MAX_RUNG_DAYS = 365


def rungs_parse(text: str) -> list[int]:
    """A ladder's rungs, days before expiry, largest first ("90, 60,30,7,0" -> [90, 60, 30, 7, 0]; 0 = on expiry).

    Raises ValidationError for an empty list, a bad or repeated number, or more than MAX_RUNGS.
    """
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    try:
        days = [int(part) for part in parts]
    except ValueError:
        days = []
    if not days or any(day < 0 or day > MAX_RUNG_DAYS for day in days):
        raise ValidationError(
            _("Give the reminder days as whole numbers from 0 (on expiry) to 365, e.g. 90,60,30,7,0."),
            code="rungs_bad",
        )
    if len(set(days)) != len(days):
        raise ValidationError(_("A reminder day appears twice."), code="rungs_repeated")
    if len(days) > MAX_RUNGS:
        raise ValidationError(_("At most %(n)s reminder days."), code="rungs_too_many", params={"n": MAX_RUNGS})
    return sorted(days, reverse=True)


def validate_rungs(text: str) -> None:
    rungs_parse(text)


class ReminderLadder(models.Model):
    """A plant's reminder days before expiry; a plant without a row uses DEFAULT_RUNGS."""

    plant = models.OneToOneField(
        "employees.Plant", on_delete=models.CASCADE, related_name="reminder_ladder", verbose_name=_("plant")
    )
    rungs = models.CharField(
        _("reminder days"),
        max_length=60,
        default=DEFAULT_RUNGS,
        validators=[validate_rungs],
        help_text=_("Days before expiry, comma-separated; 0 = on the day it expires (e.g. 90,60,30,7,0)"),
    )

    class Meta:
        verbose_name = _("reminder ladder")
        verbose_name_plural = _("reminder ladders")

    def __str__(self) -> str:
        return f"{self.plant.code}: {self.rungs}"

    @property
    def rung_list(self) -> list[int]:
        try:
            return rungs_parse(self.rungs)
        except ValidationError:
            return rungs_parse(DEFAULT_RUNGS)


class SupervisedLine(models.Model):
    """A supervisor (or team leader) told about one line's people. A user with the supervisor role at a plant
    and no SupervisedLine there is plant-wide: told about every line."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervised_lines", verbose_name=_("user")
    )
    line = models.ForeignKey(
        "employees.ProductionLine", on_delete=models.CASCADE, related_name="supervisors", verbose_name=_("line")
    )

    class Meta:
        verbose_name = _("supervised line")
        verbose_name_plural = _("supervised lines")
        constraints = [models.UniqueConstraint(fields=["user", "line"], name="supervised_line_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.line}"

    def clean(self) -> None:
        if (
            self.user_id
            and self.line_id
            and not PlantMembership.objects.filter(
                user_id=self.user_id, plant_id=self.line.plant_id, role=PlantRole.SUPERVISOR
            ).exists()
        ):
            raise ValidationError(
                {"user": _("Give this user the supervisor role at the line's plant first.")}, code="not_supervisor"
            )


class Channel(models.TextChoices):
    BOTH = "both", _("Email and in the app")
    EMAIL = "email", _("Email only")
    IN_APP = "in_app", _("In the app only")


class NotificationPreference(models.Model):
    """How a user is told (a user without a row: both) and whether they take the weekly digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    channel = models.CharField(_("tell me by"), max_length=8, choices=Channel.choices, default=Channel.BOTH)
    digest = models.BooleanField(_("weekly digest"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user} · {self.channel}"


class PlantRun(models.Model):
    """A plant's reminder run for one plant-local date: there is at most one, and it is done once."""

    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveIntegerField(default=0)
    digests = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plant", "local_date"], name="plant_run_once_a_day")]

    def __str__(self) -> str:
        return f"{self.plant_id} {self.local_date}"


class Reminder(models.Model):
    """A rung reached by a certification's expiry: decided once, whatever runs the job how often."""

    certification = models.ForeignKey("assessments.Certification", on_delete=models.CASCADE, related_name="+")
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField()
    rung = models.PositiveSmallIntegerField(validators=[MaxValueValidator(MAX_RUNG_DAYS)])
    on_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certification", "expires_on", "rung"], name="reminder_once_per_rung")
        ]
        indexes = [models.Index(fields=["plant", "expires_on"], name="reminder_plant_expiry")]

    def __str__(self) -> str:
        return f"{self.certification_id} {self.expires_on} -{self.rung}"


class Digest(models.Model):
    """A plant manager's weekly digest: one per (manager, plant, ISO week)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    on_date = models.DateField()
    expiring = models.PositiveIntegerField(default=0)
    stations = models.PositiveIntegerField(default=0)
    gaps = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "plant", "iso_year", "iso_week"], name="digest_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.plant_id} {self.iso_year}-W{self.iso_week:02d}"


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Expiry reminder")
    DIGEST = "digest", _("Weekly digest")


class Notification(models.Model):
    """One line of a user's in-app list. Rendered when shown, in the reader's language: it keeps references."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=8, choices=NotificationKind.choices)
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reminder"], condition=Q(reminder__isnull=False), name="notification_once_per_reminder"
            ),
            models.UniqueConstraint(
                fields=["user", "digest"], condition=Q(digest__isnull=False), name="notification_once_per_digest"
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.created_at}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class EmailMessage(models.Model):
    """The outbox: an email written in the transaction that decided it, sent afterwards by outbox_send and
    marked. A digest is rendered (in its reader's language) when written, a reminder email when sent, from
    its reminders still current (see services/outbox.py). One reminder email per (user, plant, day), one
    per digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=NotificationKind.choices)
    on_date = models.DateField()
    digest = models.OneToOneField(Digest, on_delete=models.CASCADE, null=True, blank=True, related_name="email")
    reminders = models.ManyToManyField(Reminder, related_name="+", blank=True)
    to = models.CharField(max_length=254)
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    unsubscribe_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "plant", "on_date"],
                condition=Q(kind="reminder"),
                name="reminder_email_once_a_day",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="email_status")]

    def __str__(self) -> str:
        return f"{self.to} {self.kind} {self.on_date} {self.status}"
