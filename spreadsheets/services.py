"""Spreadsheet jobs: an uploaded import between preview and confirm, and background exports.

A small file is previewed, imported or exported inline; above
IMPORT_ASYNC_THRESHOLD rows / EXPORT_ASYNC_THRESHOLD employees the same service
runs in a Celery task (spreadsheets/tasks.py) and the job page shows its progress.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone, translation

from assessments.models import AuditAction
from assessments.services.audit import audit_event_create
from certtrack.models import JobKind
from certtrack.queue import enqueue_on_commit
from certtrack.translatable import Translatable, as_data
from certtrack.translatable import gettext as _
from employees.models import Employee, Plant, ProductionLine
from spreadsheets import engine
from spreadsheets.exports.roster import roster_workbook_write
from spreadsheets.models import JobStatus, SpreadsheetJob

logger = logging.getLogger(__name__)


def _keep_until() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)


def _progress_saver(job_id: int, total: int) -> Callable[..., None]:
    def save(done: int, _total: int | None = None) -> None:
        whole = _total or total
        percent = min(99, int(done * 100 / whole)) if whole else 0
        SpreadsheetJob.objects.filter(pk=job_id).update(progress=percent)

    return save


# --- Imports -------------------------------------------------------------------------------


def import_job_create(
    *, kind: str, plant: Plant | None, requester: AbstractBaseUser, upload: UploadedFile
) -> SpreadsheetJob:
    """Keep the uploaded file in the files storage (random name) until the import is confirmed or expires."""
    job = SpreadsheetJob(
        kind=kind,
        plant=plant,
        requester=requester,
        original_name=(upload.name or "")[:255],
        created_at=timezone.now(),
        expires_at=_keep_until(),
    )
    job.file.save("upload.xlsx", File(upload), save=False)
    job.save()
    return job


@contextlib.contextmanager
def job_file_local(*, job: SpreadsheetJob) -> Iterator[Path]:
    """The job's file as a local path for the workbook reader: the file itself on a file system storage (a
    volume every web server and worker mounts), else a temporary copy fetched from the store (S3), deleted
    on leaving."""
    storage, name = job.file.storage, job.file.name
    try:
        path = Path(storage.path(name))
    except NotImplementedError:  # no local path: an object store
        path = None
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as copy:
        with storage.open(name, "rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def import_job_inspect(*, job: SpreadsheetJob) -> str | None:
    """Check an uploaded file before anything reads its rows (engine.inspect_upload: the zip-bomb guard,
    the format) and store its row estimate; a rejected file and its job are deleted and the reason returned."""
    with job_file_local(job=job) as path:
        try:
            engine.inspect_upload(path, filename=job.original_name)
        except engine.SpreadsheetRejected as rejected:
            reason = rejected.message
        else:
            reason = None
            job.counts = {"rows_estimate": import_rows_estimate(path=path)}
    if reason is not None:
        job.file.delete(save=False)
        job.delete()
        return reason
    job.save(update_fields=["counts"])
    return None


def import_rows_estimate(*, path: Path) -> int:
    """Rows the sheets declare (their dimension tag): enough to choose inline or background."""
    try:
        with engine.open_workbook(path) as book:
            return sum(sheet.max_row or 0 for sheet in book.worksheets)
    except engine.SpreadsheetRejected:
        return 0


def import_job_preview(*, job: SpreadsheetJob) -> SpreadsheetJob:
    SpreadsheetJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0)
    with job_file_local(job=job) as path:
        preview = engine.import_run(
            kind=job.kind,
            path=path,
            user=job.requester,
            plant=job.plant,
            filename=job.original_name,
            progress=_progress_saver(job.pk, job.counts.get("rows_estimate", 0)),
        )
    return _job_finish(job, preview, status=JobStatus.PREVIEWED)


def import_job_claim_commit(*, job: SpreadsheetJob) -> bool:
    """Move a clean preview to "importing", once: a double click or a second tab cannot import twice."""
    return bool(
        SpreadsheetJob.objects.filter(pk=job.pk, status=JobStatus.PREVIEWED, counts__errors=0).update(
            status=JobStatus.COMMITTING, progress=0
        )
    )


def import_job_commit(*, job: SpreadsheetJob, ip_address: str | None = None) -> SpreadsheetJob:
    """Import a claimed job, all or nothing; the rows are validated again against today's database."""
    with job_file_local(job=job) as path:
        preview = engine.import_run(
            kind=job.kind,
            path=path,
            user=job.requester,
            plant=job.plant,
            commit=True,
            filename=job.original_name,
            ip_address=ip_address,
        )
    return _job_finish(job, preview, status=JobStatus.COMMITTED if preview.committed else JobStatus.PREVIEWED)


