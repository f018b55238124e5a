"""Plants, lines, stations, job roles, employees and who may work at which plant."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Plant(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 two-letter code"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("plant")
        verbose_name_plural = _("plants")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_today(self) -> datetime.date:
        """Today's date in the plant's time zone: the default D of every figure."""
        return timezone.now().astimezone(self.tz).date()


class ProductionLine(models.Model):
    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="lines", verbose_name=_("plant"))
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=120)
    process_area = models.ForeignKey(
        "courses.ProcessArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("process area"),
    )
    shifts = models.PositiveSmallIntegerField(
        _("shifts"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    sop_date = models.DateField(_("SOP date"), null=True, blank=True, help_text=_("Start of mass production"))
    target_readiness_pct = models.PositiveSmallIntegerField(
        _("target readiness (%)"), default=100, validators=[MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["plant__code", "code"]
        verbose_name = _("production line")
        verbose_name_plural = _("production lines")
        constraints = [
            models.UniqueConstraint(fields=["plant", "code"], name="line_code_unique_in_plant"),
            models.CheckConstraint(condition=Q(shifts__gte=1), name="line_shifts_positive"),
            models.CheckConstraint(condition=Q(target_readiness_pct__lte=100), name="line_target_readiness_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.plant.code}/{self.code} {self.name}"


class Station(models.Model):
    line = models.ForeignKey(ProductionLine, on_delete=models.PROTECT, related_name="stations", verbose_name=_("line"))
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=120)
    # Empty means "the line's number of shifts" (DOMAIN.md); read effective_coverage_target.
    coverage_target = models.PositiveSmallIntegerField(
        _("coverage target"),
        null=True,
        blank=True,
        help_text=_("Qualified operators the line needs for this station; empty = the line's shifts"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["line__plant__code", "line__code", "code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.UniqueConstraint(fields=["line", "code"], name="station_code_unique_in_line"),
        ]

    def __str__(self) -> str:
        return f"{self.line.code}/{self.code} {self.name}"

    @property
    def effective_coverage_target(self) -> int:
        return self.coverage_target if self.coverage_target is not None else self.line.shifts


class JobRole(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job role")
        verbose_name_plural = _("job roles")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    LEFT = "left", _("Left")


class Employee(models.Model):
    """A person on the roster. Never deleted: leaving is a status (DOMAIN.md)."""

    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="employees", verbose_name=_("plant"))
    line = models.ForeignKey(
        ProductionLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("line"),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("primary station"),
    )
    role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="employees", verbose_name=_("job role"))
    shift = models.CharField(_("shift"), max_length=8, blank=True)
    hire_date = models.DateField(_("hire date"))
    status = models.CharField(_("status"), max_length=10, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        indexes = [
            models.Index(fields=["plant", "status"], name="employee_plant_status"),
            models.Index(fields=["line", "status"], name="employee_line_status"),
            models.Index(fields=["station"], name="employee_station"),
            models.Index(fields=["name"], name="employee_name"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_no} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status == EmployeeStatus.ACTIVE


class PlantRole(models.TextChoices):
    TRAINER = "trainer", _("Trainer")
    MANAGER = "manager", _("Plant manager")
    HR = "hr", _("HR")
    AUDITOR = "auditor", _("Auditor")


class PlantMembership(models.Model):
    """A user's role at one plant. A user may hold roles at several plants.

    Company-wide admins (the central training office) are superusers and need no
    membership. All plant scoping goes through employees.access.plants_for_user.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("plant"))
    role = models.CharField(_("role"), max_length=10, choices=PlantRole.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["user__username", "plant__code", "role"]
        verbose_name = _("plant membership")
        verbose_name_plural = _("plant memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "plant", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.plant.code} · {self.get_role_display()}"
