"""Bad and hostile files: each gets a clear message and nothing is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import DefusedXmlException

from employees.models import Employee
from spreadsheets.engine import import_run
from tests.spreadsheets.helpers import EMPLOYEE_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db

SHEET_PART = "xl/worksheets/sheet1.xml"


@pytest.fixture
def valid(tmp_path, org, hire) -> Path:
    return make_xlsx(
        tmp_path / "valid.xlsx",
        {"Employees": [EMPLOYEE_HEADERS, ["E1", "Ann", "SY", "L1", "S1", "OP", "A", hire, "active"]]},
    )


def _rezip(source: Path, target: Path, *, replace: dict[str, bytes] | None = None, add: dict | None = None) -> Path:
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for info in original.infolist():
            rebuilt.writestr(info.filename, replace.get(info.filename, original.read(info.filename)))
        for name, data in add.items():
            rebuilt.writestr(name, data)
    return target


def _refused(path: Path, user, plant, filename: str | None = None) -> str:
    before = Employee.objects.count()
    preview = import_run(
        kind="employees", path=path, user=user, plant=plant, commit=True, filename=filename or path.name
    )
    assert not preview.committed
    assert Employee.objects.count() == before
    assert preview.errors
    return " ".join(e.message for e in preview.errors)


def test_the_valid_file_itself_imports(valid, hr, org) -> None:
    preview = import_run(kind="employees", path=valid, user=hr, plant=org["SY"], commit=True, filename="valid.xlsx")
    assert preview.committed and Employee.objects.count() == 1


def test_it_refuses_a_file_that_is_not_an_xlsx(tmp_path, hr, org) -> None:
    text = tmp_path / "staff.xlsx"
    text.write_text("employee_no,name\nE1,Ann\n")
    assert "This is not an Excel .xlsx file." in _refused(text, hr, org["SY"])
    assert "Only Excel .xlsx files are accepted." in _refused(text, hr, org["SY"], filename="staff.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    assert "This is not an Excel .xlsx file." in _refused(broken, hr, org["SY"])


def test_it_refuses_a_macro_workbook(valid, tmp_path, hr, org) -> None:
    macro = _rezip(valid, tmp_path / "macro.xlsx", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    assert "Macro-enabled workbooks (.xlsm) are not accepted" in _refused(macro, hr, org["SY"])
    assert "Macro-enabled" in _refused(valid, hr, org["SY"], filename="staff.xlsm")


def test_it_refuses_a_password_protected_file(tmp_path, hr, org) -> None:
    # Excel saves an encrypted .xlsx as an OLE compound file, whatever its extension.
    encrypted = tmp_path / "secret.xlsx"
    encrypted.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504 + b"EncryptionInfo" + b"\0" * 1000)
    assert "password-protected" in _refused(encrypted, hr, org["SY"])


def test_it_refuses_a_zip_bomb_by_ratio_before_parsing(valid, tmp_path, hr, org) -> None:
    bomb = _rezip(valid, tmp_path / "bomb.xlsx", replace={SHEET_PART: b"<row/>" * 2_000_000})  # 12 MB → ~12 KB
    assert zipfile.ZipFile(bomb).getinfo(SHEET_PART).compress_size < 100_000
    assert "refused as a zip bomb" in _refused(bomb, hr, org["SY"])


def test_it_refuses_a_workbook_that_expands_beyond_the_limit(valid, tmp_path, hr, org, settings) -> None:
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 1
    big = _rezip(valid, tmp_path / "big.xlsx", add={"xl/media/padding.bin": bytes(range(256)) * 8192})
    assert "expands to more than 1 MB" in _refused(big, hr, org["SY"])


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>"""


def test_it_refuses_xml_entity_expansion_without_expanding_it(valid, tmp_path, hr, org) -> None:
    laughs = _rezip(valid, tmp_path / "laughs.xlsx", replace={SHEET_PART: BILLION_LAUGHS})
    assert "XML entity declarations" in _refused(laughs, hr, org["SY"])


