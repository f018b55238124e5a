"""One rule, one place (issue #14, item 2): a catalog change marks the same employees for the readiness
roll-up whether it comes through the admin, the Excel catalog import or the catalog file, because
all three call the same services (courses/services.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.models import Assessment, ReadinessMark, StationCoverage
from assessments.readiness.recompute import drain_marks, plant_recompute
from assessments.services.certifications import certifications_refresh
from courses.models import Course, Requirement
from courses.services import catalog_load
from employees.models import Employee
from spreadsheets.engine import import_run
from tests import factories
from tests.spreadsheets.helpers import make_xlsx

pytestmark = pytest.mark.django_db

COURSE_HEADERS = [
    "code",
    "title",
    "title_zh",
    "process_area",
    "version",
    "delivery_mode",
    "duration_hours",
    "needs",
    "pass_mark",
    "validity_months",
    "safety_critical",
    "prerequisites",
    "owner_plant",
    "active",
    "description",
]
REQ_HEADERS = ["course_code", "scope", "plant", "role", "line", "station"]
NEW_AT_S2 = ["NEW-1", "station", "SY", "", "L1", "S2"]


@pytest.fixture
def org(plant_sy, plant_de):
    """Plant SY with line L1 (stations S1, S2) and L2; plant DE with line D1; roles OP and TL."""
    l1 = factories.ProductionLineFactory(plant=plant_sy, code="L1")
    return {
        "SY": plant_sy,
        "DE": plant_de,
        "L1": l1,
        "L2": factories.ProductionLineFactory(plant=plant_sy, code="L2"),
        "S1": factories.StationFactory(line=l1, code="S1", per_shift_target=2),
        "S2": factories.StationFactory(line=l1, code="S2", per_shift_target=2),
        "D1": factories.ProductionLineFactory(plant=plant_de, code="D1"),
        "OP": factories.JobRoleFactory(code="OP", name="Operator"),
        "TL": factories.JobRoleFactory(code="TL", name="Team leader"),
    }


@pytest.fixture
def plant(org):
    """SY/L1: six operators at S1, three at S2 (nine on the line, all qualified for S2 while it requires
    nothing), a leaver at S2, a team leader on L2 and one at DE."""
    line, s1, s2 = org["L1"], org["S1"], org["S2"]
    make = factories.EmployeeFactory
    at_s1 = [make(employee_no=f"A{n}", plant=org["SY"], line=line, station=s1, role=org["OP"]) for n in range(6)]
    at_s2 = [make(employee_no=f"B{n}", plant=org["SY"], line=line, station=s2, role=org["OP"]) for n in range(3)]
    make(employee_no="LEFT", plant=org["SY"], line=line, station=s2, role=org["OP"], status="left")
    make(employee_no="L2", plant=org["SY"], line=org["L2"], role=org["TL"])
    make(employee_no="DE1", plant=org["DE"], line=org["D1"], role=org["TL"])
    factories.ProcessAreaFactory(code="PT")
    return {**org, "line_people": {e.id for e in at_s1 + at_s2}}


def _course(code: str = "NEW-1", **fields: object) -> Course:
    values = {"needs_theory": True, "needs_practical": False, "validity_months": 12, "pass_mark": 80}
    return factories.CourseFactory(code=code, title=f"Course {code}", process_area__code="PT", **(values | fields))


def _course_row(course: Course, **changes: object) -> list:
    values = {
        "code": course.code,
        "title": course.title,
        "title_zh": course.title_zh,
        "process_area": course.process_area.code,
        "version": course.version,
        "delivery_mode": course.delivery_mode,
        "duration_hours": float(course.duration_hours),
        "needs": ";".join(course.needed_kinds),
        "pass_mark": course.pass_mark,
        "validity_months": course.validity_months,
        "safety_critical": "yes" if course.safety_critical else "no",
        "prerequisites": "",
        "owner_plant": "",
        "active": "yes" if course.is_active else "no",
        "description": course.description,
    } | changes
    return [values[header] for header in COURSE_HEADERS]


def _import(tmp_path: Path, admin_user, *, courses: list[list], requirements: list[list] = ()) -> None:
    sheets = {"Courses": [COURSE_HEADERS, *courses]}
    if requirements:
        sheets["Requirements"] = [REQ_HEADERS, *requirements]
    path = make_xlsx(tmp_path / "catalog.xlsx", sheets)
    preview = import_run(kind="catalog", path=path, user=admin_user, commit=True, filename=path.name)
    assert preview.committed, preview.as_text()


def _admin_course_change(client, course: Course, **changes: object) -> None:
    data = {
        "code": course.code,
        "title": course.title,
        "title_zh": course.title_zh,
        "description": course.description,
        "process_area": course.process_area_id,
        "version": course.version,
        "delivery_mode": course.delivery_mode,
        "duration_hours": str(course.duration_hours),
        "needs_theory": course.needs_theory,
        "needs_practical": course.needs_practical,
        "pass_mark": course.pass_mark,
        "validity_months": course.validity_months or "",
        "safety_critical": course.safety_critical,
        "class_size": course.class_size,
        "owner_plant": "",
        "is_active": course.is_active,
    } | changes
    data = {name: ("on" if value is True else value) for name, value in data.items() if value is not False}
    response = client.post(f"/admin/courses/course/{course.pk}/change/", data)
    assert response.status_code == 302, response.content[:3000]


def _marks() -> set[tuple]:
    """The outbox rows, as the roll-up reads them: who, at which plant, which course changed, and why."""
    return set(ReadinessMark.objects.values_list("employee_id", "plant_id", "course_id", "reason"))


def _take_marks() -> set[tuple]:
    marks = _marks()
    ReadinessMark.objects.all().delete()
    return marks


def test_a_new_station_requirement_marks_the_same_people_either_way(tmp_path, plant, admin_user, client) -> None:
    course = _course()
    client.force_login(admin_user)
    ReadinessMark.objects.all().delete()

    response = client.post(
        "/admin/courses/requirement/add/",
        {"course": course.id, "scope": "station", "station": plant["S2"].id, "min_level": "U"},
    )
    assert response.status_code == 302
    through_admin = _take_marks()
    Requirement.objects.all().delete()

    _import(
        tmp_path, admin_user, courses=[_course_row(course)], requirements=[["NEW-1", "station", "SY", "", "L1", "S2"]]
    )
    through_import = _take_marks()

    assert Requirement.objects.get().station == plant["S2"]
    # Everybody active on the station's line, cross-trained people at S1 included; not the leaver,
    # not L2, not the other plant.
    assert {employee_id for employee_id, *_rest in through_import} == plant["line_people"]
    assert through_import == through_admin


def test_a_deactivated_course_marks_the_same_people_either_way(tmp_path, plant, admin_user, client) -> None:
    course = _course()
    factories.RequirementFactory(course=course, scope="station", station=plant["S1"])
    factories.RequirementFactory(course=course, scope="role", role=plant["TL"], plant=None)
    client.force_login(admin_user)
    ReadinessMark.objects.all().delete()

    _admin_course_change(client, course, is_active=False)
    through_admin = _take_marks()
    Course.objects.filter(pk=course.pk).update(is_active=True)
    course.refresh_from_db()

    _import(tmp_path, admin_user, courses=[_course_row(course, active="no")])
    through_import = _take_marks()

    assert Course.objects.get(pk=course.pk).is_active is False
    # Everybody the station or the (company-wide) role requirement reaches: L1's active people, and
    # the team leaders of both plants.
    team_leaders = set(Employee.objects.filter(employee_no__in=["L2", "DE1"]).values_list("id", flat=True))
    assert {employee_id for employee_id, *_rest in through_import} == plant["line_people"] | team_leaders
    assert through_import == through_admin


def test_a_changed_validity_marks_the_same_people_either_way(tmp_path, plant, admin_user, client, trainer) -> None:
    course = _course()
    factories.RequirementFactory(course=course, scope="station", station=plant["S2"])
    holder = Employee.objects.get(employee_no="A0").id
    factories.AssessmentFactory(employee_id=holder, course=course, kind="theory", score=90, passed=True)
    certifications_refresh(pairs=[(holder, course.id)])
    client.force_login(admin_user)
    ReadinessMark.objects.all().delete()

    _admin_course_change(client, course, validity_months=24)
    through_admin = _take_marks()
    Course.objects.filter(pk=course.pk).update(validity_months=12)
    course.refresh_from_db()

    _import(tmp_path, admin_user, courses=[_course_row(course, validity_months=24)])
    through_import = _take_marks()

    assert {employee_id for employee_id, *_rest in through_import} == plant["line_people"]
    assert through_import == through_admin
    assert Assessment.objects.count() == 1


def test_after_the_import_the_station_counts_nobody_for_a_course_nobody_holds(tmp_path, plant, admin_user) -> None:
    today = plant["SY"].local_today()
    plant_recompute(plant_id=plant["SY"].id, on_date=today)
    assert StationCoverage.objects.get(station=plant["S2"]).qualified == 9
    course = _course()

    _import(
        tmp_path, admin_user, courses=[_course_row(course)], requirements=[["NEW-1", "station", "SY", "", "L1", "S2"]]
    )
    drain_marks()

    assert StationCoverage.objects.get(station=plant["S2"]).qualified == 0
    assert StationCoverage.objects.get(station=plant["S1"]).qualified == 9
    assert not ReadinessMark.objects.exists()


def _catalog_file(tmp_path: Path, *, active: bool, role_courses: list[str]) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(
        f"""
