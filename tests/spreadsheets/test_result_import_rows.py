"""The results import reports every problem of every row (issue #14, item 16): a row with a bad cell is
still held to the rules that need only its good cells (the date rules of the services, the score's range);
a preview row reads in the language of whoever reads it (item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.services.result_rules import ResultInput
from assessments.services.results import assessments_record
from employees.models import Employee
from spreadsheets.engine import import_run
from spreadsheets.models import SpreadsheetJob
from tests import factories
from tests.languages import switch_language
from tests.spreadsheets.helpers import RESULT_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db

HIRED = dt.date(2025, 1, 1)


@pytest.fixture
def course(org, trainer):
    hv = factories.CourseFactory(code="HV-001", needs_theory=True, needs_practical=True, pass_mark=80)
    factories.TrainerAuthorisationFactory(user=trainer, course=hv, plant=org["SY"])
    factories.EmployeeFactory(employee_no="E1", plant=org["SY"], role=org["OP"], hire_date=HIRED)
    return hv


def _errors(tmp_path, user, rows, plant=None):
    path = make_xlsx(tmp_path / "results.xlsx", {"Results": [RESULT_HEADERS, *rows]})
    preview = import_run(kind="results", path=path, user=user, plant=plant, filename=path.name)
    return [(e.row, e.column, str(e.message)) for e in preview.errors]


def test_it_reports_the_date_of_a_row_whose_other_cells_are_bad(tmp_path, org, trainer, course) -> None:
    future = org["SY"].local_today() + dt.timedelta(days=30)
    before_hire = HIRED - dt.timedelta(days=1)

    errors = _errors(
        tmp_path,
        trainer,
        [
            ["E1", "HV-001", "theroy", future, 90, None, "", ""],
            ["E1", "HV-001", "theory", future, 150, None, "", ""],
            ["E1", "NOPE", "theory", before_hire, 90, None, "", ""],
            ["E1", "HV-001", "practical", future, 90, None, "", ""],  # a score but no pass / fail
            ["E1", "HV-001", "theroy", "2026-01-10", 90, None, "", ""],  # a good date: nothing said of it
            ["E9", "HV-001", "theroy", future, 90, None, "", ""],  # no employee: no hire date, no plant today
        ],
        plant=org["SY"],
    )

    future_message = "The assessment date may not be in the future."
    assert errors == [
        (2, "kind", "The kind must be theory or practical."),
        (2, "assessed_on", future_message),
        (3, "assessed_on", future_message),
        (3, "score", "must be between 0 and 100"),
        (4, "course_code", "Unknown course NOPE."),
        (4, "assessed_on", "The assessment date is before the hire date (2025-01-01)."),
        (5, "assessed_on", future_message),
        (5, "passed", "A practical evaluation needs pass or fail."),
        (6, "kind", "The kind must be theory or practical."),
        (7, "employee_no", "Unknown employee E9."),
        (7, "kind", "The kind must be theory or practical."),
    ]


def test_the_future_is_the_plant_local_today_of_the_rows_employee(tmp_path, admin_user) -> None:
    """Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC-11): its today is in Pago Pago's future."""
    east = factories.PlantFactory(code="KI", time_zone="Pacific/Kiritimati")
    west = factories.PlantFactory(code="PP", time_zone="Pacific/Pago_Pago")
    factories.EmployeeFactory(employee_no="K1", plant=east, hire_date=HIRED)
    factories.EmployeeFactory(employee_no="P1", plant=west, hire_date=HIRED)
    factories.CourseFactory(code="HV-001", needs_theory=True)
    east_today = east.local_today()
    assert east_today > west.local_today()

    errors = _errors(
        tmp_path,
        admin_user,
        [
            ["K1", "HV-001", "exam", east_today, 90, None, "", ""],
            ["P1", "HV-001", "exam", east_today, 90, None, "", ""],
        ],
    )

    assert errors == [
        (2, "kind", "The kind must be theory or practical."),
        (3, "kind", "The kind must be theory or practical."),
        (3, "assessed_on", "The assessment date may not be in the future."),
    ]


def test_a_whole_row_is_still_held_to_the_date_rules_once(tmp_path, org, trainer, course) -> None:
    """A row without bad cells goes through every rule of the services: its date is reported once, not twice."""
    future = org["SY"].local_today() + dt.timedelta(days=1)

    errors = _errors(tmp_path, trainer, [["E1", "HV-001", "theory", future, 90, None, "", ""]], plant=org["SY"])

    assert errors == [(2, "assessed_on", "The assessment date may not be in the future.")]


def test_a_duplicate_row_reads_in_the_readers_language(client, tmp_path, org, trainer, course) -> None:
    """The preview's row label names the kind; a stored preview shows it in the language of whoever reads it."""
    employee = Employee.objects.get(employee_no="E1")
    on = dt.date(2026, 1, 10)
    assessments_record(
        rows=[ResultInput(employee=employee, course=course, kind="theory", assessed_on=on, assessor=trainer, score=90)],
        recorded_by=trainer,
    )
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {
            "Results": [
                RESULT_HEADERS,
                ["E1", "HV-001", "theory", on, 90, None, "", ""],
                ["E1", "HV-001", "practical", on, None, "yes", "", ""],
            ]
        },
    )
    client.force_login(trainer)
    switch_language(client, "zh-hans")  # uploaded by someone working in Chinese
    client.post(
        reverse("hr:import-upload", args=["results"]),
        {"plant": "SY", "file": SimpleUploadedFile("results.xlsx", path.read_bytes())},
    )
    job = SpreadsheetJob.objects.get()

    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "E1 HV-001 理论考试 2026-01-10" in page  # skipped: already recorded
    assert "E1 HV-001 实操评估 2026-01-10" in page  # to create

    switch_language(client, "en")  # the same stored preview, read in English
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "E1 HV-001 Theory test 2026-01-10" in page
    assert "E1 HV-001 Practical evaluation 2026-01-10" in page
