"""Shared models: the task claims of certtrack.claims, and the kinds of spreadsheet jobs.

JobKind stays here, below every app: an audit message names an import's kind (assessments) and the
job model (spreadsheets) uses it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def _job_file_path(instance: Any, filename: str) -> str:
    """The upload_to of certtrack's migration 0001 (the job model now lives in spreadsheets.models): kept for it."""
    return f"spreadsheets/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}.xlsx"


class JobKind(models.TextChoices):
    EXPORT_ROSTER = "export_roster", _("Roster export")
    IMPORT_ORGANISATION = "organisation", _("Organisation import")
    IMPORT_CATALOG = "catalog", _("Catalog import")
    IMPORT_EMPLOYEES = "employees", _("Employees import")
    IMPORT_RESULTS = "results", _("Results import")


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
