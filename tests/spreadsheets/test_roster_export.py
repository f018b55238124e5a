"""The roster workbook: real values, types, styles, frozen panes, no formulas, and the round trip."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from assessments.services.certifications import certification_revoke
from assessments.services.result_rules import ResultInput
from assessments.services.results import assessments_record
from employees.models import Employee
from spreadsheets.engine import import_run
from spreadsheets.exports.roster import (
    COURSE_HEADERS,
    EXPIRING_HEADERS,
    FILL_EXPIRED,
    FILL_EXPIRING,
    FILL_LEVEL_I,
    FILL_MISSING,
    FILL_REVOKED,
    FILL_VALID,
    roster_workbook_write,
)
from tests import factories
from tests.spreadsheets.helpers import all_cells, open_back

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)


@pytest.fixture
def plant_data(org, trainer):
    """DOMAIN.md's worked example at SY/L1, plus a hostile name and a DE employee that must not leak."""
    area = factories.ProcessAreaFactory(code="PACK", name="Pack assembly")
    sy = org["SY"]
    hv = factories.CourseFactory(
        code="HV-001", process_area=area, needs_theory=True, needs_practical=True, validity_months=12
    )
    p1 = factories.CourseFactory(code="BAT-PACK-001", process_area=area, needs_theory=False, needs_practical=True)
    p2 = factories.CourseFactory(code="BAT-PACK-002", process_area=area, needs_theory=False, needs_practical=True)
    factories.RequirementFactory(course=hv, scope="plant", plant=sy)
    factories.RequirementFactory(course=p1, scope="station", station=org["S1"])
    factories.RequirementFactory(course=p2, scope="station", station=org["S2"])
    for course in (hv, p1, p2):
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=sy)
    hire = dt.date(2025, 1, 1)
    make = factories.EmployeeFactory
    a = make(employee_no="A", name="=SUM(A1)", plant=sy, line=org["L1"], station=org["S1"], hire_date=hire)
    b = make(employee_no="B", name="+86 Bo", plant=sy, line=org["L1"], station=org["S1"], hire_date=hire)
    c = make(employee_no="C", name="@Cy", plant=sy, line=org["L1"], station=org["S2"], hire_date=hire, shift="")
    make(employee_no="L", name="-Left", plant=sy, line=org["L1"], hire_date=hire, status="left")
    make(employee_no="DE1", name="Outsider", plant=org["DE"], line=org["D1"], hire_date=hire)

    def row(employee, course, kind, on, score=None, passed=None):
        return ResultInput(
            employee=employee, course=course, kind=kind, assessed_on=on, assessor=trainer, score=score, passed=passed
        )

    jan10, feb1, oct1 = dt.date(2026, 1, 10), dt.date(2026, 2, 1), dt.date(2025, 10, 1)
    assessments_record(
        rows=[
            row(a, hv, "theory", jan10, score=85),
            row(a, hv, "practical", jan10, passed=True),
            row(a, p1, "practical", feb1, passed=True),
            row(b, hv, "theory", jan10, score=79),
            row(b, hv, "practical", jan10, passed=True),
            row(b, p1, "practical", feb1, passed=True),
            row(c, hv, "theory", oct1, score=90),
            row(c, hv, "practical", oct1, passed=True),
            row(c, p2, "practical", oct1, passed=True),
        ],
        recorded_by=trainer,
    )
    return org


def _export(tmp_path, plant, line=None, on_date=D):
    path = tmp_path / "roster.xlsx"
    roster_workbook_write(plant=plant, line=line, on_date=on_date, target=path)
    return path


