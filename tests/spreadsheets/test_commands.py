"""The import and export commands share the engine: preview printed, non-zero exit and nothing written on errors."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from employees.models import Employee
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, RESULT_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db
HIRE = dt.date(2024, 3, 1)


def _call(*args: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_employees_dry_run_then_for_real(tmp_path, org) -> None:
    path = make_xlsx(
        tmp_path / "s.xlsx", {"Employees": [EMPLOYEE_HEADERS, ["E1", "Ann", "SY", "L1", "", "OP", "", HIRE, ""]]}
    )

    dry = _call("import_employees", str(path), "--plant", "SY", "--dry-run")
    assert "1 to create" in dry and "created: Employees row 2: E1 Ann" in dry and "dry run" in dry
    assert Employee.objects.count() == 0

    assert "imported" in _call("import_employees", str(path), "--plant", "SY")
    assert Employee.objects.count() == 1
    assert "0 to create, 0 to update, 1 unchanged" in _call("import_employees", str(path))


def test_import_lists_every_bad_row_and_exits_non_zero(tmp_path, org, hr) -> None:
    path = make_xlsx(
        tmp_path / "s.xlsx",
        {
            "Employees": [
                EMPLOYEE_HEADERS,
                ["E1", "Ann", "SY", "L9", "", "OP", "", HIRE, ""],
                ["E2", "Bo", "DE", "", "", "OP", "", HIRE, ""],
                ["E3", "Cy", "SY", "", "", "OP", "", HIRE, ""],
            ]
        },
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_employees", str(path), "--user", "hr", stdout=out)
    text = out.getvalue()
    assert "Employees row 2 [line]: Unknown line L9 at plant SY." in text
    assert "Employees row 3 [plant]: Plant DE is unknown or not one you may import for." in text
    assert Employee.objects.count() == 0


def test_import_results_needs_a_user(tmp_path, org) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", {"Results": [RESULT_HEADERS]})
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_results", str(path), stdout=out)
    assert "Results are recorded in someone's name: give --user." in out.getvalue()


def test_export_roster_command_writes_the_workbook(tmp_path, org) -> None:
    call_command(
        "import_employees",
        str(
            make_xlsx(
                tmp_path / "s.xlsx",
                {"Employees": [EMPLOYEE_HEADERS, ["E1", "Ann", "SY", "L1", "", "OP", "", HIRE, ""]]},
            )
        ),
        stdout=io.StringIO(),
    )
    output = tmp_path / "roster.xlsx"
    assert "1 employees" in _call("export_roster", "--plant", "SY", "--line", "L1", "-o", str(output))
    assert openpyxl.load_workbook(output)["Roster"]["A2"].value == "E1"
    with pytest.raises(CommandError):
        call_command("export_roster", "--plant", "SY", "--line", "D1", "-o", str(output))
