"""Certifications: each person's derived state in a course, and the revocations a past date reads.

The Certification row answers for today and is rewritten from the assessments by the services; the
revocation history is kept beside it because a date in the past needs every revocation, not the latest.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments import validity


class CertificationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    IN_PROGRESS = "in_progress", _("In progress")
    MISSING = "missing", _("Missing")
    # Valid only on a virtual-model pass whose confirmation window has closed (DOMAIN.md).
    PROVISIONAL_LAPSED = "provisional_lapsed", _("Provisional pass lapsed")


class Certification(models.Model):
    """The current state of employee E in course C, derived from assessments by
    assessments.services.certifications.certifications_refresh (never edited by hand).

    Dates reflect every recorded result (results are never dated in the future);
    validity on a date D comes from is_valid_on(D).

    Two states are kept (DOMAIN.md "Pre-SOP provisional passes"): certified_on / expires_on / level /
    provisional count every pass, the confirmed_* fields no provisional (virtual-model) practical pass.
    On D the first applies while the holder's confirmation window is open (validity.provisional_counts_on
    with their line's confirmation_closes_on()), the confirmed one from the day it closes; "confirmed"
    figures always read the confirmed one. Without any provisional pass the two are the same.
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
    level = models.CharField(_("level"), max_length=1, null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False, db_default=False)
    confirmed_certified_on = models.DateField(_("certified on (confirmed)"), null=True, blank=True)
    confirmed_expires_on = models.DateField(_("expires on (confirmed)"), null=True, blank=True)
    confirmed_level = models.CharField(_("level (confirmed)"), max_length=1, null=True, blank=True)
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

    def held_on(
        self, on_date: datetime.date, *, closes_on: datetime.date | None = None, confirmed: bool = False
    ) -> validity.Held:
        """The state that applies on D (see the class docstring); `closes_on`: the holder's line's
        confirmation_closes_on() (None: provisional passes count)."""
        return validity.held_on(
            on_date=on_date,
            closes_on=closes_on,
            counting=self.counting_state,
            confirmed=self.confirmed_state,
            confirmed_only=confirmed,
        )

    @property
    def counting_state(self) -> validity.Held:
        return validity.Held(self.certified_on, self.expires_on, self.level, self.provisional)

    @property
    def confirmed_state(self) -> validity.Held:
        return validity.Held(self.confirmed_certified_on, self.confirmed_expires_on, self.confirmed_level, False)

    def is_valid_on(self, on_date: datetime.date, *, closes_on: datetime.date | None = None) -> bool:
        held = self.held_on(on_date, closes_on=closes_on)
        return validity.is_valid_on(certified_on=held.certified_on, expires_on=held.expires_on, on_date=on_date)

    def meets(
        self,
        on_date: datetime.date,
        min_level: str | None,
        *,
        closes_on: datetime.date | None = None,
        confirmed: bool = False,
    ) -> bool:
        """Met on D (DOMAIN.md): valid, at the requirement's minimum level or above."""
        return self.held_on(on_date, closes_on=closes_on, confirmed=confirmed).meets(on_date, min_level)

    def status_on(
        self, on_date: datetime.date, *, expiring_days: int = 30, closes_on: datetime.date | None = None
    ) -> str:
        """The state on D, for D on or after the latest result (see selectors.certifications.certifications_as_of)."""
        held = self.held_on(on_date, closes_on=closes_on)
        lapsed = validity.provisional_lapsed_on(
            on_date=on_date, closes_on=closes_on, counting=self.counting_state, confirmed=self.confirmed_state
        )
        return CertificationStatus(
            validity.status_on(
                certified_on=held.certified_on,
                expires_on=held.expires_on,
                revoked_on=self.revoked_on,
                attempts=self.attempts,
                on_date=on_date,
                expiring_days=expiring_days,
                provisional_lapsed=lapsed,
            )
        )


class CertificationRevocation(models.Model):
    """One revocation of employee E's certification in course C, kept for good: the history a date reads.

    Certification.revoked_* hold the latest one (today's state, which certifications_refresh applies);
    a date D applies the latest revocation dated on or before D (selectors.certifications.revocations_as_of
    and the roll-up's SQL twin), since it cancels every pass an earlier one cancelled. Written by
    services.certifications.certification_revoke only; append-only (DB triggers on PostgreSQL, migration 0013).
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