def test_it_writes_the_four_sheets_with_real_values_and_types(tmp_path, plant_data) -> None:
    book = open_back(_export(tmp_path, plant_data["SY"]))

    assert book.sheetnames == ["Roster", "Matrix", "Expiring", "Courses"]
    roster = [[c.value for c in row] for row in book["Roster"].iter_rows()]
    assert roster[0][:9] == ["Employee no", "Name", "Plant", "Line", "Station", "Role", "Shift", "Hire date", "Status"]
    assert [r[0] for r in roster[1:]] == ["A", "B", "C", "L"]  # no DE employee
    a = dict(zip(roster[0], roster[1], strict=True))
    assert a["Name"] == "=SUM(A1)"
    assert a["Hire date"] == dt.datetime(2025, 1, 1)
    assert (a["Qualified"], a["Qualified confirmed"], a["Completion %"], a["Met"], a["Required"]) == (
        "yes",
        "yes",
        1,
        2,
        2,
    )
    assert a["Next expiry"] == dt.datetime(2027, 1, 10)
    b = dict(zip(roster[0], roster[2], strict=True))
    assert (b["Qualified"], b["Completion %"], b["Met"], b["Required"]) == ("no", 0.5, 1, 2)
    assert isinstance(b["Met"], int) and isinstance(b["Completion %"], float)
    assert book["Roster"]["L3"].number_format == "0.0%"

    # C's HV-001 expires 93 days after D: outside the 90-day window on D, inside it three days later.
    assert book["Expiring"].max_row == 1
    later = open_back(_export(tmp_path, plant_data["SY"], on_date=dt.date(2026, 7, 3)))
    expiring = [[c.value for c in row] for row in later["Expiring"].iter_rows()]
    assert expiring[1:] == [["C", "@Cy", "L1", "S2", "HV-001", "Course HV-001", dt.datetime(2026, 10, 1), 90, "yes"]]

    courses = [[c.value for c in row] for row in book["Courses"].iter_rows()]
    assert [r[0] for r in courses[1:]] == ["BAT-PACK-001", "BAT-PACK-002", "HV-001"]
    assert courses[3][5:8] == ["Theory test + Practical evaluation", 80, 12]
    assert courses[1][7] == "no expiry"


def test_the_matrix_is_colour_coded_frozen_and_filtered(tmp_path, plant_data) -> None:
    book = open_back(_export(tmp_path, plant_data["SY"], on_date=dt.date(2026, 7, 3)))
    matrix = book["Matrix"]

    assert matrix.freeze_panes == "C4"
    assert matrix.auto_filter.ref == "A3:G6"
    assert [c.value for c in matrix[3] if c.value is not None] == [
        "Employee no",
        "Name",
        "Line",
        "Station",
        "BAT-PACK-001",
        "BAT-PACK-002",
        "HV-001",
    ]
    cells = {row[0].value: row for row in matrix.iter_rows(min_row=4)}
    assert set(cells) == {"A", "B", "C"}  # active employees only
    a_p1, a_p2, a_hv = cells["A"][4:7]
    assert (a_p1.value, a_p1.fill.fgColor.rgb[-6:]) == ("U no expiry", FILL_VALID.fgColor.rgb[-6:])
    assert a_p2.value is None and a_p2.fill.fill_type is None  # not required
    assert (a_hv.value, a_hv.fill.fgColor.rgb[-6:]) == ("U 2027-01-10", FILL_VALID.fgColor.rgb[-6:])
    assert a_hv.data_type == "s"
    # B failed the HV-001 theory test: attempted, never certified (I).
    assert (cells["B"][6].value, cells["B"][6].fill.fgColor.rgb[-6:]) == ("in progress", FILL_LEVEL_I.fgColor.rgb[-6:])
    c_hv = cells["C"][6]
    assert (c_hv.value, c_hv.fill.fgColor.rgb[-6:]) == ("U 2026-10-01", FILL_EXPIRING.fgColor.rgb[-6:])
    legend = [c.value for c in matrix[2]]
    assert legend[:7] == [
        "Legend:",
        "U 2027-06-30: level held, valid until (date)",
        "U no expiry",
        "expiring within 90 days",
        "expired",
        "revoked",
        "missing",
    ]
    assert matrix["E2"].fill.fgColor.rgb[-6:] == FILL_EXPIRED.fgColor.rgb[-6:]
    assert matrix["F2"].fill.fgColor.rgb[-6:] == FILL_REVOKED.fgColor.rgb[-6:]
    assert matrix["G2"].fill.fgColor.rgb[-6:] == FILL_MISSING.fgColor.rgb[-6:]
    assert matrix.column_dimensions["B"].width == 28

    later = open_back(_export(tmp_path, plant_data["SY"], on_date=dt.date(2026, 10, 1)))["Matrix"]
    assert later["G6"].value == "expired"


def test_no_cell_anywhere_is_a_formula(tmp_path, plant_data) -> None:
    book = open_back(_export(tmp_path, plant_data["SY"]))

    cells = all_cells(book)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = [c for c in cells if c.value in ("=SUM(A1)", "+86 Bo", "@Cy", "-Left")]
    assert len(names) >= 4 and all(c.data_type == "s" for c in names)


def test_one_line_only(tmp_path, plant_data) -> None:
    book = open_back(_export(tmp_path, plant_data["SY"], line=plant_data["L2"]))
    assert book["Roster"].max_row == 1
    assert [c.value for c in book["Matrix"][3] if c.value] == ["Employee no", "Name", "Line", "Station"]


