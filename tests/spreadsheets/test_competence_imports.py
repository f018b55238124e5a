"""Issue #16's columns of the results and employee imports: level, delivery_mode and checklist marks on a
result; an employee's shift held to the plant's codes. Each accepted and refused (every bad row reported,
nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import Assessment
from courses.services import ChecklistItemInput, checklist_publish
from employees.models import Employee
from spreadsheets.engine import CellError, import_run
from spreadsheets.importers.assessments import checklist_marks_parse, checklist_marks_text
from tests import factories
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, RESULT_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db

HEADERS = [*RESULT_HEADERS, "level", "delivery_mode", "checklist"]
HIRED = dt.date(2025, 1, 1)
ON = dt.date(2026, 10, 1)


@pytest.fixture
def courses(org, trainer):
    """BAT-MOD-010 (practical, uses levels, checklist revision 1 of four items, item 3 critical) and PLAIN-001
    (practical, no levels, no checklist); E1 and E2 at SY."""
    mod = factories.CourseFactory(code="BAT-MOD-010", needs_theory=False, needs_practical=True, uses_levels=True)
    plain = factories.CourseFactory(code="PLAIN-001", needs_theory=False, needs_practical=True)
    checklist = checklist_publish(
        course=mod,
        items=[
            ChecklistItemInput(text="Orientation"),
            ChecklistItemInput(text="Torque"),
            ChecklistItemInput(text="HV connector", critical=True),
            ChecklistItemInput(text="Label"),
        ],
    )
    for course in (mod, plain):
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=org["SY"])
    for number in ("E1", "E2"):
        factories.EmployeeFactory(employee_no=number, plant=org["SY"], role=org["OP"], hire_date=HIRED)
    return {"mod": mod, "plain": plain, "checklist": checklist}


def _run(tmp_path, user, rows, commit=False, plant=None):
    path = make_xlsx(tmp_path / "results.xlsx", {"Results": [HEADERS, *rows]})
    return import_run(kind="results", path=path, user=user, plant=plant, commit=commit, filename=path.name)


def _row(employee, course, *, passed=None, level="", mode="", checklist="", on=ON):
    return [employee, course, "practical", on, None, passed, "", "", level, mode, checklist]


def test_it_records_levels_delivery_modes_and_checklist_marks(tmp_path, org, trainer, courses) -> None:
    rows = [
        _row("E1", "BAT-MOD-010", level="o", mode="Virtual model / simulation", checklist="1:ok;2:ok;3:ok;4:ok"),
        _row("E2", "BAT-MOD-010", checklist="4:是;3:否;2:yes;1:1"),  # item 3 (critical) not OK: fail
        _row("E1", "PLAIN-001", passed="yes", level="U", mode="on_the_job"),
        _row("E2", "PLAIN-001", passed="yes", mode="On the job"),  # no level: U
    ]
    preview = _run(tmp_path, trainer, rows, commit=True)
    assert preview.committed, preview.as_text()

    stored = {
        (a.employee.employee_no, a.course.code): a for a in Assessment.objects.select_related("employee", "course")
    }
    e1 = stored[("E1", "BAT-MOD-010")]
    assert (e1.passed, e1.level, e1.delivery_mode, e1.checklist_id, e1.checklist_marks) == (
        True,
        "O",
        "virtual",
        courses["checklist"].id,
        [True, True, True, True],
    )
    assert e1.is_provisional
    e2 = stored[("E2", "BAT-MOD-010")]
    assert (e2.passed, e2.level, e2.checklist_marks) == (False, None, [True, True, False, True])
    assert (stored[("E1", "PLAIN-001")].level, stored[("E1", "PLAIN-001")].delivery_mode) == ("U", "on_the_job")
    assert stored[("E2", "PLAIN-001")].delivery_mode == "on_the_job"

    # The marks read back as the import's own text, and the same file again changes nothing: the outcome
    # follows from the marks, so the checklist rows are recognised as recorded (skipped, not refused).
    assert checklist_marks_text(e2.checklist_marks) == "1:ok;2:ok;3:no;4:ok"
    again = _run(tmp_path, trainer, rows, commit=True)
    assert again.ok, again.as_text()
    assert again.counts()["skipped"] == 4
    assert Assessment.objects.count() == 4


def test_it_refuses_every_bad_new_cell_and_writes_nothing(tmp_path, org, trainer, courses) -> None:
    rows = [
        _row("E1", "PLAIN-001", passed="yes", level="X"),
        _row("E1", "PLAIN-001", passed="yes", level="O", on=dt.date(2026, 9, 30)),  # the course uses no levels
        _row("E2", "BAT-MOD-010", level="U", checklist="1:ok;2:ok;3:no;4:ok"),  # a level on a fail
        _row("E2", "PLAIN-001", passed="yes", mode="zoom"),
        _row("E1", "BAT-MOD-010", checklist="1:ok;2:maybe;3:ok;4:ok"),
        _row("E1", "BAT-MOD-010", checklist="1:ok;2:ok;3:ok", on=dt.date(2026, 10, 2)),  # 3 of 4 items
        _row("E1", "PLAIN-001", passed="yes", checklist="1:ok", on=dt.date(2026, 10, 3)),  # no checklist
        _row("E2", "BAT-MOD-010", passed="yes", on=dt.date(2026, 10, 4)),  # unmarked
        _row("E2", "BAT-MOD-010", checklist="1:ok;1:no", on=dt.date(2026, 10, 5)),
        _row("E2", "BAT-MOD-010", passed="no", checklist="ok;ok;ok;ok", on=dt.date(2026, 10, 6)),  # contradicts
        _row("E1", "BAT-MOD-010", checklist="1:ok;2:ok;4:ok", on=dt.date(2026, 10, 7)),  # item 3 left out
        _row("E2", "PLAIN-001", passed="yes", on=dt.date(2026, 10, 8)),  # a good row: not written either
    ]
    preview = _run(tmp_path, trainer, rows, commit=True)

    errors = [(e.row, e.column, str(e.message)) for e in preview.errors]
    assert errors == [
        (2, "level", "The level must be L, U or O."),
        (3, "level", "Course PLAIN-001 does not use levels: its practical passes are recorded as U."),
        (4, "level", "A level is given only on a passing practical evaluation."),
        (5, "delivery_mode", "Unknown delivery mode zoom: use one of classroom, virtual, on_the_job, elearning."),
        (6, "checklist", "item 2: mark it ok or no, not 'maybe'"),
        (7, "checklist", "Checklist revision 1 of BAT-MOD-010 has 4 items; 3 were marked."),
        (8, "checklist", "Course PLAIN-001 has no checklist for this result: leave the checklist marks empty."),
        (9, "checklist", "BAT-MOD-010 is marked against checklist revision 1: mark each of its 4 items."),
        (10, "checklist", "item 1 is marked twice"),
        (11, "checklist", "The checklist marks give pass, not the outcome stated."),
        (12, "checklist", "item(s) 3 not marked: mark every item"),
    ], preview.as_text()
    assert not preview.committed
    assert Assessment.objects.count() == 0


def test_checklist_marks_parse_reads_numbered_or_ordered_marks() -> None:
    assert checklist_marks_parse("1:ok;2:ok;3:no;4:ok") == [True, True, False, True]
    assert checklist_marks_parse("ok; no ;ok") == [True, False, True]
    assert checklist_marks_parse("2：否；1：是") == [True, False]  # full-width colon and semicolon
    assert checklist_marks_parse("") is None
    with pytest.raises(CellError):
        checklist_marks_parse("1:ok;no")


# --- Employees: shifts ----------------------------------------------------------------------------


def test_it_holds_an_employees_shift_to_the_plants_codes(tmp_path, org, hr) -> None:
    org["SY"].shift_codes = "A,B,C"
    org["SY"].save()
    hired = dt.date(2025, 1, 1)
    rows = [
        ["N1", "One", "SY", "L1", "S1", "OP", "b", hired, ""],  # any case: the plant's B
        ["N2", "Two", "SY", "L1", "", "OP", "", hired, ""],  # day staff
        ["N3", "Three", "SY", "L1", "", "OP", "D", hired, ""],
        ["N4", "Four", "SY", "L1", "", "OP", "Night", hired, ""],
    ]
    path = make_xlsx(tmp_path / "staff.xlsx", {"Employees": [EMPLOYEE_HEADERS, *rows]})
    preview = import_run(kind="employees", path=path, user=hr, plant=org["SY"], commit=True, filename=path.name)

    assert [(e.row, e.column, str(e.message)) for e in preview.errors] == [
        (4, "shift", "Shift D is not one of plant SY's shifts (A, B, C); leave it empty for day staff."),
        (5, "shift", "Shift Night is not one of plant SY's shifts (A, B, C); leave it empty for day staff."),
    ]
    assert not Employee.objects.filter(employee_no__in=["N1", "N2"]).exists()

    path = make_xlsx(tmp_path / "staff.xlsx", {"Employees": [EMPLOYEE_HEADERS, *rows[:2]]})
    assert import_run(kind="employees", path=path, user=hr, plant=org["SY"], commit=True, filename=path.name).committed
    assert dict(Employee.objects.filter(employee_no__in=["N1", "N2"]).values_list("employee_no", "shift")) == {
        "N1": "B",
        "N2": "",
    }


def test_the_results_templates_example_marks_the_checklist(tmp_path, org, trainer, courses) -> None:
    import openpyxl

    from spreadsheets.engine.importing import importer_for
    from spreadsheets.engine.tables import template_write

    path = tmp_path / "template.xlsx"
    template_write(importer_for("results"), path, user=trainer, plant=org["SY"])
    book = openpyxl.load_workbook(path)
    headers = [c.value for c in book["Results"][1]]
    example = dict(zip(headers, [c.value for c in book["Results (example)"][2]], strict=True))
    assert (example["course_code"], example["kind"], example["passed"]) == ("BAT-MOD-010", "practical", None)
    assert (example["level"], example["checklist"]) == ("U", "1:ok;2:ok;3:ok;4:ok")
    help_rows = {row[1].value: row[3].value for row in book["Help"].iter_rows(min_row=4)}
    assert "1:ok;2:ok;3:no;4:ok" in help_rows["checklist"]
