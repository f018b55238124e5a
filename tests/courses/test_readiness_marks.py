"""Requirement and course changes mark everyone whose readiness they change (services and admin)."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import Assessment, LineSnapshot, ReadinessMark
from assessments.readiness.recompute import plant_recompute
from assessments.services.certifications import certifications_refresh
from courses import services
from courses.models import Requirement
from tests import factories


@pytest.fixture
def line_setup(plant_sy):
    line = factories.ProductionLineFactory(plant=plant_sy, code="L1")
    other_line = factories.ProductionLineFactory(plant=plant_sy, code="L2")
    s1 = factories.StationFactory(line=line, code="S1")
    s2 = factories.StationFactory(line=line, code="S2")
    at_s1 = factories.EmployeeFactory(plant=plant_sy, line=line, station=s1)
    at_s2 = factories.EmployeeFactory(plant=plant_sy, line=line, station=s2)
    elsewhere = factories.EmployeeFactory(plant=plant_sy, line=other_line)
    left = factories.EmployeeFactory(plant=plant_sy, line=line, station=s1, status="left")
    return {"line": line, "s1": s1, "at_s1": at_s1, "at_s2": at_s2, "elsewhere": elsewhere, "left": left}


def _marked() -> set[int]:
    return set(ReadinessMark.objects.values_list("employee_id", flat=True))


def test_it_marks_the_whole_line_for_a_station_requirement(line_setup) -> None:
    course = factories.CourseFactory(code="BAT-1")
    assert _marked() == set()

    requirement = services.requirement_create(course=course, scope="station", station=line_setup["s1"])

    # Cross-trained people on the line count for the station's coverage, so all of them are marked.
    assert _marked() == {line_setup["at_s1"].id, line_setup["at_s2"].id}
    ReadinessMark.objects.all().delete()
    services.requirement_delete(requirement=requirement)
    assert _marked() == {line_setup["at_s1"].id, line_setup["at_s2"].id}
    assert not Requirement.objects.exists()


def test_it_marks_plant_and_role_requirements(line_setup, plant_sy, plant_de) -> None:
    course = factories.CourseFactory(code="HV-1")
    outsider = factories.EmployeeFactory(plant=plant_de)

    services.requirement_create(course=course, scope="plant", plant=plant_sy)
    assert _marked() == {line_setup["at_s1"].id, line_setup["at_s2"].id, line_setup["elsewhere"].id}

    ReadinessMark.objects.all().delete()
    services.requirement_create(course=course, scope="role", role=outsider.role, plant=plant_de)
    assert _marked() == {outsider.id}


def test_it_marks_everyone_when_a_course_validity_changes(line_setup, plant_sy) -> None:
    course = factories.CourseFactory(code="HV-2", needs_theory=False, needs_practical=True, validity_months=None)
    Requirement.objects.create(course=course, scope="plant", plant=plant_sy)
    employee = line_setup["at_s1"]
    factories.AssessmentFactory(employee=employee, course=course, kind="practical", assessed_on=dt.date(2025, 1, 10))
    certifications_refresh(pairs=[(employee.id, course.id)])  # as assessments_record does
    plant_recompute(plant_id=plant_sy.id, on_date=dt.date(2026, 6, 30))
    assert LineSnapshot.objects.get(line=line_setup["line"]).qualified == 1

    course.validity_months = 12
    services.course_save(course=course, changed_fields=["validity_months"])

    assert employee.id in _marked()
    assert line_setup["elsewhere"].id in _marked()
    assert Assessment.objects.count() == 1
    plant_recompute(plant_id=plant_sy.id, on_date=dt.date(2026, 6, 30))
    assert LineSnapshot.objects.get(line=line_setup["line"]).qualified == 0  # expired 2026-01-10


def test_it_marks_through_the_admin(line_setup, admin_user, client) -> None:
    course = factories.CourseFactory(code="BAT-9")
    client.force_login(admin_user)

    response = client.post(
        "/admin/courses/requirement/add/",
        {"course": course.id, "scope": "station", "station": line_setup["s1"].id, "min_level": "U"},
    )

    assert response.status_code == 302, response.content[:2000]
    assert _marked() == {line_setup["at_s1"].id, line_setup["at_s2"].id}
