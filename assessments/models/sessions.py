"""Training sessions: a course held at a plant on a date by a trainer, with its attendees.

A session is the frame a trainer records a group's results in (the grid); results keep their own
dates, so the session is kept apart from the results it holds and stays on record when cancelled.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import DeliveryMode


class TrainingSession(models.Model):
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("plant")
    )
    held_on = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=120, blank=True)
    delivery_mode = models.CharField(_("delivery mode"), max_length=12, choices=DeliveryMode.choices)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("trainer")
    )
    attendees = models.ManyToManyField(
        "employees.Employee", blank=True, related_name="training_sessions", verbose_name=_("attendees")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # A cancelled session stays on record (who, when, why) but takes no attendees or results.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancel_reason="")
                | Q(cancelled_at__isnull=False) & ~Q(cancel_reason=""),
                name="session_cancel_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["plant", "held_on"], name="session_plant_date"),
            models.Index(fields=["trainer", "held_on"], name="session_trainer_date"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} {self.held_on:%Y-%m-%d} {self.plant.code}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
