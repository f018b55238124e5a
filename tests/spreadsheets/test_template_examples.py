"""Templates' example rows are made up and fit the plant they are downloaded for (issue #14, item 16): copying
one never overwrites a real person, line or course, and the codes it names exist at the plant."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from courses.models import Course, Requirement
from employees.models import Employee, ProductionLine, Station
from spreadsheets.engine import import_run, importer_for
from spreadsheets.engine.tables import template_write
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_like(plant_sy, plant_de, trainer):
    """SY as the demo builds it: numbers SY-000101... (SY-000123 is a real person), lines MOD1 and PACK1 with
    stations S010..., a plant-wide HV course the trainer assesses."""
    area = factories.ProcessAreaFactory(code="PACK")
    mod1 = factories.ProductionLineFactory(plant=plant_sy, code="MOD1", process_area=area)
    pack1 = factories.ProductionLineFactory(plant=plant_sy, code="PACK1", process_area=area)
    for line in (mod1, pack1):
        for code in ("S010", "S020"):
            factories.StationFactory(line=line, code=code)
    factories.StationFactory(line=factories.ProductionLineFactory(plant=plant_de, code="AAA"), code="X1")
    operator = factories.JobRoleFactory(code="OP", name="Operator")
    for number in range(101, 124):
        factories.EmployeeFactory(
            employee_no=f"SY-{number:06d}", name=f"Person {number}", plant=plant_sy, line=mod1, role=operator
        )
    factories.EmployeeFactory(employee_no="SY-999999", plant=plant_de, role=operator)  # taken, at another plant
    factories.CourseFactory(code="BAT-PACK-014", process_area=area, needs_theory=False, needs_practical=True)
    hv = factories.CourseFactory(code="HV-001", process_area=area, needs_theory=True)
    factories.TrainerAuthorisationFactory(user=trainer, course=hv, plant=plant_sy)
    return plant_sy


def _template(client, user, kind, **query) -> openpyxl.Workbook:
    client.force_login(user)
    response = client.get(reverse("hr:import-template", args=[kind]), query)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _example(book: openpyxl.Workbook, sheet: str) -> dict[str, object]:
    rows = [[c.value for c in row] for row in book[f"{sheet} (example)"].iter_rows()]
    return dict(zip(rows[0], rows[1], strict=True))


def _copy_examples(book: openpyxl.Workbook, path, sheets: list[str]):
    """The user's mistake the issue names: the example row copied onto the sheet that is imported."""
    for sheet in sheets:
        book[sheet].append([c.value for c in book[f"{sheet} (example)"][2]])
    book.save(path)
    return path


def test_the_employee_example_is_a_made_up_person_at_a_real_station(client, tmp_path, hr, demo_like) -> None:
    book = _template(client, hr, "employees")
    example = _example(book, "Employees")

    assert example["employee_no"] == "SY-999998"  # the plant's format; SY-999999 is someone at DE
    assert not Employee.objects.filter(employee_no=example["employee_no"]).exists()
    assert example["name"] == "Example employee"
    assert (example["plant"], example["line"], example["station"]) == ("SY", "MOD1", "S010")
    assert Station.objects.filter(line__plant=demo_like, line__code="MOD1", code="S010").exists()

    before = list(Employee.objects.order_by("id").values())
    path = _copy_examples(book, tmp_path / "employees.xlsx", ["Employees"])
    preview = import_run(kind="employees", path=path, user=hr, plant=demo_like, commit=True, filename="e.xlsx")

    assert preview.committed, preview.as_text()
    assert preview.counts()["created"] == 1 and preview.counts()["updated"] == 0
    assert list(Employee.objects.filter(id__in=[e["id"] for e in before]).order_by("id").values()) == before
    assert Employee.objects.get(employee_no="SY-999998").station.code == "S010"


def test_the_results_example_names_the_same_made_up_person_and_a_course_the_user_assesses(
    client, hr, trainer, demo_like
) -> None:
    example = _example(_template(client, trainer, "results"), "Results")
    employee_example = _example(_template(client, hr, "employees"), "Employees")

    assert example["employee_no"] == employee_example["employee_no"] == "SY-999998"
    assert (example["course_code"], example["kind"], example["score"]) == ("HV-001", "theory", 86)


def test_the_organisation_example_adds_a_line_and_renames_none(client, tmp_path, admin_user, demo_like) -> None:
    factories.ProductionLineFactory(plant=demo_like, code="EXAMPLE")  # even a line of that name is left alone
    book = _template(client, admin_user, "organisation", plant="SY")
    example = _example(book, "Organisation")

    assert (example["plant"], example["line_code"], example["station_code"]) == ("SY", "EXAMPLE2", "S010")
    assert (example["line_name"], example["station_name"]) == ("Example line", "Example station")

    lines_before = list(ProductionLine.objects.order_by("id").values())
    path = _copy_examples(book, tmp_path / "organisation.xlsx", ["Organisation"])
    preview = import_run(kind="organisation", path=path, user=admin_user, commit=True, filename="o.xlsx")

    assert preview.committed, preview.as_text()
    assert preview.counts()["created"] == 1 and preview.counts()["updated"] == 0
    assert (
        list(ProductionLine.objects.filter(id__in=[r["id"] for r in lines_before]).order_by("id").values())
        == lines_before
    )


def test_the_catalog_example_adds_a_course_required_at_a_real_station(client, tmp_path, admin_user, demo_like) -> None:
    book = _template(client, admin_user, "catalog", plant="SY")
    course, requirement = _example(book, "Courses"), _example(book, "Requirements")

    assert course["code"] == requirement["course_code"] == "EXAMPLE-001"
    assert (requirement["scope"], requirement["plant"], requirement["line"], requirement["station"]) == (
        "station",
        "SY",
        "MOD1",
        "S010",
    )

    courses_before = list(Course.objects.order_by("id").values())
    path = _copy_examples(book, tmp_path / "catalog.xlsx", ["Courses", "Requirements"])
    preview = import_run(kind="catalog", path=path, user=admin_user, commit=True, filename="c.xlsx")

    assert preview.committed, preview.as_text()
    assert (
        list(Course.objects.filter(id__in=[c["id"] for c in courses_before]).order_by("id").values()) == courses_before
    )
    assert Requirement.objects.get(course__code="EXAMPLE-001").station.line.code == "MOD1"


def test_the_template_of_another_plant_is_not_served(client, hr, demo_like) -> None:
    client.force_login(hr)
    assert client.get(reverse("hr:import-template", args=["employees"]), {"plant": "DE"}).status_code == 404


def test_a_template_written_for_no_plant_names_nobody(tmp_path, demo_like) -> None:
    """The command line's template (no user, no plant): the columns' own made-up examples."""
    path = tmp_path / "employees.xlsx"
    template_write(importer_for("employees"), path)
    example = _example(openpyxl.load_workbook(path), "Employees")

    assert example["employee_no"] == "EXAMPLE-001"
    assert (example["line"], example["station"]) == (None, None)
    assert example["hire_date"] == dt.datetime(2026, 3, 1)
