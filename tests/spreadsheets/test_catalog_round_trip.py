"""The catalog's issue #16 columns: uses_levels, each requirement's min_level and the Checklists sheet; the
catalog export imports back unchanged."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from courses.models import Checklist, Course, Requirement
from courses.services import ChecklistItemInput, checklist_publish
from spreadsheets.engine import import_run
from spreadsheets.exports.catalog import catalog_workbook_write
from tests import factories
from tests.spreadsheets.helpers import make_xlsx, open_back

pytestmark = pytest.mark.django_db

COURSE_HEADERS = ["code", "title", "process_area", "needs", "uses_levels"]
REQUIREMENT_HEADERS = ["course_code", "scope", "plant", "role", "line", "station", "min_level"]
CHECKLIST_HEADERS = ["course_code", "revision", "item", "text", "text_zh", "critical", "threshold"]
ITEMS = [
    ChecklistItemInput(text="Module orientation checked", text_zh="模组方向已检查"),
    ChecklistItemInput(text="Torque sequence followed"),
    ChecklistItemInput(text="HV connector locked and verified", critical=True),
    ChecklistItemInput(text="Label scanned"),
]


def _run(path, user, commit=False):
    return import_run(kind="catalog", path=path, user=user, commit=commit, filename=path.name)


@pytest.fixture
def catalog(org):
    area = factories.ProcessAreaFactory(code="MOD")
    hv = factories.CourseFactory(code="HV-001", process_area=area, needs_theory=True, needs_practical=True)
    mod = factories.CourseFactory(
        code="BAT-MOD-010", process_area=area, needs_theory=False, needs_practical=True, uses_levels=True
    )
    mod.prerequisites.add(hv)
    checklist_publish(course=mod, items=ITEMS, threshold_pct=75)
    factories.RequirementFactory(course=hv, scope="plant", plant=org["SY"])
    factories.RequirementFactory(course=mod, scope="station", station=org["S1"], min_level="O")
    factories.RequirementFactory(course=mod, scope="role", role=org["TL"], min_level="L")
    return {"hv": hv, "mod": mod, "area": area}


def test_it_exports_the_catalog_and_imports_it_back_unchanged(tmp_path, catalog, admin_user) -> None:
    path = tmp_path / "catalog.xlsx"
    assert catalog_workbook_write(target=path) == 2

    book = open_back(path)
    assert book.sheetnames == ["Courses", "Requirements", "Checklists"]
    headers = [c.value for c in book["Courses"][1]]
    courses = [dict(zip(headers, (c.value for c in row), strict=True)) for row in book["Courses"].iter_rows(min_row=2)]
    mod_row = next(r for r in courses if r["code"] == "BAT-MOD-010")
    assert (mod_row["needs"], mod_row["uses_levels"], mod_row["prerequisites"]) == ("practical", "yes", "HV-001")
    requirements = sorted(tuple(c.value for c in row) for row in book["Requirements"].iter_rows(min_row=2))
    assert requirements == [
        ("BAT-MOD-010", "role", None, "TL", None, None, "L"),
        ("BAT-MOD-010", "station", "SY", None, "L1", "S1", "O"),
        ("HV-001", "plant", "SY", None, None, None, "U"),
    ]
    checklist = [[c.value for c in row] for row in book["Checklists"].iter_rows(min_row=2)]
    assert checklist == [
        ["BAT-MOD-010", 1, 1, "Module orientation checked", "模组方向已检查", "no", 75],
        ["BAT-MOD-010", 1, 2, "Torque sequence followed", None, "no", 75],
        ["BAT-MOD-010", 1, 3, "HV connector locked and verified", None, "yes", 75],
        ["BAT-MOD-010", 1, 4, "Label scanned", None, "no", 75],
    ]

    preview = _run(path, admin_user)
    assert preview.ok, preview.as_text()
    assert preview.counts() == {"created": 0, "updated": 0, "unchanged": 6, "skipped": 0, "errors": 0}
    assert _run(path, admin_user, commit=True).committed
    assert Checklist.objects.filter(course=catalog["mod"]).count() == 1
    assert Requirement.objects.count() == 3


def test_it_exports_the_catalog_from_the_command(tmp_path, catalog) -> None:
    path = tmp_path / "catalog.xlsx"
    call_command("export_catalog", "-o", str(path))
    assert open_back(path)["Checklists"].max_row == 5


def test_it_publishes_a_changed_checklist_and_updates_levels(tmp_path, catalog, admin_user) -> None:
    path = make_xlsx(
        tmp_path / "catalog.xlsx",
        {
            "Courses": [COURSE_HEADERS, ["HV-001", "HV", "MOD", "theory;practical", "yes"]],
            "Requirements": [REQUIREMENT_HEADERS, ["HV-001", "plant", "SY", "", "", "", "o"]],
            "Checklists": [
                CHECKLIST_HEADERS,
                ["BAT-MOD-010", 2, 1, "Module orientation checked", "", "no", None],
                ["BAT-MOD-010", 2, 2, "HV connector locked", "高压连接器已锁紧", "yes", None],
            ],
        },
    )
    preview = _run(path, admin_user)
    assert preview.ok, preview.as_text()
    assert [str(r.label) for r in preview.created] == ["BAT-MOD-010 checklist revision 2 (2 items)"]
    assert preview.updated[-1].changes == {"min_level": ["U", "O"]}

    assert _run(path, admin_user, commit=True).committed
    assert Course.objects.get(code="HV-001").uses_levels is True
    assert Requirement.objects.get(course__code="HV-001").min_level == "O"
    latest = Checklist.objects.filter(course=catalog["mod"]).order_by("-revision").first()
    assert (latest.revision, latest.threshold_pct) == (2, 100)
    assert [(i.position, i.text, i.text_zh, i.critical) for i in latest.items.all()] == [
        (1, "Module orientation checked", "", False),
        (2, "HV connector locked", "高压连接器已锁紧", True),
    ]
    # The same file again: the items equal the current revision's, nothing is published.
    assert _run(path, admin_user).counts()["created"] == 0


def test_it_refuses_every_bad_catalog_row_and_writes_nothing(tmp_path, catalog, admin_user) -> None:
    path = make_xlsx(
        tmp_path / "catalog.xlsx",
        {
            "Courses": [COURSE_HEADERS, ["HV-001", "HV", "MOD", "theory;practical", "maybe"]],
            "Requirements": [REQUIREMENT_HEADERS, ["HV-001", "plant", "SY", "", "", "", "X"]],
            "Checklists": [
                CHECKLIST_HEADERS,
                # Revision 1 is the current one: other items need a higher revision.
                ["BAT-MOD-010", 1, 1, "Other item", "", "no", 100],
                # HV-001's checklist leaves out item 2 and gives two thresholds.
                ["HV-001", 1, 1, "Gloves", "", "yes", 100],
                ["HV-001", 1, 3, "Meter", "", "no", 80],
                ["NOPE-1", 1, 1, "Anything", "", "no", 100],
                ["HV-001", 1, 0, "", "", "perhaps", 101],
            ],
        },
    )
    preview = _run(path, admin_user)
    errors = sorted((e.sheet, e.row, e.column) for e in preview.errors)
    assert errors == [
        ("Checklists", 2, "revision"),
        ("Checklists", 3, "item"),
        ("Checklists", 3, "threshold"),
        ("Checklists", 5, "course_code"),
        ("Checklists", 6, "critical"),
        ("Checklists", 6, "item"),
        ("Checklists", 6, "text"),
        ("Checklists", 6, "threshold"),
        ("Courses", 2, "uses_levels"),
        ("Requirements", 2, "min_level"),
    ], preview.as_text()
    assert not _run(path, admin_user, commit=True).committed
    assert Checklist.objects.count() == 1
    assert Course.objects.get(code="HV-001").uses_levels is False
    assert Requirement.objects.get(course__code="HV-001").min_level == "U"
