"""Celery tasks of spreadsheet jobs: thin, take IDs, call spreadsheets.services.

Their names are still certtrack.tasks.*, as before the app moved: queued messages, task claims and the
beat schedule refer to them by name.
"""

from __future__ import annotations

import logging

from celery import shared_task

from certtrack.translatable import gettext as _  # failure messages are stored as codes: shown in the reader's language
from spreadsheets import services
from spreadsheets.models import SpreadsheetJob

logger = logging.getLogger(__name__)


def _job(job_id: int) -> SpreadsheetJob | None:
    job = SpreadsheetJob.objects.select_related("requester", "plant", "line").filter(pk=job_id).first()
    if job is None:
        logger.info("spreadsheet job %s is gone (purged?); nothing to do", job_id)
    return job


@shared_task(name="certtrack.tasks.spreadsheet_import_preview", ignore_result=True)
def spreadsheet_import_preview(job_id: int) -> None:
    job = _job(job_id)
    if job is None:
        return
    try:
        services.import_job_preview(job=job)
    except Exception:
        logger.exception("import preview of job %s failed", job_id)
        services.job_fail(job_id=job_id, message=_("The file could not be checked. Nothing was imported."))


@shared_task(name="certtrack.tasks.spreadsheet_import_commit", ignore_result=True)
def spreadsheet_import_commit(job_id: int, ip_address: str | None = None) -> None:
    job = _job(job_id)
    if job is None:
        return
    try:
        services.import_job_commit(job=job, ip_address=ip_address)
    except Exception:
        logger.exception("import of job %s failed", job_id)
        services.job_fail(job_id=job_id, message=_("The import failed. Nothing was imported."))


@shared_task(name="certtrack.tasks.spreadsheet_export_run", ignore_result=True)
def spreadsheet_export_run(job_id: int, ip_address: str | None = None) -> None:
    job = _job(job_id)
    if job is None:
        return
    try:
        services.export_job_run(job=job, ip_address=ip_address)
    except Exception:
        logger.exception("export job %s failed", job_id)
        services.job_fail(job_id=job_id, message=_("The export failed. Try again."))


@shared_task(name="certtrack.tasks.spreadsheet_jobs_purge", ignore_result=True)
def spreadsheet_jobs_purge() -> int:
    return services.spreadsheet_jobs_purge()
