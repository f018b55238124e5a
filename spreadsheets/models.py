"""Spreadsheet jobs: an uploaded import between preview and confirm, a large export."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certtrack.models import JobKind
from certtrack.translatable import from_data


def _job_file_path(instance: SpreadsheetJob, filename: str) -> str:
    # Never the uploader's file name: a random name under MEDIA_ROOT, which no URL serves.
    return f"spreadsheets/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}.xlsx"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    PREVIEWED = "previewed", _("Previewed")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class SpreadsheetJob(models.Model):
    """One import (upload → preview → confirm) or one background export.

    The file lives under MEDIA_ROOT and is only ever handed out by a view that
    checks the requester (or a company-wide admin); jobs are purged after
    EXPORT_KEEP_HOURS by spreadsheets.tasks.spreadsheet_jobs_purge.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=JobKind.choices)
    plant = models.ForeignKey(
        "employees.Plant", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("plant")
    )
    line = models.ForeignKey(
        "employees.ProductionLine",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("line"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spreadsheet_jobs", verbose_name=_("requester")
    )
    file = models.FileField(_("file"), upload_to=_job_file_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    # A failed job's message as first rendered (jobs kept before codes were stored show it as it is), and as
    # its code and parameters (certtrack.translatable), shown in the language of whoever opens the job.
    message = models.TextField(_("message"), blank=True)
    message_data = models.JSONField(_("message code"), default=dict, blank=True)
    # The requester's language: a background export writes the workbook in it (headers, titles, names).
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        db_table = "certtrack_spreadsheetjob"  # moved from certtrack with its table
        ordering = ["-created_at", "-id"]
        verbose_name = _("spreadsheet job")
        verbose_name_plural = _("spreadsheet jobs")
        indexes = [models.Index(fields=["requester", "created_at"], name="spreadsheet_job_requester")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_export(self) -> bool:
        return self.kind == JobKind.EXPORT_ROSTER

    @property
    def message_text(self) -> str:
        """The failure message in the language active now."""
        return from_data(self.message_data) if self.message_data else self.message

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.PREVIEWED, JobStatus.COMMITTED, JobStatus.DONE, JobStatus.FAILED)
