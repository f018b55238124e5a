"""Employee import: preview, commit all or nothing, re-import unchanged, normalisation of cells."""

from __future__ import annotations

import datetime as dt

import pytest

from employees.models import Employee
from spreadsheets.engine import import_run
from tests import factories
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db


def _run(path, user, plant=None, commit=False):
    return import_run(kind="employees", path=path, user=user, plant=plant, commit=commit, filename=path.name)


def test_it_previews_then_commits_and_a_second_import_changes_nothing(tmp_path, org, hr, hire) -> None:
    kept = factories.EmployeeFactory(employee_no="E9", name="Not in file", plant=org["SY"], role=org["OP"])
    moved = factories.EmployeeFactory(employee_no="E2", name="Bo Li", plant=org["SY"], role=org["OP"], hire_date=hire)
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {
            "Employees": [
                EMPLOYEE_HEADERS,
                ["E1", "Ann Wu", "SY", "L1", "S1", "OP", "A", hire, "active"],
                ["E2", "Bo Li", "SY", "L1", "S2", "Team leader", "B", hire, "on_leave"],
            ]
        },
    )

    preview = _run(path, hr, org["SY"])

    assert preview.ok, preview.as_text()
    assert [r.label for r in preview.created] == ["E1 Ann Wu"]
    assert [r.label for r in preview.updated] == ["E2 Bo Li"]
    assert preview.updated[0].changes["station"] == ["", "S2"]
    assert Employee.objects.count() == 2  # a preview writes nothing

    committed = _run(path, hr, org["SY"], commit=True)

    assert committed.committed
    e1 = Employee.objects.get(employee_no="E1")
    assert (e1.line, e1.station, e1.role, e1.shift, e1.hire_date) == (org["L1"], org["S1"], org["OP"], "A", hire)
    moved.refresh_from_db()
    assert (moved.station, moved.role.code, moved.status) == (org["S2"], "TL", "on_leave")
    kept.refresh_from_db()
    assert kept.name == "Not in file"  # employees missing from the file are untouched

    again = _run(path, hr, org["SY"], commit=True)

    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 0, "errors": 0}


def test_it_normalises_cells_full_width_digits_spaces_and_date_formats(tmp_path, org, hr) -> None:
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {
            "Employees": [
                EMPLOYEE_HEADERS,
                ["\u3000Ｅ００１２\u3000", " Ann Wu  ", "SY", "L1", "", "OP", "", "2024-03-01", ""],
                [None, None, None, None, None, None, None, None, None],
                ["E0013", "Bo", "SY", "", "", "op", "", "2024/03/02", "Active"],
                ["E0014", "Cy", "SY", "", "", "OP", "", "03.03.2024", "left"],
                ["E0015", "Di", "SY", "", "", "OP", "", "2024年3月4日", ""],
                ["E0016", "Ed", "SY", "", "", "OP", "", 45356, ""],  # Excel serial of 2024-03-05
                ["E0017", "Fa", "SY", "", "", "OP", "", "２０２４－０３－０６", ""],
            ]
        },
    )

    preview = _run(path, hr, org["SY"], commit=True)

    assert preview.committed, preview.as_text()
    employees = {e.employee_no: e for e in Employee.objects.all()}
    assert set(employees) == {"E0012", "E0013", "E0014", "E0015", "E0016", "E0017"}
    assert employees["E0012"].name == "Ann Wu"
    assert employees["E0014"].status == "left"
    assert [employees[f"E001{i}"].hire_date for i in range(2, 8)] == [dt.date(2024, 3, d) for d in range(1, 7)]


