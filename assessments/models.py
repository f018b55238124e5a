"""Assessments (append-only), certifications, training sessions, the audit trail and
the readiness outbox.

Writes go through assessments/services.py only. On PostgreSQL, triggers installed
by migration 0002 refuse UPDATE of an assessment's result fields and any DELETE
of assessments and audit events.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments import validity
from courses.models import AssessmentKind, DeliveryMode


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


class CertificationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    IN_PROGRESS = "in_progress", _("In progress")
    MISSING = "missing", _("Missing")


class Certification(models.Model):
    """The current state of employee E in course C, derived from assessments by
    assessments.services.certification_refresh (never edited by hand).

    Dates reflect every recorded result (results are never dated in the future);
    validity on a date D comes from is_valid_on(D).
    """

    # No index of its own on employee: certification_one_per_employee_course (employee, course) serves it. On
    # PostgreSQL, certification_current (employee, course) INCLUDE (certified_on, expires_on), made by migration
    # 0007 (SQLite has no covering indexes), lets the roll-up read an employee's validity from the index alone.
    employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("employee"),
        db_index=False,
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="certifications", verbose_name=_("course")
    )
    theory_passed_on = models.DateField(_("theory passed on"), null=True, blank=True)
    practical_passed_on = models.DateField(_("practical passed on"), null=True, blank=True)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The latest revocation (today's state, applied by certifications_refresh); every revocation, with
    # its date, is a CertificationRevocation row, which a date in the past reads.
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.TextField(_("revocation reason"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["employee__employee_no", "course__code"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.UniqueConstraint(fields=["employee", "course"], name="certification_one_per_employee_course"),
        ]
        indexes = [
            models.Index(fields=["course", "expires_on"], name="certification_course_expiry"),
            models.Index(fields=["expires_on"], name="certification_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.employee.employee_no} {self.course.code}"

    def is_valid_on(self, on_date: datetime.date) -> bool:
        return validity.is_valid_on(certified_on=self.certified_on, expires_on=self.expires_on, on_date=on_date)

    def status_on(self, on_date: datetime.date, *, expiring_days: int = 30) -> str:
        """The state on D, for D on or after the latest result (see assessments.selectors.certifications_as_of)."""
        return CertificationStatus(
            validity.status_on(
                certified_on=self.certified_on,
                expires_on=self.expires_on,
                revoked_on=self.revoked_on,
                attempts=self.attempts,
                on_date=on_date,
                expiring_days=expiring_days,
            )
        )


class CertificationRevocation(models.Model):
    """One revocation of employee E's certification in course C, kept for good: the history a date reads.

    Certification.revoked_* hold the latest one (today's state, which certifications_refresh applies);
    a date D applies the latest revocation dated on or before D (selectors.revocations_as_of and the
    roll-up's SQL twin), since it cancels every pass an earlier one cancelled. Written by
    services.certification_revoke only; append-only (DB triggers on PostgreSQL, migration 0013).
    """

    # No index of its own on employee: certification_revocation_one_a_day (employee, course, revoked_on) serves it.
    employee = models.ForeignKey(
        "employees.Employee",
        on_delete=models.PROTECT,
        related_name="certification_revocations",
        verbose_name=_("employee"),
        db_index=False,
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="+", verbose_name=_("course"), db_index=False
    )
    revoked_on = models.DateField(_("revoked on"))
    revoked_at = models.DateTimeField(_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    reason = models.TextField(_("revocation reason"))

    class Meta:
        ordering = ["-revoked_on", "-id"]
        verbose_name = _("certification revocation")
        verbose_name_plural = _("certification revocations")
        constraints = [
            # A revocation needs a valid certification that day, and it leaves none: one a day at most.
            models.UniqueConstraint(
                fields=["employee", "course", "revoked_on"], name="certification_revocation_one_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.course_id} {self.revoked_on:%Y-%m-%d}"


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
    TRAINER_AUTHORISED = "trainer.authorised", _("Trainer authorised")


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


class SubmittedForm(models.Model):
    """One row per form submission key, so a double submit never records twice."""

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    redirect_to = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return str(self.key)


class ReadinessMark(models.Model):
    """Outbox: employees whose readiness must be recomputed.

    Written in the same transaction as the change that affects them; drained by
    the roll-up task enqueued on commit and, as a safety net, by Celery beat.
    """

    employee = models.ForeignKey("employees.Employee", on_delete=models.CASCADE, related_name="+")
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")
    # Set when only the employee's certification in this course changed (a result, a void, a
    # revocation): the roll-up then recounts only the stations where the employee's qualification
    # changed. Empty: anything about the employee may have changed (line, station, status, requirements).
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_constraint=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["plant", "created_at"], name="readiness_mark_plant_time")]

    def __str__(self) -> str:
        return f"{self.employee_id} ({self.reason})"


# --- Readiness roll-up tables (written only by assessments/rollup.py) -----------------
#
# The "current" tables (EmployeeReadiness, CourseReadiness, StationCoverage) hold
# each plant's figures for ReadinessState.on_date (the plant's local today, moved
# forward at local midnight). Snapshots keep one row per line / plant and date for
# trends; recomputing a date replaces its row (unique keys + upsert).


class ReadinessState(models.Model):
    """Per plant: which date the current roll-up tables describe and when they were computed.

    Its row is also the lock that serialises roll-ups of one plant (rollup.py).
    """

    plant = models.OneToOneField(
        "employees.Plant", on_delete=models.CASCADE, related_name="readiness_state", verbose_name=_("plant")
    )
    on_date = models.DateField(_("figures for"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    full_computed_at = models.DateTimeField(_("last full recompute"), null=True, blank=True)

    class Meta:
        verbose_name = _("readiness state")
        verbose_name_plural = _("readiness states")

    def __str__(self) -> str:
        return f"{self.plant_id} {self.on_date}"


class EmployeeReadiness(models.Model):
    """One active employee's figures on the plant's current date."""

    employee = models.OneToOneField(
        "employees.Employee", on_delete=models.CASCADE, related_name="readiness", verbose_name=_("employee")
    )
    # No single-column indexes on plant and line: emp_readiness_plant_line and emp_readiness_line cover them,
    # and every index is rewritten for each of a plant's rows on every full roll-up (BENCHMARKS.md §1).
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+", db_index=False)
    line = models.ForeignKey(
        "employees.ProductionLine", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    station = models.ForeignKey("employees.Station", on_delete=models.CASCADE, null=True, related_name="+")
    required_count = models.PositiveIntegerField()
    valid_count = models.PositiveIntegerField()
    qualified = models.BooleanField()
    completion = models.FloatField()
    next_expiry = models.DateField(null=True)
    expiring_30 = models.PositiveIntegerField()
    expiring_60 = models.PositiveIntegerField()
    expiring_90 = models.PositiveIntegerField()
    # When a roll-up last wrote the row: a full roll-up writes only rows whose figures changed (the date is
    # ReadinessState.on_date); an incremental one always writes the rows of the employees it was asked about.
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["plant", "line"], name="emp_readiness_plant_line"),
            models.Index(fields=["line"], name="emp_readiness_line"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.valid_count}/{self.required_count}"

    @property
    def gaps(self) -> int:
        return self.required_count - self.valid_count


class CourseReadiness(models.Model):
    """A required (employee, course) pair's validity on the plant's current date: the gap and expiry lists.

    Only required pairs: station qualification counts cross-trained people straight from
    Certification (rollup.py, StationQualification), so nothing else needs storing here.
    """

    # A full roll-up writes only the rows whose figures changed (rollup._sync), but the first one of a plant
    # inserts ~37,000 rows and a new course for everyone rewrites as many (BENCHMARKS.md §1), so:
    # - no database foreign keys: their deferred checks ran 4 index lookups per row at COMMIT, 40% of the
    #   roll-up's time. The rows are derived: rollup.py inserts them from joins on the referenced rows in the
    #   same transaction, and Django still cascades deletes of an employee, course, plant or line (on_delete).
    # - single-column indexes only where no composite index starts with the column: course_readiness_unique
    #   (employee, ...), course_readiness_plant (plant, ...) and course_readiness_line (line, ...) serve the rest.
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    line = models.ForeignKey(
        "employees.ProductionLine",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # No per-row date: ReadinessState.on_date says which day the current tables describe, so the day
    # change rewrites only the pairs whose validity changed, not every row.
    is_valid = models.BooleanField()
    expires_on = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "course"], name="course_readiness_unique"),
        ]
        indexes = [
            models.Index(fields=["plant", "is_valid"], name="course_readiness_plant_valid"),
            models.Index(fields=["line", "is_valid"], name="course_readiness_line_valid"),
            models.Index(fields=["plant", "expires_on"], name="course_readiness_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.course_id} {'valid' if self.is_valid else 'gap'}"


class StationCoverage(models.Model):
    """A station's qualified count against its effective coverage target on the plant's current date."""

    station = models.OneToOneField(
        "employees.Station", on_delete=models.CASCADE, related_name="coverage", verbose_name=_("station")
    )
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey("employees.ProductionLine", on_delete=models.CASCADE, related_name="+")
    on_date = models.DateField()
    course_count = models.PositiveIntegerField()
    qualified = models.PositiveIntegerField()
    target = models.PositiveIntegerField()
    covered = models.BooleanField()
    single_point = models.BooleanField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["plant", "line"], name="station_coverage_plant_line")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.on_date} {self.qualified}/{self.target}"


class StationQualification(models.Model):
    """An active employee qualified, on the plant's current date, for a station of their line: valid in
    every course the station requires and every plant-wide course (DOMAIN.md, station coverage).

    StationCoverage.qualified counts these rows. The roll-up rewrites an employee's rows whenever it
    recomputes the employee, so a recount of a station after one result reads its rows, not the
    certifications of everybody on the line.
    """

    # Derived rows, written in bulk like CourseReadiness: no database foreign keys (see there); Django still
    # cascades deletes. The unique constraint serves an employee's rows, station_qual_plant_line the rest.
    employee = models.ForeignKey(
        "employees.Employee", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    station = models.ForeignKey(
        "employees.Station", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    line = models.ForeignKey(
        "employees.ProductionLine", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["employee", "station"], name="station_qual_employee_station")]
        # A plant's rows (a full roll-up), a line's rows by station (a recount): one index for both.
        indexes = [models.Index(fields=["plant", "line", "station"], name="station_qual_plant_line")]

    def __str__(self) -> str:
        return f"{self.employee_id} @ {self.station_id}"


class SnapshotFigures(models.Model):
    on_date = models.DateField()
    headcount = models.PositiveIntegerField()
    qualified = models.PositiveIntegerField()
    # qualified / headcount; NULL with no active employees (never 100%, never a division error).
    readiness = models.FloatField(null=True)
    expiring_30 = models.PositiveIntegerField()
    expiring_60 = models.PositiveIntegerField()
    expiring_90 = models.PositiveIntegerField()
    gaps = models.PositiveIntegerField()
    stations = models.PositiveIntegerField()
    stations_covered = models.PositiveIntegerField()
    single_points = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True


class LineSnapshot(SnapshotFigures):
    line = models.ForeignKey("employees.ProductionLine", on_delete=models.CASCADE, related_name="snapshots")
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["line_id", "on_date"]
        constraints = [models.UniqueConstraint(fields=["line", "on_date"], name="line_snapshot_unique")]
        indexes = [models.Index(fields=["plant", "on_date"], name="line_snapshot_plant_date")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.on_date} {self.qualified}/{self.headcount}"


class PlantSnapshot(SnapshotFigures):
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="snapshots")

    class Meta:
        ordering = ["plant_id", "on_date"]
        constraints = [models.UniqueConstraint(fields=["plant", "on_date"], name="plant_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.plant_id} {self.on_date} {self.qualified}/{self.headcount}"


class ApiToken(models.Model):
    """A bearer token for the read-only API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user__username", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}… {self.name}"
