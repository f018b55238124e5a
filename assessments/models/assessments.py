"""Assessments: the recorded results, append-only, from which every certification is derived.

Kept apart because everything else in the app is computed from these rows; on PostgreSQL, triggers
installed by migration 0002 refuse UPDATE of a result's fields and any DELETE.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models.sessions import TrainingSession
from courses.models import AssessmentKind, DeliveryMode, Level


class AssessmentSource(models.TextChoices):
    WEB = "web", _("Single entry")
    GRID = "grid", _("Session grid")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    SEED = "seed", _("Demo data")


class Assessment(models.Model):
    """One result of one kind of one course for one employee on one date. Append-only."""

    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("employee")
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("course")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AssessmentKind.choices)
    assessed_on = models.DateField(_("assessed on"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"))
    checklist_notes = models.TextField(_("checklist notes"), blank=True)
    # DOMAIN.md "Levels (ILUO)": a passing practical records L, U or O (U for a course without levels);
    # NULL on theory, on failed practicals and on passes recorded before levels existed (counted as U).
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, null=True, blank=True)
    # How it was delivered: a practical pass on the virtual model is provisional (DOMAIN.md). Empty on
    # results recorded before delivery was recorded (never provisional).
    delivery_mode = models.CharField(
        _("delivery mode"), max_length=12, choices=DeliveryMode.choices, blank=True, db_default=""
    )
    # The checklist revision marked against and each item's mark (True = OK), item 1 first.
    checklist = models.ForeignKey(
        "courses.Checklist",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("checklist"),
    )
    checklist_marks = models.JSONField(_("checklist marks"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessor")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("training session"),
    )
    source = models.CharField(_("source"), max_length=8, choices=AssessmentSource.choices, default="web")
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.TextField(_("void reason"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="assessment_score_0_100"
            ),
            models.CheckConstraint(
                condition=~Q(kind="theory") | Q(score__isnull=False), name="assessment_theory_has_score"
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, void_reason="") | Q(voided_at__isnull=False) & ~Q(void_reason=""),
                name="assessment_void_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(kind="practical", passed=True), name="assessment_level_on_passes"
            ),
        ]
        indexes = [
            # The roll-up's hot path: latest passing, non-voided result per (employee, course, kind).
            models.Index(
                fields=["employee", "course", "kind", "assessed_on"],
                condition=Q(passed=True, voided_at__isnull=True),
                name="assessment_valid_passes",
            ),
            models.Index(fields=["course", "assessed_on"], name="assessment_course_date"),
            models.Index(fields=["session"], name="assessment_session"),
            models.Index(fields=["recorded_at"], name="assessment_recorded_at"),
        ]

    def __str__(self) -> str:
        return f"{self.employee.employee_no} {self.course.code} {self.kind} {self.assessed_on}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def is_provisional(self) -> bool:
        """A practical pass delivered on the virtual model (DOMAIN.md "Pre-SOP provisional passes")."""
        return self.kind == AssessmentKind.PRACTICAL and self.passed and self.delivery_mode == DeliveryMode.VIRTUAL

    @property
    def level_held(self) -> str | None:
        """The level this result records: a practical pass's (U when recorded before levels), else none."""
        if self.kind == AssessmentKind.PRACTICAL and self.passed:
            return self.level or Level.U
        return None