def test_it_reports_every_bad_row_and_writes_nothing(tmp_path, org, hr, hire) -> None:
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {
            "Employees": [
                EMPLOYEE_HEADERS,
                ["E1", "Ann", "SY", "L1", "S1", "OP", "A", hire, "active"],
                ["E2", "Bo", "SY", "L9", "", "OP", "A", hire, "active"],
                ["E3", "Cy", "SY", "L2", "S1", "OP", "A", hire, "active"],
                ["E4", "Di", "SY", "", "", "Wizard", "A", "31/02/2024", "retired"],
                ["E1", "Ann again", "SY", "", "", "OP", "A", hire, ""],
                ["E5", "Ed", "DE", "D1", "", "OP", "A", hire, ""],
                ["E6", "", "SY", "", "", "OP", "A", hire, ""],
            ]
        },
    )
    before = Employee.objects.count()

    preview = _run(path, hr, org["SY"], commit=True)

    assert not preview.committed
    assert Employee.objects.count() == before
    # Every bad cell of every row, in reading order: row 5's bad date does not hide its role and status.
    assert [(e.row, e.column) for e in preview.errors] == [
        (3, "line"),
        (4, "station"),
        (5, "role"),
        (5, "hire_date"),
        (5, "status"),
        (6, "employee_no"),
        (7, "plant"),
        (8, "name"),
    ]
    messages = " ".join(str(e) for e in preview.errors)
    assert "Unknown line L9 at plant SY" in messages
    assert "Unknown station S1 on line L2" in messages
    assert "appears twice in the file (rows 2 and 6)" in messages
    assert "This import is for plant SY; the row names DE" in messages
    assert "'31/02/2024' is not a date" in messages


def test_it_reports_unknown_roles_and_statuses(tmp_path, org, hr, hire) -> None:
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {"Employees": [EMPLOYEE_HEADERS, ["E4", "Di", "SY", "", "", "Wizard", "A", hire, "retired"]]},
    )

    preview = _run(path, hr, org["SY"])

    assert [(e.column, e.message) for e in preview.errors] == [
        ("role", "Unknown job role Wizard."),
        ("status", "Unknown status retired (active, on_leave, left)."),
    ]


def test_it_refuses_another_plants_employee_and_hides_nothing_it_should_not(tmp_path, org, hr, hire) -> None:
    factories.EmployeeFactory(employee_no="DE1", name="Eva", plant=org["DE"], role=org["OP"])
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {"Employees": [EMPLOYEE_HEADERS, ["DE1", "Eva", "SY", "", "", "OP", "", hire, ""]]},
    )

    preview = _run(path, hr, org["SY"], commit=True)

    assert not preview.committed
    assert [str(e) for e in preview.errors] == [
        "Employees row 2 [employee_no]: Employee DE1 belongs to a plant you may not import for."
    ]
    assert Employee.objects.get(employee_no="DE1").plant == org["DE"]


def test_the_import_reads_in_read_only_mode_with_formulas_visible(tmp_path, org, hr, hire, monkeypatch) -> None:
    import openpyxl

    calls = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        calls.append((kwargs.get("read_only"), kwargs.get("data_only")))
        return real(*args, **kwargs)

    monkeypatch.setattr("spreadsheets.engine.files.openpyxl.load_workbook", spy)
    path = make_xlsx(
        tmp_path / "s.xlsx", {"Employees": [EMPLOYEE_HEADERS, ["E1", "Ann", "SY", "", "", "OP", "", hire, ""]]}
    )
    assert _run(path, hr, org["SY"]).ok
    assert calls == [(True, False)]


def test_it_audits_each_employee_as_created_or_updated(tmp_path, org, hr, hire) -> None:
    from assessments.models import AuditEvent

    factories.EmployeeFactory(employee_no="E2", name="Bo Li", plant=org["SY"], role=org["OP"], hire_date=hire)
    path = make_xlsx(
        tmp_path / "staff.xlsx",
        {
            "Employees": [
                EMPLOYEE_HEADERS,
                ["E1", "Ann Wu", "SY", "L1", "S1", "OP", "A", hire, "active"],
                ["E2", "Bo Li", "SY", "L1", "S2", "OP", "B", hire, "active"],
            ]
        },
    )
    before = AuditEvent.objects.filter(object_type="Employee").count()

    assert _run(path, hr, org["SY"], commit=True).committed

    summaries = set(AuditEvent.objects.filter(object_type="Employee").values_list("summary", flat=True))
    assert before == 0
    assert summaries == {"E1 created by Excel import", "E2 updated by Excel import"}