def _job_finish(job: SpreadsheetJob, preview: engine.Preview, *, status: str) -> SpreadsheetJob:
    job.preview = preview.to_dict()
    job.counts = {**job.counts, **preview.counts()}
    job.status = status
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["preview", "counts", "status", "progress", "finished_at"])
    return job


def job_fail(*, job_id: int, message: str) -> None:
    """Mark the job failed; a Translatable message is kept as its code too (shown in the reader's language)."""
    SpreadsheetJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED,
        message=str(message)[:2000],
        message_data=as_data(message) if isinstance(message, Translatable) else {},
        finished_at=timezone.now(),
    )


# --- Exports -------------------------------------------------------------------------------


def roster_export_write(
    *,
    plant: Plant,
    line: ProductionLine | None,
    requester: AbstractBaseUser | None,
    target: object,
    progress: Callable[[int, int], None] | None = None,
    ip_address: str | None = None,
) -> int:
    """Write the roster workbook and leave an audit event (who exported which plant's people, from where)."""
    count = roster_workbook_write(plant=plant, line=line, target=target, progress=progress)
    audit_event_create(
        actor=requester,
        action=AuditAction.EXPORT_CREATED,
        params={"plant": plant.code, "line": line.code if line else None, "count": count},
        plant_id=plant.pk,
        changes={"kind": "roster", "line": line.code if line else None, "employees": count},
        ip_address=ip_address,
    )
    return count


def roster_export_is_large(*, plant: Plant, line: ProductionLine | None) -> bool:
    employees = Employee.objects.filter(plant=plant)
    if line is not None:
        employees = employees.filter(line=line)
    return employees.count() > settings.EXPORT_ASYNC_THRESHOLD


def export_job_create(*, plant: Plant, line: ProductionLine | None, requester: AbstractBaseUser) -> SpreadsheetJob:
    return SpreadsheetJob.objects.create(
        kind=JobKind.EXPORT_ROSTER,
        plant=plant,
        line=line,
        requester=requester,
        language=translation.get_language() or "",  # the workbook is written in the requester's language
        created_at=timezone.now(),
        expires_at=_keep_until(),
    )


def export_job_run(*, job: SpreadsheetJob, ip_address: str | None = None) -> SpreadsheetJob:
    claimed = SpreadsheetJob.objects.filter(pk=job.pk, status=JobStatus.PENDING).update(status=JobStatus.RUNNING)
    if not claimed:
        return job  # another worker has it (acks_late redelivery)
    with (
        tempfile.TemporaryFile(suffix=".xlsx") as handle,
        translation.override(job.language or settings.LANGUAGE_CODE),
    ):
        count = roster_export_write(
            plant=job.plant,
            line=job.line,
            requester=job.requester,
            target=handle,
            progress=_progress_saver(job.pk, 0),
            ip_address=ip_address,
        )
        handle.seek(0)
        job.file.save("export.xlsx", File(handle), save=False)
    job.status = JobStatus.DONE
    job.progress = 100
    job.counts = {"employees": count}
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "progress", "counts", "finished_at"])
    return job


def export_filename(*, plant: Plant, line: ProductionLine | None) -> str:
    return f"roster-{plant.code}{'-' + line.code if line else ''}-{plant.local_today().isoformat()}.xlsx"


# --- Enqueueing and purging ---------------------------------------------------------------------


def job_enqueue(task_name: str, job: SpreadsheetJob, *args: object) -> None:
    """Send the job's task after commit. During a broker outage the send is kept (durable) and the
    every-minute claims sweep makes it: the job waits ("Waiting", "Importing") and runs later; only
    if even that could not be stored does it fail, with a message, never the request."""
    enqueue_on_commit(
        task_name,
        job.pk,
        *args,
        durable=True,
        on_failure=lambda: job_fail(
            job_id=job.pk, message=_("The background worker could not be reached. Try again later.")
        ),
    )


def spreadsheet_jobs_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete expired jobs and their files (exports after EXPORT_KEEP_HOURS, unconfirmed uploads too)."""
    now = now or timezone.now()
    expired = list(SpreadsheetJob.objects.filter(expires_at__lte=now))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return len(expired)
