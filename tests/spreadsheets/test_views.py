"""HR's Excel pages per persona: who may export and import what, at which plant (others get 404)."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from employees.models import Employee
from spreadsheets.models import SpreadsheetJob
from tests import factories
from tests.languages import switch_language
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db

HIRE = dt.date(2024, 3, 1)


def _client(client, user):
    client.force_login(user)
    return client


def _upload(tmp_path, rows, name="staff.xlsx") -> SimpleUploadedFile:
    path = make_xlsx(tmp_path / name, {"Employees": [EMPLOYEE_HEADERS, *rows]})
    return SimpleUploadedFile(name, path.read_bytes())


@pytest.fixture
def staff(org):
    factories.EmployeeFactory(employee_no="SY1", name="Ann", plant=org["SY"], line=org["L1"], role=org["OP"])
    factories.EmployeeFactory(employee_no="DE1", name="Eva", plant=org["DE"], line=org["D1"], role=org["OP"])
    return org


# --- Exports --------------------------------------------------------------------------------------


def test_hr_downloads_the_roster_of_their_plant(client, hr, staff) -> None:
    response = _client(client, hr).get(reverse("hr:roster-export"), {"plant": "SY", "line": "L1"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "roster-SY-L1-" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [row[0].value for row in book["Roster"].iter_rows(min_row=2)] == ["SY1"]


@pytest.mark.parametrize(
    "query", [{"plant": "SY"}, {"plant": "SY", "line": "D1"}, {"plant": "XX"}, {}], ids=["sy", "de-line", "xx", "none"]
)
def test_the_cross_plant_outsider_gets_404(client, hr_de, staff, query) -> None:
    assert _client(client, hr_de).get(reverse("hr:roster-export"), query).status_code == 404


@pytest.mark.parametrize("persona", ["trainer", "manager", "auditor"])
def test_other_roles_may_not_export(client, staff, persona, request) -> None:
    user = request.getfixturevalue(persona)
    _client(client, user)
    assert client.get(reverse("hr:exports")).status_code == 403
    assert client.get(reverse("hr:roster-export"), {"plant": "SY"}).status_code == 404  # the plant is an object


def test_the_exports_page_lists_only_the_users_plants(client, hr_de, staff) -> None:
    page = _client(client, hr_de).get(reverse("hr:exports")).content.decode()
    assert "Debrecen" in page and "Shenyang" not in page


def test_a_large_export_runs_as_a_job_only_its_requester_or_an_admin_downloads(
    client, hr, admin_user, staff, settings, django_capture_on_commit_callbacks
) -> None:
    settings.EXPORT_ASYNC_THRESHOLD = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(client, hr).get(reverse("hr:roster-export"), {"plant": "SY"})
    job = SpreadsheetJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hr:job", args=[job.pk])

    job.refresh_from_db()  # eager Celery ran the task on commit
    assert (job.status, job.progress, job.counts) == ("done", 100, {"employees": 1})
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert reverse("hr:job-download", args=[job.pk]) in page
    download = client.get(reverse("hr:job-download", args=[job.pk]))
    assert download.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).sheetnames[0] == "Roster"

    other_hr = factories.UserFactory(username="hr2")
    factories.PlantMembershipFactory(user=other_hr, plant=staff["SY"], role="hr")
    client.force_login(other_hr)
    assert client.get(reverse("hr:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("hr:job-download", args=[job.pk])).status_code == 404
    client.force_login(admin_user)
    assert client.get(reverse("hr:job-download", args=[job.pk])).status_code == 200


# --- Imports --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "kinds"),
    [
        ("hr", {"employees", "results"}),
        ("trainer", {"results"}),
        ("admin_user", {"employees", "results", "organisation", "catalog"}),
    ],
)
def test_each_persona_sees_the_imports_they_may_run(client, staff, persona, kinds, request) -> None:
    _client(client, request.getfixturevalue(persona))
    page = client.get(reverse("hr:imports")).content.decode()
    for kind in ("employees", "results", "organisation", "catalog"):
        url = reverse("hr:import-upload", args=[kind])
        assert (url in page) == (kind in kinds)
        assert client.get(url).status_code == (200 if kind in kinds else 404)
        assert client.get(reverse("hr:import-template", args=[kind])).status_code == (200 if kind in kinds else 404)


def test_a_manager_has_no_imports(client, manager, staff) -> None:
    assert _client(client, manager).get(reverse("hr:imports")).status_code == 403


def test_the_template_holds_the_headers(client, hr, staff) -> None:
    response = _client(client, hr).get(reverse("hr:import-template", args=["employees"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book["Employees"][1]] == EMPLOYEE_HEADERS
    assert book["Employees"].freeze_panes == "A2"
    assert book.sheetnames == ["Employees", "Employees (example)", "Help", "Lists"]


def test_upload_preview_confirm_imports_once(client, hr, staff, tmp_path) -> None:
    upload = _upload(tmp_path, [["SY2", "Bo", "SY", "L1", "S1", "OP", "A", HIRE, ""]])
    response = _client(client, hr).post(
        reverse("hr:import-upload", args=["employees"]), {"plant": "SY", "file": upload}
    )
    job = SpreadsheetJob.objects.get()
    assert response["Location"] == reverse("hr:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Confirm and import" in page and "SY2 Bo" in page
    assert not Employee.objects.filter(employee_no="SY2").exists()

    confirmed = client.post(reverse("hr:job-confirm", args=[job.pk]), follow=True)
    assert "Imported" in confirmed.content.decode()
    assert Employee.objects.filter(employee_no="SY2", station=staff["S1"]).exists()

    client.post(reverse("hr:job-confirm", args=[job.pk]))  # a second click imports nothing more
    job.refresh_from_db()
    assert job.status == "committed" and Employee.objects.count() == 3


def test_a_preview_with_errors_cannot_be_confirmed(client, hr, staff, tmp_path) -> None:
    upload = _upload(tmp_path, [["SY2", "Bo", "SY", "L9", "", "OP", "A", HIRE, ""]])
    _client(client, hr).post(reverse("hr:import-upload", args=["employees"]), {"plant": "SY", "file": upload})
    job = SpreadsheetJob.objects.get()
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "Unknown line L9 at plant SY" in page and "Confirm and import" not in page
    client.post(reverse("hr:job-confirm", args=[job.pk]))
    assert not Employee.objects.filter(employee_no="SY2").exists()


def test_a_hostile_upload_is_refused_on_the_form_and_nothing_is_kept(client, hr, staff, tmp_path) -> None:
    fake = SimpleUploadedFile("staff.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    response = _client(client, hr).post(reverse("hr:import-upload", args=["employees"]), {"plant": "SY", "file": fake})
    assert response.status_code == 200
    assert "password-protected" in response.content.decode()
    assert SpreadsheetJob.objects.count() == 0
    macro = SimpleUploadedFile("staff.xlsm", b"PK\x03\x04")
    response = client.post(reverse("hr:import-upload", args=["employees"]), {"plant": "SY", "file": macro})
    assert "Only Excel .xlsx files are accepted." in response.content.decode()


def test_hr_of_another_plant_cannot_choose_sy(client, hr_de, staff, tmp_path) -> None:
    upload = _upload(tmp_path, [["SY2", "Bo", "SY", "", "", "OP", "A", HIRE, ""]])
    response = _client(client, hr_de).post(
        reverse("hr:import-upload", args=["employees"]), {"plant": "SY", "file": upload}
    )
    assert response.status_code == 200 and SpreadsheetJob.objects.count() == 0
    assert "Select a valid choice" in response.content.decode()


def test_another_users_import_job_is_404(client, hr, trainer, staff, tmp_path) -> None:
    upload = _upload(tmp_path, [["SY2", "Bo", "SY", "", "", "OP", "A", HIRE, ""]])
    _client(client, hr).post(reverse("hr:import-upload", args=["employees"]), {"plant": "SY", "file": upload})
    job = SpreadsheetJob.objects.get()
    client.force_login(trainer)
    assert client.get(reverse("hr:job", args=[job.pk])).status_code == 404
    assert client.post(reverse("hr:job-confirm", args=[job.pk])).status_code == 404
    assert not Employee.objects.filter(employee_no="SY2").exists()


def test_a_large_import_previews_and_commits_as_a_job(
    client, hr, staff, tmp_path, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_ASYNC_THRESHOLD = 0
    upload = _upload(tmp_path, [["SY2", "Bo", "SY", "", "", "OP", "A", HIRE, ""]])
    with django_capture_on_commit_callbacks(execute=True):
        _client(client, hr).post(reverse("hr:import-upload", args=["employees"]), {"plant": "SY", "file": upload})
    job = SpreadsheetJob.objects.get()
    assert job.status == "previewed" and job.counts["created"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hr:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "committed" and Employee.objects.filter(employee_no="SY2").exists()


def test_expired_jobs_and_their_files_are_purged(
    client, hr, staff, settings, django_capture_on_commit_callbacks
) -> None:
    from pathlib import Path

    from django.utils import timezone

    from spreadsheets.tasks import spreadsheet_jobs_purge

    settings.EXPORT_ASYNC_THRESHOLD = 0
    with django_capture_on_commit_callbacks(execute=True):
        _client(client, hr).get(reverse("hr:roster-export"), {"plant": "SY"})
    job = SpreadsheetJob.objects.get()
    path = Path(job.file.path)
    assert path.exists()
    assert spreadsheet_jobs_purge() == 0
    SpreadsheetJob.objects.update(expires_at=timezone.now())
    assert spreadsheet_jobs_purge() == 1
    assert not path.exists() and SpreadsheetJob.objects.count() == 0


def test_a_background_export_is_written_in_its_requesters_language(client, hr, staff, settings) -> None:
    from django.utils import translation

    from spreadsheets import services

    settings.EXPORT_ASYNC_THRESHOLD = 0
    client.force_login(hr)
    switch_language(client, "zh-hans")
    with translation.override("zh-hans"):
        job = services.export_job_create(plant=staff["SY"], line=None, requester=hr)
    assert job.language == "zh-hans"

    with translation.override("en"):  # a worker runs in no one's language
        services.export_job_run(job=job)

    download = client.get(reverse("hr:job-download", args=[job.pk]))
    roster = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))["Roster"]
    assert roster["I2"].value == "在职"


@pytest.mark.parametrize(("persona", "offers_admin_imports"), [("hr", False), ("admin_user", True), ("trainer", False)])
def test_the_home_card_offers_only_the_imports_the_viewer_may_run(
    client, staff, persona, offers_admin_imports, request
) -> None:
    page = _client(client, request.getfixturevalue(persona)).get(reverse("employees:home")).content.decode()
    card = page.split("bi-file-earmark-spreadsheet")[1].split("</div></div></div>")[0]
    assert ("organisation" in card) == offers_admin_imports
    assert ("catalog" in card) == offers_admin_imports
    if persona == "hr":
        assert "import staff lists and results" in card


# --- Small things HR met (issue #14) ---------------------------------------------------------------


def _plant_select(page: str) -> str:
    return re.search(r'<select name="plant".*?</select>', page, re.S).group(0)


@pytest.mark.parametrize(("persona", "kind"), [("hr", "employees"), ("trainer", "results")])
def test_the_upload_form_chooses_the_only_plant_of_its_user(client, staff, persona, kind, request) -> None:
    user = request.getfixturevalue(persona)

    select = _plant_select(_client(client, user).get(reverse("hr:import-upload", args=[kind])).content.decode())

    assert re.findall(r"<option[^>]*>", select) == ['<option value="SY" selected>']


def test_the_upload_form_lets_a_user_of_several_plants_choose(client, admin_user, staff) -> None:
    page = _client(client, admin_user).get(reverse("hr:import-upload", args=["employees"])).content.decode()

    assert re.findall(r"<option[^>]*>", _plant_select(page)) == [
        '<option value="" selected>',
        '<option value="DE">',
        '<option value="SY">',
    ]


@pytest.mark.parametrize("background", [False, True], ids=["download", "background-job"])
def test_the_export_audit_event_records_the_address(
    client, hr, staff, settings, background, django_capture_on_commit_callbacks
) -> None:
    from assessments.models import AuditAction, AuditEvent

    settings.EXPORT_ASYNC_THRESHOLD = 0 if background else 10_000
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(client, hr).get(reverse("hr:roster-export"), {"plant": "SY"}, REMOTE_ADDR="10.20.30.40")

    assert response.status_code == (302 if background else 200)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_CREATED)
    assert (event.actor, event.plant_id, event.ip_address) == (hr, staff["SY"].id, "10.20.30.40")