def test_defusedxml_guards_openpyxl_even_past_our_dtd_scan(valid, tmp_path, hr, org) -> None:
    # A DTD pushed beyond the scanned head by a long comment: openpyxl's parser (defusedxml) refuses it.
    hidden = BILLION_LAUGHS.replace(b"<!DOCTYPE", b"<!--" + b" " * 70_000 + b"-->\n<!DOCTYPE", 1)
    laughs = _rezip(valid, tmp_path / "hidden.xlsx", replace={SHEET_PART: hidden})
    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(ValueError, match="Unable to read workbook") as raised:
        openpyxl.load_workbook(laughs, read_only=True)
    assert isinstance(raised.value.__cause__, DefusedXmlException)
    assert "XML entity declarations" in _refused(laughs, hr, org["SY"])


def test_it_refuses_more_rows_than_the_limit(tmp_path, hr, org, hire, settings) -> None:
    settings.IMPORT_MAX_ROWS = 3
    rows = [[f"E{i}", "N", "SY", "", "", "OP", "", hire, ""] for i in range(4)]
    path = make_xlsx(tmp_path / "many.xlsx", {"Employees": [EMPLOYEE_HEADERS, *rows]})
    assert "more than 3 rows" in _refused(path, hr, org["SY"])


def test_it_refuses_a_file_over_the_upload_size(valid, hr, org, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    assert "larger than the" in _refused(valid, hr, org["SY"])


def test_it_names_missing_and_wrong_headers(tmp_path, hr, org, hire) -> None:
    wrong = make_xlsx(tmp_path / "wrong.xlsx", {"Sheet": [["Nr", "Who"], ["E1", "Ann"]]})
    message = _refused(wrong, hr, org["SY"])
    assert "Missing column(s): employee_no, name, plant, role, hire_date" in message
    headerless = make_xlsx(tmp_path / "nohead.xlsx", {"Employees": [["E1", "Ann", "SY", "", "", "OP", "", hire, ""]]})
    assert "Missing column(s)" in _refused(headerless, hr, org["SY"])


def test_it_refuses_merged_cells(tmp_path, hr, org, hire) -> None:
    path = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Employees"
    sheet.append(EMPLOYEE_HEADERS)
    sheet.append(["E1", "Ann", "SY", "L1", "", "OP", "", hire, ""])
    sheet.append(["E2", "Bo", "SY", "L1", "", "OP", "", hire, ""])
    sheet.merge_cells("C2:C3")
    book.save(path)
    assert "Merged cells are not allowed (C2:C3)" in _refused(path, hr, org["SY"])


def test_it_refuses_formulas_where_values_belong(tmp_path, hr, org, hire) -> None:
    path = make_xlsx(
        tmp_path / "formula.xlsx",
        {"Employees": [EMPLOYEE_HEADERS, ["E1", '=CONCAT("A","nn")', "SY", "", "", "OP", "", "=TODAY()", ""]]},
    )
    preview = import_run(kind="employees", path=path, user=hr, plant=org["SY"], commit=True, filename="f.xlsx")
    assert [(e.row, e.column) for e in preview.errors] == [(2, "name"), (2, "hire_date")]
    assert "a formula is not allowed here" in preview.errors[0].message
    assert Employee.objects.count() == 0


def test_a_name_that_looks_like_a_formula_but_is_text_is_kept_as_text(tmp_path, hr, org, hire) -> None:
    path = tmp_path / "text.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(EMPLOYEE_HEADERS)
    sheet.append(["E1", None, "SY", "", "", "OP", "", hire, ""])
    sheet["B2"].value = "=SUM(A1)"
    sheet["B2"].data_type = "s"  # typed as text in the file, as Excel does for '=SUM(A1)
    book.save(path)
    preview = import_run(kind="employees", path=path, user=hr, plant=org["SY"], commit=True, filename="t.xlsx")
    assert preview.committed, preview.as_text()
    assert Employee.objects.get().name == "=SUM(A1)"
