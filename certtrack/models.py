"""Shared models: spreadsheet jobs (an uploaded import between preview and confirm, a large export)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certtrack.translatable import from_data


def _job_file_path(instance: SpreadsheetJob, filename: str) -> str:
    # Never the uploader's file name: a random name under MEDIA_ROOT, which no URL serves.
    return f"spreadsheets/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}.xlsx"


class JobKind(models.TextChoices):
    EXPORT_ROSTER = "export_roster", _("Roster export")
    IMPORT_ORGANISATION = "organisation", _("Organisation import")
    IMPORT_CATALOG = "catalog", _("Catalog import")
    IMPORT_EMPLOYEES = "employees", _("Employees import")
    IMPORT_RESULTS = "results", _("Results import")


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
    EXPORT_KEEP_HOURS by certtrack.tasks.spreadsheet_jobs_purge.
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


class ClaimState(models.TextChoices):
    UNSENT = "unsent", _("Not sent yet")
    SENT = "sent", _("Sent again")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    GIVEN_UP = "given_up", _("Given up")


class TaskClaim(models.Model):
    """A piece of work that the broker alone could lose; certtrack.claims sweeps these rows every minute.

    One row per piece of work, found by origin_id (the id of its first message): the sweep's resends
    and Celery's retries carry it in a header, and a killed message that Redis hands back after its
    visibility timeout has it as its own id. task_id is the message that runs the work now (or is
    awaited to).
    - running: a worker runs it and refreshes heartbeat_at. A worker killed outright (OOM kill,
      host reboot) leaves its message unacknowledged in Redis for the whole visibility timeout;
      its row stops beating instead, and the sweep sends the work again within minutes.
    - sent: the sweep sent it again (or Celery retries it); the first message of the work to start
      takes the row over. It carries the count of resumes, so a task that kills its worker every
      time is given up.
    - unsent: a web process could not reach the broker; the sweep sends it.
    - done, given_up: kept for a day (certtrack.claims.KEEP_SETTLED) when the work was resumed, so
      that its killed messages, which come back after the visibility timeout, return without running.
    The row of work that was never resumed is deleted when the task ends, whatever the outcome.
    """

    origin_id = models.CharField(_("first message"), max_length=64, unique=True)
    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=200, blank=True)  # empty: the task's default route
    state = models.CharField(_("state"), max_length=8, choices=ClaimState.choices)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    claimed_at = models.DateTimeField(_("claimed"))
    heartbeat_at = models.DateTimeField(_("last heartbeat"), db_index=True)
    resumes = models.PositiveSmallIntegerField(_("resumes"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("task claim")
        verbose_name_plural = _("task claims")

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)} ({self.state})"