[[process_areas]]
code = "PT"
name = "Pack tests"

[[job_roles]]
code = "TL"
name = "Team leader"
courses = {role_courses!r}

[[courses]]
code = "NEW-1"
title = "Course NEW-1"
area = "PT"
needs = ["theory"]
validity_months = 12
active = {"true" if active else "false"}
""".replace("'", '"'),
        encoding="utf-8",
    )
    return path


def test_the_catalog_file_marks_the_same_people_as_the_admin(tmp_path, plant, admin_user, client) -> None:
    catalog_load(path=_catalog_file(tmp_path, active=True, role_courses=[]))
    course = Course.objects.get(code="NEW-1")
    factories.RequirementFactory(course=course, scope="station", station=plant["S1"])
    client.force_login(admin_user)
    ReadinessMark.objects.all().delete()

    # A company-wide role requirement.
    response = client.post(
        "/admin/courses/requirement/add/",
        {"course": course.id, "scope": "role", "role": plant["TL"].id, "min_level": "U"},
    )
    assert response.status_code == 302
    through_admin = _take_marks()
    Requirement.objects.filter(scope="role").delete()
    catalog_load(path=_catalog_file(tmp_path, active=True, role_courses=["NEW-1"]))
    assert _take_marks() == through_admin
    assert Requirement.objects.filter(scope="role", role=plant["TL"], plant=None).count() == 1

    # The course deactivated.
    _admin_course_change(client, course, is_active=False)
    through_admin = _take_marks()
    Course.objects.filter(pk=course.pk).update(is_active=True)
    catalog_load(path=_catalog_file(tmp_path, active=False, role_courses=["NEW-1"]))
    through_file = _take_marks()
    assert {employee_id for employee_id, *_rest in through_file} >= plant["line_people"]
    assert through_file == through_admin
