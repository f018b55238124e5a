"""Readiness: the outbox of employees to recompute, and the roll-up tables the dashboards read.

The outbox is written in the transaction of every change that affects readiness; the current tables
and snapshots are written only by the roll-up (assessments/readiness/), so that dashboards read
figures instead of recomputing them per cell.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


# --- Readiness roll-up tables (written only by the roll-up, assessments/readiness/) ---
#
# The "current" tables (EmployeeReadiness, CourseReadiness, StationCoverage) hold
# each plant's figures for ReadinessState.on_date (the plant's local today, moved
# forward at local midnight). Snapshots keep one row per line / plant and date for
# trends; recomputing a date replaces its row (unique keys + upsert).


class ReadinessState(models.Model):
    """Per plant: which date the current roll-up tables describe and when they were computed.

    Its row is also the lock that serialises roll-ups of one plant (readiness/recompute.py).
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
    # Required courses met on the current date (valid, at the minimum level: DOMAIN.md), counting provisional
    # passes where they count, and counting none (the `qualified_confirmed` figures).
    met_count = models.PositiveIntegerField()
    met_confirmed_count = models.PositiveIntegerField(default=0)
    qualified = models.BooleanField()
    qualified_confirmed = models.BooleanField(default=False)
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
        return f"{self.employee_id} {self.met_count}/{self.required_count}"

    @property
    def gaps(self) -> int:
        return self.required_count - self.met_count


class CourseReadiness(models.Model):
    """A required (employee, course) pair on the plant's current date, met or a gap: the gap and expiry lists.

    Only required pairs: station qualification counts cross-trained people straight from
    Certification (readiness/sql.py, StationQualification), so nothing else needs storing here.
    """

    # A full roll-up writes only the rows whose figures changed (readiness.store.table_sync), but the
    # first one of a plant inserts ~37,000 rows and a new course for everyone rewrites as many (BENCHMARKS.md §1), so:
    # - no database foreign keys: their deferred checks ran 4 index lookups per row at COMMIT, 40% of the
    #   roll-up's time. The rows are derived: readiness/store.py inserts them from joins on the referenced rows in the
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
    # Met: valid on the date and the level held at least the requirement's minimum (the highest of the
    # scopes requiring it); is_met_confirmed counts no provisional pass. level: the level held (None: not
    # valid); provisional: valid on a virtual-model pass that still counts.
    is_met = models.BooleanField()
    is_met_confirmed = models.BooleanField(default=False)
    level = models.CharField(max_length=1, null=True)
    provisional = models.BooleanField(default=False)
    expires_on = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "course"], name="course_readiness_unique"),
        ]
        indexes = [
            models.Index(fields=["plant", "is_met"], name="course_readiness_plant_met"),
            models.Index(fields=["line", "is_met"], name="course_readiness_line_met"),
            models.Index(fields=["plant", "expires_on"], name="course_readiness_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.course_id} {'met' if self.is_met else 'gap'}"


class StationCoverage(models.Model):
    """A station's coverage on the plant's current date (DOMAIN.md "Station coverage"): qualified over the
    shifts its line runs against per-shift target x shifts, day staff apart, trainers, and covered (every run
    shift at its target and enough trainers). Its (station, shift) cells are StationShiftCoverage rows."""

    station = models.OneToOneField(
        "employees.Station", on_delete=models.CASCADE, related_name="coverage", verbose_name=_("station")
    )
    plant = models.ForeignKey("employees.Plant", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey("employees.ProductionLine", on_delete=models.CASCADE, related_name="+")
    on_date = models.DateField()
    course_count = models.PositiveIntegerField()
    qualified = models.PositiveIntegerField()
    target = models.PositiveIntegerField()
    day_staff_qualified = models.PositiveIntegerField(default=0)
    trainers = models.PositiveIntegerField(default=0)
    trainers_needed = models.PositiveIntegerField(default=0)
    covered = models.BooleanField()
    # Some shift has exactly one qualified person; single_points: how many (station, shift) cells do.
    single_point = models.BooleanField()
    single_points = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["plant", "line"], name="station_coverage_plant_line")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.on_date} {self.qualified}/{self.target}"


class StationShiftCoverage(models.Model):
    """One (station, shift the line runs) cell on the plant's current date: station-qualified people on that
    shift against the per-shift target; exactly one is a single point of failure."""

    station = models.ForeignKey(
        "employees.Station", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    line = models.ForeignKey(
        "employees.ProductionLine", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    shift = models.CharField(max_length=8)
    position = models.PositiveSmallIntegerField()  # the shift's place in the plant's order, 1 first
    qualified = models.PositiveIntegerField()
    target = models.PositiveIntegerField()
    single_point = models.BooleanField()

    class Meta:
        ordering = ["station_id", "position"]
        constraints = [models.UniqueConstraint(fields=["station", "shift"], name="station_shift_unique")]
        indexes = [models.Index(fields=["plant", "line"], name="station_shift_plant_line")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.shift} {self.qualified}/{self.target}"


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
    # The employee's shift ("" = day staff; counted for the shift only when the line runs it) and whether they
    # hold every course the station requires at level O (a trainer of the station).
    shift = models.CharField(max_length=8, blank=True, default="")
    is_trainer = models.BooleanField(default=False)

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
    qualified_confirmed = models.PositiveIntegerField(default=0)  # counting no provisional pass
    # qualified / headcount; NULL with no active employees (never 100%, never a division error).
    readiness = models.FloatField(null=True)
    readiness_confirmed = models.FloatField(null=True)
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
