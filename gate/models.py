"""The station gate's records: overrides that let a person work a station despite a deny (DOMAIN.md
"The station gate"), and the line-side terminals (device accounts bound to one station)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# DOMAIN.md: T1 - T0 <= 12 hours.
OVERRIDE_MAX_DURATION = datetime.timedelta(hours=12)


class OverrideQuerySet(models.QuerySet):
    def active_at(self, at: datetime.datetime) -> OverrideQuerySet:
        """In force at T: T0 <= T < T1 (T1 exclusive), and not ended early on or before T."""
        return self.filter(starts_at__lte=at, ends_at__gt=at).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))


class Override(models.Model):
    """E may work S from starts_at to ends_at (exclusive) despite a deny, granted by a plant manager or a
    supervisor of S's plant after re-entering their password. Never deleted: ending one early stamps
    ended_at; an override past ends_at has simply ended by itself."""

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.PROTECT, related_name="gate_overrides", verbose_name=_("employee")
    )
    station = models.ForeignKey(
        "employees.Station", on_delete=models.PROTECT, related_name="gate_overrides", verbose_name=_("station")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.TextField(_("reason for ending early"), blank=True)

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("gate override")
        verbose_name_plural = _("gate overrides")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="override_ends_after_start"),
        ]
        indexes = [
            # The gate's lookup: this person at this station around T.
            models.Index(fields=["employee", "station", "ends_at"], name="override_gate_lookup"),
            # The plant and line pages: overrides still running.
            models.Index(fields=["station", "ends_at"], name="override_station_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} @ {self.station_id} {self.starts_at:%Y-%m-%d %H:%M}"

    def is_active_at(self, at: datetime.datetime) -> bool:
        return self.starts_at <= at < self.ends_at and (self.ended_at is None or at < self.ended_at)

    @property
    def effective_end(self) -> datetime.datetime:
        """When it stopped or stops applying: ended early, or its own end."""
        return min(self.ends_at, self.ended_at) if self.ended_at else self.ends_at
