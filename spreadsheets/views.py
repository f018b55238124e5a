"""HR's Excel pages under /hr/: roster exports, imports (upload → preview → confirm), job pages.

Thin views: the plant comes from the scoping layer (other plants 404), the
importer says who may use it, the services in spreadsheets/services.py do the work.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certtrack.replicas import read_replica
from certtrack.xlsx import table_workbook_write
from employees.access import Capability, capability_required, client_ip, plant_get_for_user, plants_for_user
from employees.selectors import lines_for_user
from spreadsheets import engine, services
from spreadsheets.engine import PREVIEW_LIST_LIMIT, Importer, Preview
from spreadsheets.engine.tables import error_table, template_write
from spreadsheets.forms import ImportUploadForm
from spreadsheets.models import JobStatus
from spreadsheets.selectors import spreadsheet_job_get_for_user, spreadsheet_jobs_for_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_KINDS = ("employees", "results", "organisation", "catalog")


def _importer_or_404(kind: str, request: HttpRequest) -> type[Importer]:
    if kind not in IMPORT_KINDS:
        raise Http404
    importer = engine.importer_for(kind)
    if not importer.allowed(user=request.user):
        raise Http404
    return importer


# --- Exports ------------------------------------------------------------------------------------


@read_replica
@capability_required(Capability.HR_EXCEL)
@require_GET
def exports(request: HttpRequest) -> HttpResponse:
    plants = plants_for_user(user=request.user, capability=Capability.HR_EXCEL).prefetch_related("lines")
    recent = spreadsheet_jobs_for_user(user=request.user).filter(requester=request.user, kind="export_roster")[:10]
    return render(request, "spreadsheets/exports.html", {"plants": plants, "recent": recent})


@read_replica
@login_required
@require_GET
def export_roster(request: HttpRequest) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=request.GET.get("plant", ""), capability=Capability.HR_EXCEL)
    line = None
    if request.GET.get("line"):
        line = get_object_or_404(
            lines_for_user(user=request.user, capability=Capability.HR_EXCEL).filter(plant=plant),
            code=request.GET["line"],
        )
    if services.roster_export_is_large(plant=plant, line=line):
        job = services.export_job_create(plant=plant, line=line, requester=request.user)
        services.job_enqueue("certtrack.tasks.spreadsheet_export_run", job, client_ip(request))
        return redirect("hr:job", pk=job.pk)
    # Spooled to disk past 10 MB: a big workbook never sits whole in the web process's memory.
    handle = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024, suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    services.roster_export_write(
        plant=plant, line=line, requester=request.user, target=handle, ip_address=client_ip(request)
    )
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=services.export_filename(plant=plant, line=line), content_type=XLSX
    )


# --- Imports ------------------------------------------------------------------------------------


@login_required
@require_GET
def imports(request: HttpRequest) -> HttpResponse:
    importers = [engine.importer_for(kind) for kind in IMPORT_KINDS]
    allowed = [i for i in importers if i.allowed(user=request.user)]
    if not allowed:
        raise PermissionDenied
    recent = spreadsheet_jobs_for_user(user=request.user).filter(requester=request.user).exclude(kind="export_roster")
    return render(request, "spreadsheets/imports.html", {"importers": allowed, "recent": recent[:10]})


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The template, its example row fitted to a plant of the user: ?plant=<code>, else their first."""
    importer = _importer_or_404(kind, request)
    plants = importer.plants(user=request.user).order_by("code")
    plant = get_object_or_404(plants, code=request.GET["plant"]) if request.GET.get("plant") else plants.first()
    handle = tempfile.SpooledTemporaryFile(max_size=1024 * 1024, suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    template_write(importer, handle, user=request.user, plant=plant)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"certtrack-{kind}-template.xlsx", content_type=XLSX)


@login_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    importer = _importer_or_404(kind, request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, importer=importer, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = services.import_job_create(
            kind=kind, plant=form.cleaned_data.get("plant"), requester=request.user, upload=form.cleaned_data["file"]
        )
        rejected = services.import_job_inspect(job=job)
        if rejected is None:
            if job.counts["rows_estimate"] > settings.IMPORT_ASYNC_THRESHOLD:
                services.job_enqueue("certtrack.tasks.spreadsheet_import_preview", job)
            else:
                services.import_job_preview(job=job)
            return redirect("hr:job", pk=job.pk)
        form.add_error("file", rejected)
    return render(request, "spreadsheets/import_upload.html", {"form": form, "importer": importer})


# --- Jobs ------------------------------------------------------------------------------------------


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = spreadsheet_job_get_for_user(user=request.user, pk=pk)
    preview = Preview.from_dict(job.preview) if job.preview else None
    return render(
        request,
        "spreadsheets/job.html",
        {
            "job": job,
            "preview": preview,
            "counts": preview.counts() if preview else {},
            "can_confirm": job.status == JobStatus.PREVIEWED
            and preview is not None
            and preview.ok
            and job.requester_id == request.user.pk,
            "refresh": not job.is_finished,
            "errors_shown": PREVIEW_LIST_LIMIT,
            "errors_slice": f":{PREVIEW_LIST_LIMIT}",
        },
    )


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = spreadsheet_job_get_for_user(user=request.user, pk=pk)
    if job.requester_id != request.user.pk or job.is_export:
        raise Http404
    if not services.import_job_claim_commit(job=job):
        messages.warning(request, _("This import cannot be confirmed (already imported, or it has errors)."))
        return redirect("hr:job", pk=job.pk)
    if job.counts.get("rows_estimate", 0) > settings.IMPORT_ASYNC_THRESHOLD:
        services.job_enqueue("certtrack.tasks.spreadsheet_import_commit", job, client_ip(request))
        return redirect("hr:job", pk=job.pk)
    job = services.import_job_commit(job=job, ip_address=client_ip(request))
    if job.status == JobStatus.COMMITTED:
        messages.success(request, _("Imported. Every row was written in one transaction."))
    else:
        messages.error(request, _("Nothing was imported: the rows no longer pass the checks (see below)."))
    return redirect("hr:job", pk=job.pk)


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = spreadsheet_job_get_for_user(user=request.user, pk=pk)
    if not job.is_export or job.status != JobStatus.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=services.export_filename(plant=job.plant, line=job.line),
        content_type=XLSX,
    )


@login_required
@require_GET
def job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The errors of an import's preview as a workbook, in the reader's language and reading order."""
    job = spreadsheet_job_get_for_user(user=request.user, pk=pk)
    preview = Preview.from_dict(job.preview) if job.preview and not job.is_export else None
    if preview is None or not preview.errors:
        raise Http404
    handle = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024, suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    table_workbook_write(target=handle, tables=[error_table(preview.errors)])
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"certtrack-import-{job.pk}-errors.xlsx", content_type=XLSX
    )
