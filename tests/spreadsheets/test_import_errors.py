"""Import previews report every bad cell, in reading order, with its column; the error list downloads as a
workbook; templates carry drop-down lists and an example row; stored messages show in the reader's language."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from certtrack.translatable import Translatable, as_data, from_data
from employees.models import Employee
from spreadsheets import services
from spreadsheets.engine import Preview, import_run, importer_for
from spreadsheets.engine.tables import template_write
from spreadsheets.models import SpreadsheetJob
from tests import factories
from tests.languages import switch_language
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, RESULT_HEADERS, make_xlsx
from tests.spreadsheets.test_other_imports import COURSE_HEADERS, REQ_HEADERS

pytestmark = pytest.mark.django_db


def _run(kind, path, user, plant=None, commit=False):
    return import_run(kind=kind, path=path, user=user, plant=plant, commit=commit, filename=path.name)


def _where(preview: Preview) -> list[tuple[str, int, str]]:
    return [(e.sheet, e.row, e.column) for e in preview.errors]


def _book(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


# --- Every bad cell, in order ---------------------------------------------------------------------


def test_it_reports_every_bad_cell_of_every_row_of_every_sheet_in_reading_order(tmp_path, org, admin_user) -> None:
    factories.ProcessAreaFactory(code="HV")
    blank = [""] * len(COURSE_HEADERS)

    def course(**cells: object) -> list[object]:
        row = list(blank)
        for key, value in cells.items():
            row[COURSE_HEADERS.index(key)] = value
        return row

    path = make_xlsx(
        tmp_path / "catalog.xlsx",
        {
            # The Requirements tab comes first in this workbook: its errors are listed first.
            "Requirements": [
                REQ_HEADERS,
                ["HV-9", "plant", "SY", "", "", ""],
                ["A-1", "galaxy", "XX", "", "", ""],
            ],
            "Courses": [
                COURSE_HEADERS,
                course(
                    code="A-1",
                    title="A",
                    process_area="HV",
                    delivery_mode="teleport",
                    needs="dance",
                    pass_mark=150,
                    validity_months=0,
                    safety_critical="maybe",
                ),
                course(title="B", process_area="ZZ", duration_hours="x", needs="theory"),
            ],
        },
    )

    preview = _run("catalog", path, admin_user, commit=True)

    assert not preview.committed
    assert _where(preview) == [
        ("Requirements", 2, "course_code"),
        ("Requirements", 3, "scope"),
        ("Requirements", 3, "plant"),
        ("Courses", 2, "delivery_mode"),
        ("Courses", 2, "needs"),
        ("Courses", 2, "pass_mark"),
        ("Courses", 2, "validity_months"),
        ("Courses", 2, "safety_critical"),
        ("Courses", 3, "code"),
        ("Courses", 3, "process_area"),
        ("Courses", 3, "duration_hours"),
    ]
    messages = [str(e) for e in preview.errors]
    assert messages[5] == "Courses row 2 [pass_mark]: must be between 0 and 100"
    assert messages[6] == "Courses row 2 [validity_months]: must be between 1 and 600"
    assert messages[9] == "Courses row 3 [process_area]: Unknown process area ZZ."


def test_every_bad_cell_of_a_row_is_reported_beside_its_lookups(tmp_path, org, hr, hire) -> None:
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {
            "Employees": [
                EMPLOYEE_HEADERS,
                ["E1", "Ann", "SY", "L9", "", "Wizard", "A", "31/02/2024", "retired"],
                ["E2", "", "XX", "", "S1", "OP", "A", hire, ""],
            ]
        },
    )

    preview = _run("employees", path, hr, org["SY"])

    assert [(e.row, e.column) for e in preview.errors] == [
        (2, "line"),
        (2, "role"),
        (2, "hire_date"),
        (2, "status"),
        (3, "name"),
        (3, "plant"),
        (3, "station"),
    ]


@pytest.fixture
def results_rules(org, trainer):
    hv = factories.CourseFactory(code="HV-001", needs_theory=True, needs_practical=True, pass_mark=80)
    factories.TrainerAuthorisationFactory(user=trainer, course=hv, plant=org["SY"])
    factories.UserFactory(username="stranger")
    factories.EmployeeFactory(employee_no="E1", plant=org["SY"], role=org["OP"], hire_date=dt.date(2025, 1, 1))
    return hv


def test_each_result_error_names_its_column(tmp_path, org, trainer, results_rules) -> None:
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {
            "Results": [
                RESULT_HEADERS,
                ["E1", "HV-001", "theory", "2026-01-10", 150, None, "", ""],  # score out of range (the cell)
                ["E1", "HV-001", "theory", "2026-01-11", None, None, "", ""],  # no score (the trainer rule)
                ["E1", "HV-001", "theory", "2099-01-01", 90, None, "", ""],  # future
                ["E1", "HV-001", "theory", "2026-01-12", 90, None, "stranger", ""],  # not authorised
                ["E1", "HV-001", "practical", "2024-06-01", None, "yes", "", ""],  # before the hire date
                ["E1", "NOPE", "theory", "31.02.2026", 90, None, "", ""],  # two bad cells
            ]
        },
    )

    preview = _run("results", path, trainer, org["SY"])

    assert [(e.row, e.column, e.message) for e in preview.errors] == [
        (2, "score", "must be between 0 and 100"),
        (3, "score", "A theory test needs a score."),
        (4, "assessed_on", "The assessment date may not be in the future."),
        (5, "assessor", "stranger is not authorised to assess HV-001 at plant SY."),
        (6, "assessed_on", "The assessment date is before the hire date (2025-01-01)."),
        (7, "course_code", "Unknown course NOPE."),
        (7, "assessed_on", "'31.02.2026' is not a date (use YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or an Excel date)"),
    ]


# --- The error workbook ---------------------------------------------------------------------------


def _upload_errors(client, user, tmp_path, rows, language="en"):
    path = make_xlsx(tmp_path / "results.xlsx", {"Results": [RESULT_HEADERS, *rows]})
    client.force_login(user)
    switch_language(client, language)
    client.post(
        reverse("hr:import-upload", args=["results"]),
        {"plant": "SY", "file": SimpleUploadedFile("results.xlsx", path.read_bytes())},
    )
    return SpreadsheetJob.objects.get()


def test_the_error_list_downloads_as_a_workbook_in_the_readers_language(
    client, tmp_path, org, trainer, admin_user, results_rules
) -> None:
    job = _upload_errors(
        client,
        trainer,
        tmp_path,
        [
            ["E1", "NOPE", "theory", "2026-01-10", 90, None, "", ""],
            ["E1", "HV-001", "theory", "2026-01-10", 150, None, "", ""],
            ["E9", "HV-001", "exam", "2026-01-10", 90, None, "", ""],
        ],
    )
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    url = reverse("hr:job-errors", args=[job.pk])
    assert url in page

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _book(response).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Sheet", "Row", "Column", "Reason"],
        ["Results", 2, "course_code", "Unknown course NOPE."],
        ["Results", 3, "score", "must be between 0 and 100"],
        ["Results", 4, "employee_no", "Unknown employee E9."],
        ["Results", 4, "kind", "The kind must be theory or practical."],
    ]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D5"
    assert sheet["A1"].font.b and sheet["B2"].data_type == "n" and sheet["D2"].data_type == "s"

    switch_language(client, "zh-hans")  # the same job, read by someone working in Chinese
    rows = [[c.value for c in row] for row in _book(client.get(url)).active.iter_rows()]
    assert rows[0] == ["工作表", "行", "列", "原因"]
    assert rows[1][3] == "未知课程 NOPE。"

    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    other = factories.UserFactory(username="trainer2")
    factories.PlantMembershipFactory(user=other, plant=org["SY"], role="trainer")
    client.force_login(other)
    assert client.get(url).status_code == 404  # another user's job


def test_a_job_without_errors_has_no_error_workbook(client, tmp_path, org, trainer, results_rules) -> None:
    job = _upload_errors(client, trainer, tmp_path, [["E1", "HV-001", "theory", "2026-01-10", 90, None, "", ""]])
    assert job.counts["errors"] == 0
    assert reverse("hr:job-errors", args=[job.pk]) not in client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert client.get(reverse("hr:job-errors", args=[job.pk])).status_code == 404


# --- Stored messages in the reader's language (issue #14, item 5) -----------------------------------


def test_a_stored_preview_shows_in_the_language_of_whoever_reads_it(
    client, tmp_path, org, trainer, results_rules
) -> None:
    job = _upload_errors(
        client,
        trainer,
        tmp_path,
        [
            ["E1", "NOPE", "theory", "2026-01-10", 90, None, "", ""],
            ["E1", "HV-001", "practical", "2026-01-10", None, None, "", ""],
        ],
    )
    stored = job.preview["errors"][0]
    assert (stored["code"], stored["params"]) == ("Unknown course %(code)s.", {"code": "NOPE"})
    assert "Unknown course NOPE." in client.get(reverse("hr:job", args=[job.pk])).content.decode()

    switch_language(client, "zh-hans")
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "未知课程 NOPE。" in page and "Unknown course NOPE." not in page


def test_a_parameter_that_is_itself_translated_follows_the_reader() -> None:
    from courses.models import AssessmentKind

    message = Translatable("Course %(course)s does not use a %(kind)s assessment.") % {
        "course": "HV-001",
        "kind": AssessmentKind.THEORY.label,
    }
    data = as_data(message)
    assert data["params"]["kind"] == {"code": "Theory test"}
    assert str(from_data(data)) == "Course HV-001 does not use a Theory test assessment."
    with translation.override("zh-hans"):
        assert str(from_data(data)) == "课程 HV-001 不需要理论考试。"


def test_jobs_stored_before_codes_were_kept_still_show(client, trainer, org) -> None:
    from django.utils import timezone

    job = SpreadsheetJob.objects.create(
        kind="results",
        plant=org["SY"],
        requester=trainer,
        status="previewed",
        counts={"errors": 1, "created": 0, "updated": 0, "unchanged": 0, "skipped": 1},
        preview={
            "kind": "results",
            "counts": {"errors": 1, "created": 0, "updated": 0, "unchanged": 0, "skipped": 1},
            "warnings": ["Results: column(s) Extra are not used and were ignored."],
            "errors": [{"sheet": "Results", "row": 2, "column": "", "message": "Unknown course OLD-1."}],
            "skipped": [
                {"sheet": "Results", "row": 3, "label": "E1 HV-001", "changes": {}, "note": "already recorded"}
            ],
        },
        created_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    client.force_login(trainer)
    switch_language(client, "zh-hans")
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "Unknown course OLD-1." in page
    assert "Results: column(s) Extra are not used and were ignored." in page


def test_a_failed_jobs_message_shows_in_the_readers_language(client, trainer, org) -> None:
    from django.utils import timezone

    from certtrack.translatable import gettext

    job = SpreadsheetJob.objects.create(
        kind="results",
        requester=trainer,
        created_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    with translation.override("en"):  # as a worker, in no one's language
        services.job_fail(job_id=job.pk, message=gettext("The file could not be checked. Nothing was imported."))

    client.force_login(trainer)
    switch_language(client, "zh-hans")
    assert "无法检查该文件。未导入任何内容。" in client.get(reverse("hr:job", args=[job.pk])).content.decode()


# --- Templates: drop-down lists and an example row -------------------------------------------------


def _drop_downs(book: openpyxl.Workbook, sheet_name: str) -> dict[str, list[str]]:
    """Column header -> the values of its drop-down list (read from the cells the list refers to)."""
    sheet = book[sheet_name]
    headers = {cell.column_letter: cell.value for cell in sheet[1]}
    lists = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list" and validation.errorStyle == "warning"
        source_sheet, cells = validation.formula1.lstrip("=").split("!")
        values = [c.value for row in book[source_sheet.strip("'")][cells.replace("$", "")] for c in row]
        for ref in str(validation.sqref).split():
            letter = ref.split(":")[0].rstrip("0123456789")
            assert ref == f"{letter}2:{letter}1048576"  # the whole column below the header
            lists[headers[letter]] = values
    return lists


def test_the_employee_template_offers_drop_downs_and_an_example_row(client, hr, org) -> None:
    client.force_login(hr)
    book = _book(client.get(reverse("hr:import-template", args=["employees"])))

    assert book.sheetnames == ["Employees", "Employees (example)", "Help", "Lists"]
    assert book["Lists"].sheet_state == "hidden"
    lists = _drop_downs(book, "Employees")
    assert lists == {
        "plant": ["SY"],  # the plants this user may import for
        "role": ["OP", "TL"],
        "shift": ["A", "B", "C"],
        "status": ["active", "on_leave", "left"],
    }
    assert _drop_downs(book, "Employees (example)") == lists
    assert book["Employees"].max_row == 1  # nothing to import until the user types rows
    example = [c.value for c in book["Employees (example)"][2]]
    # Made up (SY has no numbers yet to take the format from), at SY's first real station (issue #14, item 16).
    assert example == [
        "SY-EXAMPLE-001",
        "Example employee",
        "SY",
        "L1",
        "S1",
        "OP",
        "A",
        dt.datetime(2026, 3, 1),
        "active",
    ]
    assert book["Employees (example)"]["H2"].is_date
    assert "never imported" in book["Help"]["A1"].value


@pytest.mark.parametrize(
    ("kind", "sheet", "expected"),
    [
        (
            "results",
            "Results",
            {
                "kind": ["theory", "practical"],
                "passed": ["yes", "no"],
                "level": ["L", "U", "O"],
                "delivery_mode": ["classroom", "virtual", "on_the_job", "elearning"],
            },
        ),
        (
            "catalog",
            "Courses",
            {
                "process_area": ["HV"],
                "delivery_mode": ["classroom", "virtual", "on_the_job", "elearning"],
                "needs": ["theory", "practical", "theory;practical"],
                "safety_critical": ["yes", "no"],
                "uses_levels": ["yes", "no"],
                "owner_plant": ["DE", "SY"],
                "active": ["yes", "no"],
            },
        ),
        (
            "catalog",
            "Requirements",
            {
                "scope": ["plant", "role", "station"],
                "plant": ["DE", "SY"],
                "role": ["OP", "TL"],
                "min_level": ["L", "U", "O"],
            },
        ),
        ("catalog", "Checklists", {"critical": ["yes", "no"]}),
        (
            "organisation",
            "Organisation",
            {"plant": ["DE", "SY"], "process_area": ["HV"], "default_language": ["en", "zh-hans", "de", "hu", "es"]},
        ),
    ],
)
def test_every_template_offers_its_closed_lists(tmp_path, org, admin_user, kind, sheet, expected) -> None:
    factories.ProcessAreaFactory(code="HV")
    path = tmp_path / "template.xlsx"
    template_write(importer_for(kind), path, user=admin_user)
    assert _drop_downs(openpyxl.load_workbook(path), sheet) == expected


@pytest.mark.parametrize("kind", ["employees", "results", "organisation", "catalog"])
def test_importing_the_untouched_template_imports_nothing_and_says_why(tmp_path, org, admin_user, kind) -> None:
    factories.ProcessAreaFactory(code="HV")
    path = tmp_path / f"{kind}.xlsx"
    template_write(importer_for(kind), path, user=admin_user)
    employees_before = Employee.objects.count()

    preview = _run(kind, path, admin_user, plant=org["SY"] if kind in ("employees", "results") else None, commit=True)

    assert preview.errors == []
    assert preview.counts() == {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 0}
    sheet = importer_for(kind).sheets[0].name
    assert preview.warnings == [
        f"The sheet {sheet} has no rows below its headers: there is nothing to import. "
        "(A template's example sheet is never imported.)"
    ]
    assert Employee.objects.count() == employees_before


def test_the_example_row_copied_onto_the_sheet_imports(tmp_path, org, hr) -> None:
    """The example's values are the plant's where a row names something (plant, line, station, role) and made
    up where it creates by key (the number): copied as it is, the example row imports a new, made-up person."""
    path = tmp_path / "employees.xlsx"
    template_write(importer_for("employees"), path, user=hr, plant=org["SY"])
    book = openpyxl.load_workbook(path)
    book["Employees"].append([c.value for c in book["Employees (example)"][2]])
    book.save(path)

    preview = _run("employees", path, hr, org["SY"], commit=True)

    assert preview.committed, preview.as_text()
    assert preview.counts()["created"] == 1
    assert Employee.objects.get(employee_no="SY-EXAMPLE-001").station == org["S1"]
