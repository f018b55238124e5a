"""Plants, lines, stations, job roles, employees and who may work at which plant."""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DEFAULT_SHIFT_CODES = "A,B,C"
MAX_SHIFT_CODES = 8
SHIFT_CODE = re.compile(r"^[A-Za-z0-9]{1,8}$")
DEFAULT_CONFIRMATION_WINDOW_DAYS = 30
# ISO weekdays (1 = Monday) a plant trains on by default: Monday to Friday.
DEFAULT_WORKING_WEEKDAYS = "1,2,3,4,5"


def shift_codes_parse(text: str) -> list[str]:
    """A plant's ordered shift codes from their comma-separated text ("A, B, C" -> ["A", "B", "C"]).

    Raises ValidationError for an empty list, a bad or repeated code, or more than MAX_SHIFT_CODES.
    """
    codes = [code.strip() for code in (text or "").split(",") if code.strip()]
    if not codes:
        raise ValidationError(_("Give at least one shift code, e.g. A,B,C."), code="shift_codes_empty")
    bad = [code for code in codes if not SHIFT_CODE.match(code)]
    if bad:
        raise ValidationError(
            _("Shift codes are letters and digits, at most 8 each: %(codes)s"),
            code="shift_code_bad",
            params={"codes": ", ".join(bad)},
        )
    if len(set(codes)) != len(codes):
        raise ValidationError(_("A shift code appears twice."), code="shift_code_repeated")
    if len(codes) > MAX_SHIFT_CODES:
        raise ValidationError(
            _("At most %(n)s shift codes."), code="shift_codes_too_many", params={"n": MAX_SHIFT_CODES}
        )
    return codes


def validate_shift_codes(text: str) -> None:
    shift_codes_parse(text)


def weekdays_parse(text: str) -> frozenset[int]:
    """A plant's working weekdays from their comma-separated ISO numbers ("1,2,3,4,5": Monday to Friday)."""
    try:
        days = frozenset(int(part) for part in (text or "").split(",") if part.strip())
    except ValueError:
        days = frozenset()
    if not days or not days <= set(range(1, 8)):
        raise ValidationError(
            _("Give the working weekdays as numbers 1 (Monday) to 7 (Sunday), e.g. 1,2,3,4,5."), code="weekdays_bad"
        )
    return days


def validate_weekdays(text: str) -> None:
    weekdays_parse(text)


class Plant(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 two-letter code"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # DOMAIN.md "Station coverage": the plant's ordered shift codes; a line runs the first `shifts` of them.
    shift_codes = models.CharField(
        _("shift codes"),
        max_length=80,
        default=DEFAULT_SHIFT_CODES,
        db_default=DEFAULT_SHIFT_CODES,
        validators=[validate_shift_codes],
        help_text=_("Ordered, comma-separated (e.g. A,B,C); a line with n shifts runs the first n"),
    )
    # DOMAIN.md "Pre-SOP provisional passes": virtual-model passes count until a line's SOP + this window.
    confirmation_window_days = models.PositiveSmallIntegerField(
        _("confirmation window (days)"),
        default=DEFAULT_CONFIRMATION_WINDOW_DAYS,
        db_default=DEFAULT_CONFIRMATION_WINDOW_DAYS,
        validators=[MaxValueValidator(3650)],
        help_text=_("Virtual-model passes count until the line's SOP date plus this many days"),
    )
    # The days the plant trains (the suggested plan puts sessions only on these, less its closures).
    working_weekdays = models.CharField(
        _("working weekdays"),
        max_length=13,
        default=DEFAULT_WORKING_WEEKDAYS,
        db_default=DEFAULT_WORKING_WEEKDAYS,
        validators=[validate_weekdays],
        help_text=_("ISO weekday numbers the plant trains on, 1 = Monday (e.g. 1,2,3,4,5)"),
    )
    # Issue #19: the language of the plant's people who have not chosen one (pages, emails, notifications).
    default_language = models.CharField(
        _("default language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        db_default="en",
        help_text=_("Used for the plant's users who have not chosen a language of their own"),
    )
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

    @property
    def shift_code_list(self) -> list[str]:
        try:
            return shift_codes_parse(self.shift_codes)
        except ValidationError:
            return []

    @property
    def working_weekday_set(self) -> frozenset[int]:
        try:
            return weekdays_parse(self.working_weekdays)
        except ValidationError:
            return frozenset(range(1, 6))


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

    def clean(self) -> None:
        if self.plant_id and self.shifts and self.shifts > len(self.plant.shift_code_list):
            raise ValidationError(
                {
                    "shifts": _("The plant has %(n)s shift codes (%(codes)s); a line cannot run more.")
                    % {"n": len(self.plant.shift_code_list), "codes": self.plant.shift_codes}
                }
            )

    @property
    def shift_codes(self) -> list[str]:
        """The shifts this line runs: the first `shifts` of its plant's codes (DOMAIN.md)."""
        return self.plant.shift_code_list[: self.shifts]

    def confirmation_closes_on(self) -> datetime.date | None:
        """The first day a virtual-model (provisional) pass of this line's people no longer counts:
        SOP date + the plant's confirmation window; None without an SOP date (they always count)."""
        if self.sop_date is None:
            return None
        return self.sop_date + datetime.timedelta(days=self.plant.confirmation_window_days)


class Station(models.Model):
    line = models.ForeignKey(ProductionLine, on_delete=models.PROTECT, related_name="stations", verbose_name=_("line"))
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=120)
    per_shift_target = models.PositiveSmallIntegerField(
        _("per-shift target"),
        default=1,
        db_default=1,
        validators=[MaxValueValidator(100)],
        help_text=_("Qualified operators this station needs on every shift the line runs"),
    )
    trainers_needed = models.PositiveSmallIntegerField(
        _("trainers needed"),
        default=0,
        db_default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Qualified people of the line holding every course of the station at level O"),
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
    def total_target(self) -> int:
        """Qualified people the station needs in total: the per-shift target on every shift the line runs."""
        return self.per_shift_target * self.line.shifts


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

    def clean(self) -> None:
        if self.shift and self.plant_id and self.shift not in self.plant.shift_code_list:
            raise ValidationError(
                {
                    "shift": _("%(shift)s is not a shift of plant %(plant)s (%(codes)s); leave it empty for day staff.")
                    % {"shift": self.shift, "plant": self.plant.code, "codes": self.plant.shift_codes}
                }
            )

    @property
    def is_active(self) -> bool:
        return self.status == EmployeeStatus.ACTIVE


class PlantRole(models.TextChoices):
    TRAINER = "trainer", _("Trainer")
    MANAGER = "manager", _("Plant manager")
    HR = "hr", _("HR")
    AUDITOR = "auditor", _("Auditor")
    # A line supervisor or shift lead (issue #17): sees people and dashboards, grants gate overrides.
    SUPERVISOR = "supervisor", _("Supervisor")


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


class UserProfile(models.Model):
    """A user's own settings (issue #19): the language of their pages, emails and notifications.

    Read through employees.languages.language_for, which falls back to the plant's default language.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the default language of the user's plant"),
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return f"{self.user} · {self.language or '-'}"