def test_round_trip_export_then_import_changes_nothing(tmp_path, plant_data, hr) -> None:
    path = _export(tmp_path, plant_data["SY"])
    before = list(Employee.objects.order_by("id").values())

    preview = import_run(kind="employees", path=path, user=hr, plant=plant_data["SY"], commit=True, filename="r.xlsx")

    assert preview.ok, preview.as_text()
    assert preview.counts()["unchanged"] == 4
    assert preview.counts()["created"] == preview.counts()["updated"] == 0
    assert preview.warnings == []  # the computed columns are known and ignored quietly
    assert list(Employee.objects.order_by("id").values()) == before


def test_the_export_writes_in_write_only_mode(tmp_path, plant_data, monkeypatch) -> None:
    import openpyxl

    modes = []
    real = openpyxl.Workbook

    def spy(*args, **kwargs):
        modes.append(kwargs.get("write_only"))
        return real(*args, **kwargs)

    monkeypatch.setattr("certtrack.xlsx.openpyxl.Workbook", spy)
    _export(tmp_path, plant_data["SY"])
    assert modes == [True]


def test_an_expiring_certification_outside_the_required_set_is_listed_as_not_required(
    tmp_path,
    plant_data,
    trainer,
) -> None:
    # C holds a course nobody requires: valid 12 months, expiring 30 days after D.
    extra = factories.CourseFactory(
        code="EHS-009", title="Fire watch", needs_theory=False, needs_practical=True, validity_months=12
    )
    factories.TrainerAuthorisationFactory(user=trainer, course=extra, plant=plant_data["SY"])
    c = Employee.objects.get(employee_no="C")
    passed_on = dt.date(2025, 7, 30)
    assessments_record(
        rows=[
            ResultInput(
                employee=c, course=extra, kind="practical", assessed_on=passed_on, assessor=trainer, passed=True
            )
        ],
        recorded_by=trainer,
    )

    book = open_back(_export(tmp_path, plant_data["SY"]))

    expiring = [[cell.value for cell in row] for row in book["Expiring"].iter_rows()]
    assert expiring[1:] == [["C", "@Cy", "L1", "S2", "EHS-009", "Fire watch", dt.datetime(2026, 7, 30), 30, "no"]]


def test_a_revoked_certification_says_revoked_in_its_own_colour(tmp_path, plant_data, manager) -> None:
    """Revoked, not "missing": the person held it and lost it (issue #14, item 17)."""
    from assessments.models import Certification

    a_p1 = Certification.objects.get(employee__employee_no="A", course__code="BAT-PACK-001")
    certification_revoke(certification=a_p1, actor=manager, reason="quality incident")
    today = plant_data["SY"].local_today()

    matrix = open_back(_export(tmp_path, plant_data["SY"], on_date=today))["Matrix"]

    cells = {row[0].value: row for row in matrix.iter_rows(min_row=4)}
    assert (cells["A"][4].value, cells["A"][4].fill.fgColor.rgb[-6:]) == ("revoked", FILL_REVOKED.fgColor.rgb[-6:])
    assert cells["B"][6].value == "in progress"  # B never held HV-001: attempted, never certified


def test_the_workbook_speaks_its_requesters_language(tmp_path, plant_data, hr) -> None:
    """Role and status names (not codes), course titles and process areas in the workbook's language; the
    roster still imports back unchanged, whatever language the import runs in (issue #14, items 4 and 17)."""
    from courses.models import Course, ProcessArea
    from employees.models import JobRole

    JobRole.objects.filter(code="OP").update(name="Operator", name_zh="操作员")
    ProcessArea.objects.filter(code="PACK").update(name_zh="电池包装配")
    Course.objects.filter(code="HV-001").update(title="High-voltage safety", title_zh="高压安全")
    Employee.objects.filter(employee_no="C").update(role=JobRole.objects.get(code="OP"))
    english = open_back(_export(tmp_path, plant_data["SY"], on_date=dt.date(2026, 7, 3)))
    with translation.override("zh-hans"):
        path = _export(tmp_path, plant_data["SY"], on_date=dt.date(2026, 7, 3))
    chinese = open_back(path)

    def column(book, sheet, header):
        rows = [[c.value for c in row] for row in book[sheet].iter_rows()]
        index = rows[0].index(header)
        return [row[index] for row in rows[1:]]

    assert column(english, "Roster", "Status") == ["Active", "Active", "Active", "Left"]
    assert column(chinese, "Roster", "Status") == ["在职", "在职", "在职", "已离职"]
    assert column(chinese, "Roster", "Role")[2] == "操作员"
    assert column(english, "Roster", "Role")[2] == "Operator"
    with translation.override("zh-hans"):
        expiring, courses, matrix = (translation.pgettext("sheet name", n) for n in ("Expiring", "Courses", "Matrix"))
    assert chinese.sheetnames == ["Roster", matrix, expiring, courses]  # "Roster" is read back by the import
    assert column(chinese, expiring, "名称") == ["高压安全"]
    assert column(english, "Expiring", "Title") == ["High-voltage safety"]
    assert "高压安全" in column(chinese, courses, "名称")
    assert set(column(chinese, courses, "工艺领域")) == {"电池包装配"}
    with translation.override("zh-hans"):
        assert chinese[matrix]["G5"].value == translation.gettext("in progress")  # B lacks HV-001

    before = list(Employee.objects.order_by("id").values())
    preview = import_run(kind="employees", path=path, user=hr, plant=plant_data["SY"], commit=True, filename="r.xlsx")
    assert preview.ok, preview.as_text()
    assert preview.counts()["unchanged"] == 4
    assert list(Employee.objects.order_by("id").values()) == before


