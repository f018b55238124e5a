"""Export and import files in an S3-compatible store (FILES_STORAGE=s3): a real S3 HTTP server on loopback.

moto's server (requirements-dev.txt) answers the S3 API over HTTP as a store would; django-storages and boto3
talk to it exactly as to MinIO or AWS. The whole round trip of a job goes through it: an upload previewed and
imported, a background export written and downloaded, both purged; nothing lands under MEDIA_ROOT.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from employees.models import Employee
from spreadsheets.models import SpreadsheetJob
from spreadsheets.tasks import spreadsheet_jobs_purge
from tests import factories
from tests.processes import Started, free_port, wait_for
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, make_xlsx

BUCKET = "certtrack-test"
KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}


def _moto_server() -> str | None:
    found = Path(sys.executable).parent / "moto_server"
    return str(found) if found.exists() else shutil.which("moto_server")


@pytest.fixture
def s3_store(settings, tmp_path):
    """A moto S3 server on a free loopback port, a bucket in it, and STORAGES pointed at it."""
    import boto3

    server_bin = _moto_server()
    port = free_port()
    server = Started("moto", [server_bin, "-H", "127.0.0.1", "-p", str(port)], env={}, log=tmp_path / "moto.log")
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("s3", endpoint_url=endpoint, **KEYS)

        def answers() -> bool:
            try:
                client.list_buckets()
            except Exception:  # noqa: BLE001 - not up yet
                return False
            return True

        assert wait_for(answers, seconds=30, step=0.3), server.output()
        client.create_bucket(Bucket=BUCKET)
        settings.FILES_STORAGE = "s3"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "region_name": KEYS["region_name"],
                    "access_key": KEYS["aws_access_key_id"],
                    "secret_key": KEYS["aws_secret_access_key"],
                    "location": "certtrack",
                    "default_acl": None,
                    "file_overwrite": False,
                },
            },
        }
        yield client
    finally:
        server.stop()


def _keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.s3
@pytest.mark.django_db
def test_jobs_keep_their_files_in_the_s3_store(
    client, hr, org, s3_store, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    factories.EmployeeFactory(employee_no="SY1", name="Ann", plant=org["SY"], line=org["L1"], role=org["OP"])
    client.force_login(hr)

    # An import: uploaded, checked and previewed from a copy of the stored object, then imported.
    settings.IMPORT_ASYNC_THRESHOLD = 0  # previewed and committed by the tasks, as a worker would
    sheet = make_xlsx(
        tmp_path / "staff.xlsx",
        {"Employees": [EMPLOYEE_HEADERS, ["SY2", "Bo", "SY", "L1", "S1", "OP", "A", dt.date(2024, 3, 1), ""]]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("hr:import-upload", args=["employees"]),
            {"plant": "SY", "file": SimpleUploadedFile("staff.xlsx", sheet.read_bytes())},
        )
    upload = SpreadsheetJob.objects.get()
    assert (upload.status, upload.counts["created"]) == ("previewed", 1)
    assert _keys(s3_store) == [f"certtrack/{upload.file.name}"]
    assert s3_store.get_object(Bucket=BUCKET, Key=f"certtrack/{upload.file.name}")["Body"].read() == sheet.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hr:job-confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == "committed" and Employee.objects.filter(employee_no="SY2").exists()

    # A background export: written to the store by the task, streamed back by the download view.
    settings.EXPORT_ASYNC_THRESHOLD = 0
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("hr:roster-export"), {"plant": "SY"})
    export = SpreadsheetJob.objects.exclude(pk=upload.pk).get()
    assert (export.status, export.counts) == ("done", {"employees": 2})
    assert f"certtrack/{export.file.name}" in _keys(s3_store)
    download = client.get(reverse("hr:job-download", args=[export.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(row[0].value for row in book["Roster"].iter_rows(min_row=2)) == ["SY1", "SY2"]

    assert _media_files(settings) == []  # nothing on the local disk
    SpreadsheetJob.objects.update(expires_at=timezone.now())
    assert spreadsheet_jobs_purge() == 2
    assert _keys(s3_store) == []


def test_s3_without_a_bucket_is_refused(settings) -> None:
    from certtrack.checks import files_storage_check

    settings.FILES_STORAGE = "s3"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "x", "OPTIONS": {"bucket_name": ""}}}
    assert [error.id for error in files_storage_check(None)] == ["certtrack.E020"]
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "x", "OPTIONS": {"bucket_name": "b"}}}
    assert files_storage_check(None) == []
