"""The ramp-up plan (DOMAIN.md "Training plan and forecast"): planned sessions and their attendees, the
plant's closed days, and what-if scenarios (drafts that change the plan's inputs and never write a record).

The live plan is every PlannedSession not cancelled. A scenario is a plant's named draft: its changes
(ScenarioChange: a trainer away, an SOP date moved, a pass rate or validity, a live session moved or
removed, people hired or leaving) and the sessions it adds (ScenarioSession). Promoting a scenario turns
its added sessions into planned sessions and applies its moves and removals to the live plan.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import DeliveryMode

MAX_SEATS = 200


class PlanSource(models.TextChoices):
    MANUAL = "manual", _("Planned by hand")
    SUGGESTION = "suggestion", _("Suggested plan")
    PROMOTED = "promoted", _("Promoted from a scenario")


class PlannedSessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class PlannedSessionQuerySet(models.QuerySet):
    def live(self) -> PlannedSessionQuerySet:
        """The live plan: planned sessions neither held nor cancelled."""
        return self.filter(cancelled_at__isnull=True, held_session__isnull=True)


class PlannedSession(models.Model):
    """A course planned at a plant on a date: seats, an authorised trainer, planned attendees (at most
    the seats). Held, it becomes a training session (held_session) whose grid the trainer fills."""

    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.PROTECT, related_name="planned_sessions", verbose_name=_("plant")
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="planned_sessions", verbose_name=_("course")
    )
    planned_on = models.DateField(_("date"))
    seats = models.PositiveSmallIntegerField(
        _("seats"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SEATS)]
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="planned_sessions", verbose_name=_("trainer")
    )
    delivery_mode = models.CharField(_("delivery mode"), max_length=12, choices=DeliveryMode.choices)
    # The shift the session is held in (empty: any); the suggestion groups people by their own shift.
    shift = models.CharField(_("shift"), max_length=8, blank=True)
    line = models.ForeignKey(
        "employees.ProductionLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_sessions",
        verbose_name=_("line"),
    )
    location = models.CharField(_("location"), max_length=120, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    attendees = models.ManyToManyField(
        "employees.Employee",
        through="PlannedAttendance",
        related_name="planned_sessions",
        blank=True,
        verbose_name=_("planned attendees"),
    )
    source = models.CharField(_("source"), max_length=12, choices=PlanSource.choices, default=PlanSource.MANUAL)
    held_session = models.OneToOneField(
        "assessments.TrainingSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_session",
        verbose_name=_("training session"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("planned by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
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

    objects = PlannedSessionQuerySet.as_manager()

    class Meta:
        ordering = ["planned_on", "course__code", "id"]
        verbose_name = _("planned session")
        verbose_name_plural = _("planned sessions")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1, seats__lte=MAX_SEATS), name="planned_session_seats_1_200"),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancel_reason="")
                | Q(cancelled_at__isnull=False) & ~Q(cancel_reason=""),
                name="planned_session_cancel_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["plant", "planned_on"], name="planned_session_plant_date"),
            models.Index(fields=["trainer", "planned_on"], name="planned_session_trainer_date"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} {self.planned_on:%Y-%m-%d} {self.plant.code}"

    @property
    def status(self) -> str:
        if self.cancelled_at is not None:
            return PlannedSessionStatus.CANCELLED
        if self.held_session_id is not None:
            return PlannedSessionStatus.HELD
        return PlannedSessionStatus.PLANNED

    def get_status_display(self) -> str:
        return PlannedSessionStatus(self.status).label

    @property
    def is_live(self) -> bool:
        return self.status == PlannedSessionStatus.PLANNED


class PlannedAttendance(models.Model):
    planned_session = models.ForeignKey(
        PlannedSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("planned session")
    )
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.PROTECT, related_name="planned_attendances", verbose_name=_("employee")
    )

    class Meta:
        verbose_name = _("planned attendance")
        verbose_name_plural = _("planned attendances")
        constraints = [
            models.UniqueConstraint(fields=["planned_session", "employee"], name="planned_attendance_once"),
        ]
        indexes = [models.Index(fields=["employee"], name="planned_attendance_employee")]

    def __str__(self) -> str:
        return f"{self.planned_session} · {self.employee.employee_no}"


class PlantClosure(models.Model):
    """A day the plant does not train (a public holiday, a shutdown) besides its non-working weekdays."""

    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.CASCADE, related_name="closures", verbose_name=_("plant")
    )
    closed_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["plant__code", "closed_on"]
        verbose_name = _("plant closure")
        verbose_name_plural = _("plant closures")
        constraints = [models.UniqueConstraint(fields=["plant", "closed_on"], name="plant_closure_once")]

    def __str__(self) -> str:
        return f"{self.plant.code} {self.closed_on:%Y-%m-%d}"


class ScenarioStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROMOTED = "promoted", _("Promoted")
    DISCARDED = "discarded", _("Discarded")


class Scenario(models.Model):
    """A plant's named what-if draft. It never writes assessments, certifications, training sessions,
    planned sessions or roll-up rows until a manager promotes it."""

    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.PROTECT, related_name="scenarios", verbose_name=_("plant")
    )
    name = models.CharField(_("name"), max_length=120)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ScenarioStatus.choices, default=ScenarioStatus.DRAFT)
    source = models.CharField(_("source"), max_length=12, choices=PlanSource.choices, default=PlanSource.MANUAL)
    # A suggested plan's request (line or plant, buffer days, confirmation wanted) and its quality figures.
    suggestion = models.JSONField(_("suggestion"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promoted by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("what-if scenario")
        verbose_name_plural = _("what-if scenarios")
        indexes = [models.Index(fields=["plant", "status"], name="scenario_plant_status")]

    def __str__(self) -> str:
        return f"{self.plant.code} · {self.name}"

    @property
    def is_draft(self) -> bool:
        return self.status == ScenarioStatus.DRAFT


class ChangeKind(models.TextChoices):
    TRAINER_AWAY = "trainer_away", _("Trainer away from a date on")
    SOP_MOVED = "sop_moved", _("Line's SOP date moved")
    PASS_RATE = "pass_rate", _("Course pass rate")
    VALIDITY = "validity", _("Course validity")
    SESSION_MOVED = "session_moved", _("Planned session moved")
    SESSION_REMOVED = "session_removed", _("Planned session removed")
    HIRE = "hire", _("People hired")
    LEAVE = "leave", _("Employee leaving")


class ScenarioChange(models.Model):
    """One changed input of a scenario. Which fields a kind uses:

    - trainer_away: trainer, on_date (away from that day on: their sessions from then on do not happen)
    - sop_moved: line, on_date (the new SOP date)
    - pass_rate: course, pass_rate (0..1)
    - validity: course, validity_months (None: never expires) for the passes the plan gives
    - session_moved: planned_session, on_date (its new date)
    - session_removed: planned_session
    - hire: line, station (optional), shift, headcount, on_date (new active people with no records)
    - leave: employee, on_date (no longer active from that day)
    """

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="changes", verbose_name=_("scenario"))
    kind = models.CharField(_("change"), max_length=16, choices=ChangeKind.choices)
    on_date = models.DateField(_("date"), null=True, blank=True)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trainer"),
    )
    line = models.ForeignKey(
        "employees.ProductionLine",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
    )
    station = models.ForeignKey(
        "employees.Station",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    shift = models.CharField(_("shift"), max_length=8, blank=True)
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("course")
    )
    planned_session = models.ForeignKey(
        PlannedSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planned session"),
    )
    employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employee"),
    )
    pass_rate = models.DecimalField(
        _("pass rate"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    headcount = models.PositiveSmallIntegerField(
        _("people"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["scenario", "id"]
        verbose_name = _("scenario change")
        verbose_name_plural = _("scenario changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_rate__isnull=True) | Q(pass_rate__gte=0, pass_rate__lte=1),
                name="scenario_change_pass_rate_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} · {self.get_kind_display()}"


class ScenarioSession(models.Model):
    """A session a scenario adds to the plan (by hand or by the suggestion); promoted, a PlannedSession."""

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("scenario")
    )
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))
    planned_on = models.DateField(_("date"))
    seats = models.PositiveSmallIntegerField(
        _("seats"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SEATS)]
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("trainer")
    )
    delivery_mode = models.CharField(_("delivery mode"), max_length=12, choices=DeliveryMode.choices)
    shift = models.CharField(_("shift"), max_length=8, blank=True)
    line = models.ForeignKey(
        "employees.ProductionLine",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
    )
    attendees = models.ManyToManyField(
        "employees.Employee",
        through="ScenarioAttendance",
        related_name="+",
        blank=True,
        verbose_name=_("planned attendees"),
    )

    class Meta:
        ordering = ["planned_on", "course__code", "id"]
        verbose_name = _("scenario session")
        verbose_name_plural = _("scenario sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(seats__gte=1, seats__lte=MAX_SEATS), name="scenario_session_seats_1_200"
            ),
        ]
        indexes = [models.Index(fields=["scenario", "planned_on"], name="scenario_session_date")]

    def __str__(self) -> str:
        return f"{self.course.code} {self.planned_on:%Y-%m-%d}"


class ScenarioAttendance(models.Model):
    scenario_session = models.ForeignKey(
        ScenarioSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("scenario session")
    )
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )

    class Meta:
        verbose_name = _("scenario attendance")
        verbose_name_plural = _("scenario attendances")
        constraints = [
            models.UniqueConstraint(fields=["scenario_session", "employee"], name="scenario_attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_session} · {self.employee.employee_no}"