def test_the_read_only_sheets_head_their_columns_in_the_workbooks_language(tmp_path, plant_data) -> None:
    """Matrix, Expiring and Courses headers and a course's needs in Chinese; the Roster keeps the import's columns
    (issue #14, item 11)."""
    with translation.override("zh-hans"):
        book = open_back(_export(tmp_path, plant_data["SY"], on_date=dt.date(2026, 7, 3)))

    def headers(sheet: str, row: int = 1) -> list:
        with translation.override("zh-hans"):  # the read-only sheets are named in the workbook's language
            name = sheet if sheet == "Roster" else translation.pgettext("sheet name", sheet)
        assert sheet == "Roster" or name != sheet
        return [c.value for c in book[name][row] if c.value is not None]

    assert headers("Roster")[:9] == [
        "Employee no",
        "Name",
        "Plant",
        "Line",
        "Station",
        "Role",
        "Shift",
        "Hire date",
        "Status",
    ]
    assert headers("Matrix", 3) == ["员工编号", "姓名", "产线", "工位", "BAT-PACK-001", "BAT-PACK-002", "HV-001"]
    assert headers("Expiring") == ["员工编号", "姓名", "产线", "工位", "课程", "名称", "到期日期", "剩余天数", "必修"]
    assert headers("Courses") == [
        "代码",
        "名称",
        "工艺领域",
        "版本",
        "授课方式",
        "所需评估",
        "及格分",
        "有效期（月）",
        "安全关键",
        "所属工厂",
    ]
    with translation.override("zh-hans"):
        courses_sheet, expiring_sheet = (translation.pgettext("sheet name", n) for n in ("Courses", "Expiring"))
    needs = {row[0].value: row[5].value for row in book[courses_sheet].iter_rows(min_row=2)}
    assert needs == {"BAT-PACK-001": "实操评估", "BAT-PACK-002": "实操评估", "HV-001": "理论考试 + 实操评估"}
    assert [c.value for c in book[expiring_sheet][2]][-1] == "是"


@pytest.mark.parametrize("language", ["en", "zh-hans", "de", "hu", "es"])
def test_the_export_speaks_the_exporters_language_with_real_excel_dates(tmp_path, plant_data, language) -> None:
    """Issue #19: sheet names and the read-only sheets' headers in the exporter's language (catalogs filled), the
    Roster sheet in the import's own column names, and dates as real Excel dates that Excel shows per locale."""
    with translation.override(language):
        book = open_back(_export(tmp_path, plant_data["SY"]))
        names = [translation.pgettext("sheet name", n) for n in ("Matrix", "Expiring", "Courses")]
        expected = [str(h) for h in EXPIRING_HEADERS]
        course_headers = [str(h) for h in COURSE_HEADERS]
    assert book.sheetnames == ["Roster", *names]
    assert [c.value for c in book[names[1]][1]] == expected
    assert [c.value for c in book[names[2]][1]][: len(course_headers)] == course_headers
    if language != "en":  # a translated workbook: fails until the language's catalog is filled
        assert names != ["Matrix", "Expiring", "Courses"] and expected[-1] != "Required"
    roster = [list(row) for row in book["Roster"].iter_rows()]
    hire = [c.value for c in roster[0]].index("Hire date")
    assert [c.value for c in roster[0]][:2] == ["Employee no", "Name"]  # read back by the employee import
    assert all(row[hire].is_date and isinstance(row[hire].value, dt.datetime) for row in roster[1:] if row[hire].value)
